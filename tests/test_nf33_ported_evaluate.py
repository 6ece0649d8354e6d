"""``evaluate`` called as a ported utilsforecast notebook calls it: ``train_df=`` and metrics given as
utilsforecast's functions (``mae``, ``partial(mase, seasonality=24)``)."""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd
import pytest

from ssm_ts import evaluate
from ssm_ts.errors import ConfigError


def panel() -> tuple[pd.DataFrame, pd.DataFrame]:
    """A long backtest of two series (one window of 3 steps) and their 30 training rows."""
    rng = np.random.default_rng(0)
    times = pd.date_range("2024-01-01", periods=33, freq="h")
    train = pd.DataFrame({"unique_id": np.repeat(["a", "b"], 30), "ds": np.tile(times[:30], 2),
                          "y": rng.normal(size=60).cumsum()})  # fmt: skip
    backtest = pd.DataFrame({"cutoff": times[29], "unique_id": np.repeat(["a", "b"], 3),
                             "ds": np.tile(times[30:], 2), "y": rng.normal(size=6),
                             "y_actual": rng.normal(size=6)})  # fmt: skip
    return backtest, train


def test_train_df_is_train():
    backtest, train = panel()
    ported = evaluate(backtest, ["mase", "rmsse"], train_df=train, season_length=2)
    pd.testing.assert_frame_equal(ported, evaluate(backtest, ["mase", "rmsse"], train=train, season_length=2))


def test_train_and_a_different_train_df_are_refused():
    backtest, train = panel()
    fix = r"train=<a DataFrame> and train_df=<a DataFrame>.*utilsforecast.*evaluate\(\.\.\., train=train_df\)"
    with pytest.raises(ConfigError, match=fix):
        evaluate(backtest, ["mase"], train=train, train_df=train.iloc[:40])


def mae(
    df: pd.DataFrame, models: list[str], id_col: str = "unique_id", target_col: str = "y"
) -> pd.DataFrame:
    """utilsforecast's signature, as a ported notebook imports it."""
    raise AssertionError("evaluate runs no metric function")


def mase(df, models, seasonality, train_df, id_col="unique_id", target_col="y"):  # noqa: ANN001, ANN201
    raise AssertionError("evaluate runs no metric function")


def test_metric_functions_are_refused_with_their_names():
    """utilsforecast's metric functions get the names evaluate takes, the season of
    ``partial(mase, seasonality=24)`` as ``season_length`` (the error listed the functions' reprs)."""
    backtest, train = panel()
    with pytest.raises(ConfigError, match=r"evaluate\(backtest, metrics=\['mae'\]\)"):
        evaluate(backtest, [mae])
    with pytest.raises(ConfigError) as error:
        evaluate(backtest, [mae, partial(mase, seasonality=2)], train_df=train)
    fix = "evaluate(backtest, metrics=['mae', 'mase'], season_length=2, train=train_df)"
    assert fix in str(error.value)
    pasted = eval(fix.replace("train=train_df", "train=train"))  # the fix, with this test's table
    pd.testing.assert_frame_equal(pasted, evaluate(backtest, ["mae", "mase"], train=train, season_length=2))
