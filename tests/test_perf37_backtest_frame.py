"""A backtest's table is built once for all its windows, not a frame per window concatenated (3 ms a
window: 1.5 s of a 500-window cross-validation); the rows stay window by window, step by step."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ssm_ts.api import forecast_backtest
from tests.call_counts import counted_calls


def test_backtest_builds_one_forecast_frame_for_all_windows(co2_interpolated_fit, monkeypatch):
    fc, path = co2_interpolated_fit
    calls = counted_calls(monkeypatch, forecast_backtest, "forecast_frame")
    table = fc.backtest(path, n_windows=6, step=5)
    assert len(calls) == 1  # it was one per window
    horizon, history = 13, fc.history_
    assert len(table) == 6 * horizon
    times = history["date"]
    for i in range(6):
        rows = table.iloc[i * horizon : (i + 1) * horizon]
        first = len(history) - horizon - (5 - i) * 5  # the window's first forecast row
        assert (rows["cutoff"] == times.iloc[first - 1]).all()
        assert list(rows["date"]) == list(times.iloc[first : first + horizon])
        actual = history["co2"].iloc[first : first + horizon].to_numpy()
        observed = ~np.isnan(rows["co2_actual"].to_numpy())
        np.testing.assert_array_equal(rows["co2_actual"].to_numpy()[observed], actual[observed])
    assert table["cutoff"].dtype == times.dtype and isinstance(table.index, pd.RangeIndex)


@pytest.fixture(autouse=True)
def _one_thread(single_thread):
    yield
