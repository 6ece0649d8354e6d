"""Edge cases of the forecasting reader found by an audit: time types, timezones, trailing empty
targets, ragged long tables, saved indexes, and hints worded for the caller who sees them."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.forecasting import future_times, last_window, load_like, load_series
from ssm_ts.pipelines.forecasting.frames import restore_times


def hourly(n=48, start="2021-01-01", tz=None, **columns) -> pd.DataFrame:
    frame = pd.DataFrame({"date": pd.date_range(start, periods=n, freq="h", tz=tz)})
    rng = np.random.default_rng(0)
    for name in columns or {"a": None}:
        frame[name] = rng.normal(size=n)
    return frame


# ---------------------------------------------------------------- 1. integer time columns


@pytest.mark.parametrize(("steps", "step"), [(np.arange(1940, 2020), 1), (np.arange(0, 400, 5), 5)])
def test_integer_time_column_is_a_sequence_of_steps_not_nanoseconds(steps, step, tmp_path):
    frame = pd.DataFrame({"year": steps, "gdp": np.arange(80.0)})
    path = tmp_path / "steps.csv"
    frame.to_csv(path, index=False)
    for source in (frame, path):  # detected by name, from a DataFrame or a CSV
        values, spec = load_series(source)
        assert spec.time_col == "year" and spec.freq == step and spec.integer_times and spec.tz is None
        assert values["year"].dtype == np.int64 and values["year"].tolist() == steps.tolist()
    after = future_times(values["year"].iloc[-1], spec.freq, 2)
    assert after.dtype == np.int64 and after.tolist() == [steps[-1] + step, steps[-1] + 2 * step]
    assert restore_times([int(t) for t in steps[:3]], None).tolist() == steps[:3].tolist()


def test_integer_time_column_keeps_the_gap_duplicate_and_order_checks():
    frame = pd.DataFrame({"year": np.arange(2000, 2030), "gdp": np.arange(30.0)})
    with pytest.raises(
        DataError, match=r"2 timestamps are missing from the step-1 series.*first 2010 after row 9"
    ):
        load_series(frame.drop(index=[10, 11]), time_col="year")
    filled, spec = load_series(frame.drop(index=[10, 11]), time_col="year", fill="interpolate")
    assert filled["year"].tolist() == list(range(2000, 2030)) and np.allclose(filled["gdp"], np.arange(30.0))
    with pytest.raises(DataError, match=r"duplicate timestamps \(2001\) at rows 1, 2"):
        load_series(frame.replace({"year": {2002: 2001}}), time_col="year")
    with pytest.raises(DataError, match=r"not sorted.*row 5"):
        load_series(frame.iloc[[0, 1, 2, 3, 5, 4, *range(6, 30)]], time_col="year")
    with pytest.raises(
        DataError, match=r"row 1 .*\(e.g. 2003\) do not fall on the step-2 grid starting 2000"
    ):
        load_series(frame.iloc[[0, 3, 4, 6, 8]].assign(year=[2000, 2003, 2004, 2006, 2008]), time_col="year")
    with pytest.raises(DataError, match=r"holds integer steps.*freq='D' is a date frequency"):
        load_series(frame, time_col="year", freq="D")
    with pytest.raises(DataError, match=r"freq=1 is an integer step, but the time column holds dates"):
        load_series(hourly(30), freq=1)
    with pytest.raises(DataError, match=r"integer times at the step of 1 the model was fitted at"):
        load_like(hourly(30).rename(columns={"date": "year", "a": "gdp"}), spec)


# ---------------------------------------------------------------- 2. timezones across DST


@pytest.mark.parametrize(
    "start", ["2016-10-25", "2016-03-22"]
)  # autumn (hour repeats), spring (hour skipped)
def test_tz_aware_series_crossing_dst_is_regular_and_forecasts_keep_the_zone(start):
    frame = hourly(300, start=start, tz="Europe/Berlin")
    values, spec = load_series(frame)
    assert spec.freq == "h" and len(values) == 300
    assert str(values["date"].dt.tz) == "Europe/Berlin"
    after = future_times(values["date"].iloc[-1], spec.freq, 3)
    assert str(after.tz) == "Europe/Berlin"
    assert (after - values["date"].iloc[-1]).tolist() == [pd.Timedelta(hours=h) for h in (1, 2, 3)]


def test_csv_with_offsets_changing_at_dst_is_read_as_utc(tmp_path):
    path = tmp_path / "berlin.csv"
    hourly(300, start="2016-10-25", tz="Europe/Berlin").to_csv(path, index=False)  # +02:00 then +01:00
    values, spec = load_series(path)
    assert spec.freq == "h" and len(values) == 300 and str(values["date"].dt.tz) == "UTC"


# ---------------------------------------------------------------- 3./4. trailing empty targets


def test_trailing_empty_targets_are_future_rows_at_fit_and_predict():
    frame = hourly(60)
    frame.loc[57:, "a"] = np.nan
    with pytest.warns(UserWarning, match=r"last 3 rows.*future rows.*left out"):
        fitted, spec = load_series(frame, fill="ffill")
    assert len(fitted) == 57  # never filled into history
    assert np.allclose(fitted["a"], frame["a"].iloc[:57])
    predicted = load_like(frame, spec, allow_future_rows=True)
    assert predicted["a"].iloc[57:].isna().all()
    # Both paths forecast from the same window and origin.
    x_fit, origin_fit = last_window(fitted, spec, lookback=8, horizon=2)
    x_new, origin_new = last_window(predicted, spec, lookback=8, horizon=2)
    assert origin_fit == origin_new == frame["date"].iloc[56] and np.array_equal(x_fit, x_new)


def test_fit_on_a_frame_ending_in_future_covariate_rows_drops_them_without_inventing_targets():
    frame = hourly(60, a=None, hour=None)
    frame.loc[54:, "a"] = np.nan  # 6 future rows: covariate known, target unknown
    for fill in (None, "ffill", "interpolate"):
        with pytest.warns(UserWarning, match=r"last 6 rows"):
            values, spec = load_series(frame, future_covariates=["hour"], fill=fill)
        assert len(values) == 54 and np.allclose(values["a"], frame["a"].iloc[:54])
    assert len(load_like(frame, spec, allow_future_rows=True)) == 60


def test_a_gap_inside_the_targets_is_still_an_error():
    frame = hourly(60)
    frame.loc[30, "a"] = np.nan
    with pytest.raises(DataError, match=r"column 'a' has NaN.*row 30"):
        load_series(frame)


# ---------------------------------------------------------------- 5. ragged long tables


def ragged_long() -> pd.DataFrame:
    wide = hourly(40, a=None, b=None)
    return pd.concat(
        [
            pd.DataFrame({"unique_id": "A", "ds": wide["date"], "y": wide["a"]}),
            pd.DataFrame({"unique_id": "C", "ds": wide["date"].iloc[5:-10], "y": wide["b"].iloc[5:-10]}),
        ]
    )


def test_long_series_with_different_spans_keep_their_empty_ends_outside_the_span():
    values, spec = load_series(ragged_long())
    assert len(values) == 40 and spec.long_format
    assert values["C"].iloc[:5].isna().all() and values["C"].iloc[-10:].isna().all()
    assert values["C"].iloc[5:30].notna().all() and values["A"].notna().all()


def test_fill_fills_gaps_inside_a_span_but_never_its_empty_ends():
    long = ragged_long()
    gap = (long["unique_id"] == "C") & (long["ds"] == pd.Timestamp("2021-01-01 12:00"))
    # the series, its time and that it has no row there: row 12 is one of the pivoted table, not the user's
    with pytest.raises(
        DataError, match=r"series 'C' .* values at time 2021-01-01 12:00:00 \(no row for 'C' at .*fill="
    ):
        load_series(long[~gap])
    values, _ = load_series(long[~gap], fill="interpolate")
    assert values["C"].iloc[5:30].notna().all() and values["C"].iloc[:5].isna().all()
    assert values["C"].iloc[-10:].isna().all()
    assert values["C"].iloc[12] == pytest.approx((values["C"].iloc[11] + values["C"].iloc[13]) / 2)


def test_long_dates_are_ordered_by_time_not_text():
    long = pd.DataFrame(
        {"unique_id": "a", "ds": ["9/1/2021", "10/1/2021", "11/1/2021"], "y": [1.0, 2.0, 3.0]}
    )
    values, spec = load_series(long, freq="MS")
    assert values["a"].tolist() == [1.0, 2.0, 3.0] and spec.freq == "MS"


# ---------------------------------------------------------------- 6. pandas index types


@pytest.fixture(scope="module")
def monthly_ot(shared_data) -> pd.DataFrame:
    """ETTh1's oil temperature as monthly means, timed by Periods: 24 months from 2016-07."""
    hourly = pd.read_csv(
        shared_data / "forecasting" / "ETTh1.csv", usecols=["date", "OT"], parse_dates=["date"]
    )
    months = hourly.resample("MS", on="date")["OT"].mean()
    return pd.DataFrame({"month": months.index.to_period("M"), "OT": months.to_numpy()})


def test_period_index_and_period_column_keep_their_periods(monthly_ot):
    for frame in (monthly_ot, monthly_ot.set_index("month"), monthly_ot.set_index("month").rename_axis(None)):
        values, spec = load_series(frame)
        time_col = "ds" if frame.index.name is None and "month" not in frame else "month"
        assert spec.periods and spec.freq == "M" and spec.time_col == time_col
        assert values[time_col].dtype == pd.PeriodDtype("M")
        assert values[time_col].iloc[0] == pd.Period("2016-07", "M") and np.allclose(
            values["OT"], monthly_ot["OT"]
        )
        after = future_times(values[time_col].iloc[-1], spec.freq, 3)
        assert list(after) == list(pd.period_range("2018-07", periods=3, freq="M"))


def test_datetime_index_is_the_time_column_and_stays_timestamps():
    """darts' ``pd_dataframe()`` and statsmodels hold the times as the index: no time_col needed."""
    for frame, time_col in (
        (hourly(30).set_index("date"), "date"),
        (hourly(30).set_index("date").rename_axis(None), "ds"),
    ):
        values, spec = load_series(frame)
        assert spec.time_col == time_col and not spec.periods and spec.freq == "h"
        assert values[time_col].equals(hourly(30)["date"].rename(time_col))


def test_a_period_columns_own_frequency_is_used_not_the_inferred_one(monthly_ot):
    """Every other month is a monthly series with gaps (inferred from the dates it would read as a
    regular two-month series): strict it is an error, filled it is monthly."""
    alternate = monthly_ot.iloc[::2].reset_index(drop=True)
    with pytest.raises(
        DataError, match=r"11 timestamps are missing from the 'M' Period series.*first 2016-08"
    ):
        load_series(alternate)
    values, spec = load_series(alternate, fill="interpolate")
    assert spec.freq == "M" and len(values) == 23 and values["month"].dtype == pd.PeriodDtype("M")
    for freq, periods in (("W-SUN", "W"), ("Q-NOV", "Q-NOV"), ("Y-DEC", "Y")):
        frame = monthly_ot.assign(month=pd.period_range("2000-01-02", periods=24, freq=freq))
        assert load_series(frame.iloc[[0, 1, 3, 4, 5]], fill="ffill", freq=periods)[1].freq == freq
    with pytest.raises(DataError, match=r"holds Periods at frequency 'M', but freq='Q'; leave freq out"):
        load_series(monthly_ot, freq="Q")


def test_unsorted_periods_are_named_or_sorted(monthly_ot):
    shuffled = monthly_ot.iloc[[0, 1, 3, 2, *range(4, 24)]].reset_index(drop=True)
    with pytest.raises(DataError, match=r"not sorted: the time goes backwards at row 3\b"):
        load_series(shuffled)
    values, _ = load_series(shuffled, fill="ffill")
    assert values["month"].equals(monthly_ot["month"]) and values["OT"].equals(monthly_ot["OT"])


@pytest.mark.parametrize(
    ("freq", "first"), [("Q-DEC", "2016Q3"), ("M", "2016-07"), ("W-SUN", "2016-07-04/2016-07-10")]
)
def test_csv_text_written_from_periods_is_read_as_periods(monthly_ot, freq, first, tmp_path):
    path = tmp_path / "periods.csv"
    monthly_ot.assign(month=pd.period_range(first, periods=24, freq=freq)).to_csv(path, index=False)
    assert path.read_text().splitlines()[1].startswith(first + ",")
    values, spec = load_series(path)  # found as the time column by its text, not its name
    assert spec.periods and spec.freq == freq and values["month"].iloc[0] == pd.Period(first, freq)


def test_month_text_with_a_timestamp_freq_is_read_as_dates(tmp_path):
    path = tmp_path / "months.csv"
    pd.DataFrame({"month": [f"2020-{m:02d}" for m in range(1, 13)], "y": np.arange(12.0)}).to_csv(
        path, index=False
    )
    values, spec = load_series(path, freq="MS")
    assert not spec.periods and spec.freq == "MS" and values["month"].iloc[1] == pd.Timestamp("2020-02-01")


def test_a_fitted_period_spec_reads_text_dates_and_names_bad_rows(monthly_ot, tmp_path):
    _, spec = load_series(monthly_ot)
    path = tmp_path / "new.csv"
    text = monthly_ot.astype({"month": str})
    text.assign(month=text["month"] + "-01").to_csv(path, index=False)  # 2016-07-01: month starts as dates
    assert load_like(path, spec)["month"].equals(monthly_ot["month"])
    text.loc[5, "month"] = "next month"
    text.to_csv(path, index=False)
    with pytest.raises(
        DataError, match=r"column 'month' has values that are not 'M' Periods at row 5 \(CSV line 7\)"
    ):
        load_like(path, spec)


def test_unique_id_ds_multiindex_is_read_as_long_format():
    wide = hourly(30, a=None, b=None)
    long = wide.melt(id_vars="date", var_name="unique_id", value_name="y").rename(columns={"date": "ds"})
    values, spec = load_series(long.set_index(["unique_id", "ds"]))
    assert spec.long_format and spec.targets == ["a", "b"] and np.allclose(values["b"], wide["b"])


def test_time_index_clashing_with_a_column_is_a_clear_error():
    frame = hourly(30).set_index("date").rename_axis("ds").assign(ds=1.0)
    with pytest.raises(DataError, match=r"index.*would become column.*'ds'.*already exist.*reset_index"):
        load_series(frame)


# ---------------------------------------------------------------- 7. a saved index column


def test_saved_index_column_is_not_a_default_target(tmp_path):
    path = tmp_path / "with_index.csv"
    hourly(30, a=None, b=None).to_csv(path)  # pandas' default writes the index as "Unnamed: 0"
    with pytest.warns(UserWarning, match=r"\['Unnamed: 0'\] hold the row numbers"):
        _, spec = load_series(path)
    assert spec.targets == ["a", "b"]
    _, spec = load_series(path, target=["Unnamed: 0", "a"])  # named explicitly: the user's choice
    assert spec.targets == ["Unnamed: 0", "a"]


def test_unnamed_column_with_data_stays_a_target():
    frame = hourly(30).assign(**{"Unnamed: 3": np.arange(30) * 2})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _, spec = load_series(frame)
    assert spec.targets == ["a", "Unnamed: 3"]


# ---------------------------------------------------------------- 8. hints for a fitted model's caller


def test_errors_for_a_fitted_model_do_not_suggest_arguments_predict_lacks():
    _, spec = load_series(hourly(60))
    gappy = hourly(60)
    gappy.loc[20, "a"] = np.nan
    with pytest.raises(DataError, match=r"fill them in the DataFrame.*fit with fill=") as err:
        load_like(gappy, spec)
    assert "pass fill=" not in str(err.value)
    quarter_hours = pd.DataFrame({"date": pd.date_range("2021-01-01", periods=60, freq="15min"), "a": 1.0})
    with pytest.raises(
        DataError, match=r"pass rows on the 'h' grid the model was fitted at.*resample"
    ) as err:
        load_like(quarter_hours, spec)
    assert "freq=" not in str(err.value)
    with pytest.raises(DataError, match=r'pass fill="ffill"'):  # at fit the argument exists
        load_series(gappy)


def test_spec_records_the_zone_and_saved_times_come_back_in_it():
    values, spec = load_series(hourly(40, start="2016-10-29", tz="Europe/Berlin"))
    assert spec.tz == "Europe/Berlin" and load_series(hourly(10))[1].tz is None
    texts = [t.isoformat() for t in values["date"]]  # +02:00 then +01:00: the export's format
    restored = restore_times(texts, spec.tz)
    assert str(restored.tz) == "Europe/Berlin" and restored.equals(pd.DatetimeIndex(values["date"]))
    assert restore_times(["2021-01-01T00:00:00"], None)[0] == pd.Timestamp("2021-01-01")


# ---------------------------------------------------------------- filled cells and dropped future rows


def test_filled_target_cells_are_recorded_by_time_and_survive_slices_and_concat():
    from ssm_ts.pipelines.forecasting import filled_targets, series_notes

    frame = hourly(30, b=None, c=None)
    frame.loc[[5, 6], "b"] = np.nan
    frame = frame.drop(index=[20])  # a missing timestamp: a whole filled row
    values, spec = load_series(frame, fill="interpolate")
    mask = filled_targets(values, spec)
    assert mask.shape == (30, 2)
    assert np.flatnonzero(mask[:, 0]).tolist() == [5, 6, 20] and np.flatnonzero(mask[:, 1]).tolist() == [20]
    tail = values.iloc[10:].reset_index(drop=True)  # keyed by time, not position
    assert np.flatnonzero(filled_targets(tail, spec)[:, 1]).tolist() == [10]
    pd.concat([values, values.iloc[:3]], ignore_index=True)  # attrs are compared: must not raise
    strict, _ = load_series(hourly(30, b=None, c=None))
    assert not filled_targets(strict, spec).any() and series_notes(strict).future is None


def test_dropped_future_rows_keep_their_known_future_covariates():
    from ssm_ts.pipelines.forecasting import series_notes

    frame = hourly(40, a=None, hour=None)
    frame.loc[36:, "a"] = np.nan  # 4 future rows: covariate known, target not
    frame.loc[39, "hour"] = np.nan  # the last one lacks its covariate: not usable
    with pytest.warns(UserWarning, match=r"last 4 rows.*predict\(\) without data takes the known-future"):
        values, spec = load_series(frame, target="a", future_covariates=["hour"])
    future = series_notes(values).future
    assert len(values) == 36 and list(future.columns) == ["date", "a", "hour"]
    assert list(future["date"]) == list(frame["date"].iloc[36:39]) and future["a"].isna().all()
    assert np.allclose(future["hour"], frame["hour"].iloc[36:39])


def test_whole_number_float_years_are_integer_steps_and_an_empty_year_is_named():
    years = np.arange(1950, 2000).astype("float64")  # as pandas stores integers next to an empty cell
    frame = pd.DataFrame({"year": years, "y": np.sin(years)})
    values, spec = load_series(frame)
    assert spec.freq == 1 and values["year"].dtype == "int64" and values["year"].iloc[-1] == 1999
    frame.loc[10, "year"] = np.nan
    with pytest.raises(DataError, match=r"'year' has values that are not integer steps.*row"):
        load_series(frame)


def test_a_wide_column_empty_only_at_its_start_is_told_to_use_a_long_table():
    """Wide tables stay rectangular (an empty cell is a missing value); the error says how to pass
    series of different spans, and that long table loads."""
    wide = hourly(50, a=None, b=None)
    wide.loc[:4, "b"] = np.nan
    with pytest.raises(
        DataError, match=r"rows 0, 1, 2, 3, 4;.*long format.*df\.melt\(id_vars='date'.*time_col='date'"
    ):
        load_series(wide)
    long = wide.melt(id_vars="date", var_name="unique_id", value_name="y").dropna(subset=["y"])
    values, spec = load_series(long, time_col="date")
    assert spec.long_format and values["b"].isna().sum() == 5 and values["a"].notna().all()
    wide.loc[10, "a"] = np.nan  # a gap inside the span: no such hint
    with pytest.raises(DataError, match=r"column 'a' has NaN \(empty\) values at row 10; [^.]*fill them\.$"):
        load_series(wide)


def test_a_time_between_one_series_end_and_another_start_is_no_gap():
    wide = hourly(40, a=None, b=None)
    long = pd.concat(
        [
            pd.DataFrame({"unique_id": "A", "ds": wide["date"].iloc[:20], "y": wide["a"].iloc[:20]}),
            pd.DataFrame({"unique_id": "B", "ds": wide["date"].iloc[25:], "y": wide["b"].iloc[25:]}),
        ]
    )
    values, _ = load_series(long)
    assert len(values) == 40 and values.iloc[20:25][["A", "B"]].isna().all().all()
    with pytest.raises(DataError, match=r"1 timestamp is missing.*first 2021-01-01 10:00:00"):
        load_series(long.drop(index=10))  # inside A's span: a gap
