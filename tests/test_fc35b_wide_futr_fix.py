"""A wide model with known-future covariates, given no rows of them for the forecast steps: the error
also names ``predict(futr_df=futr)``, the way to give them apart from the history, with the code that
builds ``futr`` (the time column, then each covariate to fill) and ``n=`` kept for a shorter forecast.
Before, it said only to append rows to the data (the long-table error and the CLI's already named
``futr_df`` / ``--futr_path``). Pasted, filled with the values it asks for, the fix forecasts."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from tests import futr_fix_checks as checks
from tests.futr_fix_checks import HORIZON, ROWS, TIMES, hourly_frame
from tests.untrained import untrained_forecaster

FRAME = hourly_frame("date")


@pytest.fixture(scope="module")
def model():
    return untrained_forecaster(FRAME.iloc[:ROWS], 8, HORIZON, target="OT", future_covariates=["hour", "dow"])


def _futr(said: str) -> pd.DataFrame:
    """The ``futr`` the error ``said`` builds, its covariates filled as it asks (in its row order)."""
    (code,) = re.findall(r"or give them apart: futr = (pd\.DataFrame\(\{.*?\}\)), then", said)
    futr = eval(code, {"pd": pd})  # noqa: S307  (the message's own code)
    for column in re.findall(r"futr\['(\w+)'\] = <its values, in futr's row order>", said):
        futr[column] = futr["date"].map(FRAME.set_index("date")[column])
    return futr


@checks.PASTED_CALLS
def test_the_wide_errors_futr_df_fix_pasted_forecasts(model, n, call, steps):
    said = checks.refusal(lambda: model.predict(n=n))
    assert re.search(r"the targets empty \(found 0\), or give them apart: futr = pd\.DataFrame", said), said
    assert said.endswith(f"then {call}."), said
    futr = _futr(said)
    assert futr.columns.tolist() == ["date", "hour", "dow"]
    assert len(futr) == -(-steps // HORIZON) * HORIZON
    forecast = model.predict(n=n, futr_df=futr)
    assert len(forecast) == steps and forecast["OT"].notna().all()
    assert forecast["date"].tolist() == TIMES[ROWS : ROWS + steps].tolist()


def test_a_shorter_forecast_stays_the_last_fix(model):
    """Rows for one horizon given, a rollout asked: both fixes, the futr_df one first."""
    history = FRAME.iloc[: ROWS + HORIZON].assign(OT=lambda f: f["OT"].where(f.index < ROWS))
    checks.check_shorter_n_fix(model, history, _futr, "pd.DataFrame")
