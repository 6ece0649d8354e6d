"""The header's check of repeated names is linear in the number of columns: 20,000 series read in a
blink, the messages as before (each name was counted in the whole list: 3 s at 20,000 columns)."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.forecasting.column_names import check_unique_names

N_COLUMNS = 20_000


def _frame(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(np.zeros((2, len(columns))), columns=columns)


def test_twenty_thousand_names_are_checked_at_once():
    names = [f"s{i}" for i in range(N_COLUMNS)]
    start = time.perf_counter()
    check_unique_names(_frame(names), "the DataFrame", None, {})
    repeated = _frame(names[:-3] + ["s5", "s7", "s5"])
    with pytest.raises(DataError) as error:
        check_unique_names(repeated, "the DataFrame", None, {})
    assert time.perf_counter() - start < 0.5  # was 6 s
    assert str(error.value) == (
        "the DataFrame names columns more than once, counting columns from 1: 's5' (columns 6 and 19998 and "
        "20000); 's7' (columns 8 and 19999); give each column its own name (df.columns = [...]), or drop the "
        "copies (df.loc[:, ~df.columns.duplicated()])."
    )


def test_a_wide_csv_of_dotted_names_is_not_read_again_name_by_name(tmp_path):
    """Names such as ``c1.1`` look like pandas' rename of a repeated ``c1``: each was looked up in the
    list of all names (6 s at 20,000 columns); a real rename still reads the header as written."""
    path = tmp_path / "wide.csv"
    names = [f"c{i}.{i % 3}" for i in range(N_COLUMNS)]
    path.write_text(",".join(names) + "\n" + ",".join(["0"] * N_COLUMNS) + "\n")
    start = time.perf_counter()
    check_unique_names(_frame(names), str(path), path, {})  # the names pandas reads from it
    assert time.perf_counter() - start < 0.5
    path.write_text("date,OT,OT\n1,2,3\n")
    with pytest.raises(
        DataError, match=r"names a column more than once.*'OT' \(columns 2 and 3\).*header row"
    ):
        check_unique_names(pd.read_csv(path), str(path), path, {})
