"""Time axes and value text a user brings from pandas: step numbers instead of dates (fractional,
at another step, or none at all) and numbers written with thousands separators."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.forecasting.series import load_like, load_series


def _steps(times: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"step": times, "y": np.sin(np.arange(len(times)) / 5.0)})


@pytest.mark.parametrize(("spacing", "start"), [(0.1, 0.0), (0.25, 3.0), (0.5, 0.0)])
def test_fractional_steps_are_told_to_divide_by_their_own_spacing(spacing, start):
    """Steps 0.1 apart were told ``(df['step'] / 0.5).round().astype(int) for half steps``, which
    maps two rows onto each step (duplicates); the fix now divides by the rows' own spacing."""
    times = start + np.arange(60) * spacing
    with pytest.raises(DataError, match="holds fractional numbers") as error:
        load_series(_steps(times), time_col="step")
    assert f"(df['step'] / {spacing:g}).round().astype(int) for steps of {spacing:g}" in str(error.value)
    fixed = _steps(times).assign(step=lambda f: (f["step"] / spacing).round().astype(int))
    frame, spec = load_series(fixed, time_col="step")  # the fix reads
    assert spec.freq == 1 and len(frame) == 60


@pytest.mark.parametrize("csv", [False, True])
def test_a_table_without_a_time_column_is_told_how_to_number_its_rows(tmp_path, csv):
    """Values alone (a sensor dump, ``series.to_frame()`` of a RangeIndex): the error said to add a
    time column or name one with ``time_col=``, which there is none to name."""
    table = pd.DataFrame({"y": np.arange(40.0), "z": np.arange(40.0) * 2})
    source = table
    if csv:
        source = tmp_path / "values.csv"
        table.to_csv(source, index=False)
    with pytest.raises(DataError, match="no time column found") as error:
        load_series(source)
    read = "df = pd.read_csv(path), then " if csv else ""
    assert f"number them: {read}df.insert(0, 'step', range(len(df)))" in str(error.value)
    table.insert(0, "step", range(len(table)))
    frame, spec = load_series(table)  # the fix reads, as integer steps
    assert spec.time_col == "step" and spec.targets == ["y", "z"] and spec.freq == 1


def test_integer_steps_at_another_step_are_named_so_not_as_gaps():
    """Rows 2 steps apart given to a step-1 model were "199 timestamps are missing ... (gaps)" with a
    fill advice, where dates at another frequency get "its rows are '24h' apart, not 'h'"."""
    _, spec = load_series(_steps(np.arange(60)))
    with pytest.raises(DataError, match=r"its rows are 2 steps apart, not step-1 \(59 timestamps") as error:
        load_like(_steps(np.arange(60) * 2), spec)
    assert "pass integer times at the step of 1 the model was fitted at" in str(error.value)
    with pytest.raises(DataError, match="its rows are 3 steps apart, not step-1") as error:
        load_series(_steps(np.arange(60) * 3), freq=1)  # at fit: the integer freq, not a pandas alias
    assert "pass freq= the integer step between rows, or leave freq out" in str(error.value)
    assert "pandas alias" not in str(error.value)


@pytest.mark.parametrize(
    ("text", "fix"),
    [
        (
            "{:,.2f}",
            "pd.read_csv(path, thousands=','), or convert the column: "
            "df['OT'] = df['OT'].str.replace(',', '').astype(float)",
        ),
        (
            "{:_.2f}",  # 30.531,25 as German spreadsheets show it
            "pd.read_csv(path, thousands='.', decimal=','), or convert the column: "
            "df['OT'] = df['OT'].str.replace('.', '').str.replace(',', '.').astype(float)",
        ),
    ],
)
def test_text_numbers_with_thousands_separators_are_reported_not_dropped(text, fix):
    """A DataFrame column of text such as ``'30,531.00'`` was not taken for numbers, so it was left
    out of the targets without a word: the model forecast the other columns only."""
    values = np.linspace(1000.0, 40000.0, 60)
    shown = [text.format(v) for v in values]
    if "_" in text:
        shown = [s.replace("_", "X").replace(".", ",").replace("X", ".") for s in shown]
    table = pd.DataFrame(
        {"date": pd.date_range("2020-01-01", periods=60, freq="D"), "OT": shown, "HUFL": np.arange(60.0)}
    )
    with pytest.raises(DataError, match=r"column 'OT' has non-numeric values") as error:
        load_series(table)
    assert fix in str(error.value)
    exec(f"{fix.split('convert the column: ')[1]}", {}, {"df": table})  # the conversion given reads it
    frame, spec = load_series(table)
    assert spec.targets == ["OT", "HUFL"] and np.allclose(frame["OT"], values)


def _long(spans: dict[int, tuple[int, int]]) -> pd.DataFrame:
    """``unique_id, ds, y`` with integer ids, series ``i`` holding hourly rows ``spans[i]``."""
    times = pd.date_range("2016-07-01", periods=max(end for _, end in spans.values()), freq="h")
    pieces = [
        pd.DataFrame({"unique_id": i, "ds": times[a:b], "y": np.cos(np.arange(a, b) / (3.0 + i))})
        for i, (a, b) in spans.items()
    ]
    return pd.concat(pieces, ignore_index=True)


def test_integer_series_ids_are_named_as_integers_in_errors():
    """Integer ids come back as integers, but the errors listed them as text (``its series are
    ['10', '20']``, ``unique_id '20'``), which reads as if text ids were needed."""
    table = _long({10: (0, 200), 20: (0, 200), 30: (0, 200)})
    with pytest.raises(DataError) as error:
        load_series(table, target=3)
    assert (
        "series [3] not found in the DataFrame: it has no rows with unique_id 3; its series are [10, 20, 30]"
        in str(error.value)
    )
    _, spec = load_series(table, target=[10, 20])
    with pytest.raises(DataError) as error:
        load_like(table[table["unique_id"] != 20], spec)
    message = str(error.value)
    assert (
        "series [20] not found in the DataFrame: it has no rows with unique_id 20; its series are [10, 30]"
        in message
    )
    assert "The model was fitted on the series [10, 20]" in message


def test_a_series_without_a_training_window_gets_the_line_that_drops_it():
    """A ragged panel's series shorter than lookback + horizon was named ``'4'`` for the integer id 4,
    with "leave those series out" and no way to."""
    from ssm_ts.pipelines.forecasting import ForecastDataModule

    table = _long({1: (0, 300), 2: (50, 280), 4: (290, 300)})
    module = ForecastDataModule.from_frame(table, lookback=8, horizon=4)
    with pytest.raises(DataError, match=r"1 of 3 series has no training window") as error:
        module.setup("fit")
    message = str(error.value)
    assert "): 4 (10 rows, 2016-07-13 02:00:00 to 2016-07-13 11:00:00). Leave those series out " in message
    assert "(df = df[~df['unique_id'].isin([4])])" in message
    kept = table[~table["unique_id"].isin([4])]  # the line given
    ForecastDataModule.from_frame(kept, lookback=8, horizon=4).setup("fit")


def test_a_short_series_at_predict_is_left_out_only_by_a_channel_independent_model():
    """At predict a series with fewer rows than the lookback was to be "left out of the data", which a
    multivariate model refuses (it forecasts every series it was fitted on); a channel-independent
    model given a long table forecasts the series it holds, so there it may be left out."""
    from ssm_ts.pipelines.forecasting.forecast_inputs import last_windows

    table = _long({1: (0, 100), 2: (95, 100)})
    frame, spec = load_series(table)
    with pytest.raises(DataError) as error:
        last_windows(frame, spec, lookback=8, horizon=4)
    message = str(error.value)
    assert "1 series has fewer: 2 (5 rows, " in message
    assert "A channel-independent model given a long table forecasts the series it holds" in message
    assert (
        "a multivariate model (channel_independent=False) forecasts every series it was fitted on" in message
    )


@pytest.mark.parametrize(
    ("dtype", "freq", "zone"),
    [
        ("timestamp[ns][pyarrow]", "h", None),
        ("timestamp[us, tz=Europe/Berlin][pyarrow]", "h", "Europe/Berlin"),
        ("date32[pyarrow]", "D", None),
    ],
)
@pytest.mark.parametrize("as_index", [False, True])
def test_pyarrow_backed_dates_are_read_as_dates(dtype, freq, zone, as_index):
    """``pd.read_parquet(..., dtype_backend="pyarrow")`` gives such columns: their comparisons give
    ``pd.NA``, and the fit ended in pandas' "boolean value of NA is ambiguous"; as an index (no
    DatetimeIndex) they were dropped as row numbers."""
    times = pd.date_range("2016-03-20", periods=200, freq=freq, tz=zone)
    table = pd.DataFrame({"date": pd.Series(times).astype(dtype), "y": np.sin(np.arange(200) / 7.0)})
    if as_index:
        table = table.set_index("date")
    frame, spec = load_series(table)
    assert spec.freq == freq and spec.tz == zone and len(frame) == 200
    assert (frame["date"] == pd.Series(times)).all()  # the 23-hour day of the DST switch included
    again = load_like(table, spec)  # predict and backtest read it alike
    assert (again["date"] == frame["date"]).all()


def test_whole_numbers_written_as_text_are_read_as_integer_steps():
    """A time column of step numbers as text (``"0", "1"``, pandas 3's ``str`` dtype) was "no time
    column found", with the advice to add one named 'step' it already had (named with ``time_col=``:
    "values that are not dates ... convert them first ... astype(int)"). They are the integer steps
    ``pd.read_csv`` reads from the same column (see tests/pipelines/test_forecasting_step_text.py)."""
    numbers = pd.DataFrame({"step": range(60), "y": np.arange(60.0)})
    expected, spec = load_series(numbers)
    table = numbers.astype({"step": str})
    for time_col in (None, "step"):
        frame, text_spec = load_series(table, time_col=time_col)
        assert text_spec == spec and spec.time_col == "step" and spec.freq == 1
        pd.testing.assert_frame_equal(frame, expected)
    with pytest.raises(DataError, match=r"holds integer steps \(e.g. 0\), but freq='h' is a date frequency"):
        load_series(table, freq="h")  # as the integers are told


@pytest.mark.parametrize("zone", ["Europe/Berlin", "UTC"])
def test_new_data_as_text_with_offsets_continues_in_the_fitted_zone(zone):
    """A model fitted on Europe/Berlin times given new rows as text with UTC offsets (a CSV, a served
    model's JSON) forecast in ``UTC`` (offsets changing at the switch) or ``UTC+01:00`` (one offset):
    the latter continued past the switch labels every hour an hour off the local clock."""
    times = pd.date_range("2017-03-20", periods=200, freq="h", tz="Europe/Berlin").tz_convert(zone)
    table = pd.DataFrame({"date": times, "y": np.sin(np.arange(200) / 7.0)})
    _, spec = load_series(table)
    assert spec.tz == zone
    for rows in (slice(100, 200), slice(0, 100)):  # across the switch (+01:00, +02:00), and before it
        text = table.iloc[rows].assign(
            date=lambda f: pd.Series(f["date"]).dt.tz_convert("Europe/Berlin").astype(str)
        )
        again = load_like(text, spec)
        assert str(again["date"].dt.tz) == zone
        assert (again["date"] == table["date"].iloc[rows].reset_index(drop=True)).all()  # the same instants


def test_daily_new_data_keeps_its_own_zone():
    """Only times below a day move to the fitted zone: a daily row's date depends on its zone."""
    times = pd.date_range("2017-01-01", periods=120, freq="D", tz="Europe/Berlin")
    _, spec = load_series(pd.DataFrame({"date": times, "y": np.arange(120.0)}))
    utc = pd.DataFrame(
        {"date": pd.date_range("2017-01-01", periods=120, freq="D", tz="UTC"), "y": np.arange(120.0)}
    )
    assert str(load_like(utc, spec)["date"].dt.tz) == "UTC"


def test_zone_less_new_data_for_a_zoned_model_is_warned_about():
    """A Berlin-fitted model given zone-less times forecast zone-less times without a word (rows across
    a daylight-saving switch are caught as a gap, with the same fix)."""
    times = pd.date_range("2017-04-03", periods=200, freq="h", tz="Europe/Berlin")
    table = pd.DataFrame({"date": times, "y": np.sin(np.arange(200) / 7.0)})
    _, spec = load_series(table)
    with pytest.warns(
        UserWarning, match=r"no time zone, but the model was fitted on Europe/Berlin.*tz_localize"
    ):
        load_like(table.assign(date=times.tz_localize(None)), spec)
    _, plain = load_series(table.assign(date=times.tz_localize(None)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_like(table.assign(date=times.tz_localize(None)), plain)  # a zone-less model: no warning


def _counts(shown: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"date": pd.date_range("2002-01-01", periods=len(shown), freq="W-TUE"), "OT": shown})


def test_one_group_cells_beside_grouped_ones_get_the_thousands_fix():
    """``"2,060"`` beside ``"1,765,690"`` (national_illness' counts as a spreadsheet shows them): the
    first bad cell was told it "has a decimal comma", whose fix reads 2,060 people as 2.06."""
    with pytest.raises(DataError) as error:
        load_series(_counts(["2,060", "1,765,690", "15,099,280"] * 10))
    message = str(error.value)
    assert "(e.g. '2,060') ('2,060' groups its thousands with ','" in message
    assert (
        "df['OT'] = df['OT'].str.replace(',', '').astype(float)" in message and "decimal comma" not in message
    )


def test_a_column_of_one_group_numbers_gets_both_readings():
    """Every cell ``"176,569"``-like: thousands or three decimals, which the text alone cannot tell;
    the decimal-comma fix alone turned 176,569 into 176.569."""
    with pytest.raises(DataError) as error:
        load_series(_counts(["176,569", "186,355", "2,060"] * 10))
    message = str(error.value)
    assert (
        "'176,569' may group thousands or mark decimals with its comma: convert the column as meant, "
        in message
    )
    assert "df['OT'].str.replace(',', '').astype(float) for thousands" in message
    assert "df['OT'].str.replace(',', '.').astype(float) for decimals" in message


def _hourly(start: str, name: object, n: int = 100) -> pd.DataFrame:
    return pd.DataFrame(
        {"unique_id": name, "ds": pd.date_range(start, periods=n, freq="h"), "y": np.sin(np.arange(n) / 5.0)}
    )


def test_series_logged_at_offset_times_are_refused_not_half_filled():
    """Two hourly series, one logged at :00 and one at :30: the union grid is half-hourly, and
    ``fill="ffill"`` trained and forecast at 30 minutes with every other value of each series
    invented (the error without a fill advised one)."""
    table = pd.concat([_hourly("2020-01-01 00:00", 1), _hourly("2020-01-01 00:30", 2)], ignore_index=True)
    for fill in (None, "ffill", "interpolate"):
        with pytest.raises(DataError) as error:
            load_series(table, fill=fill)
        message = str(error.value)
        assert (
            "series 1 (unique_id 1, values in 'y') (and 1 more series) has a value at only one in 2 of "
            in message
        )
        assert "its own rows are 'h' apart" in message and "together are '30min' apart" in message
        assert "df['ds'] = df['ds'].dt.floor('h')" in message
        assert "df.set_index('ds').groupby('unique_id')['y'].resample('h').mean().reset_index()" in message
    frame, spec = load_series(table.assign(ds=table["ds"].dt.floor("h")))  # the fix reads, hourly
    assert spec.freq == "h" and len(frame) == 100


def test_wide_columns_merged_at_offset_times_get_a_resample():
    """An outer merge of two hourly tables at offset times: rounding would repeat times, so the fix is
    a resample, which puts both columns into the same hours."""
    a = _hourly("2020-01-01 00:00", "a").rename(columns={"ds": "date", "y": "a"}).drop(columns="unique_id")
    b = _hourly("2020-01-01 00:30", "b").rename(columns={"ds": "date", "y": "b"}).drop(columns="unique_id")
    merged = a.merge(b, on="date", how="outer")
    with pytest.raises(DataError) as error:
        load_series(merged, fill="interpolate")
    message = str(error.value)
    assert "column 'a' (and 1 more columns) has a value at only one in 2 of the table's times" in message
    assert message.endswith("resample every column to 'h': df.resample('h', on='date').mean().")
    frame, spec = load_series(merged.resample("h", on="date").mean())
    assert spec.freq == "h" and frame[["a", "b"]].notna().all(axis=None)


def test_a_long_table_is_resampled_by_series():
    """``freq='h'`` on a long table of half-hourly rows: the advised ``df.resample('h', on='ds').mean()``
    averaged the series together; the fix now resamples each series."""
    table = pd.concat([_hourly("2020-01-01", "a", 200), _hourly("2020-01-01", "b", 200)], ignore_index=True)
    table["ds"] = table["ds"] - (table["ds"] - table["ds"].min()) / 2  # 30 minutes apart
    with pytest.raises(DataError) as error:
        load_series(table, freq="h")
    fix = "df.set_index('ds').groupby('unique_id')['y'].resample('h').mean().reset_index()"
    assert f"to forecast at 'h', resample first ({fix})" in str(error.value)
    frame, spec = load_series(
        table.set_index("ds").groupby("unique_id")["y"].resample("h").mean().reset_index()
    )
    assert spec.freq == "h" and spec.targets == ["a", "b"]


@pytest.mark.parametrize(("freq", "alias"), [(pd.offsets.BDay(), "B"), (pd.offsets.MonthEnd(), "ME")])
def test_a_frequency_given_as_a_pandas_offset_is_kept_as_its_alias(tmp_path, freq, alias):
    """``fit(df, freq=pd.offsets.BDay())`` trained the whole model, then its best checkpoint was refused
    ("imports pandas._libs.tslibs.offsets.BusinessDay, which could run code when unpickled")."""
    import torch

    from ssm_ts import Forecaster

    torch.set_num_threads(1)
    times = pd.date_range("2020-01-01", periods=120, freq=alias)
    table = pd.DataFrame({"date": times, "y": np.sin(np.arange(120) / 5.0)})
    model = Forecaster(model="nlinear", lookback=8, horizon=4, max_epochs=1, log_to_mlflow=False, out_dir=str(tmp_path),
                       trainer_options={"enable_progress_bar": False, "enable_model_summary": False})  # fmt: skip
    model.fit(table, freq=freq)
    assert model.spec_.freq == alias
    assert (
        model.task_ is not None
        and (model.predict()["date"] == pd.date_range(times[-1], periods=5, freq=alias)[1:]).all()
    )


def test_a_time_column_labelled_zero_is_found_by_its_label():
    """``pd.DataFrame(array)`` labels its columns 0, 1, 2: ``time_col=0`` was read as no setting (0 is
    falsy), so the error said "no time column found ... name it with time_col=", which it was."""
    table = pd.DataFrame(np.c_[np.arange(60), np.sin(np.arange(60) / 5.0)])
    frame, spec = load_series(table, time_col=0)
    assert spec.time_col == "0" and spec.targets == ["1"] and spec.freq == 1
    assert frame["0"].tolist() == list(range(60))


@pytest.mark.parametrize(("months", "alias"), [(1, "M"), (3, "Q"), (12, "Y")])
def test_dates_on_one_day_of_each_month_are_told_to_become_periods(months, alias):
    """Monthly readings on the 15th (quarterly, yearly ones too) fit no pandas frequency: the error
    only said to pass ``freq=``, and none reads them."""
    dates = pd.Series([pd.Timestamp("1990-02-15") + pd.DateOffset(months=k * months) for k in range(60)])
    table = pd.DataFrame({"date": dates, "y": np.arange(60.0)})
    conversion = f"df['date'] = df['date'].dt.to_period({alias!r}) (forecasts continue as Periods)"
    with pytest.raises(DataError, match="cannot infer a regular frequency") as error:
        load_series(table)
    assert conversion in str(error.value)
    frame, spec = load_series(table.assign(date=table["date"].dt.to_period(alias)))
    assert spec.periods and len(frame) == 60


def test_plot_names_integer_series_ids_as_integers():
    """``plot(series=5)`` on integer ids listed the fitted series as text (``['1', '2', '3']``)."""
    import types

    from ssm_ts.api.forecast_plot import plotted_series
    from ssm_ts.errors import ConfigError

    _, spec = load_series(_long({1: (0, 50), 2: (0, 50), 3: (0, 50)}))
    fitted = types.SimpleNamespace(spec_=spec)
    assert plotted_series(fitted, [1, "2"]) == ["1", "2"]
    with pytest.raises(
        ConfigError, match=r"series=5: \[5\] not among the fitted series \(e.g. \[1, 2, 3\]\)"
    ):
        plotted_series(fitted, 5)
    with pytest.raises(ConfigError, match=r"names no series to draw; name some of \[1, 2, 3\]"):
        plotted_series(fitted, [])


def test_ids_that_differ_only_in_type_are_named():
    """A concat of two tables whose ids had other dtypes (``1`` and ``"1"``): pandas failed deep inside
    with "'DataFrame' object has no attribute 'str'"; ``1`` and ``1.0`` were named ``np.float64(1.0)``."""
    ints, text = _long({1: (0, 50)}), _long({1: (50, 100)}).astype({"unique_id": str})
    with pytest.raises(DataError) as error:
        load_series(pd.concat([ints, text], ignore_index=True))
    message = str(error.value)
    assert "column 'unique_id' holds ids that differ only in type: 1 (int), '1' (str)" in message
    assert "df['unique_id'] = df['unique_id'].astype(str), if they are one series" in message
    frame, spec = load_series(pd.concat([ints, text], ignore_index=True).astype({"unique_id": str}))
    assert spec.targets == ["1"] and len(frame) == 100
    floats = ints.astype({"unique_id": float})
    with pytest.raises(DataError, match=r"series 1.0 has duplicate timestamps"):
        load_series(pd.concat([ints, floats], ignore_index=True))


def test_column_labels_that_differ_only_in_type_get_a_fix_that_applies():
    """Columns ``1`` and ``"1"`` are one name (columns are named by their text): the error advised
    dropping the copies with ``df.loc[:, ~df.columns.duplicated()]``, which finds none."""
    table = pd.DataFrame({"date": pd.date_range("2020-01-01", periods=20, freq="h"), 1: np.arange(20.0)})
    table["1"] = np.arange(20.0)
    assert not table.columns.duplicated().any()
    with pytest.raises(DataError) as error:
        load_series(table)
    message = str(error.value)
    assert "labels that differ only in type (1 (int), '1' (str)) are one name here" in message
    assert "duplicated()" not in message
