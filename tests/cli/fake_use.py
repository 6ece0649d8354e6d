"""A minimal use (task + data module) to test the CLI machinery without a real model."""

from __future__ import annotations

from pathlib import Path

import lightning.pytorch as pl
import mlflow
import pandas as pd
import torch
from torch.utils.data import DataLoader, TensorDataset

from ssm_ts.atomic import atomic_path


class LineDataModule(pl.LightningDataModule):
    def __init__(self, n_rows: int = 64, slope: float = 2.0):
        super().__init__()
        x = torch.linspace(-1, 1, n_rows).unsqueeze(-1)
        self.data = TensorDataset(x, slope * x)

    def train_dataloader(self):
        return DataLoader(self.data, batch_size=16, shuffle=True)

    def val_dataloader(self):
        return DataLoader(self.data, batch_size=16)

    def predict_dataloader(self):
        return DataLoader(self.data, batch_size=16)


class ConstantModel(mlflow.pyfunc.PythonModel):
    def load_context(self, context):
        self.slope = float(Path(context.artifacts["slope"]).read_text())

    def predict(self, context, model_input, params=None):
        return model_input * self.slope


class LineTask(pl.LightningModule):
    def __init__(self, lr: float = 0.1):
        super().__init__()
        self.save_hyperparameters()
        self.linear = torch.nn.Linear(1, 1, bias=False)

    def training_step(self, batch, batch_idx):
        x, y = batch
        return torch.nn.functional.mse_loss(self.linear(x), y)

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", torch.nn.functional.mse_loss(self.linear(x), y))

    def predict_step(self, batch, batch_idx):
        return self.linear(batch[0])

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)

    def write_predictions(self, predictions, datamodule, out_dir: Path) -> list[Path]:
        target = out_dir / "predictions.csv"
        with atomic_path(target) as tmp:
            pd.DataFrame({"y": torch.cat(predictions).squeeze(-1).tolist()}).to_csv(tmp, index=False)
        return [target]

    def mlflow_pyfunc(self, datamodule, export_dir: Path):
        export_dir.mkdir(parents=True, exist_ok=True)
        (export_dir / "slope.txt").write_text(str(self.linear.weight.item()))
        return ConstantModel(), {"slope": str(export_dir / "slope.txt")}


class InterruptAtEpoch(pl.Callback):
    """Press Ctrl-C (raise KeyboardInterrupt) when epoch ``epoch`` starts."""

    def __init__(self, epoch: int = 1):
        self.epoch = epoch

    def on_train_epoch_start(self, trainer, pl_module):
        if trainer.current_epoch == self.epoch:
            raise KeyboardInterrupt
