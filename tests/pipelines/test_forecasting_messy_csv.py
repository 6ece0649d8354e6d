"""Messy forecasting tables as users bring them (repeated column names, a frequency that changes
midway, Unix epoch times, concatenated exports): each reads right, or fails naming the file, the
column or row, what was found and the fix, never with a traceback from inside pandas."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.forecasting import load_series


def hourly(n: int = 48, start: str = "2016-07-01") -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "date": pd.date_range(start, periods=n, freq="h"),
            "HUFL": rng.normal(size=n),
            "OT": rng.normal(size=n),
        }
    )


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------- a column named twice


def test_csv_naming_a_column_twice_is_an_error_not_a_series_renamed_by_pandas(tmp_path):
    # pandas reads the second 'OT' as 'OT.1': it was forecast as a series the file never named
    path = write(tmp_path / "dup.csv", hourly().to_csv(index=False).replace("date,HUFL,OT", "date,OT,OT", 1))
    with pytest.raises(
        DataError, match=r"dup\.csv names a column more than once.*'OT' \(columns 2 and 3\).*header row"
    ):
        load_series(path)
    with pytest.raises(DataError, match=r"'OT' \(columns 2 and 3\)"):
        load_series(path, target="OT")  # which of the two is meant?


def test_csv_with_a_real_column_named_like_a_pandas_rename_reads(tmp_path):
    frame = hourly().rename(columns={"HUFL": "OT.1"})
    frame, spec = load_series(write(tmp_path / "ot1.csv", frame.to_csv(index=False)))
    assert spec.targets == ["OT.1", "OT"]


def test_csv_names_equal_once_stripped_are_named_twice(tmp_path):
    path = write(
        tmp_path / "spaces.csv", hourly().to_csv(index=False).replace("date,HUFL,OT", "date,OT, OT", 1)
    )
    with pytest.raises(DataError, match=r"'OT' \(columns 2 and 3\)"):
        load_series(path)


def test_dataframe_with_a_repeated_column_name_is_an_error_not_a_traceback(tmp_path):
    frame = hourly()
    frame.columns = ["date", "OT", "OT"]
    with pytest.raises(
        DataError, match=r"the DataFrame names a column more than once.*'OT'.*df\.columns\.duplicated"
    ):
        load_series(frame)
