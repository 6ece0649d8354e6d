"""A forecast of ``n`` steps past the horizon of a model with known-future covariates reads their rows for
every block of the rollout (``ceil(n / horizon) * horizon``). ``ssm-ts forecast predict --n 24`` (horizon
12) on a history without them named 12 rows (``periods=12``, "append 12 rows"), the horizon's: pasted,
the fix gave a second error asking for 24. Now the command names the rows of the steps asked for, as
``Forecaster.predict(n=24)`` does, in its own option (``--n``); and a shorter forecast is offered as a fix
only when the rows given cover one horizon (with none given, ``n <= 12`` failed as well)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.forecasting import load_series
from ssm_ts.pipelines.forecasting.forecast_inputs import check_rollable
from tests.cli_runs import refused_in
from tests.test_futr33_cli_futr_path import fitted, predict_args  # noqa: F401  (the module's CLI fit)


def test_predict_n_past_the_horizon_names_the_rollouts_rows(fitted, capsys):  # noqa: F811
    said = " ".join(refused_in(fitted, predict_args("history.csv", "--n", "24"), capsys).split())
    assert "needed for all 24 steps the rollout reads" in said, said
    assert (
        "append 24 rows after the last observation (date 2016-07-16 20:00:00 to 2016-07-17 19:00:00)" in said
    )
    assert "append 12 rows" not in said
    assert "ask for" not in said  # none given: a forecast of the horizon lacks its rows too


def test_a_shorter_forecast_is_offered_as_the_commands_option(fitted, capsys):  # noqa: F811
    said = " ".join(refused_in(fitted, predict_args("appended.csv", "--n", "30"), capsys).split())
    assert "all 36 steps the rollout reads (30 rounded up to whole blocks of the horizon 12)" in said, said
    assert "(found 12), or give them apart: futr = pd.DataFrame(" in said, said
    assert (
        "then futr.to_csv('future.csv', index=False), and give it to this command: --futr_path future.csv, "
        "or ask for --n 12 or fewer." in said
    )
    assert "n <=" not in said


def test_no_shorter_forecast_is_offered_without_one_horizons_rows():
    times = pd.date_range("2016-07-01", periods=40, freq="15min")
    table = pd.DataFrame({"date": times, "OT": np.arange(40.0), "HUFL": np.ones(40)})
    table.loc[36:, "OT"] = np.nan  # 4 rows of HUFL after the history: one horizon of 4, not two
    frame, spec = load_series(table, target="OT", future_covariates=["HUFL"], allow_future_rows=True)
    apart = r"or give them apart: futr = pd\.DataFrame\(.*, then predict\(n=6, futr_df=futr\)"
    with pytest.raises(DataError, match=r"\(found 4\), " + apart + r", or ask for n <= 4\.$"):
        check_rollable(frame, spec, n=6, horizon=4)
    short = frame.iloc[:37]  # 1 row of HUFL, fewer than a horizon: n <= 4 would fail as well
    with pytest.raises(DataError, match=r"append 8 rows .*\(found 1\), " + apart + r"\.$"):
        check_rollable(short, spec, n=6, horizon=4)
