"""A fit that fails half-way keeps why in its MLflow run and says where its checkpoint is: the run was
FAILED (or KILLED) with nothing in it to tell why, a Python error said nothing of the run or the
checkpoint, and Ctrl-C in Python said "its last.ckpt is kept" without saying where."""

from __future__ import annotations

from pathlib import Path

import lightning.pytorch as pl
import mlflow
import numpy as np
import pandas as pd
import pytest

from ssm_ts import Forecaster
from ssm_ts.tracking.logger import default_tracking_uri
from ssm_ts.tracking.run_status import STOP_TAG
from tests.run_record_fakes import StartedLogger, TagStore


class StopInSecondEpoch(pl.Callback):
    """Raise ``error`` at the third batch of epoch 1 (bad data found half-way, or Ctrl-C)."""

    def __init__(self, error: BaseException):
        self.error = error

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
        if trainer.current_epoch == 1 and batch_idx == 2:
            raise self.error


@pytest.fixture()
def frame() -> pd.DataFrame:
    hours = pd.date_range("2020-01-01", periods=200, freq="h")
    return pd.DataFrame({"time": hours, "y": np.sin(np.arange(200) / 5.0)})


def _settings(tmp_path, *callbacks) -> dict:
    return dict(model="nlinear", lookback=24, horizon=6, max_epochs=2, batch_size=16, out_dir=str(tmp_path / "fit"),
                trainer_options={"enable_progress_bar": False, "callbacks": list(callbacks)})  # fmt: skip


def _only_run() -> mlflow.entities.Run:
    client = mlflow.MlflowClient(default_tracking_uri())
    (run,) = client.search_runs([client.get_experiment_by_name("ssm-ts-forecast").experiment_id])
    return run


def test_an_error_half_way_is_kept_in_the_failed_run_and_names_the_checkpoint(frame, tmp_path):
    with pytest.raises(ValueError, match="bad value in batch") as raised:
        Forecaster(**_settings(tmp_path, StopInSecondEpoch(ValueError("bad value in batch")))).fit(frame)
    run = _only_run()
    assert run.info.status == "FAILED"
    assert run.data.tags[STOP_TAG].startswith("ValueError: bad value in batch (epoch 1, step ")
    (note,) = raised.value.__notes__
    last = next(Path(tmp_path / "fit").rglob("last.ckpt"))
    assert run.info.run_id in note and "FAILED" in note and str(last) in note and "resume=True" in note

    resumed = Forecaster(**_settings(tmp_path)).fit(frame, resume=True)
    assert resumed.run_id_ == run.info.run_id and _only_run().info.status == "FINISHED"


def test_ctrl_c_in_python_names_the_checkpoint_and_the_killed_run(frame, tmp_path):
    with pytest.raises(KeyboardInterrupt) as raised:
        Forecaster(**_settings(tmp_path, StopInSecondEpoch(KeyboardInterrupt()))).fit(frame)
    run = _only_run()
    assert run.info.status == "KILLED"
    assert run.data.tags[STOP_TAG].startswith("Ctrl-C (KeyboardInterrupt) (epoch 1, step ")
    last = next(Path(tmp_path / "fit").rglob("last.ckpt"))
    assert f"({last}; MLflow run {run.info.run_id}, marked KILLED)" in str(raised.value)


class _Trainer:
    """What call_interruptibly reads of a Trainer whose fit raises: no checkpoint written this time."""

    checkpoint_callbacks: list = []
    current_epoch, global_step = 0, 3

    def __init__(self, ckpt_path=None):
        self.ckpt_path = ckpt_path

    def fit(self):
        raise ValueError("bad row")


@pytest.mark.parametrize("resumed", [False, True], ids=["fresh", "resumed"])
def test_a_fit_stopped_before_its_first_checkpoint_names_what_is_kept(tmp_path, resumed):
    from ssm_ts.tracking.interruptible_call import call_interruptibly

    start = tmp_path / "last.ckpt"
    start.write_bytes(b"")
    logger = StartedLogger()
    with pytest.raises(ValueError, match="bad row") as raised:
        call_interruptibly(_Trainer(str(start) if resumed else None).fit, [logger])
    (note,) = raised.value.__notes__
    assert logger.experiment.tags == {STOP_TAG: "ValueError: bad row (epoch 0, step 3)"}
    if resumed:  # the checkpoint it resumed from is what a resume starts from again
        assert f"last checkpoint is kept: {start}." in note
    else:
        assert "wrote no checkpoint" in note and "fit again" in note


class _UnstartedLogger:
    """A Lightning MLFlowLogger that has not started its run: reading ``run_id`` would start one."""

    _initialized = False

    def __init__(self):
        self.experiment = TagStore()
        self.started = False

    @property
    def run_id(self):
        self.started = True
        return "new"


def test_a_call_failing_before_its_logger_started_a_run_starts_none():
    from ssm_ts.tracking.interruptible_call import call_interruptibly

    logger = _UnstartedLogger()
    with pytest.raises(ValueError, match="bad row") as raised:
        call_interruptibly(_Trainer().fit, [logger])
    assert not logger.started and logger.experiment.tags == {}
    assert not getattr(raised.value, "__notes__", [])
