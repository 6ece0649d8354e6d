"""Callbacks every ssm-ts fit can hold: a guard that stops on a NaN/inf loss, and an exponential moving
average of the weights (:class:`EMAWeights`)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
import torch
from lightning.pytorch.callbacks import (
    Callback,
    EMAWeightAveraging,
)
from lightning.pytorch.trainer.states import TrainerFn

from ssm_ts.errors import TrainingError
from ssm_ts.training.checkpoints import ssm_ts_best_checkpoint
from ssm_ts.training.checks import check_ema_decay


class NonFiniteLossGuard(Callback):
    """Stop training when the training loss becomes NaN or inf.

    Raises :class:`TrainingError` at once, before the bad weights reach a checkpoint, so
    ``last.ckpt`` still holds the last good state; the message names it (ssm-ts's own, which a resume
    continues, not a user's ModelCheckpoint's), or says that this fit wrote none yet.
    """

    def on_train_batch_end(
        self, trainer: pl.Trainer, pl_module: pl.LightningModule, outputs: Any, batch, batch_idx
    ):
        loss = outputs.get("loss") if isinstance(outputs, dict) else outputs
        if isinstance(loss, torch.Tensor) and not math.isfinite(loss.detach().float().item()):
            raise TrainingError(
                f"training loss became {loss.item()} at epoch {trainer.current_epoch}, batch {batch_idx}; stopped. "
                f"{self._last_good(trainer)} Lower the learning rate, check the data for "
                "extreme values, or enable gradient clipping (trainer gradient_clip_val)."
            )

    @staticmethod
    def _last_good(trainer: pl.Trainer) -> str:
        own = ssm_ts_best_checkpoint(trainer)
        if (
            own is None
        ):  # a trainer built without ssm-ts's checkpoints: the first checkpoint callback's folder
            folder = next(
                (d for cb in trainer.checkpoint_callbacks if (d := getattr(cb, "dirpath", None))), None
            )
            return f"The last good checkpoint is in {folder}."
        # LightningCLI puts a user's callbacks first: trainer.checkpoint_callback may be one of theirs
        last = Path(own.dirpath or ".", f"{own.CHECKPOINT_NAME_LAST}{own.FILE_EXTENSION}")
        if own._wrote_last and last.is_file():  # this fit's (written, or the one it resumed)
            return f"The last good checkpoint is {last}."
        return "No checkpoint was written before it."


class EMAWeights(EMAWeightAveraging):
    """An exponential moving average of the weights, updated after every optimizer step:
    ``average = decay * average + (1 - decay) * weights`` (the first step copies the weights).

    Lightning's :class:`~lightning.pytorch.callbacks.EMAWeightAveraging`: validation (so the
    validation metrics, early stopping and the best checkpoint), every checkpoint's ``state_dict``
    and the model at the end of the fit are the averaged weights; checkpoints also carry the raw
    weights and the average's state, so a resumed fit continues both exactly.

    One change: Lightning copies the module in the callback's ``setup``, which runs before the
    LightningModule's own ``setup``. Tasks that build their network there, from the data (every
    CLI fit: ``ForecastingTask`` without ``n_channels``), would be averaged without their network,
    and the tensor-by-tensor swap before validation would pair the wrong tensors. Here the copy is
    made after every ``setup``: when a resumed fit restores the callback's state (which Lightning
    does before ``on_fit_start``), else at ``on_fit_start``.

    Two more: the update is ``torch.lerp`` (as ``benchmarks/forecast_ett.py --ema``), so frozen
    weights (``linear_init="ridge"``) and constant buffers (the scaler) stay exactly as they are
    (Lightning's ``decay * a + (1 - decay) * w`` drifts them by rounding); flags and counters
    (bool, integer buffers) take the current value instead of a truncated average.

    Args:
        decay: weight of the old average per step, strictly between 0 and 1 (e.g. 0.99). The other
            settings are Lightning's defaults: update after every step from the first, average the
            buffers too, keep the average on the model's device.
    """

    def __init__(self, decay: float = 0.99):
        self.decay = check_ema_decay(decay)
        super().__init__(decay=self.decay)
        self._kwargs["avg_fn"] = self._update

    def _update(self, average: torch.Tensor, current: torch.Tensor, n_averaged: torch.Tensor) -> torch.Tensor:
        if not (average.is_floating_point() or average.is_complex()):
            return current
        return torch.lerp(average, current, 1.0 - self.decay)

    def setup(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        if stage == "fit":
            self._average_model = None  # a new fit starts a new average, made once the module is built

    def _make_average(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if self._average_model is None:
            super().setup(trainer, pl_module, "fit")

    def on_load_checkpoint(
        self, trainer: pl.Trainer, pl_module: pl.LightningModule, checkpoint: dict[str, Any]
    ) -> None:
        if trainer.state.fn != TrainerFn.FITTING:
            return  # validate/test/predict: the checkpoint's state_dict already holds the averaged weights
        self._make_average(trainer, pl_module)
        super().on_load_checkpoint(trainer, pl_module, checkpoint)

    def on_fit_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._make_average(trainer, pl_module)
