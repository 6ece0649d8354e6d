"""A Forecaster on a long table of many series: backtest and save/load pinned to predict, and
guards that per-call work does not grow with the number of series (counts, not timings)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ssm_ts import Forecaster
from ssm_ts.errors import ConfigError

N_SERIES, N_STEPS, LOOKBACK, HORIZON = 40, 240, 24, 6


def long_table(n_series: int = N_SERIES, n_steps: int = N_STEPS) -> pd.DataFrame:
    """``unique_id, ds, y``: hourly seasonal series at different levels and scales."""
    rng = np.random.default_rng(0)
    t = np.arange(n_steps)[:, None]
    scale = 10 ** rng.uniform(-1, 3, n_series)
    values = np.sin(2 * np.pi * t / 24 + rng.uniform(0, 6, n_series)) + rng.normal(
        0, 0.2, (n_steps, n_series)
    )
    values = values * scale + 5 * scale
    times = pd.date_range("2024-01-01", periods=n_steps, freq="h")
    names = [f"s{i}" for i in range(n_series)]
    return pd.DataFrame({"unique_id": np.repeat(names, n_steps), "ds": np.tile(times, n_series),
                         "y": values.T.ravel()})  # fmt: skip


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    forecaster = Forecaster(model="nlinear", lookback=LOOKBACK, horizon=HORIZON, quantiles=[0.1, 0.9],
                            max_epochs=1, log_to_mlflow=False, out_dir=str(tmp_path_factory.mktemp("out")),
                            trainer_options={"limit_train_batches": 2, "limit_val_batches": 1})  # fmt: skip
    return forecaster.fit(long_table())


def test_backtest_windows_equal_predict_on_the_data_up_to_each_cutoff(fitted):
    data = long_table()
    backtest = fitted.backtest(data, n_windows=3, long=False)
    assert backtest["cutoff"].nunique() == 3
    wide = data.pivot(index="ds", columns="unique_id", values="y")
    for cutoff, window in backtest.groupby("cutoff", sort=True):
        forecast = fitted.predict(data[data["ds"] <= cutoff], long=False)
        columns = [c for c in forecast.columns if c != "ds"]
        np.testing.assert_array_equal(window[columns].to_numpy(), forecast[columns].to_numpy())
        actual = wide.loc[window["ds"], fitted.spec_.targets].to_numpy()
        np.testing.assert_array_equal(
            window[[f"{t}_actual" for t in fitted.spec_.targets]].to_numpy(), actual
        )
    long = fitted.backtest(data, n_windows=3)
    assert len(long) == 3 * HORIZON * N_SERIES
    np.testing.assert_array_equal(long[long["unique_id"] == "s7"]["y_actual"], backtest["s7_actual"])


def test_a_saved_model_forecasts_as_the_fitted_one(fitted, tmp_path):
    fitted.save(tmp_path / "model")
    loaded = Forecaster.load(tmp_path / "model")
    pd.testing.assert_frame_equal(loaded.predict(), fitted.predict())
    pd.testing.assert_frame_equal(loaded.history_, fitted.history_.iloc[-LOOKBACK:].reset_index(drop=True))


def test_predict_backtest_and_load_insert_no_column_per_series(fitted, monkeypatch, tmp_path):
    """Inserting one column per series into a DataFrame is quadratic in the series (the column index
    is rebuilt each time); the forecast frames are built in one piece instead."""
    calls = {"n": 0}
    setitem, insert = pd.DataFrame.__setitem__, pd.DataFrame.insert

    def counted(original):
        def wrapper(self, *args, **kwargs):
            calls["n"] += 1
            return original(self, *args, **kwargs)

        return wrapper

    monkeypatch.setattr(pd.DataFrame, "__setitem__", counted(setitem))
    monkeypatch.setattr(pd.DataFrame, "insert", counted(insert))
    fitted.predict()
    fitted.backtest(n_windows=3)
    Forecaster.load(fitted.save(tmp_path / "model"))
    assert calls["n"] < N_SERIES, f"{calls['n']} column inserts for {N_SERIES} series"


def test_plot_shows_a_few_series_and_says_so_or_the_ones_asked_for(fitted):
    import matplotlib.pyplot as plt

    figure = fitted.plot()
    assert len(figure.axes) == 8 and "first 8 of 40 series" in figure._suptitle.get_text()
    plt.close(figure)
    figure = fitted.plot(fitted.predict(), series=["s7", "s3"])  # a long forecast, two series
    assert [ax.get_ylabel() for ax in figure.axes] == ["s7", "s3"] and figure._suptitle is None
    plt.close(figure)
    with pytest.raises(ConfigError, match=r"\['nope'\] not among the fitted series"):
        fitted.plot(series=["s1", "nope"])


def test_wide_and_long_forecasts_of_many_series_convert_both_ways(fitted):
    from ssm_ts.pipelines.forecasting import to_long_forecast, to_wide_forecast

    wide = fitted.predict(long=False)
    assert len(wide.columns) == 1 + 4 * N_SERIES  # point forecast and 3 quantiles (0.5 added) per series
    pd.testing.assert_frame_equal(to_wide_forecast(to_long_forecast(wide, fitted.spec_), fitted.spec_), wide)
