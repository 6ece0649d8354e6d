"""The code fc36's darts hints suggest, run on the tables it is for. darts' last_points_only=True keeps each
window's last step; the hint's ``table.groupby('cutoff').tail(1)`` kept one series per window of a long
backtest table (the last series' row), silently dropping the others."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from ssm_ts import Forecaster
from ssm_ts.api.forecaster import PORTED_METHODS


def _long_backtest_table() -> pd.DataFrame:
    """A backtest's long table: 2 series, 2 windows (cutoffs) of 3 steps each."""
    rows = []
    for cutoff in pd.to_datetime(["2020-01-02", "2020-01-03"]):
        for series in ("a", "b"):
            for step in range(1, 4):
                ds = cutoff + pd.Timedelta(hours=step)
                rows.append(
                    {"cutoff": cutoff, "unique_id": series, "ds": ds, "y": step, "y_actual": step + 0.5}
                )
    return pd.DataFrame(rows)


def _suggested(text: str) -> list[str]:
    return re.findall(r"table\.groupby\(.*?\)\.tail\(1\)", text)


def _hints() -> list[str]:
    with pytest.raises(TypeError) as raised:
        Forecaster(horizon=3).backtest(last_points_only=True)
    with pytest.raises(AttributeError) as missing:
        Forecaster(horizon=3).historical_forecasts  # noqa: B018
    assert PORTED_METHODS["historical_forecasts"] in str(missing.value)
    return [str(raised.value), str(missing.value)]


@pytest.mark.parametrize("which", [0, 1])
def test_the_last_points_hint_keeps_every_series_of_a_long_table(which):
    table = _long_backtest_table()
    codes = _suggested(_hints()[which])
    kept = [eval(code, {"table": table}) for code in codes]  # noqa: S307  (the hint's own code)
    per_series = [k for k in kept if len(k) == 4]
    assert per_series, f"no suggested code keeps a long table's 4 last points (2 windows x 2 series): {codes}"
    assert (per_series[0]["ds"] - per_series[0]["cutoff"] == pd.Timedelta(hours=3)).all()
    assert sorted(per_series[0]["unique_id"]) == ["a", "a", "b", "b"]
    wide = table[table["unique_id"] == "a"].drop(columns="unique_id")
    assert len(eval(codes[0], {"table": wide})) == 2  # noqa: S307  one last point per window
    assert np.isclose(eval(codes[0], {"table": wide})["y"], 3).all()  # noqa: S307


@pytest.mark.parametrize(
    "name", ["save_checkpoints", "lr_scheduler_cls", "force_reset", "input_chunk_length"]
)
def test_a_search_space_of_a_darts_setting_reads_as_a_sentence(name):
    """A tune space naming darts' setting said "darts' save_checkpoints is no switch: ... here" and
    "... no per-model scheduler setting here here"."""
    from ssm_ts.api.forecast_ported_args import PORTED_ARGUMENTS
    from ssm_ts.api.tune_space import _check_name
    from ssm_ts.errors import ConfigError

    with pytest.raises(ConfigError) as raised:
        _check_name(name, ["nlinear"])
    text = str(raised.value)
    hint = PORTED_ARGUMENTS["__init__"][name].replace("=...", "")
    assert f"darts' {name} here: {hint}; valid: " in text
    assert " is no " not in text and "here here" not in text
