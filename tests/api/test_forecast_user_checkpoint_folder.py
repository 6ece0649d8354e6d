"""A user's ``ModelCheckpoint`` without ``dirpath`` in a fit without MLflow writes into its own folder,
and ``fit(..., resume=True)`` continues ssm-ts's ``last.ckpt``, never the user's.

Lightning puts such a callback's files in ``<default_root_dir>/checkpoints``, ssm-ts's own folder: with
``save_last=True`` the user's file became ``last.ckpt`` (it runs first each epoch) and ssm-ts's
``last-v1.ckpt``. On real ETTh1 rows, a tiny nlinear model."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
import torch
from lightning.pytorch.callbacks import Callback, ModelCheckpoint

from ssm_ts import Forecaster
from ssm_ts.checkpoint_times import SAVED_AT_KEY

pytestmark = pytest.mark.usefixtures("single_thread")


class Resumed(Callback):
    """The checkpoint a fit resumed from, as Lightning was given it."""

    paths: list[str | None] = []

    def on_fit_start(self, trainer, pl_module) -> None:
        Resumed.paths.append(trainer.ckpt_path)


def forecaster(out_dir: Path, max_epochs: int, callbacks: list) -> Forecaster:
    options = {"limit_train_batches": 3, "limit_val_batches": 3, "enable_progress_bar": False,
               "callbacks": [*callbacks, Resumed()]}  # fmt: skip
    return Forecaster(model="nlinear", lookback=48, horizon=12, max_epochs=max_epochs, log_to_mlflow=False,
                      out_dir=str(out_dir), trainer_options=options)  # fmt: skip


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("*.ckpt"))


def test_a_users_checkpoint_without_dirpath_keeps_out_of_ssm_ts_folder(ett, tmp_path):
    Resumed.paths = []
    users = [ModelCheckpoint(save_last=True, monitor="val_loss"), ModelCheckpoint(save_last=True)]
    fc = forecaster(tmp_path / "fit", 2, users).fit(ett, target="OT", time_col="date")
    ours = Path(fc.best_checkpoint_).parent
    assert names(ours) == ["best-epoch=1.ckpt", "last.ckpt"]  # was also last-v1.ckpt, epoch=1-step=6.ckpt
    first, second = (c for c in fc.callbacks_ if isinstance(c, ModelCheckpoint))
    assert Path(first.dirpath) == ours.parent / "user_checkpoints"
    assert Path(second.dirpath) == ours.parent / "user_checkpoints-2"
    for callback in (first, second):
        assert names(Path(callback.dirpath)) == ["epoch=1-step=6.ckpt", "last.ckpt"]
        assert callback.last_model_path == str(Path(callback.dirpath) / "last.ckpt")
    # ssm-ts's last.ckpt is its own: the run's last epoch with its callback's state
    last = torch.load(ours / "last.ckpt", weights_only=False)
    assert last["epoch"] == 1
    (state,) = [v for k, v in last["callbacks"].items() if v.get("dirpath") == str(ours)]
    assert state["last_model_path"] == str(ours / "last.ckpt")


def test_resume_continues_ssm_ts_last_checkpoint_not_a_newer_user_one(ett, tmp_path):
    Resumed.paths = []
    out = tmp_path / "fit"

    def users() -> list[Callback]:  # one in a folder of its own under out_dir, one without dirpath
        mine = ModelCheckpoint(dirpath=out / "mine", save_last=True, monitor="val_loss")
        return [mine, ModelCheckpoint(save_last=True)]

    fc = forecaster(out, 1, users()).fit(ett, target="OT", time_col="date")
    ours = Path(fc.best_checkpoint_).with_name("last.ckpt")
    # the users' last.ckpt written after ssm-ts's (a callback saving at another point, e.g. by steps)
    later = time.time() + 60
    for path in [out / "mine" / "last.ckpt", ours.parent.parent / "user_checkpoints" / "last.ckpt"]:
        checkpoint = torch.load(path, map_location="cpu", weights_only=False)
        checkpoint[SAVED_AT_KEY] = int(later * 1e9)  # the save time it records, which orders before the mtime
        torch.save(checkpoint, path)
        os.utime(path, (later, later))
    forecaster(out, 2, users()).fit(ett, target="OT", time_col="date", resume=True)
    assert Resumed.paths == [None, str(ours)]
