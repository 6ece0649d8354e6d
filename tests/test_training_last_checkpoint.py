"""The shared trainer writes ``last.ckpt`` at every epoch's checkpoint, whatever the validation loss does.

Lightning 2.6 writes ``ModelCheckpoint(save_last=True)``'s ``last.ckpt`` only when its top-k checkpoint
is saved at the same step: after epochs without a lower ``val_loss`` it still held the best epoch, and a
fit without validation wrote it only at the end, so a crash (a NaN loss) left no checkpoint at all.
Small modules whose losses are chosen per epoch, so that each case is exact."""

from __future__ import annotations

import lightning.pytorch as pl
import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

from ssm_ts.errors import TrainingError
from ssm_ts.training import best_checkpoint_callback, build_trainer


class WorseEveryEpoch(pl.LightningModule):
    """A linear model whose logged ``val_loss`` is its epoch (only epoch 0 is the best), and whose
    training loss becomes NaN at epoch ``nan_epoch``."""

    def __init__(self, nan_epoch: int = -1):
        super().__init__()
        self.linear = torch.nn.Linear(2, 1)
        self.nan_epoch = nan_epoch

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.linear(x), y)
        return loss * float("nan") if self.current_epoch == self.nan_epoch else loss

    def validation_step(self, batch, batch_idx):
        self.log("val_loss", torch.tensor(float(self.current_epoch)))

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.01)


def data() -> DataLoader:
    return DataLoader(TensorDataset(torch.randn(16, 2), torch.randn(16, 1)), batch_size=8)


def saved(path) -> tuple[int, int]:
    checkpoint = torch.load(path, weights_only=True)
    return checkpoint["epoch"], checkpoint["global_step"]


def test_last_checkpoint_follows_epochs_without_a_better_val_loss(tmp_path):
    build_trainer(max_epochs=3, out_dir=tmp_path).fit(WorseEveryEpoch(), data(), data())
    assert saved(tmp_path / "checkpoints" / "best-epoch=0.ckpt") == (0, 2)
    assert saved(tmp_path / "checkpoints" / "last.ckpt") == (2, 6)  # it was (0, 2), the best epoch


def test_a_trainer_without_the_writer_still_writes_last_every_epoch(tmp_path):
    # best_checkpoint_callback alone, as a trainer built elsewhere than build_trainer holds it
    best = best_checkpoint_callback(out_dir=tmp_path)
    trainer = pl.Trainer(max_epochs=3, callbacks=[best], logger=False, enable_progress_bar=False,
                         enable_model_summary=False)  # fmt: skip
    trainer.fit(WorseEveryEpoch(), data(), data())
    assert saved(tmp_path / "checkpoints" / "last.ckpt") == (2, 6)


def test_a_fit_without_validation_that_crashes_keeps_its_last_good_epoch(tmp_path):
    with pytest.raises(TrainingError, match="loss became nan at epoch 2"):
        build_trainer(max_epochs=5, out_dir=tmp_path).fit(WorseEveryEpoch(nan_epoch=2), data())
    # epoch 1's end: without validation last.ckpt was written only when the fit ended, so there was none
    assert saved(tmp_path / "checkpoints" / "last.ckpt") == (1, 4)
