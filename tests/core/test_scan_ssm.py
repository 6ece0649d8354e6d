"""DiagonalScanSSM (S5, LRU, selective): scan and step agree, state continues, it plugs into SSMBlock."""

from __future__ import annotations

import pytest
import torch

from ssm_ts.core import DiagonalScanSSM, FFTConv, SSMBlock, build_ssm, ssm_param_groups
from ssm_ts.errors import ConfigError

VARIANTS = ["s5", "lru", "selective"]


def make(variant: str, H: int = 5, N: int = 6) -> DiagonalScanSSM:
    return build_ssm("scan", d_model=H, d_state=N, variant=variant).double()


def run_steps(module, u: torch.Tensor, state: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    ys = []
    for t in range(u.shape[1]):
        y, state = module.step(u[:, t], state)
        ys.append(y)
    return torch.stack(ys, 1), state


@pytest.mark.parametrize("variant", VARIANTS)
def test_scan_and_step_agree_from_any_state(variant):
    ssm = make(variant)
    u = torch.randn(3, 41, 5, dtype=torch.float64)
    state = ssm.default_state(3)
    state = (
        torch.randn_like(state) if variant == "selective" else torch.randn_like(state.to(torch.complex128))
    )
    y, final = ssm.forward_sequence(u, state)
    y_steps, final_steps = run_steps(ssm, u, state)
    assert y.shape == (3, 41, 5) and not y.is_complex()
    assert torch.allclose(y, y_steps, atol=1e-10)
    assert torch.allclose(final, final_steps, atol=1e-10)


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_sequence_split_in_two_continues_through_the_state(variant):
    ssm = make(variant)
    u = torch.randn(2, 50, 5, dtype=torch.float64)
    y, final = ssm.forward_sequence(u)
    y1, mid = ssm.forward_sequence(u[:, :23])
    y2, end = ssm.forward_sequence(u[:, 23:], mid)
    assert torch.allclose(torch.cat([y1, y2], 1), y, atol=1e-10) and torch.allclose(end, final, atol=1e-10)


def test_s5_is_the_mimo_diagonal_convolution():
    # y_t = Re(C sum_s decay^(t-s) B_bar u_s): the S5 definition, evaluated with explicit powers.
    ssm = make("s5")
    u = torch.randn(2, 17, 5, dtype=torch.float64)
    decay, B_bar, C = ssm.discrete()
    lags = torch.arange(17)
    powers = decay.view(-1, 1, 1) ** (lags[:, None] - lags[None, :]).clamp(min=0)  # (P, t, s)
    causal = (lags[:, None] >= lags[None, :]).to(powers.dtype)
    x = torch.einsum("pts,ts,ph,bsh->btp", powers, causal, B_bar, u.to(B_bar.dtype))
    expected = (x @ C.T).real
    assert torch.allclose(ssm.forward_sequence(u)[0], expected, atol=1e-10)


def test_time_invariant_variants_are_linear_and_selective_is_not():
    u = torch.randn(1, 20, 5, dtype=torch.float64)
    for variant in ("s5", "lru"):
        ssm = make(variant)
        assert torch.allclose(ssm.forward_sequence(3 * u)[0], 3 * ssm.forward_sequence(u)[0], atol=1e-10)
    selective = make("selective")
    y1, y3 = selective.forward_sequence(u)[0], selective.forward_sequence(3 * u)[0]
    assert not torch.allclose(y3, 3 * y1, atol=1e-3)  # dt, B and C depend on the input
    decay = selective.selective_terms(u)[0]
    assert decay.std(dim=1).max() > 1e-4  # the decay changes from step to step


def test_lru_decays_sit_on_the_configured_ring():
    ssm = build_ssm("scan", d_model=4, d_state=64, variant="lru", r_min=0.5, r_max=0.8)
    radius = ssm.discrete()[0].abs()
    assert radius.min() >= 0.5 - 1e-5 and radius.max() <= 0.8 + 1e-5


@pytest.mark.parametrize("variant", VARIANTS)
def test_ssm_block_forward_and_step_agree_and_state_round_trips(variant):
    block = SSMBlock(d_model=5, ssm="scan", d_state=6, ssm_options={"variant": variant}).double().eval()
    x = torch.randn(2, 25, 5, dtype=torch.float64)
    y, final = block(x, return_state=True)
    y_steps, final_steps = run_steps(block, x, block.default_state(2))
    assert torch.allclose(y, y_steps, atol=1e-10) and torch.allclose(final, final_steps, atol=1e-10)
    y_tail = block(x[:, 10:], state=block(x[:, :10], return_state=True)[1])
    assert torch.allclose(y_tail, y[:, 10:], atol=1e-10)


@pytest.mark.parametrize("variant", VARIANTS)
def test_bidirectional_conv_sees_the_future_and_causal_does_not(variant):
    options = {"variant": variant}
    x = torch.randn(1, 12, 4, dtype=torch.float64, requires_grad=True)
    for bidirectional in (False, True):
        conv = FFTConv(
            d_model=4, ssm="scan", d_state=4, ssm_options=options, bidirectional=bidirectional
        ).double()
        (grad,) = torch.autograd.grad(conv(x)[0, 5].sum(), x)
        future = grad[0, 6:].abs().sum()
        assert (future > 0) if bidirectional else (future == 0)
        assert grad[0, :5].abs().sum() > 0


@pytest.mark.parametrize("variant", VARIANTS)
def test_gradients_reach_every_parameter(variant):
    block = SSMBlock(d_model=4, ssm="scan", d_state=4, ssm_options={"variant": variant})
    block(torch.randn(2, 16, 4)).pow(2).mean().backward()
    missing = [n for n, p in block.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0]
    assert not missing, missing
    groups = ssm_param_groups(block, lr=1e-2, weight_decay=0.1)
    assert groups[0]["weight_decay"] == 0.0 and groups[0]["lr"] <= 1e-3 and len(groups[0]["params"]) >= 2


@pytest.mark.parametrize(("variant", "fraction_of_variance"), [("s5", 0.2), ("selective", 0.8)])
def test_a_block_learns_a_smoothing_task(variant, fraction_of_variance):
    # Target: an exponential moving average of the input. Predicting zero costs its variance; a few
    # Adam steps must do clearly better (the block is residual, so it learns model(x) - x).
    torch.manual_seed(0)
    x = torch.randn(16, 48, 3)
    target = torch.zeros_like(x)
    for t in range(48):
        target[:, t] = 0.8 * target[:, t - 1] + 0.2 * x[:, t] if t else 0.2 * x[:, 0]
    model = SSMBlock(
        d_model=3, ssm="scan", d_state=8, ssm_options={"variant": variant},
        norm="none", activation="identity", output="linear",
    )  # fmt: skip
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-2)
    losses = []
    for _ in range(60):
        loss = (model(x) - x - target).pow(2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < fraction_of_variance * target.var().item() < losses[0], losses[::10]


def test_clear_errors():
    with pytest.raises(ConfigError, match="unknown DiagonalScanSSM variant 'mamba2'"):
        build_ssm("scan", d_model=2, variant="mamba2")
    with pytest.raises(ConfigError, match="r_min"):
        build_ssm("scan", d_model=2, variant="lru", r_min=0.9, r_max=0.5)
    with pytest.raises(ConfigError, match="not a per-channel convolution kernel"):
        build_ssm("scan", d_model=2, variant="s5").kernel(8)
    with pytest.raises(ConfigError, match="discrete-time SSM"):
        build_ssm("scan", d_model=2, variant="lru").forward_sequence(torch.randn(1, 4, 2), rate=0.5)
