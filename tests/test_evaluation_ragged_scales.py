"""``evaluate(train=...)`` on a ragged panel scales each series by its own history.

Real ETTh1 series of a long table that start and end at different times: the MASE/RMSSE/MSIS scale
of a series is its seasonal-naive error before its own first forecast time, so a series scores in
the panel as it scores alone, and a series that starts after another's forecasts is scored too.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from ssm_ts import Forecaster, evaluate
from ssm_ts.errors import DataError
from tests.test_evaluation import _seasonal_scale

SEASON = 24
# rows of ETTh1 per series: B starts before A's forecasts and ends long after; C starts after A ends
SPANS = {"A": ("OT", 0, 1000), "B": ("HUFL", 500, 2000), "C": ("MUFL", 1200, 2500)}


@pytest.fixture(scope="module")
def panel(shared_data) -> pd.DataFrame:
    ett = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", parse_dates=["date"]).iloc[:2500]
    return pd.concat(
        pd.DataFrame({"unique_id": name, "ds": ett["date"].iloc[a:b], "y": ett[column].iloc[a:b]})
        for name, (column, a, b) in SPANS.items()
    ).reset_index(drop=True)


@pytest.fixture(scope="module")
def backtest(panel, tmp_path_factory) -> pd.DataFrame:
    torch.set_num_threads(1)
    model = Forecaster(
        model="nlinear", lookback=48, horizon=12, quantiles=[0.1, 0.5, 0.9], max_epochs=1, log_to_mlflow=False,
        out_dir=str(tmp_path_factory.mktemp("out")),
        trainer_options={"enable_progress_bar": False, "enable_model_summary": False},
    ).fit(panel)  # fmt: skip
    return model.backtest(panel, n_windows=3)


SCALED = ["mase", "rmsse", "msis_80"]


def _alone(backtest: pd.DataFrame, panel: pd.DataFrame, series: str) -> pd.Series:
    one = evaluate(backtest[backtest["unique_id"] == series], train=panel[panel["unique_id"] == series],
                   season_length=SEASON, aggregate=False)  # fmt: skip
    return one.set_index("series").loc[series]


def test_a_series_of_a_ragged_panel_scores_as_it_does_alone(backtest, panel):
    # A's forecasts begin at row 964, B's at 1964: B's scale was cut at A's first forecast time
    pair = backtest[backtest["unique_id"].isin(["A", "B"])]
    scores = evaluate(pair, train=panel, season_length=SEASON).set_index("series")
    for series in "AB":
        alone = _alone(backtest, panel, series)
        np.testing.assert_allclose(scores.loc[series, SCALED].to_numpy(dtype=float),
                                   alone[SCALED].to_numpy(dtype=float), rtol=1e-12, err_msg=series)  # fmt: skip
        # and by hand: the seasonal-naive error over the series' own values before its own first forecast
        rows = backtest[backtest["unique_id"] == series]
        own = panel[panel["unique_id"] == series]
        history = own.loc[own["ds"] < rows["ds"].min(), "y"].to_numpy()
        mae = np.mean(np.abs(rows["y_actual"] - rows["y"]))
        assert scores.loc[series, "mase"] == pytest.approx(mae / _seasonal_scale(history, SEASON), rel=1e-12)
    assert scores.loc["all", "mase"] == pytest.approx(scores.loc[["A", "B"], "mase"].mean())


def test_a_series_that_starts_after_another_series_forecasts_is_scored(backtest, panel):
    # C's first row (1200) comes after A's first forecast time: it had no history "before the forecasts"
    scores = evaluate(backtest, train=panel, season_length=SEASON).set_index("series")
    for series in "ABC":
        alone = _alone(backtest, panel, series)
        np.testing.assert_allclose(scores.loc[series, SCALED].to_numpy(dtype=float),
                                   alone[SCALED].to_numpy(dtype=float), rtol=1e-12, err_msg=series)  # fmt: skip
    assert np.isfinite(scores[SCALED].to_numpy(dtype=float)).all()


def test_a_series_too_short_for_the_season_is_named_with_its_own_rows(backtest, panel):
    # C keeps 10 rows of history before its own forecasts: fewer than one season of 24
    first_c = backtest.loc[backtest["unique_id"] == "C", "ds"].min()
    c = panel["unique_id"] == "C"
    cut = panel[~c | (panel["ds"] >= first_c - pd.Timedelta(hours=10))]
    with pytest.raises(
        DataError, match=r"for series \['C'\] \('C': 10 values before 2016-10-11 16:00"
    ) as error:
        evaluate(backtest, train=cut, season_length=SEASON)
    assert "smaller season_length" in str(error.value) and "'A'" not in str(error.value)
