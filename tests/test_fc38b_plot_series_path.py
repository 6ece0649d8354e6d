"""``Forecaster.plot`` forecasts the series it draws through an explicit path (predict's internal call
with the series -> ``ForecastingTask.forecast_after(series=...)`` -> the network's rows), where it
replaced the task's ``forward`` for the plot's duration: a ``predict`` from another thread during a
plot then got NaN for every series not drawn, silently. The table of some series holds their columns
(long: their rows) alone, the values ``predict``'s (to float32 rounding: the network runs on fewer rows)."""

from __future__ import annotations

import threading

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from ssm_ts import Forecaster  # noqa: E402
from ssm_ts.api.forecast_predict import prediction_of  # noqa: E402
from ssm_ts.pipelines.forecasting import ForecastDataModule, quantile_column  # noqa: E402
from ssm_ts.tasks.forecasting import ForecastingTask  # noqa: E402
from tests.test_fc38_plot_drawn_series import _rows_computed  # noqa: E402

N_SERIES, HORIZON = 12, 4
NAMES = [f"s{i}" for i in range(N_SERIES)]
TIMES = pd.date_range("2021-01-01", periods=60, freq="D")
WIDE = pd.DataFrame(np.sin(np.arange(60)[:, None] / 5.0 + np.arange(N_SERIES)) + np.arange(N_SERIES),
                    columns=NAMES).assign(date=TIMES)[["date", *NAMES]]  # fmt: skip
QUIET = {"enable_progress_bar": False, "enable_model_summary": False}


def _fit(channel_independent: bool) -> Forecaster:
    fc = Forecaster(model="nlinear", lookback=8, horizon=HORIZON, quantiles=[0.1, 0.9], max_epochs=1,
                    channel_independent=channel_independent, log_to_mlflow=False, trainer_options=QUIET)  # fmt: skip
    return fc.fit(WIDE, time_col="date", target=NAMES)


@pytest.fixture(scope="module")
def independent() -> Forecaster:
    return _fit(True)


def _some(fc: Forecaster, series: list[str], data=None, **options) -> pd.DataFrame:
    """``predict``'s internal call for ``series`` alone (plot's)."""
    asked = {"long": False, "read_options": None, "n": None, "level": None, "interval_method": None,
             "futr_df": None, **options}  # fmt: skip
    return fc._predict(data, series=series, **asked)


def _columns_of(frame: pd.DataFrame, series: list[str], time_col: str) -> list[str]:
    """``frame``'s time column and those of ``series`` (their quantile and interval columns), in its order."""
    return [c for c in frame.columns if c == time_col or c in series or c.rsplit("_", 1)[0] in series]


def test_a_predict_from_another_thread_during_a_plot_forecasts_every_series(independent, monkeypatch):
    expected = independent.predict()
    got: dict[str, pd.DataFrame] = {}
    net = independent.task_.net
    original = net.forecast

    def predict_meanwhile(z, *args, **kwargs):
        if z.shape[0] == 2 and "other" not in got:  # the plot's network call, its 2 series
            got["other"] = pd.DataFrame()
            thread = threading.Thread(target=lambda: got.update(other=independent.predict()))
            thread.start()
            thread.join()
        return original(z, *args, **kwargs)

    monkeypatch.setattr(net, "forecast", predict_meanwhile)
    plt.close(independent.plot(series=["s9", "s1"]))
    assert "other" in got, "the plot ran the network on more series than the 2 it draws"
    assert not got["other"].isna().any().any()  # was NaN for the 10 series the plot did not draw
    pd.testing.assert_frame_equal(got["other"], expected)


def test_the_table_of_some_series_holds_those_alone_with_their_intervals(independent, monkeypatch):
    every = independent.predict(level=50)
    rows = _rows_computed(independent, monkeypatch)
    some = _some(independent, ["s9", "s3"], level=[50])
    assert rows == [2]
    columns = _columns_of(every, ["s3", "s9"], "date")
    assert list(some.columns) == columns and len(columns) == 1 + 2 * 6  # point, 3 quantiles, lo and hi
    assert not some.isna().any().any()
    pd.testing.assert_frame_equal(some, every[columns], rtol=1e-6)
    long = _some(independent, ["s5"], long=True, level=[50])
    expected = independent.predict(long=True, level=50).query("unique_id == 's5'").reset_index(drop=True)
    pd.testing.assert_frame_equal(long, expected, rtol=1e-6)


def test_a_rollout_of_some_series_runs_the_network_on_those_alone(independent, monkeypatch):
    every = independent.predict(n=10)
    rows = _rows_computed(independent, monkeypatch)
    some = _some(independent, ["s6"], n=10)
    assert rows == [1, 1, 1]  # three blocks of the horizon, each of s6 alone
    pd.testing.assert_frame_equal(some, every[_columns_of(every, ["s6"], "date")], rtol=1e-6)


def test_a_multivariate_model_forecasts_every_series_and_keeps_some(monkeypatch):
    fc = _fit(False)
    every = fc.predict(n=6)
    rows = _rows_computed(fc, monkeypatch)
    some = _some(fc, ["s4", "s0"], n=6)
    assert rows == [1, 1]  # one window of all 12 series per block: it reads them all
    pd.testing.assert_frame_equal(some, every[_columns_of(every, ["s0", "s4"], "date")], check_exact=True)


@pytest.fixture(scope="module")
def ragged() -> tuple[Forecaster, pd.DataFrame]:
    """An untrained model of s0..s2 (s2 ends 3 rows early) with a known-future covariate x: each series
    forecasts from a window of its own end."""
    rng = np.random.default_rng(0)
    times = pd.date_range("2022-01-01", periods=64 + HORIZON, freq="h")
    x = rng.normal(size=len(times))
    pieces = [pd.DataFrame({"unique_id": "x", "ds": times, "y": x})]
    for i, end in enumerate([64, 64, 61]):
        y = (i + 1) * x + rng.normal(size=len(times))
        pieces.append(pd.DataFrame({"unique_id": f"s{i}", "ds": times[:end], "y": y[:end]}))
    panel = pd.concat(pieces, ignore_index=True)
    torch.manual_seed(0)
    module = ForecastDataModule.from_frame(panel, future_covariates=["x"], lookback=16, horizon=HORIZON)
    module.setup("fit")
    task = ForecastingTask(model="nlinear", lookback=16, horizon=HORIZON, n_channels=module.n_channels,
                           n_outputs=module.n_outputs)  # fmt: skip
    task.set_scaler(module.scaler)
    return Forecaster.around(task, module), panel


@pytest.mark.filterwarnings("ignore:.*treated as future rows:UserWarning")
@pytest.mark.parametrize("name", ["s2", "s1"])
def test_a_series_of_a_ragged_panel_is_forecast_from_its_own_window(ragged, name, monkeypatch):
    fc, panel = ragged
    every = fc.predict(panel)
    rows = _rows_computed(fc, monkeypatch)
    some = _some(fc, [name], data=panel, long=True)
    assert rows == [1]
    pd.testing.assert_frame_equal(some, every[every["unique_id"] == name].reset_index(drop=True), rtol=1e-6)
    wide = _some(fc, [name], data=panel)  # its own times alone: no rows of the other series' times
    assert len(wide) == HORIZON and not wide.isna().any().any()


def test_prediction_of_reads_the_columns_predict_wrote():
    rng = np.random.default_rng(1)
    targets, quantiles = ["a", "b", "c"], [0.1, 0.5, 0.9]
    frame = pd.DataFrame({quantile_column(t, q): rng.normal(size=5) for t in targets for q in quantiles})
    frame = frame.assign(**{t: frame[quantile_column(t, 0.5)] for t in targets}, time=range(5))
    frame.iloc[3:, 1] = np.nan  # a ragged panel's rows without a forecast
    per_series = np.stack(
        [frame[[quantile_column(t, q) for q in quantiles]].to_numpy() for t in targets], axis=1
    )
    assert np.array_equal(prediction_of(frame, targets, quantiles), per_series, equal_nan=True)
    assert np.array_equal(prediction_of(frame, targets, None), frame[targets].to_numpy()[..., None])
