"""Messy forecasting tables as users bring them (repeated column names, a frequency that changes
midway, Unix epoch times, concatenated exports): each reads right, or fails naming the file, the
column or row, what was found and the fix, never with a traceback from inside pandas."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.forecasting import load_like, load_series


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


# ---------------------------------------------------------------- a frequency that changes midway


def hourly_then_daily(n_hours: int = 30, n_days: int = 30) -> pd.DataFrame:
    days = pd.date_range("2016-07-03", periods=n_days, freq="D")
    frame = hourly(n_hours + n_days)
    frame["date"] = list(pd.date_range("2016-07-01", periods=n_hours, freq="h")) + list(days)
    return frame


def test_hourly_then_daily_rows_name_the_change_not_hundreds_of_gaps(tmp_path):
    path = tmp_path / "thinned.csv"
    hourly_then_daily().to_csv(path, index=False)
    change = (
        r"thinned\.csv: the spacing of column 'date' changes: 30 rows from 2016-07-01 00:00:00 to "
        r"2016-07-02 05:00:00 are 'h' apart, but 30 rows from 2016-07-03 00:00:00 to 2016-08-01 00:00:00 "
        r"are 'D' apart.*resample\('D'\)"
    )
    with pytest.raises(DataError, match=change):
        load_series(path)
    with pytest.raises(DataError, match=change):  # a fill would have invented 690 of 720 hours
        load_series(path, fill="interpolate")
    with pytest.raises(DataError, match=change):  # and the daily grid leaves the hours off it
        load_series(path, freq="D")


def test_daily_then_hourly_dataframe_and_epoch_steps_name_the_change():
    frame = hourly_then_daily().iloc[::-1].reset_index(drop=True)  # sorted by the fill
    with pytest.raises(DataError, match=r"the DataFrame: the spacing .* are 'h' apart, but .* are 'D' apart"):
        load_series(frame, fill="ffill")
    steps = hourly_then_daily().assign(date=lambda f: f["date"].astype("int64") // 10**6)  # seconds
    change = r"are 3600 apart, but 30 rows .* are 86400 apart.*one row per 86400 steps"
    with pytest.raises(DataError, match=change), pytest.warns(UserWarning, match="Unix epoch seconds"):
        load_series(steps.rename(columns={"date": "step"}))


def test_long_table_whose_series_turn_daily_names_the_change_and_a_grouped_resample():
    hours = pd.date_range("2020-01-01", periods=50, freq="h")
    days = pd.date_range("2020-01-04", periods=25, freq="D")
    long = pd.DataFrame(
        {"unique_id": ["a"] * 75 + ["b"] * 50, "ds": [*hours, *days, *hours], "y": np.arange(125.0)}
    )
    change = (
        r"the spacing of column 'ds' changes: 50 times \(of all series\) .* are 'h' apart, but 25 times .* are "
        r"'D' apart.*groupby\('unique_id'\)\['y'\]\.resample\('D'\)"
    )
    for fill in (None, "interpolate"):
        with pytest.raises(DataError, match=change):
            load_series(long, fill=fill)


def test_gaps_and_short_stretches_at_another_spacing_stay_gaps(tmp_path):
    frame = hourly(200)
    thinned = frame.drop(index=[*range(50, 60, 2), 120, 121, 122])  # 5 rows 2 h apart, a 4 h gap
    with pytest.raises(DataError, match=r"8 timestamps are missing from the 'h' series \(gaps\)"):
        load_series(thinned)
    filled, _ = load_series(thinned, fill="interpolate")
    assert len(filled) == 200


# ---------------------------------------------------------------- Unix epoch times


def epoch_seconds(name: str = "timestamp") -> pd.DataFrame:
    frame = hourly()
    return frame.assign(date=frame["date"].astype("datetime64[s]").astype("int64")).rename(
        columns={"date": name}
    )


def test_epoch_seconds_read_as_steps_say_how_to_read_them_as_dates(tmp_path):
    path = tmp_path / "epoch.csv"
    epoch_seconds().to_csv(path, index=False)
    hint = (
        r"epoch\.csv: read as integer time steps, but column 'timestamp' holds numbers such as 1467331200 that "
        r"look like Unix epoch seconds \(1467331200 is 2016-07-01 00:00:00 UTC\).*"
        r"pd\.to_datetime\(df\['timestamp'\], unit='s', utc=True\)"
    )
    with pytest.warns(UserWarning, match=hint):
        frame, spec = load_series(path)
    assert spec.freq == 3600 and frame["timestamp"].iloc[1] == 1467334800  # integers, as before
    converted = epoch_seconds().assign(timestamp=lambda f: pd.to_datetime(f["timestamp"], unit="s", utc=True))
    assert load_series(converted)[1].freq == "h"  # the fix named works


def test_epoch_milliseconds_under_another_name_are_named_when_no_time_column_is_found():
    frame = epoch_seconds("unix_time").assign(unix_time=lambda f: f["unix_time"] * 1000)
    with pytest.raises(
        DataError, match=r"no time column.*'unix_time' holds .* Unix epoch milliseconds.*time_col='unix_time'"
    ):
        load_series(frame)


def test_epoch_seconds_given_to_a_model_fitted_on_dates_name_the_conversion(recwarn):
    spec = load_series(hourly())[1]
    with pytest.raises(
        DataError,
        match=r"but the model was fitted on dates at 'h'; pass dates.*Note: column 'timestamp' .* epoch seconds",
    ):
        load_like(epoch_seconds(), dataclasses.replace(spec, time_col="timestamp"))
    with pytest.raises(DataError, match=r"freq='h' is a date frequency.*Note: .*unit='s'"):
        load_series(epoch_seconds(), freq="h")


def test_integer_steps_and_counts_get_no_epoch_hint(recwarn):
    load_series(pd.DataFrame({"year": np.arange(1950, 2000), "y": np.arange(50.0)}))
    counts = pd.DataFrame({"step": np.arange(50), "population": 300_000_000 - np.arange(50)})  # decreasing
    load_series(counts, target="population")
    assert not [w for w in recwarn if "epoch" in str(w.message)]


def test_dates_written_as_yyyymmdd_integers_name_the_conversion_in_the_gap_error():
    # as integer steps 20200131 -> 20200201 skips 70 steps: the gap error (and a fill's refusal) said
    # nothing of dates; both now give the conversion, and it works
    days = pd.date_range("2020-01-25", periods=40, freq="D")
    frame = pd.DataFrame({"date": days.strftime("%Y%m%d").astype(int), "OT": np.arange(40.0)})
    conversion = re.escape("pd.to_datetime(df['date'].astype(str), format='%Y%m%d')")
    for fill in (None, "ffill"):
        with (
            pytest.warns(UserWarning, match=rf"20200125 is 2020-01-25.*{conversion}"),
            pytest.raises(DataError, match=rf"(gaps|a fill fills gaps).* Note: .*YYYYMMDD.*{conversion}"),
        ):
            load_series(frame, fill=fill)
    converted = frame.assign(date=pd.to_datetime(frame["date"].astype(str), format="%Y%m%d"))
    assert load_series(converted)[1].freq == "D"


# ---------------------------------------------------------------- rows that are no data


def test_a_header_repeated_by_joined_exports_is_named_as_such(tmp_path):
    frame = hourly()
    path = write(
        tmp_path / "joined.csv",
        frame.iloc[:20].to_csv(index=False, sep=";", decimal=",")
        + frame.iloc[20:].to_csv(index=False, sep=";", decimal=","),
    )
    with pytest.raises(
        DataError, match=r"joined\.csv: row 20 \(CSV line 22\) repeats the header row \(date, HUFL, OT\)"
    ):
        load_series(path)


def test_a_repeated_header_is_named_before_it_hides_the_time_column(tmp_path):
    steps = epoch_seconds("unix_time")  # as text, with the header among them, no time column is found
    text = steps.iloc[:10].to_csv(index=False) + steps.iloc[10:].to_csv(index=False)
    with pytest.raises(
        DataError, match=r"row 10 \(CSV line 12\) repeats the header row \(unix_time, HUFL, OT\)"
    ):
        load_series(write(tmp_path / "joined.csv", text))
    long = pd.DataFrame(
        {"unique_id": ["a"] * 30, "ds": pd.date_range("2020", periods=30, freq="D"), "y": 1.0}
    )
    text = (
        long.iloc[:10].to_csv(index=False)
        + long.iloc[10:].to_csv(index=False)
        + long.iloc[:0].to_csv(index=False)
    )
    with pytest.raises(
        DataError, match=r"joined_long\.csv: rows 10, 31 \(CSV lines 12, 33\) repeat the header row"
    ):
        load_series(write(tmp_path / "joined_long.csv", text))


def test_a_header_repeated_with_its_byte_order_mark_is_named(tmp_path):
    part = hourly(10).to_csv(index=False).encode("utf-8-sig")  # Excel's "CSV UTF-8", joined with cat
    path = tmp_path / "joined_bom.csv"
    path.write_bytes(part + part)
    with pytest.raises(DataError, match=r"row 10 \(CSV line 12\) repeats the header row"):
        load_series(path)


def test_a_totals_row_without_a_time_names_the_empty_cell(tmp_path):
    text = hourly().to_csv(index=False) + ",12.5,300.0\n"
    with pytest.raises(
        DataError,
        match=r"'date' has values that are not dates at row 48 \(CSV line 50\) \(e\.g\. an empty cell\)",
    ):
        load_series(write(tmp_path / "totals.csv", text))


# ---------------------------------------------------------------- UTC offsets


def test_times_with_and_without_utc_offsets_are_an_error_not_duplicates(tmp_path):
    # pandas reads the times without an offset as UTC: 01:00+01:00 then clashes with 00:00
    frame = hourly().assign(date=lambda f: f["date"].astype(str))
    frame.loc[24:, "date"] = frame.loc[24:, "date"] + "+01:00"
    with pytest.raises(DataError, match=r"'date' mixes times with a UTC offset \(e\.g\. '2016-07-02 00:00:00\+01:00'\) "
                       r"and times without one \(e\.g\. '2016-07-01 00:00:00'; 24 of 48\)"):  # fmt: skip
        load_series(write(tmp_path / "mixed.csv", frame.to_csv(index=False)))


def test_utc_offsets_across_a_daylight_saving_change_read_as_utc(tmp_path):
    times = pd.date_range("2016-10-29 20:00", periods=48, freq="h", tz="Europe/Berlin")
    frame = hourly().assign(date=[t.isoformat() for t in times])  # +02:00, then +01:00 from 03:00
    loaded, spec = load_series(write(tmp_path / "dst.csv", frame.to_csv(index=False)))
    assert spec.freq == "h" and spec.tz == "UTC"
    assert loaded["date"].equals(pd.Series(times.tz_convert("UTC"), name="date"))


# ---------------------------------------------------------------- thousands grouped by spaces


@pytest.mark.parametrize("group", [" ", "\u00a0", "\u202f"])  # French Excel writes a no-break space
def test_thousands_grouped_by_spaces_name_the_read_options_that_read_them(tmp_path, group):
    frame = hourly()
    cells = [
        f"{1000 * abs(v):,.2f}".replace(",", "_").replace(".", ",").replace("_", group) for v in frame["OT"]
    ]
    path = write(tmp_path / "fr.csv", frame.assign(OT=cells).to_csv(index=False, sep=";"))
    options = {"thousands": group, "decimal": ","}
    with pytest.raises(
        DataError, match=rf"column 'OT' has non-numeric values .* pass read_options={re.escape(str(options))}"
    ):
        load_series(path)  # was: 'no numeric column to forecast', or 'if it marks a missing value...'
    loaded = load_series(path, read_options=options)[0]
    np.testing.assert_allclose(loaded["OT"], (1000 * frame["OT"].abs()).round(2))


def test_swiss_apostrophe_thousands_name_the_option_quoted_for_a_shell(tmp_path):
    frame = hourly().assign(OT=lambda f: [f"{1000 * abs(v):,.1f}".replace(",", "'") for v in f["OT"]])
    path = write(tmp_path / "ch.csv", frame.to_csv(index=False))
    with pytest.raises(
        DataError,
        match=r"""read_options=\{'thousands': "'"\} \(CLI: --data.read_options "\{thousands: \\"'\\"\}"\)""",
    ):
        load_series(path)
