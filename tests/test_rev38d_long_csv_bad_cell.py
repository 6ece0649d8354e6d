"""A long CSV's channels are converted once for the file (435ad89): the cell that is not a number it
names is the file's first (the first recording with one, as when each recording was converted in turn),
not the first column's with one anywhere in the file, and its count of such cells says it is the file's
(it named one recording beside a count over all of them)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.sensor import read_series


def long_frame(n_recordings: int = 6, length: int = 20) -> pd.DataFrame:
    """``id, time, c0..c3, label``: a row per step, recording ``r<i>`` on rows ``i * length ...``."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(n_recordings * length, 4)), columns=["c0", "c1", "c2", "c3"])
    frame.insert(0, "time", np.tile(np.arange(length), n_recordings))
    frame.insert(0, "id", np.repeat([f"r{i}" for i in range(n_recordings)], length))
    return frame.assign(label=np.repeat(["a", "b"] * (n_recordings // 2), length)).astype(object)


def test_the_first_bad_cell_of_the_file_is_named_with_the_files_count(tmp_path):
    frame = long_frame()
    frame.loc[85, "c1"] = "x"  # recording r4 (line 87), in an earlier column
    frame.loc[[22, 25, 105], "c3"] = "bad"  # r1 (lines 24 and 27) and r5
    path = tmp_path / "long.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(
        DataError,
        match=r"recording 'r1': column 'c3' holds 'bad' on line 24 \(3 such cells in the file\), not a number",
    ):
        read_series(path)
