"""S4D forecaster: an encoder of diagonal-SSM blocks and a horizon head, beside a linear path.

``x (B, lookback, channels)`` -> instance norm -> embedding (channels -> d_model) -> SSMBlocks (S4D)
-> time head (lookback -> horizon, shared over features) -> feature head (d_model -> targets x
quantiles), plus a lookback-to-horizon linear map.
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import Tensor, nn

from ssm_ts.core import SSMBlock
from ssm_ts.core.saved_options import check_options_on_load
from ssm_ts.errors import ConfigError
from ssm_ts.models.forecast_base import ForecastModel, check_positive
from ssm_ts.models.linear import head_and_linear_path
from ssm_ts.models.saved_model_options import S4D_FORECASTER_SHAPES


@dataclass
class S4DForecasterOptions:
    """d_model: width; d_state: S4D state size; n_layers: SSM blocks; dropout; linear_path: add a
    lookback-to-horizon linear map; linear_init: "default" or "ridge" (as SpaceTime's: the
    closed-form ridge map of the training windows, frozen); instance_norm: "last", "mean_std" or "none"."""

    d_model: int = 64
    d_state: int = 64
    n_layers: int = 2
    dropout: float = 0.1
    linear_path: bool = True
    linear_init: str = "default"
    instance_norm: str = "last"


class S4DForecaster(ForecastModel):
    model_name = "s4d"

    def __init__(self, *, options: S4DForecasterOptions | None = None, **layout):
        o = options or S4DForecasterOptions()
        check_positive(self.model_name, d_model=o.d_model, d_state=o.d_state, n_layers=o.n_layers)
        if not 0.0 <= o.dropout < 1.0:
            raise ConfigError(f"s4d: dropout must be in [0, 1), got {o.dropout}.")
        super().__init__(instance_norm=o.instance_norm, **layout)
        self.options = o
        self.embedding = nn.Linear(self.in_channels, o.d_model)
        self.blocks = nn.ModuleList(
            SSMBlock(d_model=o.d_model, ssm="diagonal", d_state=o.d_state, dropout=o.dropout)
            for _ in range(o.n_layers)
        )
        self.final_norm = nn.LayerNorm(o.d_model)
        self.time_head = nn.Linear(self.lookback, self.horizon)
        self.feature_head, self.linear = head_and_linear_path(self, o.d_model, o.linear_path, o.linear_init)
        check_options_on_load(self, S4D_FORECASTER_SHAPES)  # loading other options' weights names them

    def forecast(self, z: Tensor, targets: Tensor, valid: Tensor | None = None) -> tuple[Tensor, None]:
        # no auxiliary terms: nothing averages over series, so ``valid`` changes nothing
        h = self.embedding(z)
        for block in self.blocks:
            h = block(h)
        h = self.time_head(self.final_norm(h).transpose(1, 2)).transpose(1, 2)  # (B, horizon, d_model)
        pred = self.feature_head(h).unflatten(-1, (self.out_channels, self.n_quantiles))
        if self.linear is not None:
            pred = pred + self.linear(z)
        return pred, None
