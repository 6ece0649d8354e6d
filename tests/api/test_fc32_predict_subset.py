"""``predict`` of a long table holding only some of the fitted series, as neuralforecast's
``predict(df=...)`` forecasts the ids of ``df``: a channel-independent model forecasts those series,
exactly as it forecasts them beside the others. Before, every fitted series had to be given ("series
['b', 'c'] not found ... give rows of each"). An untrained model is enough: the forecasts must be equal."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from ssm_ts import Forecaster
from ssm_ts.errors import DataError
from ssm_ts.pipelines.forecasting import ForecastDataModule
from ssm_ts.tasks.forecasting import ForecastingTask

ROWS, LOOKBACK, HORIZON = 200, 16, 4


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    """Series a, b, c (c ends 5 rows early) of 200 daily rows, long."""
    rng = np.random.default_rng(0)
    times = pd.date_range("2021-01-01", periods=ROWS, freq="D")
    pieces = [pd.DataFrame({"unique_id": n, "ds": times[: ROWS - (5 if n == "c" else 0)]}) for n in "abc"]
    long = pd.concat(pieces, ignore_index=True)
    long["y"] = rng.normal(size=len(long)).cumsum()
    return long


def calibrated(panel: pd.DataFrame, channel_independent: bool = True) -> Forecaster:
    """An untrained NLinear around ``panel`` with 80% conformal scores of its validation windows."""
    datamodule = ForecastDataModule.from_frame(panel, lookback=LOOKBACK, horizon=HORIZON)
    datamodule.setup("fit")
    task = ForecastingTask(model="nlinear", lookback=LOOKBACK, horizon=HORIZON, quantiles=[0.1, 0.9],
                           n_channels=datamodule.n_channels, n_outputs=datamodule.n_outputs,
                           channel_independent=channel_independent)  # fmt: skip
    task.set_scaler(datamodule.scaler)
    return Forecaster._calibrated_on(task, datamodule)


def test_a_subset_of_the_series_is_forecast_as_beside_the_others(panel):
    model = calibrated(panel)
    full = model.predict(panel, level=[80])
    some = model.predict(panel[panel["unique_id"].isin(["c", "a"])], level=[80])
    assert sorted(some["unique_id"].unique()) == ["a", "c"]
    expected = full[full["unique_id"].isin(["a", "c"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(some, expected)
    wide = model.predict(panel[panel["unique_id"] == "c"], long=False, level=[80])
    assert list(wide.columns) == ["ds", "c", "c_q0.1", "c_q0.5", "c_q0.9", "c_lo-80", "c_hi-80"]
    np.testing.assert_allclose(
        wide["c_hi-80"].to_numpy(), expected.loc[expected["unique_id"] == "c", "y_hi-80"]
    )


def test_a_multivariate_model_still_needs_every_series(panel):
    even = panel[panel["ds"] < "2021-07-15"]  # a multivariate model reads one joint window: no ragged ends
    with pytest.raises(DataError, match=r"series \['b', 'c'\] not found in the DataFrame"):
        calibrated(even, channel_independent=False).predict(even[even["unique_id"] == "a"])


def test_a_series_the_model_was_not_fitted_on_is_named_in_a_warning(panel):
    """neuralforecast forecasts every id of ``df``: a series the model has no scaler for is not dropped
    unseen. Data of the fitted series alone (covariates too) warns of nothing."""
    model = calibrated(panel)
    new = panel[panel["unique_id"] == "a"].assign(unique_id="new")
    with pytest.warns(UserWarning, match=r"series \['new'\] is not among those the model was fitted to forecast "
                                         r"\(3: \['a', 'b', 'c'\]\), so it gets no forecast"):  # fmt: skip
        forecast = model.predict(pd.concat([panel, new]))
    assert sorted(forecast["unique_id"].unique()) == ["a", "b", "c"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.predict(panel)
