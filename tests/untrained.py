"""Forecasters that forecast without a fit, for tests that compare forecasts of one model."""

from __future__ import annotations

import pandas as pd

from ssm_ts import Forecaster
from ssm_ts.pipelines.forecasting import ForecastDataModule
from ssm_ts.tasks.forecasting import ForecastingTask


def untrained_forecaster(frame: pd.DataFrame, lookback: int, horizon: int, **settings) -> Forecaster:
    """A Forecaster around an untrained NLinear on ``frame`` (its scaler fitted; ``settings``: the data
    module's, e.g. ``target=``, ``future_covariates=``): it forecasts, no fit needed."""
    datamodule = ForecastDataModule.from_frame(frame, lookback=lookback, horizon=horizon, **settings)
    datamodule.setup("fit")
    task = ForecastingTask(model="nlinear", lookback=lookback, horizon=horizon, n_channels=datamodule.n_channels,
                           n_outputs=datamodule.n_outputs)  # fmt: skip
    task.set_scaler(datamodule.scaler)
    return Forecaster.around(task, datamodule)
