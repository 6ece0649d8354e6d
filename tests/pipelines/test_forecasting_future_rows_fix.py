"""The error for missing known-future rows says which times to add, and in a long table that they
are rows of the covariate series (it said to append rows "with those columns filled and the targets
empty", which a long table, whose series are rows, cannot follow)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.forecasting import load_series
from ssm_ts.pipelines.forecasting.forecast_inputs import last_window
from ssm_ts.tasks.forecast_rollout import check_rollable

TIMES = pd.date_range("2016-07-01", periods=40, freq="15min")


def wide() -> pd.DataFrame:
    return pd.DataFrame({"date": TIMES, "OT": np.arange(40.0), "HUFL": np.ones(40)})


def long() -> pd.DataFrame:
    return wide().melt(id_vars="date", var_name="unique_id", value_name="y")


@pytest.mark.parametrize(
    ("table", "fix"),
    [
        (wide, r"append 4 rows after the last observation \(date 2016-07-01 10:00:00 to 2016-07-01 10:45:00\) "
               r"with those columns filled and the targets empty \(found 0\), or give them apart: futr = "
               r"pd\.DataFrame\(\{'date': pd\.date_range\('2016-07-01 10:00:00', periods=4, freq='15min'\)\}\), "
               r"then futr\['HUFL'\] = <its values, in futr's row order>, then predict\(futr_df=futr\)\.$"),
        (long, r"add rows of the series \['HUFL'\] \(unique_id 'HUFL', values in 'y'\) for the 4 times after the "
               r"last observation \(date 2016-07-01 10:00:00 to 2016-07-01 10:45:00\), and none of the targets"),
    ],
)  # fmt: skip
def test_missing_future_rows_name_the_times_in_the_tables_layout(table, fix):
    frame, spec = load_series(table(), target="OT", future_covariates=["HUFL"], allow_future_rows=True)
    with pytest.raises(
        DataError, match=r"known-future covariates \['HUFL'\] are needed for the 4 forecast steps: " + fix
    ):
        last_window(frame, spec, lookback=8, horizon=4)


def test_a_rollouts_missing_rows_are_named_in_the_long_layout():
    frame, spec = load_series(long(), target="OT", future_covariates=["HUFL"], allow_future_rows=True)
    with pytest.raises(DataError, match=r"all 8 steps.*add rows of the series \['HUFL'\].*8 times.*"
                       r"2016-07-01 10:00:00 to 2016-07-01 11:45:00"):  # fmt: skip
        check_rollable(frame, spec, n=6, horizon=4)
