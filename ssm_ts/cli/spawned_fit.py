"""A CLI fit whose training runs in processes it starts (``--trainer.strategy ddp_spawn``), rank 0
included: the command's own process keeps a task and a data module that were never set up (a task
builds its network from the data in ``setup``; Lightning loads the trained weights back into it
non-strictly, which then loads nothing) and a copy of the MLflow logger that never saw the run. What
follows the fit there (the calibration, the logged model) needs all three (imports Lightning: only a
running command needs it)."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
from lightning.pytorch.callbacks import ModelCheckpoint
from lightning.pytorch.loggers import MLFlowLogger

from ssm_ts.checkpoint_times import newest_checkpoint, saved_at
from ssm_ts.export import load_checkpoint
from ssm_ts.tracking.started_processes import trains_in_started_processes  # noqa: F401  (its callers import it here)
from ssm_ts.training import BEST_CHECKPOINT_PREFIX, lightning_checkpoint_folder


def start_mlflow_runs_here(loggers: list[Any]) -> None:
    """Start the MLflow run of each of ``loggers`` in this process, before the fit starts its own: each
    gets a copy of the logger, and a run started in one was unknown here (the model was logged into a
    second, empty run, marked FAILED, and a Ctrl-C marked that one KILLED)."""
    for logger in loggers:
        if isinstance(logger, MLFlowLogger):
            _ = logger.run_id  # creates the run (or finds a resumed one); the copies log into it


def set_up_as_the_fit_did(
    trainer: pl.Trainer, task: pl.LightningModule, datamodule: pl.LightningDataModule, ckpt_path: str
) -> None:
    """In this process, after a fit that ran in started processes: set ``datamodule`` up as they did
    (its ``fit`` stage) and build ``task`` from it as ``validate --ckpt_path`` does (its ``validate``
    stage: no scaler or ridge fitted again), with the weights of checkpoint ``ckpt_path``. The data is
    read whole: only the loaders take a process's share (every validation window is there to score).
    The started processes showed the data's warnings already: they are not shown twice."""
    task.trainer = trainer
    trainer.datamodule, datamodule.trainer = datamodule, trainer
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        datamodule.setup("fit")
        task.setup("validate")
    task.load_state_dict(load_checkpoint(ckpt_path)["state_dict"])


def started_processes_checkpoint(callback: ModelCheckpoint, trainer: pl.Trainer) -> str:
    """The checkpoint a fit that ran in started processes left for what follows it: the newest best
    checkpoint of ssm-ts's ``callback``, else its ``last.ckpt`` (a fit without validation), else ``""``.
    Lightning sends this process the best path of the trainer's first checkpoint callback only (a
    ``--trainer.callbacks`` ModelCheckpoint comes first), and never the last one: they are found in the
    folder the processes resolved (the run here is theirs: :func:`start_mlflow_runs_here`)."""
    folder = lightning_checkpoint_folder(callback, trainer)
    found = newest_checkpoint(folder.glob(f"{BEST_CHECKPOINT_PREFIX}*{callback.FILE_EXTENSION}"))
    last = folder / f"{callback.CHECKPOINT_NAME_LAST}{callback.FILE_EXTENSION}"
    if found is None and last.is_file():
        found = last
    return "" if found is None else str(found)


def started_processes_own_checkpoints(callback: ModelCheckpoint, trainer: pl.Trainer) -> tuple[str, str]:
    """``(last, best)``: the ``last.ckpt`` and the newest best checkpoint of ssm-ts's ``callback`` that the
    processes started by ``trainer``'s fit wrote (``""``: none), for the rerun after a stopped fit; this
    process's callback never saw them. One saved before the fit started (an earlier fit's under the same
    ``--out``) is none of its own."""
    since = getattr(trainer.strategy.launcher, "started_at", None)
    folder = lightning_checkpoint_folder(callback, trainer)

    def own(path: Path | None) -> str:
        fresh = path is not None and path.is_file() and (since is None or saved_at(path) >= since * 1e9)
        return str(path) if fresh else ""

    last = folder / f"{callback.CHECKPOINT_NAME_LAST}{callback.FILE_EXTENSION}"
    best = newest_checkpoint(folder.glob(f"{BEST_CHECKPOINT_PREFIX}*{callback.FILE_EXTENSION}"))
    return own(last), own(best)


def started_processes_killed(trainer: pl.Trainer) -> bool:
    """Whether the processes started by ``trainer``'s fit were killed, still running a while after SIGTERM
    (:class:`~ssm_ts.training.spawned_sigterm.StoppableSpawnLauncher`): their last checkpoint is an
    earlier one than the batch under way."""
    return bool(getattr(trainer.strategy.launcher, "killed", False))
