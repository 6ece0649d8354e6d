"""Linear forecast baselines: NLinear and DLinear (Zeng et al. 2023, "Are Transformers Effective for
Time Series Forecasting?"), and the lookback-to-horizon linear map the SSM forecasters reuse as a
linear path.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ssm_ts.models.forecast_base import ForecastModel, check_positive


class LookbackLinear(nn.Module):
    """A linear map from the lookback of every input channel to the horizon of every output channel.

    One time map (lookback -> horizon * n_quantiles) shared by all channels, then a channel mixing
    (in_channels -> out_channels, initialised to pass target channel i to output i), so the
    channel-independent case is exactly NLinear's shared linear layer.

    ``z (B, lookback, in_channels)`` -> ``(B, horizon, out_channels, n_quantiles)``.
    """

    def __init__(
        self, *, lookback: int, horizon: int, in_channels: int, out_channels: int, n_quantiles: int = 1
    ):
        super().__init__()
        self.horizon, self.n_quantiles = horizon, n_quantiles
        self.time = nn.Linear(lookback, horizon * n_quantiles)
        # Start as "repeat the last value" plus small noise: a good first guess after last-value norm.
        nn.init.normal_(self.time.weight, std=0.01 / lookback**0.5)
        nn.init.zeros_(self.time.bias)
        self.mix = None
        if in_channels != 1 or out_channels != 1:
            self.mix = nn.Linear(in_channels, out_channels, bias=False)
            with torch.no_grad():
                self.mix.weight.zero_()
                self.mix.weight[:, :out_channels].copy_(torch.eye(out_channels))

    def forward(self, z: Tensor) -> Tensor:
        B = z.shape[0]
        y = self.time(z.transpose(1, 2))  # (B, in, H*Q)
        y = y.view(B, -1, self.horizon, self.n_quantiles).permute(0, 2, 3, 1)  # (B, H, Q, in)
        if self.mix is not None:
            y = self.mix(y)
        return y.transpose(2, 3)  # (B, H, out, Q)


def head_and_linear_path(
    model: ForecastModel, d_model: int, linear_path: bool
) -> tuple[nn.Linear, LookbackLinear | None]:
    """An SSM model's output head (d_model -> outputs x quantiles) and its optional linear path.

    With the linear path, the head starts at zero: the model begins as the linear forecaster
    alone (strong on its own) and the SSM learns the residual.
    """
    head = nn.Linear(d_model, model.out_channels * model.n_quantiles)
    if not linear_path:
        return head, None
    nn.init.zeros_(head.weight)
    nn.init.zeros_(head.bias)
    linear = LookbackLinear(
        lookback=model.lookback,
        horizon=model.horizon,
        in_channels=model.in_channels,
        out_channels=model.out_channels,
        n_quantiles=model.n_quantiles,
    )
    return head, linear


@dataclass
class NLinearOptions:
    """NLinear: subtract the last value, one linear layer, add it back."""

    instance_norm: str = "last"


class NLinear(ForecastModel):
    model_name = "nlinear"

    def __init__(self, *, options: NLinearOptions | None = None, **layout):
        options = options or NLinearOptions()
        super().__init__(instance_norm=options.instance_norm, **layout)
        self.linear = LookbackLinear(
            lookback=self.lookback,
            horizon=self.horizon,
            in_channels=self.in_channels,
            out_channels=self.out_channels,
            n_quantiles=self.n_quantiles,
        )

    def forecast(self, z: Tensor, targets: Tensor) -> tuple[Tensor, None]:
        return self.linear(z), None


@dataclass
class DLinearOptions:
    """DLinear: moving-average trend + remainder, one linear layer each (no instance norm by default)."""

    instance_norm: str = "none"
    moving_average: int = 25


def moving_average_trend(z: Tensor, window: int) -> Tensor:
    """Centred moving average of ``z (B, L, C)`` with edge replication, same length."""
    front, back = (window - 1) // 2, window // 2
    padded = F.pad(z.transpose(1, 2), (front, back), mode="replicate")
    return F.avg_pool1d(padded, window, stride=1).transpose(1, 2)


class DLinear(ForecastModel):
    model_name = "dlinear"

    def __init__(self, *, options: DLinearOptions | None = None, **layout):
        options = options or DLinearOptions()
        check_positive(self.model_name, moving_average=options.moving_average)
        super().__init__(instance_norm=options.instance_norm, **layout)
        self.window = options.moving_average
        shape = dict(
            lookback=self.lookback,
            horizon=self.horizon,
            in_channels=self.in_channels,
            out_channels=self.out_channels,
            n_quantiles=self.n_quantiles,
        )
        self.trend = LookbackLinear(**shape)
        self.seasonal = LookbackLinear(**shape)

    def forecast(self, z: Tensor, targets: Tensor) -> tuple[Tensor, None]:
        trend = moving_average_trend(z, self.window)
        return self.trend(trend) + self.seasonal(z - trend), None
