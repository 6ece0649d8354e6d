"""One place that builds Lightning trainers the way every ssm-ts fit wants them.

Quiet by default (no tips, no model summary, no stray ``lightning_logs``), checkpoints that
survive a crash (``last.ckpt`` every epoch plus the best on the validation metric), and a guard
that stops on a NaN/inf loss with a clear message while keeping the last good checkpoint.
"""

from __future__ import annotations

import logging
import math
import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
import torch
from lightning.pytorch.callbacks import Callback, ModelCheckpoint, RichProgressBar

from ssm_ts.errors import TrainingError

# Loggers whose chatter the default hides and verbose output shows, with the level kept when quiet:
# Lightning's banners and tips, MLflow's store set-up lines and signature hints, "Experiment ... not
# found. Creating it."
QUIET_LEVELS = {
    "lightning": logging.WARNING,
    "lightning.pytorch": logging.WARNING,
    "lightning.fabric": logging.WARNING,
    "lightning.pytorch.loggers.mlflow": logging.ERROR,
    "mlflow": logging.ERROR,
}


def set_verbosity(verbose: bool) -> None:
    """Quiet (the default of every fit, API or CLI) or verbose Lightning and MLflow output.

    Quiet hides Lightning's tips, MLflow's store set-up lines and its artifact download bars;
    ``verbose`` shows them all again, in the same process too.
    """
    import mlflow  # noqa: F401  (importing MLflow configures its logger; set levels after that)

    if verbose:
        for name in QUIET_LEVELS:
            logging.getLogger(name).setLevel(logging.INFO)
        return
    quiet_lightning()
    for name, level in QUIET_LEVELS.items():
        logging.getLogger(name).setLevel(level)
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")


def quiet_lightning() -> None:
    """Silence Lightning's informational chatter (device banners, tips, data-loader hints)."""
    for name in ("lightning.pytorch", "lightning.fabric", "lightning"):
        logging.getLogger(name).setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", message=".*does not have many workers.*")
    warnings.filterwarnings("ignore", message=".*The number of training batches.*")
    warnings.filterwarnings("ignore", message=".*Checkpoint directory .* exists and is not empty.*")
    warnings.filterwarnings("ignore", message=".*LeafSpec.*is deprecated.*")
    warnings.filterwarnings("ignore", message=".*The dirpath has changed from.*")


class NonFiniteLossGuard(Callback):
    """Stop training when the training loss becomes NaN or inf.

    Raises :class:`TrainingError` at once, before the bad weights reach a checkpoint, so
    ``last.ckpt`` still holds the last good state.
    """

    def on_train_batch_end(
        self, trainer: pl.Trainer, pl_module: pl.LightningModule, outputs: Any, batch, batch_idx
    ):
        loss = outputs.get("loss") if isinstance(outputs, dict) else outputs
        if isinstance(loss, torch.Tensor) and not math.isfinite(loss.detach().float().item()):
            ckpt_dir = next((cb.dirpath for cb in trainer.checkpoint_callbacks if cb.dirpath), None)
            raise TrainingError(
                f"training loss became {loss.item()} at epoch {trainer.current_epoch}, batch {batch_idx}; stopped. "
                f"The last good checkpoint is in {ckpt_dir}. Lower the learning rate, check the data for "
                "extreme values, or enable gradient clipping (trainer gradient_clip_val)."
            )


def find_last_checkpoint(out_dir: str | os.PathLike) -> Path | None:
    """The most recently written ``last.ckpt`` under ``out_dir`` (any run), or ``None``."""
    candidates = list(Path(out_dir).rglob("last.ckpt")) if Path(out_dir).is_dir() else []
    return max(candidates, key=lambda p: p.stat().st_mtime) if candidates else None


def progress_wanted() -> bool:
    """Progress bars only on an interactive terminal (not in CI logs or pytest)."""
    return sys.stderr.isatty() and not os.environ.get("CI")


def build_trainer(
    *,
    max_epochs: int,
    out_dir: str | os.PathLike,
    logger: Any = None,
    callbacks: Sequence[Callback] = (),
    monitor: str = "val_loss",
    accelerator: str = "auto",
    devices: int | str = 1,
    quiet: bool = True,
    max_time: str | None = None,
    progress: bool | None = None,
    **trainer_options: Any,
) -> pl.Trainer:
    """A ``lightning.Trainer`` with ssm-ts defaults.

    Args:
        max_epochs: epoch limit.
        out_dir: folder for checkpoints (``out_dir/checkpoints``); nothing is written elsewhere.
        logger: a Lightning logger (MLflow), or ``None`` for no logging.
        callbacks: extra callbacks.
        monitor: validation metric for the best checkpoint (minimised).
        quiet: hide Lightning's informational output.
        max_time: wall-clock budget, ``"DD:HH:MM:SS"``.
        progress: Rich progress bar; default only on an interactive terminal.
        trainer_options: any further ``lightning.Trainer`` argument (checked by Lightning).
    """
    if quiet:
        set_verbosity(False)
    out_dir = Path(out_dir)
    checkpoint = ModelCheckpoint(
        dirpath=out_dir / "checkpoints",
        filename="best-{epoch}",
        monitor=monitor,
        mode="min",
        save_top_k=1,
        save_last=True,
    )
    show_progress = progress_wanted() if progress is None else progress
    all_callbacks = [checkpoint, NonFiniteLossGuard(), *callbacks]
    if show_progress:
        all_callbacks.append(RichProgressBar())
    return pl.Trainer(
        max_epochs=max_epochs,
        max_time=max_time,
        default_root_dir=str(out_dir),
        logger=logger if logger is not None else False,
        callbacks=all_callbacks,
        accelerator=accelerator,
        devices=devices,
        enable_model_summary=not quiet,
        enable_progress_bar=show_progress,
        **trainer_options,
    )
