"""A long-table model whose known-future covariates are series of their own (``unique_id`` ``hour``,
values in ``y``), given no rows of them for the forecast steps: the error also names
``predict(futr_df=futr)``, with the code that builds ``futr`` (a row per covariate series and time, then
the value column to fill) and ``n=`` kept for a shorter forecast, as the wide error does. Before, it said
only to add rows of those series. Pasted, filled with the values it asks for, the fix forecasts."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from ssm_ts.cli.missing_future import missing_future_in_command_terms
from ssm_ts.errors import DataError
from ssm_ts.tracking.pyfunc_forecast import ForecastPyfunc
from tests import futr_fix_checks as checks
from tests.futr_fix_checks import HORIZON, ROWS, TIMES, hourly_frame
from tests.untrained import untrained_forecaster

LONG = hourly_frame("ds").melt(id_vars="ds", var_name="unique_id", value_name="y")
VALUES = LONG.set_index(["unique_id", "ds"])["y"]


@pytest.fixture(scope="module")
def model():
    history = LONG[LONG["ds"] < TIMES[ROWS]]
    return untrained_forecaster(history, 8, HORIZON, target="OT", future_covariates=["hour", "dow"])


def _futr(said: str) -> pd.DataFrame:
    """The ``futr`` the error ``said`` builds, its values filled as it asks (in its row order)."""
    (code,) = re.findall(r"or give them apart: futr = (pd\.MultiIndex\.from_product\(.*?\.to_frame\(index=False\)), then",
                         said)  # fmt: skip
    futr = eval(code, {"pd": pd})  # noqa: S307  (the message's own code)
    (column,) = re.findall(r"futr\['(\w+)'\] = <its values, in futr's row order>", said)
    futr[column] = [VALUES[key] for key in zip(futr["unique_id"], futr["ds"], strict=True)]
    return futr


@checks.PASTED_CALLS
def test_the_long_errors_futr_df_fix_pasted_forecasts(model, n, call, steps):
    said = checks.refusal(lambda: model.predict(n=n))
    assert re.search(
        r"and none of the targets there \(found 0\), or give them apart: futr = pd\.MultiIndex", said
    ), said
    assert said.endswith(f"then futr['y'] = <its values, in futr's row order>, then {call}."), said
    futr = _futr(said)
    rows = -(-steps // HORIZON) * HORIZON
    assert futr.columns.tolist() == ["unique_id", "ds", "y"]
    assert futr["unique_id"].tolist() == ["hour"] * rows + ["dow"] * rows
    forecast = model.predict(n=n, futr_df=futr)
    assert len(forecast) == steps and forecast["y"].notna().all()
    assert forecast["ds"].tolist() == TIMES[ROWS : ROWS + steps].tolist()


def test_a_shorter_forecast_stays_the_last_fix(model):
    """Rows of the covariate series for one horizon given, a rollout asked: both fixes, futr_df's first."""
    history = LONG[
        (LONG["ds"] < TIMES[ROWS]) | ((LONG["unique_id"] != "OT") & (LONG["ds"] < TIMES[ROWS + HORIZON]))
    ]
    checks.check_shorter_n_fix(model, history, _futr, "pd.MultiIndex")


SERVED = '(served: {"inputs": {"df": [row, ...], "futr_df": [row, ...]}'


@pytest.mark.parametrize(
    ("params", "request_"),
    [(None, '{"df": history, "futr_df": futr}) ' + SERVED + "})."),
     ({"n": 3}, '{"df": history, "futr_df": futr}, params={"n": 3}) ' + SERVED + ', "params": {"n": 3}}).')],
)  # fmt: skip
def test_the_mlflow_models_long_fix_is_its_request_and_runs(model, params, request_):
    """The MLflow model says the futr it builds in its own request, which forecasts pasted."""
    pyfunc = ForecastPyfunc()
    pyfunc.forecaster = model
    history = LONG[LONG["ds"] < TIMES[ROWS]]
    with pytest.raises(DataError) as raised:
        pyfunc.predict(None, history, params)
    said = str(raised.value)
    assert "or give them apart: futr = pd.MultiIndex" in said, said
    assert said.endswith(
        "then futr['y'] = <its values, in futr's row order>, then model.predict(" + request_
    ), said
    forecast = pyfunc.predict(None, {"df": history, "futr_df": _futr(said)}, params)
    assert len(forecast) == (3 if params else HORIZON) and forecast["y"].notna().all()


def test_the_command_lines_long_fix_writes_the_futr_path_file(model):
    """``ssm-ts forecast predict`` ends the same code writing future.csv for ``--futr_path``."""
    with pytest.raises(DataError) as raised, missing_future_in_command_terms(None):
        model.predict(n=6)
    said = str(raised.value)
    assert said.endswith(
        "then futr['y'] = <its values, in futr's row order>, then futr.to_csv('future.csv', index=False), and give "
        "it to this command: --futr_path future.csv."
    ), said
    assert len(_futr(said)) == 2 * 8  # each covariate series' rows for the two blocks the rollout reads
