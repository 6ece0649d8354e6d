"""A Python ``Forecaster.fit`` released its folder's fit lock when training ended (the trainer's FitLock
callback), not when fit() returned: the best weights' evaluation, the export and the MLflow logging after
training ran unlocked, so a resume into the folder meanwhile trained into the checkpoints being exported.
The fit now holds the lock until it returns or raises, and leaves none behind."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ssm_ts import Forecaster
from ssm_ts.api import forecast_fit_end
from ssm_ts.errors import TrainingError
from ssm_ts.training import fit_lock
from ssm_ts.training.fit_lock import LOCK_NAME


@pytest.fixture(autouse=True)
def rank_0_alone(monkeypatch):
    """A process with no rank set (a plain fit, or rank 0)."""
    for name in fit_lock._RANK_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def _series() -> pd.DataFrame:
    hours = pd.date_range("2020-01-01", periods=120, freq="h")
    return pd.DataFrame({"time": hours, "y": np.sin(np.arange(120) / 5.0)})


def _forecaster(out: Path) -> Forecaster:
    return Forecaster(model="nlinear", lookback=12, horizon=4, max_epochs=1, out_dir=str(out),
                      log_to_mlflow=False, trainer_options={"enable_progress_bar": False})  # fmt: skip


def test_a_resume_while_the_fit_exports_is_refused_and_no_lock_is_left(tmp_path, monkeypatch):
    finish = forecast_fit_end.finish_fit
    seen: dict = {}

    def exporting(fc, trainer, task, datamodule, out_dir, own_dir, best, logger):
        if seen:  # the resume below, had it not been refused
            return finish(fc, trainer, task, datamodule, out_dir, own_dir, best, logger)
        lock = Path(own_dir) / LOCK_NAME
        seen["held"] = lock.exists()
        # another process (this one under another pid) resumes into the folder while this one exports
        real = os.getpid()
        with monkeypatch.context() as other:
            other.setattr(fit_lock.os, "getpid", lambda: real + 100_000)
            with pytest.raises(TrainingError, match="a fit is already running") as refused:
                _forecaster(tmp_path).fit(_series(), time_col="time", target="y", resume=True)
        seen["refusal"] = str(refused.value)
        finish(fc, trainer, task, datamodule, out_dir, own_dir, best, logger)
        seen["own_dir"] = Path(own_dir)

    monkeypatch.setattr(forecast_fit_end, "finish_fit", exporting)
    fc = _forecaster(tmp_path).fit(_series(), time_col="time", target="y")
    assert seen["held"], "the fit's folder was unlocked while the model was exported"
    assert "fit(..., resume=True)" in seen["refusal"] and "another out_dir" in seen["refusal"]
    assert fc.task_ is not None
    assert not (seen["own_dir"] / LOCK_NAME).exists()
    assert not list(tmp_path.rglob(LOCK_NAME))
    assert not fit_lock._HELD


def test_a_fit_failing_after_training_leaves_no_lock(tmp_path, monkeypatch):
    def fails(*args, **kwargs):
        assert list(tmp_path.rglob(LOCK_NAME)), "held while the model is exported"
        raise RuntimeError("the export failed")

    monkeypatch.setattr(forecast_fit_end, "finish_fit", fails)
    with pytest.raises(RuntimeError, match="the export failed"):
        _forecaster(tmp_path).fit(_series(), time_col="time", target="y")
    assert not list(tmp_path.rglob(LOCK_NAME))
    assert not fit_lock._HELD
