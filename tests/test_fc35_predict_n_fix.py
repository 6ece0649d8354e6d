"""``predict(n=3)`` of a model with known-future per-series inputs, given data without their rows at the
forecast steps: the fix the error gives is ``predict(n=3, futr_df=futr)``, which, pasted, forecasts the 3
steps asked for. Before, it was ``predict(futr_df=futr)``: the whole horizon. Without ``n`` (or with the
horizon) the fix stays ``predict(futr_df=futr)``."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from ssm_ts import Forecaster
from ssm_ts.errors import DataError

HORIZON = 6


@pytest.fixture(scope="module")
def fitted() -> tuple[Forecaster, pd.DataFrame]:
    """``(model, full frame)``: nlinear fitted on 2 stores' first 60 days, ``promo`` known ahead."""
    rows = []
    for store in ("a", "b"):
        promo = (np.arange(66) % 7 == 0).astype(float)
        y = np.sin(np.arange(66) / 4) + promo
        rows.append(pd.DataFrame({"unique_id": store, "ds": pd.date_range("2020-01-01", periods=66, freq="D"),
                                  "y": y, "promo": promo}))  # fmt: skip
    frame = pd.concat(rows, ignore_index=True)
    fc = Forecaster(model="nlinear", lookback=8, horizon=HORIZON, max_epochs=1, log_to_mlflow=False,
                    trainer_options={"enable_progress_bar": False, "enable_model_summary": False})  # fmt: skip
    fc.fit(frame.groupby("unique_id").head(60), future_covariates=["promo"])
    return fc, frame


def test_the_fix_for_missing_future_rows_keeps_a_shorter_n(fitted):
    fc, frame = fitted
    with pytest.raises(DataError) as raised:
        fc.predict(n=3)
    said = str(raised.value)
    assert said.endswith("then predict(n=3, futr_df=futr)."), said  # was predict(futr_df=futr)
    # the fix pasted, futr filled with the values it asks for: the 3 steps asked, each store's
    (grid,) = re.findall(r"futr = (pd\.MultiIndex.*?\.to_frame\(index=False\))", said)
    futr = eval(grid, {"pd": pd})  # noqa: S307  (the message's own code)
    futr = futr.merge(frame[["unique_id", "ds", "promo"]], on=["unique_id", "ds"], how="left")
    forecast = fc.predict(n=3, futr_df=futr)
    assert forecast.groupby("unique_id").size().tolist() == [3, 3]


@pytest.mark.parametrize("n", [None, HORIZON])
def test_the_whole_horizons_fix_names_no_n(fitted, n):
    with pytest.raises(DataError, match=r"then predict\(futr_df=futr\)\.$"):
        fitted[0].predict(n=n)
