"""``evaluation_loader`` gives the loader the running evaluation reads, whose positions tell a DDP batch's
padding rows (``items_in_batch``): ``trainer.validate`` after a fit on the same trainer reads its own
data module's loader, not the fit's (``trainer.val_dataloaders`` still gives the fit's there: a validation
of another split length or batch size would have its real windows cut or its padding scored by the fit's
positions); ``trainer.test`` its test loader. One process: the loaders are what is checked. ETTh1 rows."""

from __future__ import annotations

import lightning.pytorch as pl
import pandas as pd
import pytest

from ssm_ts.pipelines.forecasting import ForecastDataModule
from ssm_ts.pipelines.sampling import evaluation_loader
from ssm_ts.tasks.forecasting import ForecastingTask

LOOKBACK, HORIZON = 24, 6


class LoaderSeen(pl.Callback):
    """The batch size of the loader :func:`evaluation_loader` names at each evaluation batch, per split."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, int]] = []

    def _record(self, trainer: pl.Trainer, split: str) -> None:
        self.seen.append((str(trainer.state.fn.value), split, evaluation_loader(trainer, split).batch_size))

    def on_validation_batch_start(self, trainer, pl_module, batch, batch_idx, dataloader_idx=0) -> None:
        self._record(trainer, "val")

    def on_test_batch_start(self, trainer, pl_module, batch, batch_idx, dataloader_idx=0) -> None:
        self._record(trainer, "test")


@pytest.fixture(scope="module")
def csv(shared_data, tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("rev39a") / "etth1.csv"
    table = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", usecols=["date", "OT"]).iloc[:380]
    table.to_csv(path, index=False)
    return str(path)


def _data(csv: str, eval_batch_size: int) -> ForecastDataModule:
    return ForecastDataModule(path=csv, target="OT", lookback=LOOKBACK, horizon=HORIZON, batch_size=8,
                              boundaries=[300, 320], eval_batch_size=eval_batch_size)  # fmt: skip


def test_validate_and_test_after_a_fit_name_their_own_loaders(csv):
    pl.seed_everything(0, verbose=False)
    task = ForecastingTask(model="nlinear", lookback=LOOKBACK, horizon=HORIZON)
    seen = LoaderSeen()
    trainer = pl.Trainer(accelerator="cpu", max_epochs=1, limit_train_batches=1, limit_val_batches=1,
                         limit_test_batches=1, num_sanity_val_steps=1, logger=False, enable_checkpointing=False,
                         enable_progress_bar=False, enable_model_summary=False, callbacks=[seen])  # fmt: skip
    trainer.fit(task, _data(csv, 2))
    trainer.validate(task, _data(csv, 5), verbose=False)
    trainer.test(task, _data(csv, 3), verbose=False)
    assert seen.seen == [
        ("fit", "val", 2),  # the sanity check
        ("fit", "val", 2),
        ("validate", "val", 5),  # trainer.val_dataloaders: the fit's, of 2
        ("test", "test", 3),
    ]
