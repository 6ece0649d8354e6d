"""A stand-in for the forecasting model registry and losses, used ONLY while the real ones are absent.

The forecasting product (pipeline, task, API, pyfunc) is coded against the registry contract
(``build_forecasting_model``, ``build_forecast_loss``); until ``ssm_ts.models.forecasting_registry``
lands these tests install this last-value-normalised linear model under those module names.
When the real modules import, ``use_real_or_stand_in`` changes nothing.
"""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass

import torch
from torch import nn


@dataclass
class Output:
    prediction: torch.Tensor
    aux_loss: torch.Tensor | None


class StandInLinear(nn.Module):
    def __init__(
        self,
        *,
        lookback,
        horizon,
        n_channels,
        n_outputs,
        n_quantiles=1,
        channel_independent=True,
        options=None,
    ):
        super().__init__()
        self.horizon, self.n_outputs, self.n_quantiles = horizon, n_outputs, n_quantiles
        self.linear = nn.Linear(lookback, horizon * n_quantiles)

    def forward(self, x):
        last = x[:, -1:, : self.n_outputs]
        z = (x[..., : self.n_outputs] - last).transpose(1, 2)  # (B, C, L)
        y = self.linear(z).view(x.shape[0], self.n_outputs, self.horizon, self.n_quantiles)
        return Output(y.permute(0, 2, 1, 3) + last.unsqueeze(-1), None)


def build_forecasting_model(name, **settings):
    return StandInLinear(**settings)


def build_forecast_loss(name, quantiles=None):
    if name == "quantile":
        levels = torch.tensor(quantiles)

        def pinball(pred, target):
            diff = target.unsqueeze(-1) - pred
            q = levels.to(pred)
            return torch.maximum(q * diff, (q - 1) * diff).mean()

        return pinball
    point = {"mse": nn.functional.mse_loss, "mae": nn.functional.l1_loss}[name]
    return lambda pred, target: point(pred[..., 0], target)


def use_real_or_stand_in(monkeypatch) -> bool:
    """Install the stand-in when the real registry is missing; return True if the real one is used."""
    try:
        import ssm_ts.models.forecasting_registry  # noqa: F401
        import ssm_ts.models.losses  # noqa: F401

        return True
    except ImportError:
        registry = types.ModuleType("ssm_ts.models.forecasting_registry")
        registry.build_forecasting_model = build_forecasting_model
        losses = types.ModuleType("ssm_ts.models.losses")
        losses.build_forecast_loss = build_forecast_loss
        monkeypatch.setitem(sys.modules, "ssm_ts.models.forecasting_registry", registry)
        monkeypatch.setitem(sys.modules, "ssm_ts.models.losses", losses)
        return False
