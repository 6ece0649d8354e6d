"""SpaceTime forecaster (Zhang et al. 2023, "Effectively Modeling Time Series with Simple Discrete
State Spaces"), multivariate-safe and fast.

``x (B, lookback, channels)`` -> instance norm -> input embedding (channels -> d_model) -> encoder
blocks (fixed differencing / moving-average preprocessing as shift-SSM kernels, companion SSM, MLP)
-> closed-loop companion decoder (rolls its own predicted inputs over the horizon with A + b k^T)
-> output projection (d_model -> targets x quantiles), plus a linear lookback-to-horizon path.

Training loss (returned as ``aux_loss``, already weighted; the task adds the horizon loss), averaged over
the valid (window, series) pairs when ``forward`` gets a ``valid`` mask (a ragged panel):
- lookback fit: the decoder's one-step forecasts over the lookback against the observed targets;
- next input: the decoder's predicted next input ``k x_t`` against the actual next encoder output.
Both compare step t with step t+1 of the lookback, so a lookback of 1 has neither (``aux_loss`` is None);
the horizon forecast is unaffected.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ssm_ts.core.saved_options import check_options_on_load
from ssm_ts.errors import ConfigError
from ssm_ts.models.forecast_base import ForecastModel, check_positive
from ssm_ts.models.linear import head_and_linear_path
from ssm_ts.models.saved_model_options import SPACETIME_SHAPES
from ssm_ts.models.spacetime_layers import ClosedLoopCompanionDecoder, SpaceTimeBlock


@dataclass
class SpaceTimeOptions:
    """SpaceTime settings.

    d_model: embedding width; d_state: companion state size N; n_layers: encoder blocks;
    mlp_expand: MLP width factor; dropout; differences / moving_averages: the fixed preprocessing
    filters (orders, window lengths); linear_path: add a lookback-to-horizon linear map;
    linear_init: "default" (near "repeat the last value", trained with the rest) or "ridge" (the
    closed-form ridge map of the training windows, alpha chosen on validation, then frozen: the
    model starts at the linear floor and the SSM learns the residual; filled by the training code,
    see ``ssm_ts.models.linear.init_linear_path_with_ridge``);
    instance_norm: "last", "mean_std" or "none"; lookback_weight / next_input_weight: weights of the
    auxiliary loss terms.
    """

    d_model: int = 64
    d_state: int = 64
    n_layers: int = 2
    mlp_expand: int = 2
    dropout: float = 0.1
    differences: Sequence[int] = (1, 2)
    moving_averages: Sequence[int] = (4, 16)
    linear_path: bool = True
    linear_init: str = "default"
    instance_norm: str = "last"
    lookback_weight: float = 0.5
    next_input_weight: float = 0.5


class SpaceTime(ForecastModel):
    model_name = "spacetime"

    def __init__(self, *, options: SpaceTimeOptions | None = None, **layout):
        o = options or SpaceTimeOptions()
        check_positive(
            self.model_name,
            d_model=o.d_model,
            d_state=o.d_state,
            n_layers=o.n_layers,
            mlp_expand=o.mlp_expand,
        )
        if not 0.0 <= o.dropout < 1.0 or o.lookback_weight < 0 or o.next_input_weight < 0:
            raise ConfigError(
                f"spacetime: dropout must be in [0, 1) and loss weights >= 0; got dropout={o.dropout}, "
                f"lookback_weight={o.lookback_weight}, next_input_weight={o.next_input_weight}."
            )
        if any(int(d) < 1 for d in o.differences) or any(int(w) < 1 for w in o.moving_averages):
            raise ConfigError(
                f"spacetime: differences {list(o.differences)} and moving_averages {list(o.moving_averages)} "
                "must be positive integers."
            )
        super().__init__(instance_norm=o.instance_norm, **layout)
        self.options = o
        self.embedding = nn.Linear(self.in_channels, o.d_model)
        self.blocks = nn.ModuleList(
            SpaceTimeBlock(
                d_model=o.d_model,
                d_state=o.d_state,
                differences=[int(d) for d in o.differences],
                moving_averages=[int(w) for w in o.moving_averages],
                mlp_expand=o.mlp_expand,
                dropout=o.dropout,
            )
            for _ in range(o.n_layers)
        )
        self.final_norm = nn.LayerNorm(o.d_model)
        self.decoder = ClosedLoopCompanionDecoder(d_model=o.d_model, d_state=o.d_state, horizon=self.horizon)
        self.projection, self.linear = head_and_linear_path(self, o.d_model, o.linear_path, o.linear_init)
        check_options_on_load(self, SPACETIME_SHAPES)  # loading other options' weights names them

    def _project(self, y: Tensor) -> Tensor:
        """(B, T, d_model) -> (B, T, out_channels, n_quantiles)."""
        return self.projection(y).unflatten(-1, (self.out_channels, self.n_quantiles))

    def forecast(
        self, z: Tensor, targets: Tensor, valid: Tensor | None = None
    ) -> tuple[Tensor, Tensor | None]:
        u = self.embedding(z)
        for block in self.blocks:
            u = block(u)
        u = self.final_norm(u)
        # The terms pair lookback steps t and t+1: none exist at lookback 1 (an MSE over nothing is NaN).
        has_pairs = z.shape[1] > 1
        wants_aux = (
            self.training
            and has_pairs
            and (self.options.lookback_weight > 0 or self.options.next_input_weight > 0)
        )
        # Evaluation skips the decoder's lookback outputs: they feed the auxiliary loss alone.
        horizon, lookback_out, next_input = self.decoder(u, aux=wants_aux)
        pred = self._project(horizon)
        if self.linear is not None:
            pred = pred + self.linear(z)
        aux = None
        if wants_aux:
            # One-step forecasts made at t predict t+1 (point value: the mean over quantile slots).
            fit = self._project(lookback_out[:, :-1]).mean(-1)
            # The next-input target is detached: the encoder must not shrink its output to make it easy.
            next_target = u[:, 1:].detach()
            if valid is None:
                lookback_term = F.mse_loss(fit, targets[:, 1:])
                next_term = F.mse_loss(next_input[:, :-1], next_target)
            else:
                # A row's encoder output serves all its targets: it counts if any of them is valid.
                lookback_term = masked_mse(fit, targets[:, 1:], valid.unsqueeze(1))
                next_term = masked_mse(next_input[:, :-1], next_target, valid.any(-1)[:, None, None])
            aux = self.options.lookback_weight * lookback_term + self.options.next_input_weight * next_term
        return pred, aux


def masked_mse(prediction: Tensor, target: Tensor, valid: Tensor) -> Tensor:
    """Mean squared error over the elements where ``valid`` (broadcast to ``prediction``'s shape) holds.

    The mean of the valid elements only, so a batch with invalid rows gives the loss of its valid rows
    run alone; 0 when none is valid. ``torch.where`` rather than a product: an invalid row's values,
    whatever they are, reach neither the loss nor the gradients. No boolean indexing, which would
    synchronise a GPU at every step.
    """
    valid = valid.expand_as(prediction)
    squared = torch.where(valid, (prediction - target).square(), 0.0)
    return squared.sum() / valid.sum().clamp(min=1)
