"""A fit whose training finished but whose evaluation/export/logging failed keeps why in its FAILED run
(the ``ssm_ts.stopped_by`` tag docs/mlflow.md promises on every failed run): it was marked FAILED with
the tag empty, so ``mlflow.search_runs`` showed a failed run that did not say why."""

from __future__ import annotations

import mlflow
import numpy as np
import pandas as pd
import pytest

from ssm_ts import Forecaster
from ssm_ts.api import forecast_fit_end
from ssm_ts.errors import TrainingError
from ssm_ts.tracking.logger import default_tracking_uri
from ssm_ts.tracking.run_status import STOP_TAG


def test_a_failure_after_training_is_kept_in_the_failed_run(tmp_path, monkeypatch):
    hours = pd.date_range("2020-01-01", periods=120, freq="h")
    frame = pd.DataFrame({"time": hours, "y": np.sin(np.arange(120) / 5.0)})

    def disk_full(*args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(forecast_fit_end, "finish_fit", disk_full)
    forecaster = Forecaster(model="nlinear", lookback=24, horizon=6, max_epochs=1, batch_size=16,
                            out_dir=str(tmp_path / "fit"), trainer_options={"enable_progress_bar": False})  # fmt: skip
    with pytest.raises(TrainingError, match="No space left on device"):
        forecaster.fit(frame)
    client = mlflow.MlflowClient(default_tracking_uri())
    (run,) = client.search_runs([client.get_experiment_by_name("ssm-ts-forecast").experiment_id])
    assert run.info.status == "FAILED"
    assert run.data.tags[STOP_TAG] == "OSError: No space left on device (after training)"
