"""``evaluate(..., train=fc.history_)``: the values ``fill=`` invented in the fitted history are no data,
so the seasonal-naive scale of MASE is over observed pairs only, as with ``train=`` the raw CSV; and
``actuals=fc.history_`` leaves the invented actuals unscored.

Real data: the weekly Mauna Loa CO2 record (59 missing weeks, filled by ``fill="interpolate"``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ssm_ts import Forecaster, evaluate
from ssm_ts.pipelines.forecasting import filled_targets

LOOKBACK, HORIZON, SEASON, N_WINDOWS = 52, 13, 52, 8


@pytest.fixture(scope="module")
def fitted(co2_interpolated_fit):
    fc, path = co2_interpolated_fit
    assert (fc.lookback, fc.horizon) == (LOOKBACK, HORIZON)
    return fc, path, fc.backtest(fc.history_, n_windows=N_WINDOWS, step=HORIZON)


def observed(fc: Forecaster) -> np.ndarray:
    """``(n_rows,)``: the history's CO2 values, NaN where the fill invented them."""
    return np.where(filled_targets(fc.history_, fc.spec_)[:, 0], np.nan, fc.history_["co2"])


def test_mase_scale_over_a_filled_history_is_over_observed_pairs(fitted):
    fc, path, frame = fitted
    first = len(fc.history_) - N_WINDOWS * HORIZON
    assert frame["date"].iloc[0] == fc.history_["date"].iloc[first]
    values = observed(fc)[:first]
    assert np.isnan(values).sum() > 30  # filled weeks lie in the scale's rows
    # by hand: the mean |y_t - y_{t-52}| over pairs of observed weeks, the MAE over observed actuals
    scale = np.nanmean(np.abs(values[SEASON:] - values[:-SEASON]))
    hand = np.nanmean(np.abs(frame["co2"] - frame["co2_actual"])) / scale
    for train in (fc.history_, fc.history_.iloc[:first], fc.history_.copy(), path):
        row = evaluate(frame, ["mase"], train=train, season_length=SEASON).iloc[0]
        assert row["mase"] == pytest.approx(hand, rel=1e-12)
    # the scale over the filled values too is another number
    filled = fc.history_["co2"].to_numpy()[:first]
    with_fills = np.nanmean(np.abs(frame["co2"] - frame["co2_actual"])) / np.mean(
        np.abs(filled[SEASON:] - filled[:-SEASON])
    )
    assert not hand == pytest.approx(with_fills, rel=1e-3)
    # the caller's frame is left as it was
    assert not fc.history_["co2"].isna().any()


def test_actuals_from_a_filled_history_leave_the_invented_values_unscored(fitted):
    fc, path, _ = fitted
    end = 1355  # the forecast weeks 1355..1367 hold the filled weeks 1357..1360
    forecast = fc.predict(fc.history_.iloc[:end])
    invented = filled_targets(fc.history_, fc.spec_)[end : end + HORIZON, 0]
    assert invented.sum() == 4
    row = evaluate(forecast, ["mae"], actuals=fc.history_).iloc[0]
    assert row["n_missing"] == 4 and row["n"] == HORIZON - 4
    actual = observed(fc)[end : end + HORIZON]
    assert row["mae"] == pytest.approx(np.nanmean(np.abs(forecast["co2"].to_numpy() - actual)), rel=1e-12)
    raw = pd.read_csv(path, parse_dates=["date"])
    assert row["mae"] == pytest.approx(evaluate(forecast, ["mae"], actuals=raw).iloc[0]["mae"], rel=1e-12)
