"""Forecast losses: values against hand computations, the pinball loss's quantile property, errors."""

from __future__ import annotations

import pytest
import torch

from ssm_ts.errors import ConfigError
from ssm_ts.models.losses import build_forecast_loss


def test_point_losses_match_hand_computation():
    pred = torch.tensor([1.0, 2.0, 4.0]).view(1, 3, 1, 1)
    target = torch.tensor([0.0, 2.0, 1.0]).view(1, 3, 1)
    assert build_forecast_loss("mse")(pred, target).item() == pytest.approx((1 + 0 + 9) / 3)
    assert build_forecast_loss("mae")(pred, target).item() == pytest.approx((1 + 0 + 3) / 3)


def test_pinball_loss_values_and_asymmetry():
    loss = build_forecast_loss("quantile", quantiles=[0.1, 0.9])
    target = torch.zeros(1, 1, 1)
    under = torch.full((1, 1, 1, 2), -1.0)  # forecast below the target by 1
    # q=0.1: 0.1 * 1; q=0.9: 0.9 * 1 -> mean 0.5; above by 1: 0.9 and 0.1 -> also 0.5 on average
    assert loss(under, target).item() == pytest.approx(0.5)
    single = build_forecast_loss("quantile", quantiles=[0.9])
    assert single(under[..., :1], target).item() == pytest.approx(0.9)
    assert single(-under[..., :1], target).item() == pytest.approx(0.1)


def test_pinball_minimiser_is_the_empirical_quantile():
    torch.manual_seed(0)
    samples = torch.randn(4000)
    levels = [0.1, 0.5, 0.9]
    loss = build_forecast_loss("quantile", quantiles=levels)
    pred = torch.zeros(1, 1, 1, 3, requires_grad=True)
    optimizer = torch.optim.Adam([pred], lr=0.05)
    target = samples.view(-1, 1, 1)
    for _ in range(300):
        optimizer.zero_grad()
        loss(pred.expand(len(samples), 1, 1, 3), target).backward()
        optimizer.step()
    expected = torch.quantile(samples, torch.tensor(levels))
    assert torch.allclose(pred.detach().view(-1), expected, atol=0.05)


def test_loss_errors_are_clear():
    with pytest.raises(ConfigError, match="valid: mse, mae, quantile"):
        build_forecast_loss("huber")
    with pytest.raises(ConfigError, match="needs quantiles"):
        build_forecast_loss("quantile")
    with pytest.raises(ConfigError, match="strictly between 0 and 1"):
        build_forecast_loss("quantile", quantiles=[0.5, 1.2])
    with pytest.raises(ConfigError, match="n_quantiles"):
        build_forecast_loss("quantile", quantiles=[0.1, 0.9])(torch.zeros(2, 3, 1, 3), torch.zeros(2, 3, 1))
    with pytest.raises(ConfigError, match="matching leading sizes"):
        build_forecast_loss("mse")(torch.zeros(2, 3, 1, 1), torch.zeros(2, 4, 1))
