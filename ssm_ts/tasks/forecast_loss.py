"""The forecasting loss over the observed targets only: target values that are NaN (a ragged panel's
series a window is not valid for, values the fill invented) count for nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import torch

if TYPE_CHECKING:  # Lightning is imported by the task that calls this
    import lightning.pytorch as pl


def masked_loss(
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    prediction: torch.Tensor,
    y_scaled: torch.Tensor,
    trainer: pl.Trainer | None = None,
) -> torch.Tensor:
    """``loss_fn``'s mean over the values of ``y_scaled (batch, horizon, n_targets)`` that are not NaN (and
    over the quantile levels of ``prediction (batch, horizon, n_targets, n_quantiles)``).

    ``trainer``: the fit's, for the training loss under DDP: the mean is then over the observed values
    of every rank's batch (see ``ForecastingTask._loss``); ``None``: over this batch's."""
    missing = y_scaled.isnan()
    y_filled = y_scaled.masked_fill(missing, 0.0)
    # a prediction equal to its target adds 0 to every elementwise loss (MSE, MAE, pinball), and
    # where() (not a product with 0, which keeps NaN) gives those points no gradient, never NaN
    prediction = torch.where(missing.unsqueeze(-1), y_filled.unsqueeze(-1), prediction)
    n_valid = (~missing).sum().to(torch.float32)
    world = trainer.world_size if trainer is not None else 1
    if world > 1:  # every rank takes each training step: all of them join this reduction
        n_valid = summed_over_ranks(n_valid, trainer) / world
    return loss_fn(prediction, y_filled) * (missing.numel() / n_valid.clamp(min=1))


def summed_over_ranks(count: torch.Tensor, trainer: pl.Trainer) -> torch.Tensor:
    """``count`` (a tensor on this rank's device) summed over the processes of ``trainer``'s fit, in place.

    One all-reduce, queued on the device like the step's other work: Lightning's ``strategy.reduce``
    first calls ``torch.distributed.barrier()``, which on NCCL makes the host wait for the device's
    queued work (a sync at every training step) and takes a collective of its own. A strategy without
    a torch.distributed process group reduces with its own ``reduce``."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.all_reduce(count, op=dist.ReduceOp.SUM)
        return count
    return trainer.strategy.reduce(count, reduce_op="sum")
