"""A ``ddp_spawn`` fit that fails: its run's ``ssm_ts.stopped_by`` tag held the started process's whole
traceback and "(epoch 0, step 0)", this process's trainer's counters, wherever it stopped, and the note said
it wrote no checkpoint though the started processes had written last.ckpt. (Measured on a 2-process CPU fit
failing in epoch 1: now "ValueError: bad value in batch (in started process 1)" and its last.ckpt named.)"""

from __future__ import annotations

import pytest
from lightning.pytorch.callbacks import ModelCheckpoint
from lightning.pytorch.strategies.launchers.multiprocessing import _MultiProcessingLauncher
from torch.multiprocessing.spawn import ProcessRaisedException

from ssm_ts.tracking.interruptible_call import call_interruptibly
from ssm_ts.tracking.run_status import STOP_TAG
from tests.run_record_fakes import StartedLogger

TRACE = (
    "\n\n-- Process 1 terminated with the following error:\nTraceback (most recent call last):\n"
    '  File "fit.py", line 3, in on_train_batch_start\n    raise ValueError("bad value in batch")\n'
    "ValueError: bad value in batch\n"
)


class _Strategy:
    launcher = object.__new__(_MultiProcessingLauncher)  # what ddp_spawn's strategy holds


class _SpawningTrainer:
    """What this process's Trainer keeps of a ddp_spawn fit whose started processes failed in epoch 1."""

    strategy = _Strategy()
    current_epoch, global_step, ckpt_path = 0, 0, None

    def __init__(self, folder):
        self.checkpoint_callbacks = [ModelCheckpoint(dirpath=folder, save_last=True)]  # no paths here

    def fit(self):
        raise ProcessRaisedException(TRACE, 1, 4242)


def test_a_spawned_fits_error_is_tagged_and_its_checkpoint_named(tmp_path):
    (tmp_path / "last.ckpt").write_bytes(b"")  # written by the started processes
    logger = StartedLogger()
    with pytest.raises(ProcessRaisedException) as raised:
        call_interruptibly(_SpawningTrainer(tmp_path).fit, [logger])
    assert logger.experiment.tags[STOP_TAG] == "ValueError: bad value in batch (in started process 1)"
    (note,) = raised.value.__notes__
    assert f"last checkpoint is kept: {tmp_path / 'last.ckpt'}." in note
