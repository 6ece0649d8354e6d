"""Times written with an ``Etc/GMT±N`` zone name after them ('2024-01-01 00:00 Etc/GMT-1', as a
system clock set to a fixed offset writes them): the column was not found as a time column ("no time
column found"), while 'Etc/UTC' and '[Etc/GMT-1]' were read. They are read in that zone, with its
POSIX sign: Etc/GMT-1 is UTC+1, as zoneinfo has it."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from ssm_ts.pipelines.forecasting import load_series


@pytest.mark.parametrize(
    ("zone", "hours"), [("Etc/GMT-1", 1), ("Etc/GMT+5", -5), ("Etc/GMT-14", 14), ("Etc/UTC", 0)]
)
def test_an_etc_zone_after_the_time_is_read_in_that_zone(tmp_path, ett, zone, hours):
    wall = pd.date_range("2024-01-01", periods=48, freq="h")
    written = wall.strftime("%Y-%m-%d %H:%M") + " " + zone
    pd.DataFrame({"date": written, "OT": ett["OT"].to_numpy()[:48]}).to_csv(tmp_path / "etc.csv", index=False)
    values, spec = load_series(tmp_path / "etc.csv")
    assert spec.tz == zone and spec.freq == "h"
    expected = [datetime(t.year, t.month, t.day, t.hour, tzinfo=ZoneInfo(zone)) for t in wall]
    assert values["date"].tolist() == expected
    assert values["date"].iloc[0].utcoffset() == timedelta(hours=hours) == expected[0].utcoffset()
    assert values["OT"].tolist() == ett["OT"].iloc[:48].tolist()
