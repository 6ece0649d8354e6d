"""Forecaster.fit, interrupted or failing after training, leaves a run that says so and a Python
session that goes on: Lightning turned Ctrl-C into SystemExit(1) (which ends a REPL) and left
Ctrl-C ignored, and a failure after training left the run FINISHED without its model."""

from __future__ import annotations

import signal

import mlflow
import numpy as np
import pandas as pd
import pytest

from ssm_ts import Forecaster
from ssm_ts.errors import TrainingError
from ssm_ts.tracking.logger import default_tracking_uri
from tests.cli.fake_use import InterruptAtEpoch
from tests.failures import make_checkpoint_uploads_fail


@pytest.fixture()
def frame() -> pd.DataFrame:
    hours = pd.date_range("2020-01-01", periods=300, freq="h")
    return pd.DataFrame({"time": hours, "y": np.sin(np.arange(300) / 5.0)})


def _settings(tmp_path) -> dict:
    return dict(model="nlinear", lookback=24, horizon=6, max_epochs=3, out_dir=str(tmp_path / "fit"),
                trainer_options={"enable_progress_bar": False})  # fmt: skip


def _runs():
    client = mlflow.MlflowClient(default_tracking_uri())
    return client, client.search_runs([client.get_experiment_by_name("ssm-ts-forecast").experiment_id])


def test_ctrl_c_raises_keyboard_interrupt_kills_the_run_and_resume_continues_it(frame, tmp_path):
    on_ctrl_c = signal.getsignal(signal.SIGINT)
    settings = _settings(tmp_path)
    interrupted = Forecaster(**{**settings, "trainer_options": {"callbacks": [InterruptAtEpoch(1)]}})
    with pytest.raises(KeyboardInterrupt):  # not SystemExit
        interrupted.fit(frame)
    assert signal.getsignal(signal.SIGINT) is on_ctrl_c
    client, (run,) = _runs()
    assert run.info.status == "KILLED"

    resumed = Forecaster(**settings).fit(frame, resume=True)
    client, (run,) = _runs()
    assert resumed.run_id_ == run.info.run_id and run.info.status == "FINISHED"
    assert len(client.get_metric_history(run.info.run_id, "val_loss")) == 3


def test_a_failure_after_training_marks_the_run_failed_and_names_the_resume(frame, tmp_path, monkeypatch):
    make_checkpoint_uploads_fail(monkeypatch)
    with pytest.raises(TrainingError, match=r"No space left on device.*fit\(\.\.\., resume=True\)"):
        Forecaster(**_settings(tmp_path)).fit(frame)
    _, (run,) = _runs()
    assert run.info.status == "FAILED"
