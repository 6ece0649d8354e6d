"""Reading times a fit would misread: UTC offsets that change at a daylight-saving switch in the first
rows of a CSV, daily (or coarser) local dates written with such offsets, and the frequency aliases
pandas 3 removed (``'H'``, ``'M'``, ``'T'``...), on real ETTh1 and CO2 values."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.forecasting import load_series


@pytest.fixture(scope="module")
def ot(shared_data) -> np.ndarray:
    """ETTh1's oil temperature, the first 400 hourly values."""
    return pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", usecols=["OT"])["OT"].to_numpy()[:400]


def test_a_csv_whose_offsets_change_in_its_first_rows_has_its_time_column_found(ot, tmp_path):
    """pandas 3 refuses mixed offsets without utc=True: the detector read none of the first 50 dates
    as dates and said 'no time column found' for a column named 'date'."""
    times = pd.date_range("2016-10-29", periods=len(ot), freq="h", tz="Europe/Berlin")  # switch at row 26
    path = tmp_path / "berlin.csv"
    pd.DataFrame({"date": times, "OT": ot}).to_csv(path, index=False)  # +02:00, then +01:00
    values, spec = load_series(path)
    assert spec.time_col == "date" and spec.freq == "h" and spec.tz == "UTC"
    assert values["date"].tolist() == list(times.tz_convert("UTC"))


@pytest.mark.parametrize("freq", ["D", "W-SUN", "MS"])
def test_daily_local_dates_whose_offsets_change_at_dst_stay_on_their_grid(ot, freq, tmp_path):
    """Local midnights written with their offsets (a zoned frame's df.to_csv) were read as UTC, 22:00
    or 23:00 the day before, which lies on no daily grid: an error whose fix (freq=) did not help."""
    times = pd.date_range("2016-01-01", periods=120, freq=freq, tz="Europe/Berlin")
    path = tmp_path / "daily.csv"
    pd.DataFrame({"date": times, "OT": ot[:120]}).to_csv(path, index=False)
    values, spec = load_series(path)
    assert spec.freq == pd.tseries.frequencies.to_offset(freq).freqstr and spec.tz is None
    assert values["date"].tolist() == list(times.tz_localize(None))  # the local dates, as written
    assert values["OT"].tolist() == ot[:120].tolist()


def test_hourly_local_times_whose_offsets_change_stay_utc(ot, tmp_path):
    """Hours keep the UTC reading: their wall-clock times repeat an hour at the autumn switch."""
    times = pd.date_range("2016-10-29", periods=72, freq="h", tz="Europe/Berlin")
    path = tmp_path / "hourly.csv"
    pd.DataFrame({"date": times, "OT": ot[:72]}).to_csv(path, index=False)
    values, spec = load_series(path, time_col="date")
    assert spec.tz == "UTC" and len(values) == 72


@pytest.mark.parametrize(
    ("given", "meant"),
    [("H", "h"), ("2H", "2h"), ("T", "min"), ("15T", "15min"), ("M", "ME"), ("Q", "QE"), ("A", "YE"),
     ("A-DEC", "YE-DEC"), ("Q-NOV", "QE-NOV"), ("BM", "BME")],
)  # fmt: skip
def test_a_pandas_2_alias_is_named_with_its_pandas_3_spelling(ot, given, meant):
    frame = pd.DataFrame({"date": pd.date_range("2016-01-01", periods=48, freq="h"), "OT": ot[:48]})
    with pytest.raises(DataError, match=rf"freq={given!r} .*pandas 3.*freq={meant!r}"):
        load_series(frame, freq=given)


def test_a_pandas_2_alias_with_ambiguous_dates_is_a_clear_error_not_a_traceback(ot):
    """Dates that read day first or month first are told apart by freq: a removed alias there raised
    pandas' ValueError from deep inside the date reader."""
    days = pd.date_range("2016-01-01", periods=12, freq="D")
    frame = pd.DataFrame({"date": days.strftime("%d/%m/%Y"), "OT": ot[:12]})
    with pytest.raises(DataError, match=r"freq='D2' is not a pandas frequency alias"):
        load_series(frame, freq="D2")
    with pytest.raises(DataError, match=r"freq='H' .*pandas 3.*freq='h'"):
        load_series(frame, freq="H")


def test_month_text_with_the_period_alias_m_is_still_monthly(shared_data):
    """'M' is no timestamp alias in pandas 3 but is the Period alias of months: text months keep it."""
    co2 = pd.read_csv(shared_data / "forecasting" / "national_illness.csv").iloc[:30]
    frame = pd.DataFrame({"month": pd.period_range("2002-01", periods=30, freq="M").astype(str),
                          "ili": co2["OT"].to_numpy()})  # fmt: skip
    values, spec = load_series(frame, freq="M")
    assert spec.periods and spec.freq == "M" and len(values) == 30


@pytest.mark.parametrize(
    ("start", "found", "told"),
    [("2016-10-29", "duplicate timestamps (2016-10-30 02:00:00)", "repeats an hour where daylight saving time ends"),
     ("2016-03-26", "1 timestamp is missing", "skips an hour where daylight saving time starts")],
)  # fmt: skip
def test_local_clock_times_across_a_dst_switch_are_told_what_happened(ot, start, found, told, tmp_path):
    """A zone-less export of local hours repeats 02:00 in autumn and skips it in spring: the error
    says so and how to localise them, beside the duplicate/gap it found."""
    local = pd.date_range(start, periods=72, freq="h", tz="Europe/Berlin").tz_localize(None)
    path = tmp_path / "local.csv"
    pd.DataFrame({"date": local, "OT": ot[:72]}).to_csv(path, index=False)
    with pytest.raises(DataError, match=rf"{re.escape(found)}.*{told}.*tz_localize\('Europe/Berlin'"):
        load_series(path)


def test_a_duplicate_in_the_afternoon_gets_no_clock_change_note(ot):
    times = pd.date_range("2016-10-29", periods=48, freq="h").tolist()
    times[15] = times[14]
    with pytest.raises(DataError, match=r"duplicate timestamps") as error:
        load_series(pd.DataFrame({"date": times, "OT": ot[:48]}))
    assert "daylight saving" not in str(error.value)


@pytest.mark.parametrize("problem", ["gap", "duplicate"])
def test_a_daily_series_at_midnight_gets_no_clock_change_note(ot, problem):
    """A clock change moves an hour, so it cannot drop or repeat a row of a daily series: a missing
    or repeated midnight date there is a plain gap/duplicate, and the error says no more."""
    days = pd.date_range("2016-03-20", periods=14, freq="D")
    days = days.delete(6) if problem == "gap" else days.insert(6, days[6])
    with pytest.raises(DataError, match=r"missing|duplicate timestamps") as error:
        load_series(pd.DataFrame({"date": days, "OT": ot[: len(days)]}))
    assert "daylight saving" not in str(error.value)
