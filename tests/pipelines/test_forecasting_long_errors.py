"""Errors about a long table's cells (``unique_id, ds, y``) name the series, its times and the long
table's rows and CSV lines. They named a "column" and rows of the table pivoted to one column per
series, which the user never sees: row 100 of the file held another series altogether. On ETTh1."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.forecasting import load_series

SPANS = {"OT": (0, 300), "HUFL": (40, 280), "HULL": (10, 250)}  # rows of ETTh1 each series spans


@pytest.fixture(scope="module")
def long(shared_data) -> pd.DataFrame:
    """Three ETTh1 columns as a ragged long table: OT (rows 0-299 of the file), HUFL, then HULL."""
    ett = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv").iloc[:300]
    return pd.concat(
        [pd.DataFrame({"unique_id": c, "ds": ett["date"].iloc[a:b], "y": ett[c].iloc[a:b]}) for c, (a, b) in SPANS.items()],
        ignore_index=True,
    )  # fmt: skip


def hufl_rows(long: pd.DataFrame, times: list[str]) -> pd.Index:
    return long.index[(long["unique_id"] == "HUFL") & long["ds"].isin(times)]


TIMES = ["2016-07-05 04:00:00", "2016-07-05 05:00:00", "2016-07-05 06:00:00"]  # HUFL's rows 360-362


def test_empty_values_inside_a_series_name_it_its_times_and_its_csv_lines(long, tmp_path):
    frame = long.copy()
    frame.loc[hufl_rows(long, TIMES), "y"] = np.nan
    path = tmp_path / "long.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(DataError) as error:
        load_series(path)
    message = str(error.value)
    assert "series 'HUFL' (unique_id 'HUFL', values in 'y') has NaN (empty) values at times " in message
    assert ", ".join(TIMES) in message and "rows 360, 361, 362 (CSV lines 362, 363, 364)" in message
    assert "rows 100" not in message  # the pivoted table's rows, where the file holds OT


def test_missing_rows_of_a_series_are_named_as_times_without_a_row(long):
    with pytest.raises(DataError) as error:
        load_series(long.drop(index=hufl_rows(long, TIMES[:2])))
    message = str(error.value)
    assert (
        f"series 'HUFL' (unique_id 'HUFL', values in 'y') has NaN (empty) values at times {TIMES[0]}"
        in message
    )
    assert f"no row for 'HUFL' at {TIMES[0]}, {TIMES[1]}" in message


def test_a_non_numeric_value_and_an_inf_name_the_series_and_line(long, tmp_path):
    frame = long.copy()
    frame["y"] = frame["y"].astype(object)
    frame.loc[hufl_rows(long, TIMES[2:]), "y"] = "12,5x"
    path = tmp_path / "text.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(
        DataError,
        match=rf"series 'HUFL' .* non-numeric values at time {TIMES[2]} \(row 362 \(CSV line 364\)\)",
    ):
        load_series(path)
    frame = long.copy()
    frame.loc[hufl_rows(long, TIMES[:1]), "y"] = np.inf
    with pytest.raises(DataError, match=rf"series 'HUFL' .* inf values at time {TIMES[0]} \(row 360\)"):
        load_series(frame)


def test_a_series_without_values_and_a_time_missing_from_all_series(long):
    frame = long.copy()
    frame.loc[frame["unique_id"] == "HULL", "y"] = np.nan
    with pytest.raises(
        DataError, match=r"series 'HULL' \(unique_id 'HULL', values in 'y'\) has no values at all"
    ):
        load_series(frame, fill="interpolate")
    gap = long[~long["ds"].isin(TIMES[:2])]
    with pytest.raises(
        DataError, match=rf"2 timestamps are missing .*first {TIMES[0]}; add the missing rows"
    ) as error:
        load_series(gap)
    assert "after row" not in str(error.value)  # a row of the pivoted table, not of the user's


def test_a_wide_table_keeps_its_column_and_row_wording(long):
    wide = long[long["unique_id"] == "OT"].rename(columns={"y": "OT"}).drop(columns="unique_id")
    wide.loc[wide.index[5], "OT"] = np.nan
    with pytest.raises(DataError, match=r"column 'OT' has NaN \(empty\) values at row 5;"):
        load_series(wide.reset_index(drop=True), time_col="ds")


def test_blank_lines_a_spreadsheet_left_at_the_end_are_named_as_blank(shared_data, tmp_path):
    """',,' lines were reported as times that are not dates '(e.g. nan)'."""
    ett = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv").iloc[:200][["date", "OT", "HUFL"]]
    path = tmp_path / "export.csv"
    path.write_text(ett.to_csv(index=False) + ",,\n,,\n")
    with pytest.raises(DataError, match=r"rows 200, 201 \(CSV lines 202, 203\) are blank .*: delete them"):
        load_series(path)
    path.write_text(ett.to_csv(index=False, sep=";") + ";;\n;;\n")  # said for any separator, not as ',,,'
    with pytest.raises(DataError, match=r"are blank \(every cell empty: lines of separators alone, "):
        load_series(path)
    ett.loc[150, "date"] = None  # a row with values but no time is no blank row: named as before
    with pytest.raises(DataError, match=r"column 'date' has values that are not dates at row 150"):
        load_series(ett)


def test_an_empty_column_picked_as_a_default_target_names_the_target_list_without_it(shared_data, tmp_path):
    """Every numeric column is a target by default: 'leave it out' said not how (a CSV has no argument
    for a column to skip); the error names target= with the others."""
    ett = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv").iloc[:200][["date", "OT", "HUFL", "HULL"]]
    ett["HUFL"] = np.nan
    path = tmp_path / "empty_column.csv"
    ett.to_csv(path, index=False)
    with pytest.raises(DataError, match=r"column 'HUFL' has no values at all; leave it out \(name the other "
                                        r"targets: target=\['OT', 'HULL'\]\) or provide its data"):  # fmt: skip
        load_series(path, fill="interpolate")
    with pytest.raises(DataError, match=r"column 'HUFL' has no values at all; leave it out or provide"):
        load_series(path, target="OT", past_covariates=["HUFL"])
