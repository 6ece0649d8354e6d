"""``--data.freq 24h`` for a model fitted at ``'D'`` on times in UTC or another fixed offset: a calendar
day there is always 24 hours (no daylight-saving change), so the two step the same grid. same_frequency
refused it for every zone, and the reason said 'D' is 23 or 25 hours long across a daylight-saving change
in UTC."""

from __future__ import annotations

import pandas as pd
import pytest

from ssm_ts.pipelines.forecasting.freq_match import frequency_difference, same_frequency


@pytest.mark.parametrize("tz", ["UTC", "UTC+01:00", "Etc/GMT-1"])
def test_a_day_is_24_hours_in_a_zone_of_one_offset(tz):
    days = pd.date_range("2021-01-01 06:00", periods=400, freq="D", tz=tz)  # across a summer
    assert days.equals(pd.date_range("2021-01-01 06:00", periods=400, freq="24h", tz=tz))
    assert same_frequency("24h", "D", tz) and same_frequency("D", "24h", tz)
    assert same_frequency("48h", "2D", tz)
    assert "daylight-saving" not in frequency_difference("25h", "D", tz)


def test_a_zone_with_daylight_saving_still_tells_them_apart():
    tz = "Europe/Berlin"
    days = pd.date_range("2021-01-01 06:00", periods=400, freq="D", tz=tz)
    assert not days.equals(pd.date_range("2021-01-01 06:00", periods=400, freq="24h", tz=tz))
    assert not same_frequency("24h", "D", tz)
    assert "daylight-saving change in Europe/Berlin" in frequency_difference("24h", "D", tz)
