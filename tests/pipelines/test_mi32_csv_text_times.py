"""A long CSV whose time column names its steps ``t1`` ... ``t10`` was sorted as text (``t10`` before
``t2``), its steps read out of order, and pandas' free date parser read the names as dates a day apart:
a bogus gap warning and a sampling step of a day. Now it is refused with a conversion that works as
written; zero-padded names (``t001``, which sort right) are read as before."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.sensor import read_csv_long
from ssm_ts.pipelines.sensor.sampling_step import parse_times

VALUES = np.arange(20, dtype=np.float64).reshape(2, 10)  # recording r: value = 10 r + step


def write(path, names: list[str]):
    rows = [
        {"id": r, "time": names[i], "x": VALUES[r, i], "label": "ab"[r]} for r in range(2) for i in range(10)
    ]
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_step_names_that_sort_wrong_as_text_are_refused_with_a_conversion(tmp_path):
    path = write(tmp_path / "named.csv", [f"t{i + 1}" for i in range(10)])
    with pytest.raises(DataError, match=r"column 'time' holds step names \('t1' on line 2, \.\.\.\)") as err:
        read_csv_long(path)
    exec(str(err.value).split("e.g. ", 1)[1], {})  # the line as written
    data = read_csv_long(path)
    np.testing.assert_array_equal(np.stack(data.values)[:, 0], VALUES)
    assert data.sampling_step == 1.0


def test_zero_padded_step_names_are_read_in_order_without_a_step(tmp_path):
    data = read_csv_long(write(tmp_path / "padded.csv", [f"t{i + 1:03d}" for i in range(10)]))
    np.testing.assert_array_equal(np.stack(data.values)[:, 0], VALUES)
    assert data.sampling_step is None
    assert parse_times(pd.Series(["t1", "t2"])) is None  # not dates of 1754, a day apart
