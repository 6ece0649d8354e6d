"""SpaceTime: the kernel-based closed-loop rollout equals a state-by-state reference; preprocessing
filters; the auxiliary loss terms."""

from __future__ import annotations

import pytest
import torch

from ssm_ts.errors import ConfigError
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


def _spacetime(n_channels: int, n_outputs: int, **options):
    torch.manual_seed(0)
    settings = {"d_model": 8, "d_state": 8, "n_layers": 1, "dropout": 0.0, **options}
    return build_forecasting_model(
        "spacetime", lookback=32, horizon=8, n_channels=n_channels, n_outputs=n_outputs, options=settings
    ).double()


@pytest.mark.parametrize("n_covariates", [0, 2])
@pytest.mark.parametrize("instance_norm", ["last", "mean_std"])
def test_aux_loss_with_invalid_series_equals_the_aux_loss_of_the_valid_series_alone(
    n_covariates, instance_norm
):
    """A ragged panel's batch: the series a window is not valid for are fed as zeros; the auxiliary
    terms count only the valid (window, series) pairs, as if those were run alone as a smaller batch."""
    n_targets, batch = 3, 5
    torch.manual_seed(1)
    x = torch.randn(batch, 32, n_targets + n_covariates, dtype=torch.float64)
    valid = torch.tensor([[1, 0, 1], [0, 0, 1], [1, 1, 1], [0, 0, 0], [0, 1, 0]], dtype=torch.bool)
    x[..., :n_targets] = x[..., :n_targets].masked_fill(~valid[:, None, :], 0.0)  # as the task feeds them
    panel = _spacetime(n_targets + n_covariates, n_targets, instance_norm=instance_norm)
    alone = _spacetime(1 + n_covariates, 1, instance_norm=instance_norm)  # one series and its covariates
    alone.load_state_dict(panel.state_dict())  # channel independent: the same network
    rows = [torch.cat([x[b, :, [c]], x[b, :, n_targets:]], dim=-1) for b, c in valid.nonzero().tolist()]
    expected = alone(torch.stack(rows)).aux_loss
    masked = panel(x, valid=valid)
    assert masked.aux_loss.item() == pytest.approx(expected.item(), rel=1e-9, abs=1e-12)
    # the zero-filled series dilute the unmasked terms: the mask changes the loss
    assert panel(x).aux_loss.item() != pytest.approx(expected.item(), rel=1e-3)
    # predictions do not depend on the mask, and nothing is NaN or inf (std of a zero series is 0)
    assert torch.equal(masked.prediction, panel(x).prediction)
    masked.aux_loss.backward()
    assert torch.isfinite(masked.prediction).all()
    assert all(torch.isfinite(p.grad).all() for p in panel.parameters() if p.grad is not None)


def test_aux_loss_of_a_batch_with_no_valid_series_is_zero_not_nan():
    model = _spacetime(2, 2, instance_norm="mean_std")
    out = model(torch.zeros(3, 32, 2, dtype=torch.float64), valid=torch.zeros(3, 2, dtype=torch.bool))
    assert out.aux_loss.item() == 0.0 and torch.isfinite(out.prediction).all()


def test_mixed_channel_model_masks_the_aux_terms_per_target_and_window():
    """channel_independent=False: a window counts in the next-input term if any target is valid."""
    torch.manual_seed(2)
    model = build_forecasting_model(
        "spacetime", lookback=32, horizon=8, n_channels=2, n_outputs=2, channel_independent=False,
        options={"d_model": 8, "d_state": 8, "n_layers": 1, "dropout": 0.0},
    ).double()  # fmt: skip
    x = torch.randn(4, 32, 2, dtype=torch.float64)
    all_valid = torch.ones(4, 2, dtype=torch.bool)
    assert model(x, valid=all_valid).aux_loss.item() == pytest.approx(model(x).aux_loss.item(), rel=1e-12)
    first_two = torch.tensor([[1, 1], [1, 1], [0, 0], [0, 0]], dtype=torch.bool)
    assert model(x, valid=first_two).aux_loss.item() == pytest.approx(model(x[:2]).aux_loss.item(), rel=1e-12)
    with pytest.raises(ConfigError, match=r"valid must be a \(batch, n_outputs\) = \(4, 2\)"):
        model(x, valid=torch.ones(4, 3, dtype=torch.bool))


@pytest.mark.parametrize("name", ["s4d", "nlinear", "dlinear"])
def test_models_without_aux_terms_take_the_mask_and_ignore_it(name):
    model = build_forecasting_model(name, lookback=32, horizon=8, n_channels=3, n_outputs=3).eval()
    x = torch.randn(2, 32, 3)
    valid = torch.tensor([[1, 0, 1], [0, 1, 1]], dtype=torch.bool)
    out = model(x, valid=valid)
    assert out.aux_loss is None and torch.equal(out.prediction, model(x).prediction)


@pytest.mark.parametrize("with_mask", [False, True])
def test_lookback_of_one_trains_on_the_horizon_loss_alone(with_mask):
    """The auxiliary terms pair lookback steps t and t+1: at lookback 1 there are none (they were a NaN
    MSE over an empty slice, which stopped every fit with a misleading 'lower the learning rate')."""
    torch.manual_seed(0)
    model = build_forecasting_model(
        "spacetime",
        lookback=1,
        horizon=4,
        n_channels=2,
        n_outputs=2,
        options={"d_model": 8, "d_state": 8, "n_layers": 1},
    ).train()
    x, y = torch.randn(16, 1, 2), torch.randn(16, 4, 2)
    out = model(x, valid=torch.ones(16, 2, dtype=torch.bool)) if with_mask else model(x)
    assert out.aux_loss is None
    loss = (out.prediction.squeeze(-1) - y).square().mean()
    loss.backward()
    assert torch.isfinite(loss)
    assert all(torch.isfinite(p.grad).all() for p in model.parameters() if p.grad is not None)
    assert model.projection.weight.grad.abs().sum() > 0  # the SSM path's head learns
