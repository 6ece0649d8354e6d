"""A trial stopped by what is not its settings' fault (a full disk, a tracking server that fails) stops
the search, says why in ``trials.csv``, and runs again, from its checkpoint, when the search continues.

Before: an ``OSError`` mid-fit left the trial FAIL with no reason and counted toward ``n_trials``, so the
continued search never ran its settings again (a grid point lost, its epochs too); a failure after
training (a checkpoint upload refused by a full disk) failed the trial "as a NaN loss" and the search
went on to train every other trial into the same failure, then advised a lower ``lr``."""

from __future__ import annotations

from pathlib import Path

import mlflow
import pandas as pd
import pytest
from lightning.pytorch.callbacks import Callback

from ssm_ts.api.tuning import _ReportValidationLoss, _TrialForecaster, tune_forecaster
from ssm_ts.errors import TrainingError
from tests.cli.fake_use import InterruptAtEpoch
from tests.failures import make_checkpoint_uploads_fail

SETTINGS = dict(target="OT", time_col="date", model="nlinear", lookback=48, horizon=12, max_epochs=2,
                patience=None, trainer_options={"limit_train_batches": 5})  # fmt: skip
SPACE = {"lr": [1e-3, 3e-3]}


class DiskFullAtEpoch(Callback):
    """The disk fills up as epoch ``epoch`` starts (after the previous epoch's checkpoint)."""

    def __init__(self, epoch: int):
        self.epoch = epoch

    def on_train_epoch_start(self, trainer, pl_module):
        if trainer.current_epoch == self.epoch:
            raise OSError(28, "No space left on device")


def _kwargs(tmp_path: Path, **extra) -> dict:
    return dict(sampler="grid", storage=f"sqlite:///{tmp_path / 'optuna.db'}", out_dir=str(tmp_path / "out"),
                **SETTINGS, **extra)  # fmt: skip


def _epochs_trained(monkeypatch) -> list[tuple[int, int]]:
    """``(trial, epoch)`` of every epoch the trials train, in order."""
    seen: list[tuple[int, int]] = []
    report = _ReportValidationLoss.on_validation_end

    def spy(self, trainer, pl_module):
        if not trainer.sanity_checking:
            seen.append((self.trial.number, trainer.current_epoch))
        return report(self, trainer, pl_module)

    monkeypatch.setattr(_ReportValidationLoss, "on_validation_end", spy)
    return seen


def test_a_trial_stopped_by_a_full_disk_says_why_and_resumes_when_the_search_continues(
    ett, single_thread, tmp_path, monkeypatch
):
    kwargs = _kwargs(tmp_path, log_to_mlflow=False)
    with monkeypatch.context() as patch:
        own = _TrialForecaster._fit_callbacks
        patch.setattr(_TrialForecaster, "_fit_callbacks", lambda self: [
            *own(self), *([DiskFullAtEpoch(1)] if self._reporter.trial.number == 1 else [])])  # fmt: skip
        with pytest.raises(OSError, match="No space left on device"):
            tune_forecaster(ett, SPACE, **kwargs)
    trials = pd.read_csv(tmp_path / "out" / "trials.csv")
    assert trials["state"].tolist() == ["COMPLETE", "FAIL"]
    assert "OSError" in trials.loc[1, "error"] and "No space left on device" in trials.loc[1, "error"]

    epochs = _epochs_trained(monkeypatch)
    result = tune_forecaster(ett, SPACE, **kwargs)  # the disk freed: the same call again
    assert epochs == [(2, 1)]  # trial 1's settings run again, from its checkpoint after epoch 0
    assert result.trials["state"].tolist() == ["COMPLETE", "FAIL", "COMPLETE"]
    assert result.study.trials[2].user_attrs["resumed"]["trial"] == 1
    done = result.trials[result.trials["state"] == "COMPLETE"]
    assert sorted(done["lr"]) == SPACE["lr"]  # both grid points


def test_a_failure_after_training_stops_the_search_and_the_trial_resumes_when_it_continues(
    ett, single_thread, tmp_path, monkeypatch
):
    kwargs = _kwargs(tmp_path, tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}")
    epochs = _epochs_trained(monkeypatch)
    with monkeypatch.context() as patch:
        make_checkpoint_uploads_fail(patch)
        with pytest.raises(TrainingError, match="No space left on device") as stopped:
            tune_forecaster(ett, SPACE, **kwargs)
    assert "run the same search again" in str(stopped.value)
    assert "fit(..., resume=True)" not in str(stopped.value)  # a Forecaster's next step, not a search's
    assert epochs == [(0, 0), (0, 1)]  # not every trial trained into the same failure
    trials = pd.read_csv(tmp_path / "out" / "trials.csv")
    assert trials["state"].tolist() == ["FAIL"] and "No space left on device" in trials.loc[0, "error"]

    epochs.clear()
    result = tune_forecaster(ett, SPACE, **kwargs)  # the space freed
    assert epochs == [(2, 0), (2, 1)]  # trial 0 trained nothing again: only the grid's other point trains
    assert result.trials["state"].tolist() == ["FAIL", "COMPLETE", "COMPLETE"]
    rerun = result.study.trials[1]
    assert rerun.user_attrs["resumed"]["trial"] == 0 and rerun.user_attrs["resumed"]["epoch"] == 2
    assert sorted(rerun.intermediate_values) == [0, 1]  # trial 0's, given to the pruner
    # trial 0's MLflow run, FAILED then, now holds the logged model and is FINISHED
    run = mlflow.MlflowClient(kwargs["tracking_uri"]).get_run(rerun.user_attrs["run_id"])
    assert rerun.user_attrs["run_id"] == result.study.trials[0].user_attrs["run_id"]
    assert run.info.status == "FINISHED" and run.data.tags["optuna.state"] == "COMPLETE"


def test_every_trial_failed_counts_an_interrupted_trial_once(
    shared_data, single_thread, tmp_path, monkeypatch
):
    # an interrupted trial and its rerun are one trial's settings: the message listed both, "3 of 3 failed"
    ili = dict(target="OT", time_col="date", model="spacetime", lookback=36, horizon=24, max_epochs=1,
               trainer_options={"limit_train_batches": 5}, log_to_mlflow=False)  # fmt: skip  # lr 1e4: NaN
    data = shared_data / "forecasting" / "national_illness.csv"
    kwargs = dict(sampler="grid", storage=f"sqlite:///{tmp_path / 'optuna.db'}", out_dir=str(tmp_path), **ili)
    with monkeypatch.context() as patch:
        own = _TrialForecaster._fit_callbacks
        patch.setattr(_TrialForecaster, "_fit_callbacks", lambda self: [*own(self), InterruptAtEpoch(0)])
        with pytest.raises(KeyboardInterrupt):
            tune_forecaster(data, {"lr": [1e4, 1e5]}, **kwargs)
    with pytest.raises(TrainingError, match=r"every trial of the search failed.*\(2 of 2 failed\)") as caught:
        tune_forecaster(data, {"lr": [1e4, 1e5]}, **kwargs)
    assert "interrupted" not in str(caught.value) and "trial 0 " not in str(caught.value)
    assert str(caught.value).count("training loss became nan") == 2
