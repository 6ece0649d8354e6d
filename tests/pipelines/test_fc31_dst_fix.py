"""The daylight-saving fix a CSV of local clock times is given works as written: ``pd.read_csv``
gives the times as text, so the fix parses them before ``.dt.tz_localize``."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.forecasting import load_series


@pytest.mark.parametrize("start", ["2023-10-28", "2023-03-25"])  # the hour repeated, the hour skipped
def test_the_csv_fix_for_local_clock_times_runs_as_written(tmp_path, start):
    local = pd.date_range(start, periods=72, freq="h", tz="Europe/Berlin")
    path = tmp_path / "local.csv"
    pd.DataFrame({"time": local.tz_localize(None), "load": np.linspace(1.0, 2.0, 72)}).to_csv(
        path, index=False
    )
    with pytest.raises(DataError, match="daylight saving") as error:
        load_series(path)
    fix = re.search(
        r"e\.g\. df = pd\.read_csv\(path\), then (df\[.*?\)) with your zone, and pass", str(error.value)
    )
    assert fix is not None, str(error.value)
    df = pd.read_csv(path)
    exec(fix.group(1), {"pd": pd, "df": df})  # as a user pastes it
    values, spec = load_series(df)
    assert spec.freq == "h" and len(values) == 72
    assert values["time"].tolist() == list(local)  # the same instants, in their zone
