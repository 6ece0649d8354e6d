"""A fit stopped mid-epoch writes a ``last.ckpt`` there whatever came before, and a resume continues at
the next untrained batch to the uninterrupted fit's weights, bit for bit: a fit resumed mid-epoch and
stopped again in that epoch (its ``last.ckpt`` records both runs' batches), one stopped in a later
epoch than its first, and one stopped after its epoch's last training batch (the resume starts the next
epoch).

Before, a fit that had a ``last.ckpt`` of a finished epoch, or had resumed one, kept it at a mid-epoch
stop: the resume trained again every batch of the stopped epoch before the stop."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import lightning.pytorch as pl
import pandas as pd
import pytest
import torch

from ssm_ts import Forecaster
from tests.test_resume_mid_epoch import (  # noqa: F401 (loss_stops_after_epoch_4: a fixture)
    BATCHES,
    TINY,
    TRAINED,
    CountBatches,
    assert_same_bits,
    fitter,
    last_checkpoint,
    loss_stops_after_epoch_4,
)

pytestmark = pytest.mark.usefixtures("single_thread")


@pytest.fixture(scope="module")
def etth1(shared_data) -> pd.DataFrame:
    return pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", parse_dates=["date"]).iloc[:600]


@pytest.fixture(scope="module")
def whole_weights(etth1, tmp_path_factory) -> Callable[[bool], dict[str, torch.Tensor]]:
    """``weights(validation)``: the uninterrupted fit's weights, fitted once a module for each
    ``validation`` (tests only compare with them). Fitted on first use, inside a test, so under its
    ``single_thread`` as the fits it is compared with (a thread count can change the bits)."""
    fitted: dict[bool, dict[str, torch.Tensor]] = {}

    def weights(validation: bool) -> dict[str, torch.Tensor]:
        if validation not in fitted:
            folder = tmp_path_factory.mktemp(f"whole-validation-{validation}")
            fitted[validation] = fitter(etth1, folder, validation)("whole").task_.state_dict()
        return fitted[validation]

    return weights


class StopAt(pl.Callback):
    """What Lightning's ``Timer`` does when ``max_time`` runs out after batch ``batch`` of ``epoch``."""

    def __init__(self, epoch: int, batch: int):
        self.epoch, self.batch = epoch, batch

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        if (trainer.current_epoch, batch_idx) == (self.epoch, self.batch):
            trainer.should_stop = True


def resume_counting(fit, out: str) -> Forecaster:
    TRAINED.clear()
    return fit(out, resume=True, callbacks=[CountBatches()])


def stop_after(stop: str, steps: int) -> dict:
    """Trainer options that stop a fit of ``max_epochs=2`` after ``steps`` batches of its first epoch."""
    return {"max_steps": steps} if stop == "max_steps" else {"callbacks": [StopAt(0, steps - 1)]}


@pytest.mark.parametrize("stop", ["max_steps", "max_time"])
@pytest.mark.parametrize("validation", [True, False])
def test_a_fit_resumed_mid_epoch_and_stopped_again_in_it_resumes_after_both_runs_batches(
    stop, validation, etth1, whole_weights, tmp_path
):
    fit = fitter(etth1, tmp_path, validation)
    fit("stopped", **stop_after(stop, 2))
    fit("stopped", resume=True, **stop_after(stop, 4))
    assert last_checkpoint(tmp_path / "stopped")["global_step"] == 4  # the second stop's, not the first's
    resumed = resume_counting(fit, "stopped")
    assert TRAINED == [(0, 4), (0, 5)] + [(1, b) for b in range(BATCHES)]
    assert_same_bits(resumed.task_.state_dict(), whole_weights(validation))


@pytest.mark.parametrize("validation", [True, False])
def test_a_fit_stopped_mid_epoch_after_a_finished_epoch_resumes_at_the_next_batch(
    validation, etth1, whole_weights, tmp_path
):
    fit = fitter(etth1, tmp_path, validation)
    fit("stopped", callbacks=[StopAt(1, 1)])
    assert last_checkpoint(tmp_path / "stopped")["global_step"] == BATCHES + 2
    resumed = resume_counting(fit, "stopped")
    assert TRAINED == [(1, b) for b in range(2, BATCHES)]
    assert_same_bits(resumed.task_.state_dict(), whole_weights(validation))


@pytest.mark.parametrize("stop", ["max_steps", "max_time"])
@pytest.mark.parametrize("validation", [True, False])
def test_a_fit_stopped_after_its_epochs_last_batch_resumes_at_the_next_epoch(
    stop, validation, etth1, whole_weights, tmp_path
):
    """Its epoch ends as in a fit that goes on: the generators' states in its checkpoints are those after
    the epoch's validation (which draws), not those its last batch left, as at a stop mid-epoch."""
    fit = fitter(etth1, tmp_path, validation)
    fit("stopped", **stop_after(stop, BATCHES))
    assert last_checkpoint(tmp_path / "stopped")["global_step"] == BATCHES
    resumed = resume_counting(fit, "stopped")
    assert TRAINED == [(1, b) for b in range(BATCHES)]
    assert_same_bits(resumed.task_.state_dict(), whole_weights(validation))


@pytest.mark.usefixtures("loss_stops_after_epoch_4")
@pytest.mark.parametrize("stop_epoch", [0, 1])
def test_a_fit_stopped_mid_epoch_resumes_to_the_early_stopping_of_the_uninterrupted_fit(
    stop_epoch, etth1, tmp_path
):
    """Lightning validates once more at a stop mid-epoch, which a fit that goes on does not: a ``last.ckpt``
    written after it counted that validation in the early stopping and the best score. With the stop's
    validation better than the epochs' (``loss_stops_after_epoch_4``), the resumes stopped after the
    stopped epoch where the uninterrupted fit went on to epoch 4."""

    def fit(out: str, resume: bool = False, callbacks=()) -> Forecaster:
        forecaster = Forecaster(model="s4d", lookback=24, horizon=8, max_epochs=6, batch_size=16, lr=0.3,
                                model_options=TINY, patience=1, log_to_mlflow=False, out_dir=str(tmp_path / out),
                                trainer_options={"limit_train_batches": BATCHES, "limit_val_batches": 2,
                                                 "enable_progress_bar": False, "callbacks": list(callbacks)})  # fmt: skip
        return forecaster.fit(etth1, time_col="date", target="OT", resume=resume)

    whole = fit("whole")
    fit("stopped", callbacks=[StopAt(stop_epoch, 1)])
    resumed = fit("stopped", resume=True)
    expected, got = last_checkpoint(tmp_path / "whole"), last_checkpoint(tmp_path / "stopped")
    assert got["global_step"] == expected["global_step"] == 5 * BATCHES  # stopped early after epoch 4
    assert_same_bits(got["state_dict"], expected["state_dict"])
    assert_same_bits(resumed.task_.state_dict(), whole.task_.state_dict())  # the best epoch's weights


class ScriptedValidationLoss(pl.Callback):
    """Sets the validation loss the checkpoint callbacks read: 1 at epoch 0's end, 0.5 at a stop after
    epoch 1's second batch, 2 at any other validation."""

    def on_validation_end(self, trainer, pl_module):
        at = (trainer.current_epoch, trainer.fit_loop.epoch_loop.batch_progress.current.processed)
        trainer.callback_metrics["val_loss"] = torch.tensor({(0, BATCHES): 1.0, (1, 2): 0.5}.get(at, 2.0))


def test_a_fit_resumed_after_a_stop_whose_validation_was_best_keeps_the_best_checkpoint_it_resumes(
    etth1, tmp_path
):
    """The validation at a stop mid-epoch saves its best checkpoint, which replaced the one ``last.ckpt``
    names as best (written as the stop batch ended): a resume that never did better than it ended looking
    for a deleted file. The uninterrupted fit's best is epoch 0's."""
    fit = fitter(etth1, tmp_path, validation=True)
    whole = fit("whole", callbacks=[ScriptedValidationLoss()])
    fit("stopped", callbacks=[ScriptedValidationLoss(), StopAt(1, 1)])
    resumed = fit("stopped", resume=True, callbacks=[ScriptedValidationLoss()])
    assert Path(resumed.best_checkpoint_).name == Path(whole.best_checkpoint_).name == "best-epoch=0.ckpt"
    assert_same_bits(resumed.task_.state_dict(), whole.task_.state_dict())
