"""The lock of the folder a fit writes its checkpoints into (:mod:`ssm_ts.training.fit_lock`), held by
every fit while it trains: a Lightning callback, so that it holds for each front end's fit alike (the
CLI's, ``Forecaster.fit``, ``WaveformGenerator.fit``, a tuning trial's) and in the process that trains
(``ddp_spawn``'s rank 0 runs in a process the fit started)."""

from __future__ import annotations

import os
from pathlib import Path

import lightning.pytorch as pl
from lightning.pytorch.callbacks import Callback

from ssm_ts.training.checkpoints import ssm_ts_best_checkpoint
from ssm_ts.training.fit_lock import ANOTHER_OUT, fit_run_folder, hold_fit_lock, release_fit_lock
from ssm_ts.training.user_checkpoints import lightning_checkpoint_folder


class FitLock(Callback):
    """Hold the lock of the fit's run folder (the parent of ssm-ts's ``checkpoints/``:
    ``<out>/<experiment id>/<run id>``, ``<out>`` of a CLI fit without MLflow) from ``setup``, before
    anything is written there, and release it when the fit ends (an error too). A second writer into the
    folder is refused there with a :class:`~ssm_ts.errors.TrainingError` naming the folder, the process
    holding it and the fix.

    Args:
        resume: what reruns the fit, named in the refusal (``"the same command"``, ``"fit(...)"``).
        separate: where a separate copy goes (``"another --out"``, ``"another out_dir"``).
        keep: leave the lock to the caller once the fit ends (the CLI: held until the command has logged
            its model, released by ``ssm_ts.cli.main``); one taken in a process the fit started is
            released at its end all the same.

    Ranks other than 0 take no lock: rank 0's stands for the fit. A lock held by the process that built
    this callback (the command that started ``ddp_spawn``'s processes, holding its resume's lock) is this
    fit's own."""

    def __init__(self, resume: str = "the same command", separate: str = ANOTHER_OUT, keep: bool = False):
        self.resume, self.separate, self.keep = resume, separate, keep
        self._launcher = os.getpid()
        self._held: Path | None = None

    def setup(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        own = ssm_ts_best_checkpoint(trainer)
        if stage != "fit" or own is None or trainer.global_rank != 0:
            return
        folder = fit_run_folder(lightning_checkpoint_folder(own, trainer) / "last.ckpt")
        try:
            folder.mkdir(parents=True, exist_ok=True)
            took = hold_fit_lock(folder, self.resume, separate=self.separate, launcher=self._launcher)
        except OSError:  # a folder that cannot be written: the fit's own write says so, as before
            return
        if took and (not self.keep or os.getpid() != self._launcher):
            self._held = folder

    def _release(self) -> None:
        if self._held is not None:
            release_fit_lock(self._held)
            self._held = None

    def teardown(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        if stage == "fit":
            self._release()

    def on_exception(
        self, trainer: pl.Trainer, pl_module: pl.LightningModule, exception: BaseException
    ) -> None:
        self._release()
