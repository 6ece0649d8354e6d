"""NumPy inputs: complex recordings are refused wherever they come in, as ``SSMClassifier`` refuses a
complex array (a ``.npz`` of complex ``X`` and a list of complex arrays were read as their real parts
alone, with only NumPy's ComplexWarning: a spectrum's phase thrown away without a word); labels a
``.npz`` holds as objects get a fix for labels."""

from __future__ import annotations

import numpy as np
import pytest

from ssm_ts import SSMClassifier
from ssm_ts.errors import DataError
from ssm_ts.pipelines.sensor import make_series_set, read_series

FIX = r"recordings must be real: keep the magnitude, np\.abs\(x\)"


@pytest.fixture()
def spectra():
    """4 recordings of 2 channels and 8 steps, complex (as an FFT returns them), and their labels."""
    waves = np.random.default_rng(0).normal(size=(4, 2, 14))
    return np.fft.rfft(waves, axis=-1), np.array(["a", "b", "a", "b"])


def test_a_complex_npz_is_refused(spectra, tmp_path):
    X, y = spectra
    np.savez(tmp_path / "spectra.npz", X=X, y=y)
    with pytest.raises(DataError, match=rf"Complex data not supported: .*spectra\.npz, recording 0 .*{FIX}"):
        read_series(tmp_path / "spectra.npz")


def test_a_list_with_one_complex_recording_is_refused(spectra):
    X, y = spectra
    recordings = [x.real for x in X[:3]] + [X[3]]
    with pytest.raises(DataError, match=rf"X, recording 3 holds complex numbers; {FIX}"):
        make_series_set(recordings, y, source="X")
    with pytest.raises(DataError, match="Complex data not supported"):
        SSMClassifier(method="random_features", n_kernels=8).fit(recordings, y)


def test_the_fix_reads(spectra):
    X, y = spectra
    data = make_series_set(np.concatenate([X.real, X.imag], axis=-2), y)
    assert data.n_channels == 4 and data.values[0].shape == (4, 8)
    np.testing.assert_allclose(data.values[1][2:], X[1].imag)


def test_labels_saved_as_objects_get_a_fix_for_labels(tmp_path):
    """Labels from a pandas column are an object array, which np.savez pickles: the fix named padded
    recordings (X's), not the labels."""
    X = np.zeros((2, 1, 5))
    np.savez(tmp_path / "data.npz", X=X, y=np.array(["walk", "run"], dtype=object))
    with pytest.raises(DataError, match=r"array 'y' cannot be read .*np.asarray\(y, dtype=str\)\)\.$"):
        read_series(tmp_path / "data.npz")
    np.savez(tmp_path / "data.npz", X=X, y=np.asarray(np.array(["walk", "run"], dtype=object), dtype=str))
    assert read_series(tmp_path / "data.npz").labels.tolist() == ["walk", "run"]
