"""The fixes the errors for unsorted, repeated and missing times give, for the newest-first export, the
newest row written twice and the gap that a daily job's CSV may bring: code that runs as written.

For a fitted model the unsorted error said "sort the rows by time, or fill them in the DataFrame
(predict and backtest apply the fill policy chosen at fit, ...) (which also sorts)": a fill sorts
nothing and a fitted model's fill is fixed. The duplicate error said "e.g. drop_duplicates or
aggregate them", no call; the gap error "fill them in the DataFrame", no call either. They now
give the pandas lines (the CSV read as the reader did, text dates parsed first so that day-first
dates sort by date, not by text)."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.forecasting import load_like, load_series


@pytest.fixture
def spec(ett):
    """The series spec of 300 hourly ETTh1 rows, as a fit resolves it."""
    return load_series(ett.iloc[:300], time_col="date")[1]


def _run_fix(message: str, path) -> pd.DataFrame:
    """The DataFrame the fix in ``message`` (``df = pd.read_csv(path), then ..., and pass the DataFrame``) makes."""
    code = re.search(r"(df = pd\.read_csv\(path\).*?), and pass the DataFrame", message).group(1)
    scope = {"pd": pd, "path": path}
    exec(code.replace(", then ", "\n"), scope)
    return scope["df"]


# day-first text: the fix reads it with dayfirst=True, so neither writing the error nor the fix as
# pasted shows pandas' "Parsing dates in %d/%m/%Y %H:%M format when dayfirst=False" warning
@pytest.mark.filterwarnings("error::UserWarning")
@pytest.mark.parametrize("date_format", ["%Y-%m-%d %H:%M:%S", "%d/%m/%Y %H:%M"])
def test_a_newest_first_file_gets_a_sort_that_works(spec, ett, tmp_path, date_format):
    path = tmp_path / "today.csv"
    rows = ett.iloc[:300].assign(date=ett["date"].iloc[:300].dt.strftime(date_format))
    rows.iloc[::-1].to_csv(path, index=False)
    with pytest.raises(DataError) as info:
        load_like(path, spec)
    message = str(info.value)
    assert "column 'date' is not sorted" in message and "fill" not in message  # a fitted model's is fixed
    assert ("dayfirst=True" in message) == date_format.startswith("%d")
    frame = load_like(_run_fix(message, path), spec)
    assert frame["date"].tolist() == ett["date"].iloc[:300].tolist()


def test_at_fit_the_sort_and_the_fill_are_both_offered(ett, tmp_path):
    path = tmp_path / "fit.csv"
    ett.iloc[:300].iloc[::-1].to_csv(path, index=False)
    with pytest.raises(DataError) as info:
        load_series(path, time_col="date")
    message = str(info.value)
    assert "df = df.sort_values('date'), and pass the DataFrame, or pass fill=" in message
    assert load_series(_run_fix(message, path), time_col="date")[0]["date"].is_monotonic_increasing


def test_the_newest_row_written_twice_gets_a_deduplication_that_works(spec, ett, tmp_path):
    path = tmp_path / "today.csv"
    pd.concat([ett.iloc[:300], ett.iloc[[299]]]).to_csv(path, index=False)
    with pytest.raises(DataError) as info:
        load_like(path, spec)
    message = str(info.value)
    assert "has duplicate timestamps (2016-07-13 11:00:00) at rows 299, 300 (CSV lines 301, 302)" in message
    assert "df = df.drop_duplicates(subset='date', keep='last')" in message
    assert len(load_like(_run_fix(message, path), spec)) == 300


def test_a_gap_in_a_fitted_model_s_file_gets_a_fill_that_works(spec, ett, tmp_path):
    path = tmp_path / "today.csv"
    today = ett.iloc[:300].assign(station="A7")  # an unrelated text column too
    today.drop(index=range(280, 285)).to_csv(path, index=False)
    with pytest.raises(DataError) as info:
        load_like(path, spec)
    message = str(info.value)
    assert "5 timestamps are missing from the 'h' series (gaps), first 2016-07-12 16:00:00" in message
    assert ".asfreq('h').ffill().reset_index(), and pass the DataFrame (predict and backtest apply" in message
    frame = load_like(_run_fix(message, path), spec)
    assert frame["date"].tolist() == ett["date"].iloc[:300].tolist()
    assert (frame["OT"].iloc[280:285] == ett["OT"].iloc[279]).all()  # the value before the gap


def test_a_long_table_s_newest_row_written_twice_gets_a_deduplication_that_works(ett, tmp_path):
    long = ett.iloc[:300][["date", "HUFL", "OT"]].melt(id_vars="date", var_name="unique_id", value_name="y")
    long = long.rename(columns={"date": "ds"})
    spec = load_series(long)[1]
    path = tmp_path / "today.csv"
    pd.concat([long, long.iloc[[-1]]]).to_csv(path, index=False)
    with pytest.raises(DataError) as info:
        load_like(path, spec)
    message = str(info.value)
    assert "series 'OT' has duplicate timestamps at rows 599, 600 (CSV lines 601, 602)" in message
    assert "df = df.drop_duplicates(subset=['unique_id', 'ds'], keep='last')" in message
    assert len(load_like(_run_fix(message, path), spec)) == 300
