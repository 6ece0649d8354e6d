"""The export a CLI fit logs (``ForecastingTask.mlflow_pyfunc``) keeps the trailing rows of known-future
covariates, as ``Forecaster.save`` does: ``Forecaster.load(out).predict()`` forecasts with them, without
data. Before, it was "known-future covariates ['x'] are needed ... (found 0)"."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ssm_ts import Forecaster
from ssm_ts.pipelines.forecasting import ForecastDataModule
from ssm_ts.tasks.forecasting import ForecastingTask

ROWS, LOOKBACK, HORIZON = 200, 24, 6


def test_a_cli_export_keeps_the_future_covariate_rows_predict_reads(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=ROWS + HORIZON)
    frame = pd.DataFrame(
        {"ds": pd.date_range("2021-01-01", periods=ROWS + HORIZON, freq="h"), "x": x, "y": 2 * x}
    )
    frame.loc[ROWS:, "y"] = np.nan  # the horizon after the data: covariates known, targets not
    datamodule = ForecastDataModule.from_frame(frame, target="y", future_covariates=["x"], lookback=LOOKBACK,
                                               horizon=HORIZON)  # fmt: skip
    datamodule.setup("fit")
    task = ForecastingTask(model="nlinear", lookback=LOOKBACK, horizon=HORIZON,
                           n_channels=datamodule.n_channels, n_outputs=datamodule.n_outputs)  # fmt: skip
    task.set_scaler(datamodule.scaler)  # what a fit's setup does; no training is needed to export
    task.mlflow_pyfunc(datamodule, tmp_path / "export")

    loaded = Forecaster.load(tmp_path / "export")
    np.testing.assert_array_equal(loaded.future_["x"].to_numpy(), x[ROWS:])
    forecast = loaded.predict()  # the same forecast as from the data with its future rows
    np.testing.assert_allclose(forecast["y"].to_numpy(), loaded.predict(frame)["y"].to_numpy())
    assert forecast["ds"].iloc[0] == frame["ds"].iloc[ROWS]
