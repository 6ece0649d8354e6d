"""Forecast losses: MSE, MAE and the quantile (pinball) loss for prediction intervals.

Every loss takes ``pred (batch, horizon, channels, n_quantiles)`` and ``target (batch, horizon,
channels)`` and returns a scalar. Point losses read quantile slot 0 (the only one of a point model).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor

from ssm_ts.errors import ConfigError

ForecastLoss = Callable[[Tensor, Tensor], Tensor]
LOSS_NAMES = ("mse", "mae", "quantile")


def _check_shapes(pred: Tensor, target: Tensor) -> None:
    if pred.dim() != 4 or pred.shape[:3] != target.shape:
        raise ConfigError(
            f"forecast loss expects pred (batch, horizon, channels, n_quantiles) and target (batch, horizon, "
            f"channels) with matching leading sizes; got pred {tuple(pred.shape)} and target {tuple(target.shape)}."
        )


def mse_loss(pred: Tensor, target: Tensor) -> Tensor:
    """Mean squared error of the point forecast ``pred[..., 0]``."""
    _check_shapes(pred, target)
    return F.mse_loss(pred[..., 0], target)


def mae_loss(pred: Tensor, target: Tensor) -> Tensor:
    """Mean absolute error of the point forecast ``pred[..., 0]``."""
    _check_shapes(pred, target)
    return F.l1_loss(pred[..., 0], target)


class QuantileLoss:
    """Pinball loss averaged over the quantile levels: ``max(q (y - p), (q - 1)(y - p))``.

    Minimised when ``pred[..., i]`` is the ``quantiles[i]`` quantile of the target distribution, so the
    outer levels give a prediction interval (e.g. 0.1 and 0.9: an 80% interval).
    """

    def __init__(self, quantiles: Sequence[float]):
        levels = [float(q) for q in quantiles]
        if not levels or any(not 0.0 < q < 1.0 for q in levels):
            raise ConfigError(
                f"quantile loss needs levels strictly between 0 and 1, got {list(quantiles)}; e.g. [0.1, 0.5, 0.9]."
            )
        self.quantiles = torch.tensor(levels)
        self._copies: dict[tuple[torch.device, torch.dtype], Tensor] = {}

    def levels_like(self, pred: Tensor) -> Tensor:
        """The levels ``(n_quantiles,)`` on ``pred``'s device in its dtype, copied there once: a copy from
        the host at each call waits for a GPU (a sync per batch).

        Made outside inference mode: Lightning evaluates in it (its sanity check before the first training
        step), and autograd refuses to save an inference tensor for the backward pass."""
        key = (pred.device, pred.dtype)
        levels = self._copies.get(key)
        if levels is None:
            with torch.inference_mode(False):
                levels = self._copies[key] = self.quantiles.to(pred)
        return levels

    def __getstate__(self) -> dict:
        # the levels, not their copies on the devices used so far (a pickle of GPU tensors needs a GPU)
        return {**self.__dict__, "_copies": {}}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update({"_copies": {}, **state})  # a loss pickled before the copies were kept

    def __call__(self, pred: Tensor, target: Tensor) -> Tensor:
        _check_shapes(pred, target)
        if pred.shape[-1] != len(self.quantiles):
            raise ConfigError(
                f"quantile loss has {len(self.quantiles)} levels but the prediction has {pred.shape[-1]} quantile "
                "outputs; build the model with n_quantiles=len(quantiles)."
            )
        levels = self.levels_like(pred)
        error = target.unsqueeze(-1) - pred
        return torch.maximum(levels * error, (levels - 1) * error).mean()


def build_forecast_loss(name: str, quantiles: Sequence[float] | None = None) -> ForecastLoss:
    """The loss ``name`` ("mse", "mae" or "quantile"); ``quantiles`` is required for "quantile" only."""
    if name == "quantile":
        if not quantiles:
            raise ConfigError("loss 'quantile' needs quantiles, e.g. quantiles=[0.1, 0.5, 0.9].")
        return QuantileLoss(quantiles)
    if name not in LOSS_NAMES:
        raise ConfigError(f"unknown forecast loss {name!r}; valid: {', '.join(LOSS_NAMES)}.")
    if quantiles:
        raise ConfigError(f"loss {name!r} is a point loss; pass quantiles only with loss 'quantile'.")
    return mse_loss if name == "mse" else mae_loss
