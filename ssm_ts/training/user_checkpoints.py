"""Where a user's ``ModelCheckpoint`` without a ``dirpath`` writes: ``user_checkpoints/`` beside ssm-ts's
own ``checkpoints/`` of the fit."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
from lightning.pytorch.callbacks import (
    Callback,
    ModelCheckpoint,
)

from ssm_ts.training.checkpoint_io import remove_abandoned_writes
from ssm_ts.training.checkpoints import ssm_ts_best_checkpoint

USER_CHECKPOINTS = "user_checkpoints"  # a fit folder's default dirpath of a user's ModelCheckpoint


def user_checkpoint_folders(callbacks: Sequence[Any], fit_dir: Path) -> None:
    """Give each ``ModelCheckpoint`` of ``callbacks`` (a fit's own copies) without a ``dirpath`` the
    folder ``fit_dir/user_checkpoints`` (the second ``user_checkpoints-2``, ...).

    Lightning's default is ``<default_root_dir>/checkpoints``, ssm-ts's own folder in a fit without
    MLflow: a user's ``save_last=True`` then wrote ``last.ckpt`` first each epoch, ssm-ts's became
    ``last-v1.ckpt``, and the user's files mixed with ``best-epoch=N.ckpt``. With MLflow it wrote
    beside the tracking files of a ``file:`` URI, outside ``out_dir``."""
    n = 0
    for callback in callbacks:
        if isinstance(callback, ModelCheckpoint) and callback.dirpath is None:
            n += 1
            folder = fit_dir / (USER_CHECKPOINTS if n == 1 else f"{USER_CHECKPOINTS}-{n}")
            callback.dirpath = os.path.realpath(folder)  # as ModelCheckpoint(dirpath=...) keeps it


def lightning_checkpoint_folder(callback: ModelCheckpoint, trainer: pl.Trainer) -> Path:
    """The folder ``callback`` writes to, as Lightning's ``ModelCheckpoint.setup`` resolves it: its
    ``dirpath``; else the first logger's ``<save_dir or default_root_dir>/<name>/<version>/checkpoints``
    (an MLflow logger's experiment and run ids; this starts its run, as that setup does); else
    ``<default_root_dir>/checkpoints``."""
    if callback.dirpath is not None:
        return Path(callback.dirpath)
    if not trainer.loggers:
        return Path(trainer.default_root_dir) / "checkpoints"
    logger = trainer.loggers[0]
    version = logger.version if isinstance(logger.version, str) else f"version_{logger.version}"
    return Path(logger.save_dir or trainer.default_root_dir) / str(logger.name) / version / "checkpoints"


class UserCheckpointFolders(Callback):
    """A LightningCLI fit's :func:`user_checkpoint_folders`: each ``ModelCheckpoint`` of
    ``--trainer.callbacks`` without a ``dirpath`` writes to ``user_checkpoints/`` (``-2``, ...) beside
    ssm-ts's own ``checkpoints/`` (in ``--out`` with ``--trainer.logger false``, else in the run's folder
    ``<out>/<experiment id>/<run id>``), as in a Python front end's fit. Lightning gave it ssm-ts's folder:
    with ``save_last=true`` the user's file took the name ``last.ckpt`` and ssm-ts's became
    ``last-v1.ckpt``.

    The run's folder is known only once the logger has started its run, so this is done in ``setup``,
    which Lightning calls on every other callback before the checkpoint callbacks' (they resolve their
    folders there). A resumed fit gets the same folder (the same run, or the same ``--out``), where
    Lightning restores the user's callback's best score and files. Holds no state."""

    def setup(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        own = ssm_ts_best_checkpoint(trainer)
        if stage != "fit" or own is None:
            return
        fit_dir = lightning_checkpoint_folder(own, trainer).parent
        fit_dir = Path(trainer.strategy.broadcast(str(fit_dir)))  # rank 0's: the run's ids are known there
        users = [c for c in trainer.checkpoint_callbacks if c is not own]
        user_checkpoint_folders(users, fit_dir)
        if (
            trainer.is_global_zero
        ):  # before their setup warns of a folder "not empty" for a killed write's file
            for folder in sorted(
                {str(c.dirpath) for c in users if isinstance(c, ModelCheckpoint) and c.dirpath}
            ):
                remove_abandoned_writes(folder)
