"""``predict`` of a long table holding some of the fitted series of a channel-independent model runs the
network on those series alone, as ``plot`` does for the series it draws: it ran it on every fitted
series (the absent ones on stand-ins, copies of a given series) and dropped the stand-ins' forecasts,
so forecasting 3 of 300 series cost as much as all 300. The forecasts are those of ``predict`` of every
series (to float32 rounding), intervals and a rollout past the horizon too. On real ETTh1 rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ssm_ts import Forecaster
from tests.test_fc38_plot_drawn_series import _rows_computed

HORIZON = 6
GIVEN = ["MULL", "OT"]


@pytest.fixture(scope="module")
def panel(ett) -> pd.DataFrame:
    """ETTh1's 7 columns as 7 series of 300 hourly rows, long; ``LULL`` ends 3 rows early (ragged)."""
    wide = ett.iloc[:300]
    long = wide.melt(id_vars="date", var_name="unique_id", value_name="y").rename(columns={"date": "ds"})
    early = (long["unique_id"] == "LULL") & (long["ds"] > wide["date"].iloc[-4])
    return long[~early].reset_index(drop=True)


@pytest.fixture(scope="module")
def fitted(panel) -> Forecaster:
    fc = Forecaster(model="nlinear", lookback=24, horizon=HORIZON, quantiles=[0.1, 0.9], max_epochs=1,
                    log_to_mlflow=False, trainer_options={"enable_progress_bar": False,
                                                          "enable_model_summary": False})  # fmt: skip
    return fc.fit(panel)


def _of(forecast: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    return forecast[forecast["unique_id"].isin(names)].reset_index(drop=True)


def test_the_network_runs_on_the_series_given_alone(fitted, panel, monkeypatch):
    some = panel[panel["unique_id"].isin(GIVEN)]
    rows = _rows_computed(fitted, monkeypatch)
    fitted.predict(some)
    assert rows == [2]  # was [7]: every fitted series, 5 of them stand-ins
    rows.clear()
    fitted.predict(some, n=2 * HORIZON)  # a rollout: each block of the two series alone
    assert rows == [2, 2]
    rows.clear()
    fitted.predict(panel)
    assert rows == [7]


@pytest.mark.parametrize("n", [None, 2 * HORIZON], ids=["horizon", "rollout"])
def test_the_forecasts_are_those_of_every_series(fitted, panel, n):
    level = [80] if n is None else None  # intervals cover the calibrated horizon
    full = fitted.predict(panel, level=level, n=n)
    for names in (GIVEN, ["LULL"]):  # LULL ends early: its own times
        some = fitted.predict(panel[panel["unique_id"].isin(names)], level=level, n=n)
        expected = _of(full, names)
        assert list(some.columns) == list(expected.columns)
        pd.testing.assert_frame_equal(some[["unique_id", "ds"]], expected[["unique_id", "ds"]])
        values = [c for c in expected.columns if c not in ("unique_id", "ds")]
        np.testing.assert_allclose(some[values].to_numpy(float), expected[values].to_numpy(float), rtol=1e-5)
    wide = fitted.predict(panel[panel["unique_id"].isin(GIVEN)], long=False, level=level, n=n)
    every = fitted.predict(panel, long=False, level=level, n=n)
    every = every[every["ds"].isin(wide["ds"])]  # the union of every series' times: LULL's earlier ones too
    kept = [c for c in every.columns if c == "ds" or c.split("_")[0] in GIVEN]
    assert list(wide.columns) == kept
    np.testing.assert_allclose(wide[kept[1:]].to_numpy(float), every[kept[1:]].to_numpy(float), rtol=1e-5)
