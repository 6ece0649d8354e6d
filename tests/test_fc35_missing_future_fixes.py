"""The fix of a forecast short of known-future rows, pasted as given, forecasts what was asked.

``predict(n=3)`` of a model with known-future per-series inputs, given data without their rows at the
forecast steps: the fix is ``predict(n=3, futr_df=futr)`` (it was ``predict(futr_df=futr)``: the whole
horizon). Without ``n`` (or with the horizon) the fix stays ``predict(futr_df=futr)``.

The MLflow model (:class:`~ssm_ts.tracking.pyfunc_forecast.ForecastPyfunc`) gives its own request
instead, ``model.predict({"df": history, "futr_df": futr}, params={"n": 3})`` (``{"futr_df": futr}``
after the saved history), and the served form ``{"inputs": {...}, "params": {...}}``; before, it gave
the Python call ``predict(futr_df=futr)``, which no pyfunc or served user can make, and named
``predict(n=...)`` for its ``params={"n": ...}``."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from ssm_ts import Forecaster
from ssm_ts.errors import DataError
from ssm_ts.tracking.pyfunc_forecast import ForecastPyfunc

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


def _futr(said: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The ``futr`` frame the error ``said`` builds, filled with ``frame``'s promo values as it asks."""
    (grid,) = re.findall(r"futr = (pd\.MultiIndex.*?\.to_frame\(index=False\))", said)
    futr = eval(grid, {"pd": pd})  # noqa: S307  (the message's own code)
    return futr.merge(frame[["unique_id", "ds", "promo"]], on=["unique_id", "ds"], how="left")


def test_the_fix_for_missing_future_rows_keeps_a_shorter_n(fitted):
    fc, frame = fitted
    with pytest.raises(DataError) as raised:
        fc.predict(n=3)
    said = str(raised.value)
    assert said.endswith("then predict(n=3, futr_df=futr)."), said  # was predict(futr_df=futr)
    # the fix pasted, futr filled with the values it asks for: the 3 steps asked, each store's
    forecast = fc.predict(n=3, futr_df=_futr(said, frame))
    assert forecast.groupby("unique_id").size().tolist() == [3, 3]


@pytest.mark.parametrize("n", [None, HORIZON])
def test_the_whole_horizons_fix_names_no_n(fitted, n):
    with pytest.raises(DataError, match=r"then predict\(futr_df=futr\)\.$"):
        fitted[0].predict(n=n)


@pytest.mark.parametrize(("params", "given"), [(None, ""), ({"n": 3}, ', params={"n": 3}')])
def test_the_mlflow_models_fix_is_its_own_request(fitted, params, given):
    fc, frame = fitted
    pyfunc = ForecastPyfunc()
    pyfunc.forecaster = fc
    history = frame.groupby("unique_id").head(60)[["unique_id", "ds", "y", "promo"]]
    with pytest.raises(DataError) as raised:
        pyfunc.predict(None, history, params)
    said = str(raised.value)
    served = ', "params": {"n": 3}' if params else ""
    assert said.endswith(
        f'then model.predict({{"df": history, "futr_df": futr}}{given}) (served: {{"inputs": {{"df": [row, ...], '
        f'"futr_df": [row, ...]}}{served}}}).'
    ), said  # was: then predict(futr_df=futr)
    pasted = pyfunc.predict(None, {"df": history, "futr_df": _futr(said, frame)}, params)
    assert pasted.groupby("unique_id").size().tolist() == ([3, 3] if params else [HORIZON, HORIZON])

    with pytest.raises(DataError) as raised:  # an empty request: after the history saved with the model
        pyfunc.predict(None, history.iloc[:0], params)
    said = str(raised.value)
    assert (
        f'then model.predict({{"futr_df": futr}}{given}) (served: {{"inputs": {{"futr_df": [row, ...]}}'
        in said
    )
    pd.testing.assert_frame_equal(pyfunc.predict(None, {"futr_df": _futr(said, frame)}, params), pasted)


def test_the_mlflow_models_short_futr_df_names_its_n_param(fitted):
    fc, frame = fitted
    pyfunc = ForecastPyfunc()
    pyfunc.forecaster = fc
    short = frame.groupby("unique_id").nth([60, 61])[["unique_id", "ds", "promo"]]
    with pytest.raises(DataError, match=r'ceil\(n / horizon\) \* horizon for params=\{"n": \.\.\.\}\)'):
        pyfunc.predict(None, {"futr_df": short})  # was: for predict(n=...)
