"""A fit resumed from a checkpoint saved as an epoch's last training batch ended (a user's
``ModelCheckpoint(every_n_train_steps=n)`` with ``n`` dividing the epoch) trains the next epoch in that
epoch's order, also with loader workers.

Lightning counts the saved epoch as processed only in ``FitLoop.reset``, after the training loader's
iterator was made; a worker iterator takes its first indices at once, so the resumed fit trained its
first epoch in the order of the epoch it had just finished (``training_epoch`` said the old epoch).
"""

from __future__ import annotations

from pathlib import Path

import lightning.pytorch as pl
import pytest
import torch
from lightning.pytorch.callbacks import ModelCheckpoint
from torch.utils.data import DataLoader

from ssm_ts.pipelines.sampling import EpochSeededSampler, training_epoch

pytestmark = pytest.mark.usefixtures("single_thread")


class Items(pl.LightningDataModule):
    """Twelve numbers in batches of four, in an epoch-seeded order, read by one worker process."""

    def train_dataloader(self) -> DataLoader:
        sampler = EpochSeededSampler(12, seed=0)
        sampler.set_epoch(training_epoch(self))
        return DataLoader(torch.arange(12.0), batch_size=4, sampler=sampler, num_workers=1)


class Recorder(pl.LightningModule):
    """Keeps ``(epoch, batch)`` of every training step."""

    def __init__(self) -> None:
        super().__init__()
        self.weight = torch.nn.Parameter(torch.zeros(()))
        self.seen: list[tuple[int, list[float]]] = []

    def training_step(self, batch: torch.Tensor, batch_idx: int) -> torch.Tensor:
        self.seen.append((self.current_epoch, batch.tolist()))
        return (self.weight * batch).sum()

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.SGD(self.parameters(), lr=0.0)


class StopAtStep(pl.Callback):
    def __init__(self, step: int) -> None:
        self.step = step

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx) -> None:
        if trainer.global_step == self.step:
            trainer.should_stop = True
            raise KeyboardInterrupt  # a crash after the checkpoint of step 3 (epoch 0's last batch)


def fit(root: Path, callbacks=(), ckpt_path: Path | None = None) -> list[tuple[int, list[float]]]:
    module = Recorder()
    trainer = pl.Trainer(max_epochs=3, logger=False, enable_progress_bar=False, enable_model_summary=False,
                         default_root_dir=root, limit_val_batches=0, callbacks=list(callbacks))  # fmt: skip
    try:
        trainer.fit(module, Items(), ckpt_path=ckpt_path)
    except SystemExit:  # Lightning's answer to the KeyboardInterrupt
        pass
    return module.seen


def test_a_resume_from_an_epochs_last_batch_trains_the_next_epoch_in_its_own_order(tmp_path):
    whole = fit(tmp_path / "whole")
    saving = ModelCheckpoint(dirpath=tmp_path / "steps", every_n_train_steps=3, save_top_k=-1)
    first = fit(tmp_path / "cut", [saving, StopAtStep(4)])
    assert first[:3] == whole[:3]
    resumed = fit(tmp_path / "cut", ckpt_path=tmp_path / "steps" / "epoch=0-step=3.ckpt")
    assert resumed == whole[3:]  # epochs 1 and 2; before, epoch 1 had epoch 0's batches
