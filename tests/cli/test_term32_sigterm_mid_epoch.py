"""SIGTERM in the middle of an epoch (``kill``, a scheduler's preemption, ``docker stop``) writes the
fit's ``last.ckpt`` as the batch under way ends; the resume continues that epoch at its next batch and
ends with the weights of an uninterrupted fit, bit for bit: through ``Forecaster.fit(..., resume=True)``
and ``ssm-ts forecast fit --ckpt_path last``. The fit still ends as before: ``Terminated`` from the
Python API, its MLflow run KILLED and exit code 143 from the CLI.

Lightning's handler only sets ``trainer.received_sigterm`` and its loop raises ``SIGTERMException``
after the batch, so the last checkpoint was the one of the last finished epoch: every batch the stopped
epoch had trained was trained again by the resume (here 3 of epoch 1's 6)."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import lightning.pytorch as pl
import mlflow
import pytest
import torch

from ssm_ts import cli
from ssm_ts.tracking.interruptible_call import Terminated
from ssm_ts.tracking.logger import default_tracking_uri
from tests.test_resume_mid_epoch import (
    BATCHES,
    TRAINED,
    CountBatches,
    assert_same_bits,
    fitter,
    forecast_fit_args,
    last_checkpoint,
)
from tests.test_resume_mid_epoch import etth1 as etth1  # the fixture: ETTh1's first 600 rows

pytestmark = pytest.mark.usefixtures("single_thread")


class TermDuringBatch(pl.Callback):
    """What Lightning's SIGTERM handler does when the signal comes during batch ``batch`` of ``epoch``."""

    def __init__(self, epoch: int = 1, batch: int = 2):
        self.epoch, self.batch = epoch, batch

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
        if (trainer.current_epoch, batch_idx) == (self.epoch, self.batch):
            trainer._signal_connector.received_sigterm = True  # set by its handler of the signal


class KillDuringBatch(TermDuringBatch):
    """A real SIGTERM to this process during batch ``batch`` of ``epoch`` (Lightning handles it in a fit)."""

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
        if (trainer.current_epoch, batch_idx) == (self.epoch, self.batch):
            os.kill(os.getpid(), signal.SIGTERM)


@pytest.mark.parametrize("validation", [True, False])
def test_a_fit_terminated_mid_epoch_resumes_at_the_next_batch_to_the_uninterrupted_weights(
    validation,
    etth1,
    tmp_path,
):
    fit = fitter(etth1, tmp_path, validation)
    whole = fit("whole")
    with pytest.raises(Terminated):
        fit("stopped", callbacks=[TermDuringBatch(epoch=1, batch=2)])
    # written as epoch 1's batch 2 ended, not at epoch 0's end
    assert last_checkpoint(tmp_path / "stopped")["global_step"] == BATCHES + 3
    TRAINED.clear()
    resumed = fit("stopped", resume=True, callbacks=[CountBatches()])
    assert TRAINED == [(1, b) for b in range(3, BATCHES)]
    assert_same_bits(resumed.task_.state_dict(), whole.task_.state_dict())


def test_forecast_fit_terminated_mid_epoch_resumes_with_ckpt_path_last_to_the_uninterrupted_weights(
    etth1,
    tmp_path,
    monkeypatch,
    capsys,
):
    monkeypatch.chdir(tmp_path)
    args = forecast_fit_args(etth1, tmp_path)
    assert cli.main([*args, "--out", "whole"]) == 0
    assert cli.main([*args, "--out", "cut", f"--trainer.callbacks+={__name__}.TermDuringBatch"]) == 143
    err = " ".join(capsys.readouterr().err.split())
    assert "stopped by SIGTERM; its checkpoints are kept" in err
    assert "Resume it with: ssm-ts forecast fit --ckpt_path last --out cut --trainer.logger false" in err
    assert last_checkpoint(tmp_path / "cut")["global_step"] == BATCHES + 3

    assert cli.main([*args, "--out", "cut", "--ckpt_path", "last"]) == 0
    whole, cut = last_checkpoint(tmp_path / "whole"), last_checkpoint(tmp_path / "cut")
    assert cut["global_step"] == whole["global_step"] == 2 * BATCHES
    assert_same_bits(cut["state_dict"], whole["state_dict"])


def test_a_fit_terminated_mid_epoch_is_killed_with_its_last_checkpoint_at_that_batch(line_use, capsys):
    """The fake use of tests.cli (4 batches an epoch), logging to MLflow, sent a real SIGTERM."""
    args = ["line", "fit", "--trainer.max_epochs", "3", "--out", "out"]
    assert cli.main([*args, f"--trainer.callbacks+={__name__}.KillDuringBatch"]) == 143
    err = " ".join(capsys.readouterr().err.split())
    assert "Resume it, in the same run, with: ssm-ts line fit --ckpt_path last --out out" in err
    client = mlflow.MlflowClient(default_tracking_uri())
    (run,) = client.search_runs([client.get_experiment_by_name("ssm-ts-line").experiment_id])
    assert run.info.status == "KILLED"
    assert last_checkpoint(Path("out"))["global_step"] == 4 + 3  # epoch 0's 4 batches, epoch 1's first 3


@pytest.fixture
def best_validation_at_epoch_1_batch_3(monkeypatch) -> None:
    """Validations every 3 batches log a scripted ``val_loss``: the one after epoch 1's third batch is
    the best of the fit (1.0 at every other)."""
    from ssm_ts.tasks.forecasting import ForecastingTask

    real_log = ForecastingTask.log

    def log(self, name, value, *args, **kwargs):
        trainer = self.trainer
        if name == "val_loss" and not trainer.sanity_checking:
            done = trainer.fit_loop.epoch_loop.batch_progress.current.processed
            value.reset()  # the validation's mean metric, holding this scripted loss alone
            value.update(torch.tensor(0.5 if (trainer.current_epoch, done) == (1, 3) else 1.0))
        return real_log(self, name, value, *args, **kwargs)

    monkeypatch.setattr(ForecastingTask, "log", log)


def best_step(out: Path) -> int:
    (best,) = out.rglob("best-*.ckpt")
    return torch.load(best, map_location="cpu", weights_only=True)["global_step"]


@pytest.mark.usefixtures("best_validation_at_epoch_1_batch_3")
def test_a_fit_terminated_at_a_batch_a_validation_follows_keeps_that_validation(etth1, tmp_path):
    """The validation runs before the stop (here its one batch, whole) and the checkpoints it writes are
    the resume's: one written before it resumed past it, and the fit's best (that validation's) was lost."""
    fit = fitter(etth1, tmp_path, validation=True)
    whole = fit("whole", val_check_interval=3)
    with pytest.raises(Terminated):
        fit("stopped", val_check_interval=3, callbacks=[TermDuringBatch(epoch=1, batch=2)])
    resumed = fit("stopped", resume=True, val_check_interval=3)
    assert best_step(tmp_path / "stopped") == best_step(tmp_path / "whole") == BATCHES + 3
    assert_same_bits(resumed.task_.state_dict(), whole.task_.state_dict())
