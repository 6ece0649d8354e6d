"""A user's plain Lightning ``EarlyStopping`` in ``trainer_options["callbacks"]`` (which replaces the
Forecaster's own) keeps the ``patience`` it is given when ``fit(..., resume=True)`` continues a fit:
Lightning's ``EarlyStopping.load_state_dict`` put the checkpoint's patience back, so a resume given
more patience stopped with the old one (the README: "``patience`` (honoured on resume)"). Its best
score and count of epochs without improvement still come from the checkpoint, and it stays the
class the user gave. On real ETTh1 rows, a tiny nlinear model."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
from lightning.pytorch.callbacks import Callback, EarlyStopping

from ssm_ts import Forecaster

pytestmark = pytest.mark.usefixtures("single_thread")


class Seen(Callback):
    """Records, when training starts (after a resume restored the callbacks' states), each plain
    ``EarlyStopping`` of the fit: its class and a copy of its attributes then."""

    fits: list[list[tuple[type, dict]]] = []

    def on_train_start(self, trainer, pl_module) -> None:
        Seen.fits.append(
            [(type(c), dict(vars(c))) for c in trainer.callbacks if isinstance(c, EarlyStopping)]
        )


@pytest.fixture(autouse=True)
def _no_seen_fits():
    Seen.fits = []


def forecaster(tmp_path, patience: int, max_epochs: int) -> Forecaster:
    options = {
        "limit_train_batches": 3,
        "limit_val_batches": 3,
        "callbacks": [EarlyStopping("val_loss", patience=patience), Seen()],
    }
    return Forecaster(
        model="nlinear", lookback=48, horizon=12, max_epochs=max_epochs, log_to_mlflow=False,
        out_dir=str(tmp_path / "fit"), trainer_options=options,
    )  # fmt: skip


def test_a_resume_keeps_the_patience_given_to_the_users_early_stopping(ett, tmp_path):
    first = forecaster(tmp_path, patience=1, max_epochs=1).fit(ett, target="OT", time_col="date")
    last = Path(first.best_checkpoint_).with_name("last.ckpt")
    (saved,) = [
        v
        for k, v in torch.load(last, weights_only=False)["callbacks"].items()
        if k.startswith("EarlyStopping")
    ]
    assert saved["patience"] == 1 and math.isfinite(float(saved["best_score"]))

    resumed = forecaster(tmp_path, patience=4, max_epochs=3).fit(
        ett, target="OT", time_col="date", resume=True
    )
    ((kind, stopper),) = Seen.fits[1]
    assert kind is EarlyStopping  # the class the user gave, not a subclass
    assert stopper["patience"] == 4  # it was 1, the checkpoint's
    # the state so far comes from the checkpoint
    assert float(stopper["best_score"]) == float(saved["best_score"])
    assert stopper["wait_count"] == saved["wait_count"]
    (used,) = [c for c in resumed.callbacks_ if isinstance(c, EarlyStopping)]
    assert type(used) is EarlyStopping and used.patience == 4


class CountingEarlyStopping(EarlyStopping):
    """A user's subclass with a stopping rule of its own (Lightning's, counting its checks)."""

    checks = 0

    def _evaluate_stopping_criteria(self, current: torch.Tensor) -> tuple[bool, str | None]:
        CountingEarlyStopping.checks += 1
        return super()._evaluate_stopping_criteria(current)


def test_a_resume_keeps_the_patience_given_to_the_users_early_stopping_subclass(ett, tmp_path):
    CountingEarlyStopping.checks = 0

    def subclassed(patience: int, max_epochs: int) -> Forecaster:
        fc = forecaster(tmp_path, patience, max_epochs)
        options = fc.settings["trainer_options"]
        options["callbacks"] = [CountingEarlyStopping("val_loss", patience=patience), Seen()]
        return fc

    subclassed(1, 1).fit(ett, target="OT", time_col="date")
    subclassed(4, 3).fit(ett, target="OT", time_col="date", resume=True)
    ((kind, stopper),) = Seen.fits[1]
    assert kind is CountingEarlyStopping and stopper["patience"] == 4  # it was 1, the checkpoint's
    assert CountingEarlyStopping.checks == 3  # its own rule ran in every epoch of both fits
