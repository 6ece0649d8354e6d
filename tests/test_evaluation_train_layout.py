"""``ssm_ts.evaluate(frame, train=...)`` reads ``train`` wide or long whatever the frame's layout.

A wide backtest scored with the history as a long table (``unique_id, date, y``), and a long
backtest with the wide history, give the scores of matching layouts; a long table it cannot read
(several value columns, or its series column under another name) is refused with the fix.
"""

from __future__ import annotations

import pandas as pd
import pytest
import torch

from ssm_ts import Forecaster, evaluate
from ssm_ts.errors import DataError

SERIES = ["OT", "HUFL"]


@pytest.fixture(scope="module")
def wide_history(shared_data) -> pd.DataFrame:
    """Two ETTh1 series, the first 1,000 hourly rows."""
    frame = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", parse_dates=["date"])
    return frame.iloc[:1000][["date", *SERIES]]


@pytest.fixture(scope="module")
def long_history(wide_history) -> pd.DataFrame:
    return wide_history.melt(id_vars="date", var_name="unique_id", value_name="y")[["unique_id", "date", "y"]]


@pytest.fixture(scope="module")
def backtests(wide_history, tmp_path_factory) -> dict[str, pd.DataFrame]:
    torch.set_num_threads(1)
    model = Forecaster(
        model="nlinear", lookback=48, horizon=12, quantiles=[0.1, 0.9], max_epochs=1, log_to_mlflow=False,
        out_dir=str(tmp_path_factory.mktemp("out")),
        trainer_options={"enable_progress_bar": False, "enable_model_summary": False},
    ).fit(wide_history)  # fmt: skip
    return {
        "wide": model.backtest(wide_history, n_windows=3, level=80),
        "long": model.backtest(wide_history, n_windows=3, level=80, long=True),
    }


def scores(frame: pd.DataFrame, train) -> pd.DataFrame:
    return evaluate(frame, train=train, season_length=24).set_index("series").sort_index()


@pytest.mark.parametrize("layout", ["wide", "long"])
def test_train_in_the_other_layout_gives_the_same_scores(backtests, wide_history, long_history, layout):
    frame = backtests[layout]
    matching, other = (wide_history, long_history) if layout == "wide" else (long_history, wide_history)
    expected = scores(frame, matching)
    assert {"mase", "rmsse", "msis_80", "msis_level80"} <= set(expected.columns)
    pd.testing.assert_frame_equal(scores(frame, other), expected, check_exact=True)


def test_a_long_train_csv_scores_a_wide_backtest(backtests, wide_history, long_history, tmp_path):
    path = tmp_path / "history.csv"
    long_history.rename(columns={"y": "value"}).to_csv(path, index=False)  # one value column, any name
    pd.testing.assert_frame_equal(scores(backtests["wide"], path), scores(backtests["wide"], wide_history))


def test_a_long_train_with_several_value_columns_names_the_fix(backtests, long_history):
    two_values = long_history.rename(columns={"y": "load"}).assign(temperature=1.0)
    with pytest.raises(
        DataError, match=r"long table .* several value columns \['load', 'temperature'\] and none"
    ):
        evaluate(backtests["wide"], train=two_values)


def test_a_long_train_with_another_series_column_names_id_col(backtests, long_history):
    renamed = long_history.rename(columns={"unique_id": "sensor"})
    with pytest.raises(DataError, match=r"repeats times .* for a long table .* pass id_col=<its name>"):
        evaluate(backtests["wide"], train=renamed)
