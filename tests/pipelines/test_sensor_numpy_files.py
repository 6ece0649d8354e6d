"""NumPy files that are not NumPy's: an empty ``.npy`` raised NumPy's bare ``EOFError``, and a
``.npz`` that is no archive NumPy's advice to load it unsafely with ``allow_pickle``."""

from __future__ import annotations

import numpy as np
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.sensor import read_numpy, read_series


@pytest.mark.parametrize(
    ("name", "content", "found"),
    [
        ("empty.npy", b"", r"the file is empty \(0 bytes\)"),
        ("empty.npz", b"", r"the file is empty \(0 bytes\)"),
        ("text.npz", b"not a zip archive", r"not a NumPy .npz file \(17 bytes\)"),
        ("csv.npy", b"a,b\n1,2\n", r"not a NumPy .npy file \(8 bytes\)"),
    ],
)
def test_a_file_that_is_not_numpys_is_named_with_the_fix(tmp_path, name, content, found):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(DataError, match=rf"{name}: cannot read it: {found}\. Save recordings with np.save"):
        read_series(tmp_path / name)


def test_a_cut_short_npy_is_named(tmp_path):
    np.save(tmp_path / "whole.npy", np.ones((4, 2, 50)))
    data = (tmp_path / "whole.npy").read_bytes()
    (tmp_path / "cut.npy").write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match=r"cut.npy: cannot read it: not a NumPy .npy file"):
        read_numpy(tmp_path / "cut.npy")


def test_an_object_npy_names_the_padded_form(tmp_path):
    ragged = np.empty(2, dtype=object)
    ragged[0], ragged[1] = np.ones((2, 3)), np.ones((2, 5))
    np.save(tmp_path / "ragged.npy", ragged, allow_pickle=True)
    with pytest.raises(
        DataError, match=r"ragged.npy: an object array, which is not loaded .* lengths=lengths"
    ):
        read_numpy(tmp_path / "ragged.npy")


def test_training_on_an_unlabelled_npy_says_how_to_save_labels(tmp_path):
    """It said only 'the data has no labels; training needs one label per recording'."""
    from ssm_ts.pipelines.sensor import SensorDataModule

    np.save(tmp_path / "X.npy", np.ones((6, 2, 10)))
    with pytest.raises(
        DataError, match=r"X.npy: the data has no labels; .* a .npz with y \(np.savez\(path, X=X, y=y\)\)"
    ):
        SensorDataModule(path=str(tmp_path / "X.npy")).setup("fit")
