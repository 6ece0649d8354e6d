"""SpaceTime: the kernel-based closed-loop rollout equals a state-by-state reference; preprocessing
filters; the auxiliary loss terms."""

from __future__ import annotations

import torch

from ssm_ts.models.forecasting_registry import build_forecasting_model
from ssm_ts.models.spacetime_layers import ClosedLoopCompanionDecoder, FixedPreprocessing


def test_closed_loop_rollout_equals_step_by_step_reference():
    torch.manual_seed(0)
    decoder = ClosedLoopCompanionDecoder(d_model=6, d_state=12, horizon=40).double()
    with torch.no_grad():
        decoder.k.normal_(0, 0.1)  # a non-trivial feedback A + b k^T
    u = torch.randn(3, 30, 6, dtype=torch.float64)
    fast = decoder(u)
    reference = decoder.reference_rollout(u)
    for got, want in zip(fast, reference, strict=True):
        assert torch.allclose(got, want, rtol=1e-9, atol=1e-9 * want.abs().max().item())


def test_closed_loop_rollout_gradients_match_reference():
    torch.manual_seed(1)
    decoder = ClosedLoopCompanionDecoder(d_model=3, d_state=5, horizon=9).double()
    with torch.no_grad():
        decoder.k.normal_(0, 0.1)
    u = torch.randn(2, 7, 3, dtype=torch.float64)
    fast = torch.autograd.grad(decoder(u)[0].square().sum(), decoder.k)[0]
    slow = torch.autograd.grad(decoder.reference_rollout(u)[0].square().sum(), decoder.k)[0]
    assert torch.allclose(fast, slow, rtol=1e-8, atol=1e-10)


def test_preprocessing_applies_identity_differences_and_moving_averages():
    layer = FixedPreprocessing(d_model=5, differences=[1, 2], moving_averages=[3])
    x = torch.arange(10.0).square().view(1, 10, 1).expand(1, 10, 5)
    y = layer(x)[0]
    t = torch.arange(10.0)
    assert torch.allclose(y[:, 0], t**2)
    assert torch.allclose(y[1:, 1], t[1:] ** 2 - t[:-1] ** 2)
    assert torch.allclose(y[2:, 2], torch.full((8,), 2.0))  # second difference of t^2
    assert torch.allclose(y[2:, 3], (t[2:] ** 2 + t[1:-1] ** 2 + t[:-2] ** 2) / 3)
    assert not any(p.requires_grad for p in layer.parameters())  # fixed kernels


def test_aux_loss_is_the_weighted_sum_of_its_terms():
    torch.manual_seed(0)
    x = torch.randn(4, 32, 1)

    def aux(lookback_weight, next_input_weight):
        torch.manual_seed(0)
        model = build_forecasting_model(
            "spacetime",
            lookback=32,
            horizon=8,
            n_channels=1,
            n_outputs=1,
            options={
                "d_model": 8,
                "d_state": 8,
                "n_layers": 1,
                "dropout": 0.0,
                "lookback_weight": lookback_weight,
                "next_input_weight": next_input_weight,
            },
        )
        return model(x).aux_loss

    fit, nxt, both = aux(1.0, 0.0), aux(0.0, 1.0), aux(0.5, 2.0)
    assert fit > 0 and nxt >= 0
    assert torch.allclose(both, 0.5 * fit + 2.0 * nxt, rtol=1e-5)
    assert aux(0.0, 0.0) is None
