"""A Forecaster's ``last.ckpt`` holds the fit's last epoch, with every checkpoint callback's state of
that epoch, so ``fit(..., resume=True)`` continues where the fit stopped.

Two ways it did not. Lightning 2.6 writes ``save_last`` only when the top-k checkpoint is saved at the
same step, so after epochs without a better ``val_loss`` ``last.ckpt`` still held the best epoch (a
resume repeated the epochs since, a crash lost them). And ssm-ts's best checkpoint callback wrote
``last.ckpt`` in its own turn, before a user's ``ModelCheckpoint`` in ``trainer_options`` had taken the
epoch in: after a resume that callback's best score and files were one epoch behind. On real ETTh1
rows, a tiny nlinear model."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from lightning.pytorch.callbacks import Callback, ModelCheckpoint

from ssm_ts import Forecaster

pytestmark = pytest.mark.usefixtures("single_thread")


class Seen(Callback):
    """Records, when training starts (after a resume restored the callbacks' states), a copy of the
    attributes of the fit's ``ModelCheckpoint`` of the class ModelCheckpoint itself (the user's)."""

    fits: list[dict] = []

    def on_train_start(self, trainer, pl_module) -> None:
        (user,) = [c for c in trainer.callbacks if type(c) is ModelCheckpoint]
        Seen.fits.append({**vars(user), "best_k_models": dict(user.best_k_models)})


@pytest.fixture(autouse=True)
def _no_seen_fits():
    Seen.fits = []


def forecaster(tmp_path, max_epochs: int, callbacks: list, **changed) -> Forecaster:
    options = {"limit_train_batches": 3, "limit_val_batches": 3, "callbacks": callbacks}
    given = dict(model="nlinear", lookback=48, horizon=12, max_epochs=max_epochs, log_to_mlflow=False,
                 out_dir=str(tmp_path / "fit"), trainer_options=options)  # fmt: skip
    return Forecaster(**{**given, **changed})


def last_checkpoint(fitted: Forecaster) -> dict:
    return torch.load(Path(fitted.best_checkpoint_).with_name("last.ckpt"), weights_only=False)


def test_last_checkpoint_is_the_last_epoch_when_val_loss_stops_improving(ett, tmp_path):
    # a learning rate below float32's resolution of the weights: every epoch has the first one's val_loss,
    # so only epoch 0 is the best
    fitted = forecaster(tmp_path, 3, [], lr=1e-30).fit(ett, target="OT", time_col="date")
    assert "best-epoch=0" in fitted.best_checkpoint_
    last = last_checkpoint(fitted)
    assert (last["epoch"], last["global_step"]) == (2, 9)  # it was (0, 3): epoch 0, the best one


def test_a_users_checkpoint_in_last_ckpt_has_taken_the_saved_epoch_in(ett, tmp_path):
    mine = tmp_path / "mine"

    def callbacks():  # every epoch's checkpoint, on another metric than ssm-ts's best
        return [ModelCheckpoint(dirpath=mine, monitor="val_mae", save_top_k=-1), Seen()]

    first = forecaster(tmp_path, 2, callbacks()).fit(ett, target="OT", time_col="date")
    last = last_checkpoint(first)
    (state,) = [v for k, v in last["callbacks"].items() if "val_mae" in k]
    files = sorted(str(p) for p in mine.glob("*.ckpt"))
    assert len(files) == 2 and last["epoch"] == 1
    # both epochs, the last one (the epoch of the file) included; it held epoch 0's only
    assert sorted(state["best_k_models"]) == files
    assert float(state["best_model_score"]) == pytest.approx(
        min(float(v) for v in state["best_k_models"].values())
    )

    forecaster(tmp_path, 3, callbacks()).fit(ett, target="OT", time_col="date", resume=True)
    resumed = Seen.fits[1]  # the user's callback as the resume restored it
    assert sorted(resumed["best_k_models"]) == files
    assert resumed["best_model_path"] == state["best_model_path"]
    assert float(resumed["best_model_score"]) == float(state["best_model_score"])
    assert len(list(mine.glob("*.ckpt"))) == 3  # the resumed epoch joined them
