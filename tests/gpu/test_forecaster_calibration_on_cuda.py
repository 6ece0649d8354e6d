"""On a GPU: the end-of-fit conformal calibration of ``Forecaster.fit`` forecasts its validation windows
on CUDA (the fit's device), and gives the scores the same weights give on the CPU.

Skipped without a GPU (CI has none); run on a lent GPU with ``pytest tests/gpu``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from ssm_ts import Forecaster
from ssm_ts.api.forecaster import validation_scores
from ssm_ts.pipelines.forecasting import ForecastDataModule
from ssm_ts.tasks.forecasting import ForecastingTask

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")

LOOKBACK, HORIZON, BOUNDARIES = 96, 24, [2500, 3200, 4000]


def test_fit_calibrates_on_cuda_and_matches_the_cpu(shared_data, tmp_path, monkeypatch):
    ett = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", parse_dates=["date"]).iloc[:4000]
    devices: list[torch.device] = []
    scores, forecast = Forecaster._validation_scores, ForecastingTask.forecast
    inside: list[bool] = []

    def spied_scores(self, datamodule, device=None):
        inside.append(True)
        try:
            return scores(self, datamodule, device)
        finally:
            inside.pop()

    def spied_forecast(self, x):
        if inside:
            devices.append(x.device)
        return forecast(self, x)

    monkeypatch.setattr(Forecaster, "_validation_scores", spied_scores)
    monkeypatch.setattr(ForecastingTask, "forecast", spied_forecast)
    model = Forecaster(model="spacetime", lookback=LOOKBACK, horizon=HORIZON, quantiles=[0.1, 0.9], max_epochs=1,
                       accelerator="gpu", boundaries=BOUNDARIES, log_to_mlflow=False, out_dir=str(tmp_path),
                       trainer_options={"enable_progress_bar": False})  # fmt: skip
    model.fit(ett)
    assert devices and all(d.type == "cuda" for d in devices)
    assert model.task_.device.type == "cpu"  # the fitted model is kept (and saved) on the CPU
    monkeypatch.undo()
    module = ForecastDataModule.from_frame(ett, lookback=LOOKBACK, horizon=HORIZON, boundaries=BOUNDARIES)
    module.setup("fit")
    on_cpu = validation_scores(model.task_, module, device="cpu")
    np.testing.assert_allclose(model.conformal_.residual, on_cpu.residual, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(model.conformal_.cqr, on_cpu.cqr, rtol=1e-4, atol=1e-4)
