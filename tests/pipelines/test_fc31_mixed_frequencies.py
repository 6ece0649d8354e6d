"""A long table holding a weekly series beside a daily one: the error names the weekly series and
that the series are at two frequencies (not the panel's missing days, not a rounding that would
repeat the daily times), and its resample reads."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.forecasting import load_series


def test_a_weekly_series_in_a_daily_panel_is_named_with_its_resample():
    days = pd.date_range("2020-01-01", periods=120, freq="D")
    weeks = pd.date_range("2020-01-05", periods=25, freq="W")  # on past the daily series' end
    long = pd.concat(
        [
            pd.DataFrame({"unique_id": "daily", "ds": days, "y": np.arange(120.0)}),
            pd.DataFrame({"unique_id": "weekly", "ds": weeks, "y": np.arange(25.0)}),
        ]
    )
    with pytest.raises(
        DataError, match=r"series 'weekly' .*different frequencies \(series \['daily'\]"
    ) as error:
        load_series(long)
    message = str(error.value)
    assert "floor" not in message
    resample = re.search(r"resample every series to '[^']+': (df\.set_index.*?\.reset_index\(\))", message)
    values, spec = load_series(eval(resample.group(1), {"df": long}))  # the resample, as written
    assert spec.targets == ["daily", "weekly"] and spec.freq == "W-SUN"
