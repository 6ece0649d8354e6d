"""A fit stopped in the middle of an epoch (``max_time``: Lightning's ``Timer`` sets ``should_stop`` after a
training batch) leaves a ``last.ckpt`` that ``fit(resume=True)`` continues to the model an uninterrupted
fit reaches (ETTh1's OT). Lightning validates once more at such a stop; a ``last.ckpt`` written there
held half an epoch, and its resume took that epoch as finished: the rest of its batches were never
trained (18 of 24 here), silently. ``last.ckpt`` then stayed at the last finished epoch, whose resume
trained the stopped epoch again from its start; it is now written as the stop batch ends, and the resume
trains the stopped epoch's remaining batches only."""

from __future__ import annotations

import lightning.pytorch as pl
import pytest
import torch

from ssm_ts import Forecaster

STOP_EPOCH, STOP_BATCH = 1, 5  # of 24 training batches an epoch


class StopMidEpoch(pl.Callback):
    """What Lightning's ``Timer`` does when ``max_time`` runs out after a training batch."""

    def __init__(self, stop_batch: int = STOP_BATCH):
        self.stop_batch = stop_batch

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        if trainer.current_epoch == STOP_EPOCH and batch_idx == self.stop_batch:
            trainer.should_stop = True


TRAINED: list[int] = []  # the epoch of each training batch (module-wide: a fit copies its callbacks)


class CountBatches(pl.Callback):
    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        TRAINED.append(trainer.current_epoch)


def forecaster(out_dir, validation: bool, callbacks=()) -> Forecaster:
    # without validation the checkpoints are written at each epoch's end instead
    no_val = {} if validation else {"limit_val_batches": 0}
    return Forecaster(model="nlinear", lookback=48, horizon=12, max_epochs=3, patience=None, batch_size=32,
                      seed=0, log_to_mlflow=False, out_dir=str(out_dir),
                      trainer_options={"enable_progress_bar": False, "callbacks": list(callbacks), **no_val})  # fmt: skip


@pytest.mark.parametrize("validation", [True, False])
def test_a_fit_stopped_mid_epoch_resumes_at_the_next_batch(ett, single_thread, tmp_path, validation):
    data = ett[["date", "OT"]]
    whole = forecaster(tmp_path / "whole", validation).fit(data, target="OT", time_col="date")

    forecaster(tmp_path / "stopped", validation, [StopMidEpoch()]).fit(data, target="OT", time_col="date")
    (last,) = (tmp_path / "stopped").rglob("last.ckpt")
    saved = torch.load(last, map_location="cpu", weights_only=True)
    assert saved["epoch"] == STOP_EPOCH and saved["global_step"] == 24 * STOP_EPOCH + STOP_BATCH + 1

    TRAINED.clear()
    resumed = forecaster(tmp_path / "stopped", validation, [CountBatches()])
    resumed.fit(data, target="OT", time_col="date", resume=True)
    assert TRAINED == [STOP_EPOCH] * (24 - STOP_BATCH - 1) + [2] * 24  # the stopped epoch's rest only
    expected = whole.task_.state_dict()
    for name, value in resumed.task_.state_dict().items():
        torch.testing.assert_close(value, expected[name], atol=1e-6, rtol=0, msg=name)


@pytest.mark.parametrize("validation", [True, False])
def test_a_resumed_fit_stopped_again_in_its_first_epoch_writes_the_batches_of_both_runs(
    ett, single_thread, tmp_path, validation
):
    """A resumed fit continues in the interrupted fit's folder: stopped mid-epoch again before it
    finished an epoch, it once wrote its half epoch over the ``last.ckpt`` it had resumed (taken as a
    finished epoch), then kept that one (its resume trained the first run's batches again)."""
    data = ett[["date", "OT"]]
    whole = forecaster(tmp_path / "whole", validation).fit(data, target="OT", time_col="date")
    forecaster(tmp_path / "stopped", validation, [StopMidEpoch()]).fit(data, target="OT", time_col="date")
    forecaster(tmp_path / "stopped", validation, [StopMidEpoch(2 * STOP_BATCH)]).fit(
        data, target="OT", time_col="date", resume=True
    )
    (last,) = (tmp_path / "stopped").rglob("last.ckpt")
    saved = torch.load(last, map_location="cpu", weights_only=True)
    assert saved["epoch"] == STOP_EPOCH and saved["global_step"] == 24 * STOP_EPOCH + 2 * STOP_BATCH + 1
    resumed = forecaster(tmp_path / "stopped", validation).fit(
        data, target="OT", time_col="date", resume=True
    )
    expected = whole.task_.state_dict()
    for name, value in resumed.task_.state_dict().items():
        torch.testing.assert_close(value, expected[name], atol=1e-6, rtol=0, msg=name)
