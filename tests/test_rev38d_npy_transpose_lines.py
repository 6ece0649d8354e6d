"""The fix for a ``.npy``/``.npz`` file of recordings saved as ``(n, length, channels)`` (996d73b said
"save the file's array transposed, np.save(path, X.transpose(0, 2, 1)) (in a .npz, its X so)", where
``X`` and ``path`` are nowhere, and the LayoutWarning of a fit on such a file still said to pass ``X``
transposed): the lines, with the file's path, that save it again transposed. Each is run here as the
message prints it, and the file then reads as ``(n, channels, length)``."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

from ssm_ts.pipelines.sensor import LayoutWarning, read_series, transposed_hint, warn_if_transposed


def run_the_lines(message: str) -> None:
    code = re.search(r"transposed: (.*?)(?:\.$|; if they really)", message).group(1)
    exec(code, {"np": np})


@pytest.mark.parametrize("suffix", [".npy", ".npz"])
def test_the_channel_count_errors_lines_save_the_file_transposed(tmp_path, suffix):
    X = np.random.default_rng(0).normal(size=(3, 50, 6))  # (n, length, channels)
    path = tmp_path / f"walks{suffix}"
    np.save(path, X) if suffix == ".npy" else np.savez(path, X=X, y=np.array(["a", "b", "a"]))
    run_the_lines(transposed_hint(read_series(path).lengths, 6, str(path)))
    read = read_series(path)
    assert read.n_channels == 6 and list(read.lengths) == [50, 50, 50]
    np.testing.assert_array_equal(np.stack(read.values), X.transpose(0, 2, 1))
    if suffix == ".npz":
        assert list(read.labels) == ["a", "b", "a"]  # the archive's other arrays are kept


def test_a_fit_on_such_a_file_warns_with_the_lines(tmp_path):
    path = tmp_path / "walks.npy"
    np.save(path, np.random.default_rng(0).normal(size=(3, 50, 6)))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warn_if_transposed(read_series(path).values, str(path))
    (warning,) = [w for w in caught if issubclass(w.category, LayoutWarning)]
    assert "pass X.transpose" not in str(warning.message)
    run_the_lines(str(warning.message))
    assert read_series(path).n_channels == 6
