"""The forecast plot's date ticks stay apart: full dates (``2020-04-01``) ran into each other, 2.5
pixels apart, on the figure of 16 weeks of weekly (or 60 days of daily) data and a short forecast."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ssm_ts.pipelines.forecasting.plotting import plot_forecast


def tick_gaps(fig) -> list[float]:
    """Pixels between the date tick labels of the figure's bottom panel, left to right."""
    fig.canvas.draw()
    boxes = [t.get_window_extent() for t in fig.axes[-1].get_xticklabels() if t.get_text()]
    return [right.x0 - left.x1 for left, right in zip(boxes[:-1], boxes[1:], strict=True)]


@pytest.mark.parametrize(("freq", "n"), [("W-TUE", 16), ("D", 60), ("15min", 200)])
def test_date_ticks_do_not_touch(freq, n):
    times = pd.date_range("2020-03-17", periods=n + 4, freq=freq)
    history = pd.DataFrame({"date": times[:n], "a": np.arange(n, dtype=float)})
    forecast = pd.DataFrame({"date": times[n:], "a": np.zeros(4)})
    gaps = tick_gaps(plot_forecast(history, forecast, "date", ["a"]))
    assert len(gaps) >= 3 and min(gaps) > 20


def test_zoned_times_are_ticked_in_their_own_zone():
    times = pd.date_range("2020-03-28 20:00", periods=40, freq="h", tz="Europe/Berlin")
    history = pd.DataFrame({"date": times[:36], "a": np.arange(36.0)})
    fig = plot_forecast(history, pd.DataFrame({"date": times[36:], "a": np.zeros(4)}), "date", ["a"])
    fig.canvas.draw()
    assert fig.axes[-1].get_xticklabels()[0].get_text() == "20:00"  # the first time, local (19:00 UTC)
