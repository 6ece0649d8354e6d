"""Counts of one in the future-rows messages, on real ETTh1 values: "the last 1 row (t to t) have no
value", "append 1 rows", "for the 1 times after" now read "the last 1 row (t) has", "1 row", "1 time";
more than one keeps the plural."""

from __future__ import annotations

import pandas as pd
import pytest

from ssm_ts.pipelines.forecasting import load_series
from ssm_ts.pipelines.forecasting.future_rows import future_rows_fix


@pytest.mark.parametrize("empty", [1, 3])
def test_the_future_rows_warning_and_fix_count_one_row_in_the_singular(ett, empty):
    df = ett[["date", "OT", "HUFL"]].iloc[:40].copy()
    df.loc[df.index[-empty:], "OT"] = None
    with pytest.warns(UserWarning, match="no value in any target") as caught:
        values, spec = load_series(df, target="OT", future_covariates=["HUFL"])
    message = str(caught[0].message)
    last = values["date"].iloc[-1]
    if empty == 1:
        assert f"the last 1 row ({df['date'].iloc[-1]}) has no value" in message
        assert "it is treated as a future row," in message and "from it." in message
    else:
        assert f"the last 3 rows ({df['date'].iloc[-3]} to {df['date'].iloc[-1]}) have no value" in message
        assert "they are treated as future rows," in message
    assert future_rows_fix(spec, empty, last).startswith(
        f"append {empty} row{'s' if empty > 1 else ''} after"
    )
    long = pd.DataFrame({"unique_id": "OT", "ds": df["date"], "y": df["OT"]}).iloc[:-empty]
    _, long_spec = load_series(long)
    long_spec.future_covariates = ["HUFL"]
    fix = future_rows_fix(long_spec, empty, last)
    assert f"for the {empty} time{'s' if empty > 1 else ''} after the last observation" in fix
