"""``backtest(fc.history_.iloc[:n])`` (as ``benchmarks/forecast_defaults.py`` and users do) keeps the
record of which values ``fill=`` invented: they are not scored, and windows whose inputs end in them
carry the last observed value, exactly as a backtest of the raw rows up to the same time.

Real data: the weekly Mauna Loa CO2 record (59 missing weeks, filled by ``fill="interpolate"``). The
slice ends at row 1441, so its 7 windows of 13 weeks (rows 1350 to 1440) forecast the filled weeks
1357-1360 and 1427, and the last window's inputs end in the filled week 1427.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ssm_ts import evaluate
from ssm_ts.pipelines.forecasting import filled_targets

LOOKBACK, HORIZON, SEASON = 52, 13, 52
END, N_WINDOWS = 1441, 7
FIRST = END - N_WINDOWS * HORIZON  # the first forecast row: 1350


@pytest.fixture(scope="module")
def fitted(co2_interpolated_fit):
    fc, path = co2_interpolated_fit
    assert (fc.lookback, fc.horizon) == (LOOKBACK, HORIZON)
    return fc, path


def test_the_slice_forecasts_filled_weeks(fitted):
    fc, _ = fitted
    filled = np.flatnonzero(filled_targets(fc.history_, fc.spec_)[:, 0])
    assert set(range(1357, 1361)) | {1427} <= set(filled[(filled >= FIRST) & (filled < END)])


def test_filled_actuals_of_a_history_slice_are_not_scored(fitted):
    fc, path = fitted
    frame = fc.backtest(fc.history_.iloc[:END], n_windows=N_WINDOWS, step=HORIZON)
    times = fc.history_["date"]
    assert frame["date"].iloc[0] == times.iloc[FIRST] and frame["date"].iloc[-1] == times.iloc[END - 1]
    filled = filled_targets(fc.history_, fc.spec_)[FIRST:END, 0]
    assert filled.sum() == 5
    np.testing.assert_array_equal(frame["co2_actual"].isna().to_numpy(), filled)
    # what a backtest of the raw rows (gaps kept) up to the same week gives: forecasts and actuals
    raw = pd.read_csv(path)
    raw = raw[pd.to_datetime(raw["date"]) <= times.iloc[END - 1]]
    pd.testing.assert_frame_equal(frame, fc.backtest(raw, n_windows=N_WINDOWS, step=HORIZON))

    # MASE over the observed weeks only, by hand: the seasonal-naive scale over observed pairs before
    # the first forecast week, the absolute errors over observed actuals
    scored = evaluate(frame, ["mase"], train=path, season_length=SEASON)
    observed = np.where(filled_targets(fc.history_, fc.spec_)[:, 0], np.nan, fc.history_["co2"])[:FIRST]
    scale = np.nanmean(np.abs(observed[SEASON:] - observed[:-SEASON]))
    errors = np.abs(frame["co2"] - frame["co2_actual"]).to_numpy()
    hand = np.nanmean(errors) / scale
    row = scored[scored["series"] == "all"].iloc[0]
    assert row["n"] == N_WINDOWS * HORIZON - 5 and row["n_missing"] == 5
    assert row["mase"] == pytest.approx(hand, rel=1e-9)
    # scoring the invented weeks as observed is another number
    with_fills = np.abs(frame["co2"].to_numpy() - fc.history_["co2"].to_numpy()[FIRST:END]).mean() / scale
    assert not row["mase"] == pytest.approx(with_fills, rel=1e-4)
