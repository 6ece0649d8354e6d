"""``Etc/GMT0`` (UTC, as ``Etc/GMT+0`` and ``Etc/GMT-0``) written after a time was 'no time column found':
the test for a zone name at the end of a value looked for a letter, or a letter and a signed hour. A
label ``GMT-1`` or ``A-1`` beside the times stays a label."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd

from ssm_ts.pipelines.forecasting import load_series


def test_etc_gmt0_after_the_time_is_read_as_utc(tmp_path, ett):
    wall = pd.date_range("2024-01-01", periods=48, freq="h")
    frame = pd.DataFrame({"date": wall.strftime("%Y-%m-%d %H:%M") + " Etc/GMT0", "OT": ett["OT"].iloc[:48]})
    frame.assign(label="GMT-1").to_csv(tmp_path / "gmt0.csv", index=False)
    values, spec = load_series(tmp_path / "gmt0.csv")
    assert spec.tz == "Etc/GMT0" and spec.freq == "h" and spec.targets == ["OT"]
    assert (
        values["date"].iloc[5].utcoffset() == timedelta(0)
        and values["date"].dt.hour.tolist() == wall.hour.tolist()
    )
