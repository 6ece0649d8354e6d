"""The shared trainer: a NaN loss stops with a clear error and keeps the last good checkpoint."""

from __future__ import annotations

import lightning.pytorch as pl
import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

from ssm_ts.errors import TrainingError
from ssm_ts.training import build_trainer


class GoesNaNAtEpoch(pl.LightningModule):
    def __init__(self, bad_epoch: int):
        super().__init__()
        self.linear = torch.nn.Linear(2, 1)
        self.bad_epoch = bad_epoch

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.linear(x), y)
        if self.current_epoch == self.bad_epoch:
            loss = loss * float("nan")
        return loss

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", torch.nn.functional.mse_loss(self.linear(x), y))

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.01)


def test_nan_loss_raises_training_error_and_keeps_last_good_checkpoint(tmp_path):
    data = DataLoader(TensorDataset(torch.randn(32, 2), torch.randn(32, 1)), batch_size=8)
    trainer = build_trainer(max_epochs=5, out_dir=tmp_path)
    with pytest.raises(TrainingError, match="loss became nan at epoch 2"):
        trainer.fit(GoesNaNAtEpoch(bad_epoch=2), data, data)
    last = torch.load(tmp_path / "checkpoints" / "last.ckpt", weights_only=True)
    assert last["epoch"] == 1
    assert all(torch.isfinite(t).all() for t in last["state_dict"].values())
