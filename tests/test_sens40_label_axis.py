"""Labels that do not count X's recordings because X lies along another axis (aeon's layout is
``(n_cases, n_channels, n_timepoints)``; a 2-D array ``(n_timepoints, n_cases)`` is a column per
recording): the error names X's shape, the axis as long as the labels and the transpose. ``score``
says so before predicting (scikit-learn's "inconsistent numbers of samples" came after predicting every
recording, and named no fix)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from ssm_ts.api.classifier import SSMClassifier
from ssm_ts.errors import DataError
from ssm_ts.pipelines.sensor import read_numpy


def _fast() -> SSMClassifier:
    return SSMClassifier(method="random_features", n_kernels=20, random_state=0)


@pytest.fixture(scope="module")
def gunpoint(gunpoint_ucr) -> tuple[np.ndarray, np.ndarray]:
    """GunPoint's training recordings as aeon's univariate 2-D array ``(50, 150)`` and their labels."""
    train, _ = gunpoint_ucr
    return np.stack(train.values)[:, 0, :], np.asarray(train.labels)


def test_fit_on_a_column_per_recording_names_the_transpose(gunpoint):
    X, y = gunpoint
    for given in (X.T, pd.DataFrame(X.T)):
        with pytest.raises(DataError) as err:
            _fast().fit(given, y)
        assert str(err.value).startswith("X/y: 50 labels for 150 recordings; give exactly one label")
        assert "X has shape (150, 50), and its axis 1 is as long as the labels" in str(err.value)
        assert "pass X.T (the recordings lie along the first axis: (n, channels, length)" in str(err.value)


def test_fit_on_recordings_along_the_second_axis_names_the_move(gunpoint):
    X, y = gunpoint
    channels_first = np.stack([X, -X, 2 * X])  # (3 channels, 50 recordings, 150 steps)
    with pytest.raises(DataError, match=r"X has shape \(3, 50, 150\).*pass np\.moveaxis\(X, 1, 0\)"):
        _fast().fit(channels_first, y)
    with pytest.raises(DataError, match=r"pass X\.movedim\(1, 0\)"):
        _fast().fit(torch.from_numpy(channels_first), y)


def test_a_numpy_file_saved_so_is_to_be_saved_again(tmp_path, gunpoint):
    X, y = gunpoint
    np.savez(tmp_path / "gp.npz", X=np.stack([X, -X]), y=y)
    with pytest.raises(DataError) as err:
        read_numpy(tmp_path / "gp.npz")
    assert "50 labels for 2 recordings" in str(err.value)
    assert "save the file's X with them on its first axis, np.moveaxis(X, 1, 0)" in str(err.value)


def test_score_counts_the_labels_before_predicting(gunpoint, monkeypatch):
    X, y = gunpoint
    model = _fast().fit(X, y)

    def no_prediction(*args, **kwargs):
        raise AssertionError("score predicted before checking the labels")

    monkeypatch.setattr(SSMClassifier, "predict", no_prediction)
    with pytest.raises(DataError, match=r"50 labels for 150 recordings.*X has shape \(150, 50\).*pass X\.T"):
        model.score(X.T, y)
    with pytest.raises(
        DataError, match=r"^X/y: 5 labels for 50 recordings; give exactly one label per recording\.$"
    ):
        model.score(list(X), y[:5])
    monkeypatch.undo()
    assert model.score(X, y) == 1.0
