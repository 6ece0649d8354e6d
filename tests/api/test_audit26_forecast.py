"""Audit 26 of forecasting from Python: searches that rank trials by comparable numbers only."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ssm_ts.api.tuning import tune_forecaster
from ssm_ts.errors import ConfigError, DataError


@pytest.mark.parametrize(
    "space",
    [
        {"loss": ["mse", "mae"]},
        {"quantiles": [None, [0.1, 0.9]]},
        {"horizon": [12, 24]},
        {"split": ["standard", "ett_h"]},
        {"fractions": [[0.7, 0.1, 0.2], [0.6, 0.2, 0.2]]},
        {"boundaries": [[600, 800], [700, 900]]},
        {"lr": (1e-4, 1e-2), "trainer_options.limit_val_batches": [1, 4]},
    ],
)
def test_a_search_refuses_settings_that_change_what_val_loss_measures(space):
    """Trials are ranked by val_loss: MSE against MAE (or the pinball loss), 12 steps against 24, or
    other validation rows would choose by numbers that measure different things (MSE < MAE for errors
    below 1 picks ``loss='mse'`` whatever forecasts better). Refused before any data is read."""
    name = next(n for n in space if n != "lr")
    with pytest.raises(
        ConfigError, match=rf"search space name '{name}': trials are ranked by their val_loss"
    ):
        tune_forecaster("no-such-file.csv", space)


@pytest.fixture(scope="module")
def long_with_column(ett):
    """Three series of ETTh1 as a long table, with a per-row column ``temp`` beside ``y``."""
    long = ett.iloc[:400].melt(id_vars="date", value_vars=["OT", "HUFL", "MUFL"], var_name="unique_id",
                               value_name="y").rename(columns={"date": "ds"})  # fmt: skip
    return long.assign(temp=1.0)


@pytest.mark.parametrize("kind", ["past_covariates", "future_covariates"])
def test_a_covariate_column_of_a_long_table_is_named_as_such(long_with_column, kind):
    """neuralforecast users keep exogenous values in columns beside ``y``; here covariates are series
    (rows). The error said the series was missing and to pass ``target=``, which the user had not."""
    from ssm_ts.pipelines.forecasting.series import load_series

    with pytest.raises(DataError) as error:
        load_series(long_with_column, **{kind: ["temp"]})
    message = str(error.value)
    assert f"{kind} ['temp'] not found in the DataFrame: ['temp'] is a column of the long table" in message
    assert "every variable is a series" in message and "target=" not in message
    with pytest.raises(DataError, match=rf"{kind} \['Mufl'\] not found in the DataFrame: it has no rows with "
                       r"unique_id 'Mufl'.* Name series of \['OT', 'HUFL', 'MUFL'\] as"):  # fmt: skip
        load_series(long_with_column, **{kind: ["Mufl"]})
    frame, spec = load_series(long_with_column, **{kind: ["MUFL"]})  # a series as covariate: read
    assert spec.targets == ["HUFL", "OT"] and getattr(spec, kind) == ["MUFL"]


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (
            dict(max_epochs=2.5),
            "max_epochs must be a whole number >= 1, got 2.5",
        ),  # was Lightning's AssertionError
        (dict(seed=-1), "seed must be a whole number from 0 to 4294967295, got -1"),  # NumPy's ValueError
        (dict(seed=1.5), "seed must be a whole number from 0 to 4294967295, got 1.5"),  # torch's RuntimeError
        (
            dict(batch_size=2.5),
            "batch_size must be a whole number >= 1, got 2.5",
        ),  # the DataLoader's ValueError
        (
            dict(quantiles="0.1"),
            "quantiles must be a list of levels between 0 and 1",
        ),  # float('.') ValueError
        (dict(quantiles=0.9), "quantiles must be a list of levels between 0 and 1"),
        (
            dict(weight_decay=-1),
            r"weight_decay \(CLI: --model.weight_decay\) must be a number >= 0",
        ),  # trained
        (
            dict(channel_independent="no"),
            "channel_independent must be True or False, got 'no'",
        ),  # read as True
    ],
)
def test_forecaster_settings_of_the_wrong_kind_are_refused_when_made(settings, message):
    """Each was taken and failed mid-fit deep inside Lightning, NumPy or torch, or (a negative
    ``weight_decay``, ``channel_independent="no"``) trained without a word."""
    from ssm_ts import Forecaster

    with pytest.raises(ConfigError, match=message):
        Forecaster(**settings)


def test_the_task_and_data_module_refuse_them_too():
    """The command line builds the task and the data module without a Forecaster."""
    from ssm_ts.pipelines.forecasting.datamodule_settings import check_sizes
    from ssm_ts.tasks.forecasting import ForecastingTask

    with pytest.raises(
        ConfigError, match=r"weight_decay \(CLI: --model.weight_decay\) must be a number >= 0"
    ):
        ForecastingTask(model="nlinear", lookback=8, horizon=2, n_channels=1, weight_decay=float("nan"))
    with pytest.raises(ConfigError, match="channel_independent must be True or False"):
        ForecastingTask(model="nlinear", lookback=8, horizon=2, n_channels=1, channel_independent=None)
    with pytest.raises(ConfigError, match=r"lookback \(2.5\) and horizon \(2\) must be positive integers"):
        check_sizes(2.5, 2, 32, None)
    with pytest.raises(
        ConfigError, match=r"batch_size \(32.0\) and eval_batch_size \(None\) must be positive"
    ):
        check_sizes(8, 2, 32.0, None)
    check_sizes(np.int64(8), 2, np.int64(32), 128)  # NumPy counts are whole numbers


def test_the_checks_leave_the_settings_as_the_signature_names_them():
    """``__init__`` keeps its locals as the settings (saved with the model, loaded as keywords)."""
    import inspect

    from ssm_ts import Forecaster

    names = set(inspect.signature(Forecaster.__init__).parameters) - {"self"}
    assert set(Forecaster(seed=np.int64(3)).settings) == names


@pytest.fixture(scope="module")
def fitted(ett, tmp_path_factory):
    """A one-epoch NLinear on two ETTh1 series, without MLflow."""
    from ssm_ts import Forecaster

    model = Forecaster(model="nlinear", lookback=24, horizon=6, max_epochs=1, log_to_mlflow=False,
                       out_dir=str(tmp_path_factory.mktemp("fit")), trainer_options={"limit_train_batches": 2})  # fmt: skip
    return model.fit(ett.iloc[:600], target=["OT", "HUFL"])


def test_plot_n_history_0_draws_no_history_and_others_are_refused(fitted):
    """``n_history=0`` drew the whole history (``iloc[-0:]``); 2.5 was a pandas TypeError and -5 drew
    all but the first 5 rows."""
    import matplotlib.pyplot as plt

    figure = fitted.plot(n_history=0)
    assert [len(line.get_xdata()) for line in figure.axes[0].lines] == [0, 6]  # history, forecast
    assert [len(line.get_xdata()) for line in fitted.plot(n_history=30).axes[0].lines] == [30, 6]
    plt.close("all")
    for bad in (2.5, -5):
        with pytest.raises(ConfigError, match=rf"n_history must be a whole number .* got {bad}"):
            fitted.plot(n_history=bad)
    with pytest.raises(
        ConfigError, match=r"series=\[\] names no series to draw; name some of \['OT', 'HUFL'\]"
    ):
        fitted.plot(series=[])


def test_a_bad_window_count_is_named_in_windows(fitted, ett):
    with pytest.raises(ConfigError, match="n_windows must be a positive whole number of windows, got 2.5"):
        fitted.backtest(ett.iloc[:600], n_windows=2.5)


def test_text_in_a_dataframe_gets_a_fix_a_dataframe_takes(ett, tmp_path):
    """The hint said to pass ``read_options``, which a DataFrame refuses (they read CSV files)."""
    from ssm_ts.pipelines.forecasting.series import load_series

    wide = ett.iloc[:200][["date", "OT"]].astype({"OT": object})
    wide.loc[5, "OT"], wide.loc[9, "OT"] = "n/a", "12,5"
    with pytest.raises(DataError) as error:
        load_series(wide)
    assert "pd.read_csv(path, na_values=['n/a']), or replace it: df['OT'] = df['OT'].replace('n/a'" in str(
        error.value
    )
    assert "read_options" not in str(error.value)
    with pytest.raises(
        DataError, match=r"pd.read_csv\(path, decimal=','\), or convert the column: df\['OT'\]"
    ):
        load_series(wide.replace("n/a", 1.0))
    with pytest.raises(
        DataError,
        match=r"pd.read_csv\(path, thousands=' ', decimal=','\), or convert the column: df\['OT'\] = "
        r"df\['OT'\].str.replace\(' ', ''\).str.replace\(',', '.'\).astype\(float\)",
    ):
        load_series(wide.replace({"n/a": 1.0, "12,5": "30 531,25"}))
    long = wide.replace("n/a", 1.0).rename(columns={"date": "ds", "OT": "y"}).assign(unique_id="OT")
    with pytest.raises(DataError, match=r"or convert the column: df\['y'\] = df\['y'\]"):
        load_series(long)
    wide.replace({"n/a": "--", "12,5": 1.0}).to_csv(
        tmp_path / "text.csv", index=False
    )  # a CSV: its read options, as before
    with pytest.raises(DataError, match=r"pass read_options=\{'na_values': \['--'\]\}"):
        load_series(tmp_path / "text.csv")


def test_a_date_column_beside_a_column_of_clock_times_is_named(ett, tmp_path):
    """Data loggers write ``Date`` and ``Time`` apart; the error said only that dates repeat."""
    from ssm_ts.pipelines.forecasting.series import load_series

    times = ett["date"].iloc[:100]
    split = pd.DataFrame({"Date": times.dt.strftime("%d/%m/%Y"), "Time": times.dt.strftime("%H:%M"),
                          "OT": ett["OT"].iloc[:100]})  # fmt: skip
    split.to_csv(tmp_path / "logger.csv", index=False)
    with pytest.raises(DataError, match=r"column 'Date' has duplicate timestamps .* The times of day seem to be in "
                       r"column 'Time' \(e.g. '00:00'\): join them"):  # fmt: skip
        load_series(tmp_path / "logger.csv")
    joined = split.assign(Date=split["Date"] + " " + split["Time"]).drop(columns="Time")  # the fix it gives
    frame, spec = load_series(joined)
    assert spec.time_col == "Date" and spec.freq == "h" and frame["Date"].iloc[-1] == times.iloc[-1]
    dates = ett.iloc[:10][["date", "OT"]].assign(date=times.iloc[0].normalize())  # no clock column: no note
    with pytest.raises(DataError) as error:
        load_series(dates)
    assert "times of day" not in str(error.value)


def test_a_fill_refuses_to_invent_another_frequency():
    """Weekly rows with ``freq="D"`` (or ``"h"``) and a fill were filled to a daily series silently:
    six of every seven rows invented (never trained on), the forecast daily. A fill fills gaps."""
    from ssm_ts.pipelines.forecasting.series import load_series

    weeks = pd.DataFrame({"date": pd.date_range("2000-01-01", periods=120, freq="W-SAT"),
                          "co2": np.linspace(360.0, 370.0, 120)}).drop(index=[10, 11, 50])  # fmt: skip
    for freq in ("D", "h"):
        with pytest.raises(DataError, match=rf"its rows are typically '7D' apart, and on the '{freq}' grid "
                           r"fill='interpolate' would invent \d+ rows, more than the 117 it holds"):  # fmt: skip
            load_series(weeks, freq=freq, fill="interpolate")
    frame, spec = load_series(weeks, fill="interpolate")  # gaps: filled as before
    assert spec.freq == "W-SAT" and len(frame) == 120


@pytest.mark.parametrize(
    ("times", "message"),
    [
        (np.arange(60) * 0.5, r"column 't' holds fractional numbers \(e.g. 0.5\).* to whole steps"),
        (43831.0 + np.arange(60) / 24.0, r"\(e.g. 43831.04167\).* look like Excel serial dates"),
    ],
)
def test_a_time_column_of_fractional_numbers_is_refused(times, message):
    """They were read as nanoseconds since 1970: a "duplicate timestamps (1970-01-01 00:00:00)"
    error with a daylight-saving note."""
    from ssm_ts.pipelines.forecasting.series import load_series

    with pytest.raises(DataError, match=message) as error:
        load_series(pd.DataFrame({"t": times, "v": np.sin(np.arange(60))}), time_col="t")
    assert "1970" not in str(error.value).split("seconds since")[0] and "daylight" not in str(error.value)


def test_one_covariate_may_be_named_alone_and_the_time_column_is_no_series(ett):
    """``past_covariates="LULL"`` was read as the columns L, U, L, L; ``target="date"`` got a
    non-numeric-values error (with a missing-value hint for its first date)."""
    from ssm_ts.pipelines.forecasting import ForecastDataModule
    from ssm_ts.pipelines.forecasting.series import load_series

    frame = ett.iloc[:300]
    _, spec = load_series(frame, target="OT", past_covariates="LULL", future_covariates="MUFL")
    assert spec.past_covariates == ["LULL"] and spec.future_covariates == ["MUFL"]
    module = ForecastDataModule.from_frame(frame, target="OT", past_covariates="LULL", lookback=24, horizon=6)
    assert module.past_covariates == ["LULL"]
    for settings, role in (
        (dict(target="date"), "target"),
        (dict(target="OT", past_covariates=["date"]), "covariate"),
    ):
        with pytest.raises(
            DataError, match=rf"column 'date' is the time column, and is named as a {role} too"
        ):
            load_series(frame, **settings)


def test_layout_and_aggregate_flags_must_be_bools(fitted, ett):
    """``long="no"`` gave the long layout and ``aggregate="no"`` the "all" rows (truthy text)."""
    from ssm_ts import evaluate

    with pytest.raises(ConfigError, match=r"long='no': use True .* False .* or None"):
        fitted.predict(long="no")
    with pytest.raises(ConfigError, match=r"long=1: use True"):
        fitted.backtest(ett.iloc[:600], n_windows=1, long=1)
    backtest = fitted.backtest(ett.iloc[:600], n_windows=1, long=np.bool_(False))
    with pytest.raises(
        ConfigError, match=r"aggregate must be True \(add the 'all' rows\) or False, got 'no'"
    ):
        evaluate(backtest, aggregate="no")
    assert list(evaluate(backtest, aggregate=False)["series"]) == ["OT", "HUFL"]
