"""pandas Period times round-trip: a series timed by Periods (``pd.period_range(..., freq="M")``,
quarters, weeks, years, days, business days, hours) is forecast, backtested, plotted, saved and
loaded, served by the MLflow pyfunc and written by the CLI with Periods of the same frequency,
continuing the series, as darts, statsmodels and neuralforecast users expect. The values are the
ETTh1 transformer oil temperature (OT) resampled to daily means."""

from __future__ import annotations

import io
import json
import warnings

import matplotlib.dates as mdates
import mlflow
import numpy as np
import pandas as pd
import pytest
from mlflow.pyfunc import scoring_server
from mlflow.types import DataType

from ssm_ts import Forecaster, cli
from ssm_ts.errors import DataError

LOOKBACK, HORIZON, N_ROWS = 14, 4, 160
FREQS = ["M", "Q-DEC", "W-SUN", "Y-DEC", "D", "B", "h"]
START = {"M": "1990-01", "Q-DEC": "1980Q1", "W-SUN": "2015-01-05", "Y-DEC": "1850", "D": "2016-07-01",
         "B": "2016-07-01", "h": "2016-07-01 00:00"}  # fmt: skip


@pytest.fixture(scope="module")
def daily_ot(shared_data) -> pd.Series:
    """ETTh1's OT as daily means (725 days from 2016-07-01)."""
    hourly = pd.read_csv(
        shared_data / "forecasting" / "ETTh1.csv", usecols=["date", "OT"], parse_dates=["date"]
    )
    return hourly.resample("D", on="date")["OT"].mean()


def periods(freq: str, n: int = N_ROWS) -> pd.PeriodIndex:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # pandas 3 deprecates business-day periods
        return pd.period_range(START[freq], periods=n, freq=freq)


def period_frame(daily_ot: pd.Series, freq: str, n: int = N_ROWS) -> pd.DataFrame:
    return pd.DataFrame({"period": periods(freq, n), "OT": daily_ot.to_numpy()[:n]})


def small_forecaster(tmp_path, **options) -> Forecaster:
    settings = dict(model="nlinear", lookback=LOOKBACK, horizon=HORIZON, max_epochs=1, batch_size=16,
                    log_to_mlflow=False, out_dir=str(tmp_path / "out"))  # fmt: skip
    return Forecaster(**{**settings, **options})


def assert_periods(times: pd.Series, freq: str, expected) -> None:
    """``times`` are Periods at ``freq`` (not Timestamps), equal to ``expected``."""
    assert isinstance(times.dtype, pd.PeriodDtype), times.dtype
    assert times.dtype == pd.PeriodDtype(freq)
    assert list(times) == list(expected)


@pytest.fixture(scope="module", params=FREQS)
def fitted(request, daily_ot, tmp_path_factory):
    """``(freq, data, forecaster)``: one fit per Period frequency for the module."""
    freq = request.param
    data = period_frame(daily_ot, freq)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        forecaster = small_forecaster(tmp_path_factory.mktemp("fit")).fit(data)
    return freq, data, forecaster


@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_predict_backtest_and_reload_continue_the_periods(fitted, tmp_path):
    freq, data, forecaster = fitted
    assert forecaster.spec_.freq == pd.PeriodIndex([], freq=freq).freqstr
    last = data["period"].iloc[-1]
    after = pd.period_range(last + 1, periods=HORIZON, freq=freq)
    forecast = forecaster.predict()
    assert_periods(forecast["period"], freq, after)
    assert np.isfinite(forecast["OT"]).all() and list(forecaster.future_times()) == list(after)
    # new data as Periods: the steps after its last row
    recent = forecaster.predict(data.iloc[:100])
    assert_periods(recent["period"], freq, data["period"].iloc[100 : 100 + HORIZON])

    backtest = forecaster.backtest(data, n_windows=3)
    assert_periods(backtest["period"], freq, data["period"].iloc[-3 * HORIZON :])
    cutoffs = data["period"].iloc[[-1 - 3 * HORIZON, -1 - 2 * HORIZON, -1 - HORIZON]]
    assert_periods(backtest["cutoff"], freq, cutoffs.repeat(HORIZON))
    assert np.allclose(backtest["OT_actual"], data["OT"].iloc[-3 * HORIZON :])

    loaded = Forecaster.load(forecaster.save(tmp_path / "model"))
    assert_periods(loaded.history_["period"], freq, data["period"].iloc[-LOOKBACK:])
    pd.testing.assert_frame_equal(loaded.predict(), forecast)
    pd.testing.assert_frame_equal(loaded.predict(data.iloc[:100]), recent)

    # the plot's axis holds dates: each period drawn at its start
    for figure in (forecaster.plot(), loaded.plot(forecast)):
        (ax,) = figure.axes
        drawn = mdates.num2date(ax.convert_xunits(ax.lines[1].get_xdata()))
        assert [pd.Timestamp(d).tz_localize(None) for d in drawn] == list(after.to_timestamp())


def test_long_table_with_period_times_forecasts_periods_in_both_layouts(daily_ot, tmp_path):
    wide = pd.DataFrame({"ds": periods("M", 120), "OT": daily_ot.to_numpy()[:120],
                         "OT_lag": daily_ot.to_numpy()[5:125]})  # fmt: skip
    long = wide.melt(id_vars="ds", var_name="unique_id", value_name="y")
    forecaster = small_forecaster(tmp_path).fit(long)
    after = pd.period_range("2000-01", periods=HORIZON, freq="M")  # 120 months from 1990-01
    forecast = forecaster.predict()
    assert list(forecast.columns[:3]) == ["unique_id", "ds", "y"]
    assert_periods(forecast["ds"], "M", list(after) * 2)
    assert_periods(forecaster.predict(long=False)["ds"], "M", after)
    backtest = forecaster.backtest(n_windows=2)
    assert_periods(backtest["ds"], "M", list(wide["ds"].iloc[-2 * HORIZON :]) * 2)
    figure = forecaster.plot(forecast)  # a long forecast is plotted as given
    assert len(figure.axes) == 2


def test_period_index_without_time_col_is_the_time(daily_ot, tmp_path):
    """darts and statsmodels users pass the times as the index: a named one keeps its name, an
    unnamed one becomes the column ``ds``."""
    frame = period_frame(daily_ot, "Q-DEC").set_index("period")
    forecast = small_forecaster(tmp_path).fit(frame).predict(frame.iloc[:60])
    assert_periods(forecast["period"], "Q-DEC", pd.period_range("1995Q1", periods=HORIZON, freq="Q-DEC"))
    forecast = small_forecaster(tmp_path).fit(frame.rename_axis(None)).predict()
    assert_periods(forecast["ds"], "Q-DEC", pd.period_range("2020Q1", periods=HORIZON, freq="Q-DEC"))


def test_timestamps_stay_timestamps(daily_ot, tmp_path):
    """A model fitted on dates answers with dates, also when new data comes as Periods."""
    dates = pd.DataFrame({"date": daily_ot.index[:N_ROWS].tz_localize("Europe/Berlin"),
                          "OT": daily_ot.to_numpy()[:N_ROWS]})  # fmt: skip
    forecaster = small_forecaster(tmp_path).fit(dates)
    forecast = forecaster.predict()
    assert str(forecast["date"].dt.tz) == "Europe/Berlin"
    assert forecast["date"].iloc[0] == pd.Timestamp("2016-12-08", tz="Europe/Berlin")
    naive = small_forecaster(tmp_path).fit(dates.assign(date=dates["date"].dt.tz_localize(None)))
    as_periods = dates.assign(date=dates["date"].dt.tz_localize(None).dt.to_period("D"))
    forecast = naive.predict(as_periods)
    assert pd.api.types.is_datetime64_dtype(forecast["date"])
    assert forecast["date"].iloc[0] == pd.Timestamp("2016-12-08")


def test_model_fitted_on_periods_reads_them_back_from_a_csv(daily_ot, tmp_path):
    """``df.to_csv`` writes Periods as text (``2016-07-01`` for days, ``2015-01-05/2015-01-11`` for
    weeks): a model fitted on the DataFrame reads that text as its Periods."""
    for freq in ("D", "W-SUN", "h", "Y-DEC"):
        data = period_frame(daily_ot, freq)
        path = tmp_path / f"{freq}.csv"
        data.iloc[:100].to_csv(path, index=False)
        forecaster = small_forecaster(tmp_path).fit(data)
        assert_periods(forecaster.predict(path)["period"], freq, data["period"].iloc[100 : 100 + HORIZON])


def test_model_fitted_on_periods_names_data_of_another_frequency(daily_ot, tmp_path):
    data = period_frame(daily_ot, "M")
    forecaster = small_forecaster(tmp_path).fit(data)
    quarters = data.assign(period=periods("Q-DEC"))
    with pytest.raises(DataError, match=r"Periods at frequency 'Q-DEC'.*fitted on Periods at 'M'"):
        forecaster.predict(quarters)


def test_pyfunc_takes_and_returns_periods(daily_ot, tmp_path):
    """The logged model answers Periods with Periods; a served model gets and returns them as text."""
    data = period_frame(daily_ot, "W-SUN")
    forecaster = small_forecaster(tmp_path, log_to_mlflow=True).fit(data)
    model = mlflow.pyfunc.load_model(f"runs:/{forecaster.run_id_}/model")
    expected = forecaster.predict(data.iloc[:100])
    assert_periods(expected["period"], "W-SUN", data["period"].iloc[100 : 100 + HORIZON])
    pd.testing.assert_frame_equal(model.predict(data.iloc[:100]), expected)
    # JSON carries Periods as text (2017-11-27/2017-12-03): the forecast's come back as text too
    as_text = expected.assign(period=expected["period"].astype(str))
    pd.testing.assert_frame_equal(model.predict(data.iloc[:100].astype({"period": str})), as_text)
    served = io.StringIO()
    scoring_server.predictions_to_json(model.predict(data.iloc[:100].astype({"period": str})), served)
    first = json.loads(served.getvalue())["predictions"][0]["period"]
    assert first == str(data["period"].iloc[100]) and first.count("/") == 1
    stored = forecaster.predict()
    pd.testing.assert_frame_equal(
        model.predict(pd.DataFrame()), stored.assign(period=stored["period"].astype(str))
    )
    assert list(model.input_example["period"]) == list(data["period"].iloc[-LOOKBACK:].astype(str))
    assert model.metadata.get_output_schema().input_types()[0] == DataType.string


def test_cli_reads_quarters_and_months_and_writes_them_back(daily_ot, tmp_path, monkeypatch):
    """A CSV of quarters (``1980Q1``) or months (``1990-01``), as pandas writes Periods, gives a
    forecast.csv that continues them in the same text."""
    monkeypatch.chdir(tmp_path)
    for freq, first in (("Q-DEC", "2020Q1"), ("M", "2003-05")):
        path = tmp_path / f"{freq}.csv"
        period_frame(daily_ot, freq).to_csv(path, index=False)
        out = tmp_path / f"out-{freq}"
        fit = ["forecast", "fit", "--data.path", str(path), "--model.model", "nlinear",
               "--model.lookback", str(LOOKBACK), "--model.horizon", str(HORIZON), "--data.batch_size", "16",
               "--trainer.max_epochs", "1", "--out", str(out)]  # fmt: skip
        assert cli.main(fit) == 0
        predict = ["forecast", "predict", "--config", str(out / "config.yaml"), "--ckpt_path", "best",
                   "--data.path", str(path), "--out", str(out)]  # fmt: skip
        assert cli.main(predict) == 0
        written = (out / "forecast.csv").read_text().splitlines()
        expected = [str(p) for p in pd.period_range(first, periods=HORIZON, freq=freq)]
        assert [line.split(",")[0] for line in written[1:]] == expected
        loaded = Forecaster.load(out / "export")
        assert_periods(loaded.predict()["period"], freq, pd.period_range(first, periods=HORIZON, freq=freq))
