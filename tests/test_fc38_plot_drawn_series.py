"""``Forecaster.plot`` of some series of a channel-independent model runs the network on those alone:
plotting 2 of 2,000 series computed the forecast of all 2,000 first (a spacetime model: 1.6 s of the
plot's 1.75 s). The drawn forecast is predict's for those series (to float32 rounding: the network
runs on fewer rows); a multivariate model reads every series to forecast any, and still computes all."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from ssm_ts import Forecaster  # noqa: E402

N_SERIES = 12
TIMES = pd.date_range("2021-01-01", periods=60, freq="D")
WIDE = pd.DataFrame(
    np.sin(np.arange(60)[:, None] / 5.0 + np.arange(N_SERIES)) + np.arange(N_SERIES),
    columns=[f"s{i}" for i in range(N_SERIES)],
).assign(date=TIMES)[["date", *(f"s{i}" for i in range(N_SERIES))]]
QUIET = {"enable_progress_bar": False, "enable_model_summary": False}


def _fit(channel_independent: bool, data: pd.DataFrame = WIDE) -> Forecaster:
    fc = Forecaster(model="nlinear", lookback=8, horizon=4, quantiles=[0.1, 0.9], max_epochs=1,
                    channel_independent=channel_independent, log_to_mlflow=False, trainer_options=QUIET)  # fmt: skip
    return (
        fc.fit(data) if "unique_id" in data else fc.fit(data, time_col="date", target=list(data.columns[1:]))
    )


@pytest.fixture(scope="module")
def independent() -> Forecaster:
    return _fit(True)


def _rows_computed(fc: Forecaster, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The rows (window, series) the network forecasts at each call."""
    rows: list[int] = []
    net = fc.task_.net
    original = net.forecast

    def counted(z, *args, **kwargs):
        rows.append(z.shape[0])
        return original(z, *args, **kwargs)

    monkeypatch.setattr(net, "forecast", counted)
    return rows


def _drawn(figure) -> dict[str, np.ndarray]:
    """Each panel's forecast line, by series."""
    try:
        return {
            ax.get_ylabel(): np.asarray(line.get_ydata(), dtype=float)
            for ax in figure.axes
            for line in ax.get_lines()
            if line.get_label() == "forecast"
        }
    finally:
        plt.close(figure)


def test_plot_of_two_series_forecasts_those_two(independent, monkeypatch):
    forecast = independent.predict()
    rows = _rows_computed(independent, monkeypatch)
    drawn = _drawn(independent.plot(series=["s7", "s2"]))
    assert rows == [2]  # was 12: every series forecast, two drawn
    assert list(drawn) == ["s7", "s2"]
    for name, values in drawn.items():
        np.testing.assert_allclose(values, forecast[name].to_numpy(), rtol=1e-6)
    assert not {"forward", "forecast"} & set(vars(independent.task_))  # the series passed, nothing patched
    rows.clear()
    independent.predict()
    assert rows == [N_SERIES]


def test_the_default_plot_forecasts_the_eight_it_draws(independent, monkeypatch):
    rows = _rows_computed(independent, monkeypatch)
    assert len(_drawn(independent.plot())) == 8
    assert rows == [8]


def test_a_long_table_plot_forecasts_the_series_drawn(monkeypatch):
    long = WIDE.melt(id_vars="date", var_name="unique_id", value_name="y").rename(columns={"date": "ds"})
    fc = _fit(True, long)
    forecast = fc.predict(long=False)
    rows = _rows_computed(fc, monkeypatch)
    drawn = _drawn(fc.plot(data=long, series="s3"))
    assert rows == [1]
    np.testing.assert_allclose(drawn["s3"], forecast["s3"].to_numpy(), rtol=1e-6)


def test_a_multivariate_model_still_forecasts_every_series(monkeypatch):
    fc = _fit(False)
    forecast = fc.predict()
    rows = _rows_computed(fc, monkeypatch)
    drawn = _drawn(fc.plot(series="s4"))
    assert rows == [1]  # one window of all 12 series: it reads them all to forecast any
    np.testing.assert_array_equal(drawn["s4"], forecast["s4"].to_numpy())


def test_conformal_intervals_of_the_drawn_series_are_predicts(independent, monkeypatch):
    forecast = independent.predict(level=50)
    rows = _rows_computed(independent, monkeypatch)
    figure = independent.plot(series="s5", level=50)
    try:
        (band,) = figure.axes[0].collections
        low, high = band.get_paths()[0].vertices[1:5, 1], band.get_paths()[0].vertices[6:10, 1][::-1]
    finally:
        plt.close(figure)
    assert rows == [1]
    np.testing.assert_allclose(low, forecast["s5_lo-50"].to_numpy(), rtol=1e-6)
    np.testing.assert_allclose(high, forecast["s5_hi-50"].to_numpy(), rtol=1e-6)
