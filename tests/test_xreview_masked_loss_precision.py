"""The training loss over observed targets gives filled (NaN) targets no gradient, never a NaN one, for
every loss and under bf16 autocast (``precision="bf16-mixed"``): a product of the NaN error with 0
would still be NaN, ``torch.where`` keeps it out. Its value is the mean over the observed values."""

from __future__ import annotations

import pytest
import torch

from ssm_ts.tasks.forecasting import ForecastingTask

B, H, C = 8, 12, 2


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
@pytest.mark.parametrize(("loss", "quantiles"), [("mse", None), ("mae", None), ("quantile", [0.1, 0.5, 0.9])])
def test_filled_targets_get_no_gradient_and_no_weight(loss, quantiles, dtype):
    task = ForecastingTask(model="nlinear", lookback=24, horizon=H, n_channels=C, n_outputs=C, loss=loss,
                           quantiles=quantiles)  # fmt: skip
    task.fills_unscored = True
    generator = torch.Generator().manual_seed(0)
    n_q = len(quantiles or [0])
    y = torch.randn(B, H, C, generator=generator)
    missing = torch.rand(B, H, C, generator=generator) < 0.3
    missing[0] = True  # a window with nothing observed
    y_nan = y.masked_fill(missing, float("nan"))
    prediction = torch.randn(B, H, C, n_q, generator=generator).requires_grad_()
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=dtype == torch.bfloat16):
        value = task._loss(prediction * 1.0, y_nan)
    value.backward()
    assert torch.isfinite(value) and torch.isfinite(prediction.grad).all()
    assert (prediction.grad[missing] == 0).all() and (prediction.grad[~missing] != 0).any()
    # the mean over the observed values alone (and the quantile levels)
    kept = ~missing
    expected = task.loss_fn(prediction.detach()[kept][:, None, None, :], y[kept][:, None, None])
    assert value.item() == pytest.approx(expected.item(), rel=1e-2 if dtype == torch.bfloat16 else 1e-5)
