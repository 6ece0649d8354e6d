"""A long table whose series end at different rows, with a covariate series: each series is forecast
after its own last row from the covariates of its own window. Before, ``predict`` forecast every
series from the panel's last row (a series that ended earlier read a lookback ending in empty rows:
wrong numbers, no error), and ``backtest`` failed inside torch ("The size of tensor a (3) must match
the size of tensor b (4)"). An untrained model is enough: the forecasts must equal those made from
the data cut at the series' own end, which read one shared window as before."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from ssm_ts import Forecaster
from ssm_ts.errors import DataError
from ssm_ts.pipelines.forecasting import ForecastDataModule
from ssm_ts.tasks.forecasting import ForecastingTask

# the panel's last rows hold only the covariate: future rows, as the warning about them says
pytestmark = pytest.mark.filterwarnings("ignore:.*treated as future rows:UserWarning")

ROWS, LOOKBACK, HORIZON, EARLY = 160, 16, 4, 7  # s2 ends EARLY rows before the others


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    """Series s0..s2 (s1 starts late, s2 ends early) and covariate x, known HORIZON rows past the end."""
    rng = np.random.default_rng(0)
    times = pd.date_range("2022-01-01", periods=ROWS + HORIZON, freq="h")
    x = rng.normal(size=len(times))
    pieces = [pd.DataFrame({"unique_id": "x", "ds": times, "y": x})]
    for i, (start, end) in enumerate([(0, ROWS), (20, ROWS), (0, ROWS - EARLY)]):
        y = (i + 1) * x + rng.normal(size=len(times))
        pieces.append(pd.DataFrame({"unique_id": f"s{i}", "ds": times[start:end], "y": y[start:end]}))
    return pd.concat(pieces, ignore_index=True)


@pytest.fixture(scope="module")
def untrained(panel) -> Forecaster:
    torch.manual_seed(0)
    datamodule = ForecastDataModule.from_frame(
        panel, future_covariates=["x"], lookback=LOOKBACK, horizon=HORIZON
    )
    datamodule.setup("fit")
    task = ForecastingTask(model="nlinear", lookback=LOOKBACK, horizon=HORIZON, n_channels=datamodule.n_channels,
                           n_outputs=datamodule.n_outputs)  # fmt: skip
    task.set_scaler(datamodule.scaler)
    return Forecaster.around(task, datamodule)


def cut_at(panel: pd.DataFrame, rows: int) -> pd.DataFrame:
    """Every target cut after its first ``rows`` times (s2 then ends with the others); x kept."""
    last = panel["ds"].min() + pd.Timedelta(hours=rows - 1)
    return panel[(panel["unique_id"] == "x") | (panel["ds"] <= last)]


def test_a_series_that_ends_early_is_forecast_after_its_own_end_from_its_own_covariates(untrained, panel):
    forecast = untrained.predict(panel)
    early = forecast[forecast["unique_id"] == "s2"]
    assert early["ds"].iloc[0] == panel["ds"].min() + pd.Timedelta(hours=ROWS - EARLY)
    alone = untrained.predict(cut_at(panel, ROWS - EARLY))  # one window ending at s2's end
    np.testing.assert_allclose(early["y"].to_numpy(), alone.loc[alone["unique_id"] == "s2", "y"].to_numpy())
    together = untrained.predict(cut_at(panel, ROWS))  # s0 and s1: as before
    np.testing.assert_allclose(forecast.loc[forecast["unique_id"] == "s0", "y"].to_numpy(),
                               together.loc[together["unique_id"] == "s0", "y"].to_numpy())  # fmt: skip


def test_the_cli_forecast_file_holds_the_same_forecasts(untrained, panel, tmp_path):
    datamodule = ForecastDataModule.from_frame(panel, lookback=LOOKBACK, horizon=HORIZON)
    datamodule.fitted_spec = untrained.spec_  # as a checkpoint restores it: the future rows are kept
    datamodule.setup("predict")
    task = untrained.task_
    with torch.no_grad():  # what trainer.predict hands to the CLI
        predictions = [task.predict_step(batch, 0) for batch in datamodule.predict_dataloader()]
    csv, _ = task.write_predictions(predictions, datamodule, tmp_path)
    written = pd.read_csv(csv, parse_dates=["ds"])
    np.testing.assert_allclose(written["y"].to_numpy(), untrained.predict(panel)["y"].to_numpy())
    early = written[written["unique_id"] == "s2"]
    alone = untrained.predict(cut_at(panel, ROWS - EARLY))
    assert (early["ds"].to_numpy() == alone.loc[alone["unique_id"] == "s2", "ds"].to_numpy()).all()
    np.testing.assert_allclose(early["y"].to_numpy(), alone.loc[alone["unique_id"] == "s2", "y"].to_numpy())


def test_backtest_forecasts_each_series_before_its_own_end(untrained, panel):
    backtest = untrained.backtest(panel, n_windows=2)
    last = backtest[backtest["unique_id"] == "s2"].iloc[-HORIZON:]
    before = untrained.predict(cut_at(panel, ROWS - EARLY - HORIZON))
    np.testing.assert_allclose(last["y"].to_numpy(), before.loc[before["unique_id"] == "s2", "y"].to_numpy())
    assert last["y_actual"].notna().all()


def test_a_series_shorter_than_the_lookback_is_named_not_left_out(untrained, panel):
    """Series that end together but one starts within the lookback: its forecast was NaN, and the long
    output left it out unseen."""
    late = panel[
        (panel["unique_id"] != "s2")
        | (panel["ds"] >= panel["ds"].min() + pd.Timedelta(hours=ROWS - EARLY - 10))
    ]
    with pytest.raises(
        DataError, match=r"the last 16 observed rows \(the lookback\) of every series; 1 series has fewer"
    ):
        untrained.predict(cut_at(late, ROWS - EARLY))
