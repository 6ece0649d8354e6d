"""Every SSM: convolution and recurrent modes agree, state carries across chunks, gradients are right."""

from __future__ import annotations

import pytest
import torch
from torch.func import functional_call

from ssm_ts.core import FFTConv, SSMBlock, build_ssm, krylov
from tests.core.ssm_cases import CONTINUOUS, SSM_CASES

H, N = 4, 64


def make(case: str, d_model: int = H, d_state: int = N, dtype=torch.float32):
    name, options = SSM_CASES[case]
    return build_ssm(name, d_model=d_model, d_state=d_state, **options).to(dtype)


def run_steps(step, state, inputs):
    """Loop ``step`` over ``inputs`` (B, L, H) -> outputs (B, L, H)."""
    outputs = []
    for t in range(inputs.shape[1]):
        y, state = step(inputs[:, t], state)
        outputs.append(y)
    return torch.stack(outputs, dim=1), state


def rel_err(a, b):
    return ((a - b).norm() / b.norm()).item()


@pytest.mark.parametrize("case", SSM_CASES)
@torch.no_grad()
def test_step_impulse_response_equals_kernel(case):
    ssm = make(case)
    L = 2048
    impulse = torch.zeros(1, L, H)
    impulse[:, 0] = 1.0
    response, _ = run_steps(ssm.step, ssm.default_state(1), impulse)
    assert rel_err(response[0].T, ssm.kernel(L)) < 1e-4


@pytest.mark.parametrize("case", SSM_CASES)
@torch.no_grad()
def test_fftconv_and_step_agree_at_length_2048(case):
    name, options = SSM_CASES[case]
    conv = FFTConv(d_model=H, ssm=name, d_state=N, ssm_options=options)
    x = torch.randn(2, 2048, H)
    stepped, _ = run_steps(conv.step, conv.default_state(2), x)
    assert rel_err(stepped, conv(x)) < 1e-4


@pytest.mark.parametrize("case", SSM_CASES)
@torch.no_grad()
def test_block_forward_and_step_agree(case):
    name, options = SSM_CASES[case]
    block = SSMBlock(d_model=H, ssm=name, d_state=N, ssm_options=options).eval()
    x = torch.randn(2, 2048, H)
    stepped, _ = run_steps(block.step, block.default_state(2), x)
    assert rel_err(stepped, block(x)) < 1e-4


@pytest.mark.parametrize("case", SSM_CASES)
@torch.no_grad()
def test_chunks_with_carried_state_equal_whole_sequence(case):
    name, options = SSM_CASES[case]
    block = SSMBlock(d_model=H, ssm=name, d_state=N, ssm_options=options).eval()
    x = torch.randn(3, 300, H)
    whole, whole_state = block(x, state=block.default_state(3), return_state=True)
    state, pieces = block.default_state(3), []
    for chunk in torch.split(x, [100, 37, 163], dim=1):
        out, state = block(chunk, state=state, return_state=True)
        pieces.append(out)
    assert rel_err(torch.cat(pieces, dim=1), whole) < 1e-5
    assert rel_err(state, whole_state) < 1e-4
    _, stepped_state = run_steps(block.step, block.default_state(3), x)
    assert rel_err(stepped_state, whole_state) < 1e-4


FLOAT64_CASES = {
    **SSM_CASES,
    "scan-s5": ("scan", {"variant": "s5"}),
    "scan-selective": ("scan", {"variant": "selective"}),
}


@pytest.mark.parametrize("case", FLOAT64_CASES)
@torch.no_grad()
def test_float64_conv_and_step_agree_to_float64_precision(case):
    """After ``.double()`` every path is float64: states are complex128/float64 and convolution and
    step agree to ~1e-12 (the DPLR kernel's frequencies were complex64: only 1e-7)."""
    name, options = FLOAT64_CASES[case]
    conv = FFTConv(d_model=3, ssm=name, d_state=16, ssm_options=options).double().eval()
    state = conv.default_state(2)
    assert state.dtype in (torch.float64, torch.complex128)
    x = torch.randn(2, 300, 3, dtype=torch.float64)
    stepped, stepped_state = run_steps(conv.step, state, x)
    whole, whole_state = conv(x, state=state, return_state=True)
    assert stepped_state.dtype == state.dtype
    assert rel_err(stepped, whole) < 1e-10 and rel_err(stepped_state, whole_state) < 1e-10
    if conv.ssm.continuous_time:  # at another rate, chunks with carried state equal the whole sequence
        whole, _ = conv(x, state=state, return_state=True, rate=0.5)
        first, mid = conv(x[:, :120], state=state, return_state=True, rate=0.5)
        assert rel_err(torch.cat([first, conv(x[:, 120:], state=mid, rate=0.5)], 1), whole) < 1e-10


@torch.no_grad()
def test_dplr_kernel_matches_dense_powers_in_float64():
    ssm = make("dplr", d_state=16, dtype=torch.float64)
    dA, dB, C = ssm.dense_discrete()
    for L in (1, 7, 300):
        reference = (C.unsqueeze(-1) * krylov(dA, dB, L)).sum(-2).real  # C dA^l dB
        assert rel_err(ssm.kernel(L), reference) < 1e-12


@pytest.mark.parametrize("case", SSM_CASES)
def test_gradients_match_finite_differences_in_float64(case):
    torch.manual_seed(1)
    name, options = SSM_CASES[case]
    conv = FFTConv(d_model=2, ssm=name, d_state=4, ssm_options=options).double()
    params = {
        k: v.detach().clone().requires_grad_(True) for k, v in conv.named_parameters() if v.requires_grad
    }
    x = torch.randn(2, 12, 2, dtype=torch.float64, requires_grad=True)

    def f(x, *values):
        return functional_call(conv, dict(zip(params, values, strict=True)), (x,))

    assert torch.autograd.gradcheck(f, (x, *params.values()), eps=1e-6, atol=1e-5, rtol=1e-4)
    loss = f(x, *params.values()).pow(2).sum()
    grads = torch.autograd.grad(loss, list(params.values()))
    assert all(torch.isfinite(g).all() for g in grads)


@pytest.mark.parametrize("case", sorted(CONTINUOUS & {c for c in SSM_CASES if c.endswith("zoh")}))
@torch.no_grad()
def test_half_step_kernel_sums_to_full_step_kernel(case):
    """Zero-order hold at rate 1/2: two half steps of a held input are one full step."""
    ssm = make(case, dtype=torch.float64)
    full = ssm.kernel(500)
    half = ssm.kernel(1000, rate=0.5)
    assert torch.allclose(half[:, 0::2] + half[:, 1::2], full, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("case", sorted(CONTINUOUS))
@torch.no_grad()
def test_rate_samples_the_same_continuous_response(case):
    """Kernel / dt approximates the continuous impulse response at any rate (steps small enough
    that the fastest mode is resolved: dt * max|Im A| < 1)."""
    name, options = SSM_CASES[case]
    ssm = build_ssm(name, d_model=H, d_state=16, **options, dt_min=1e-3, dt_max=1e-2).double()
    k1 = ssm.kernel(400) / ssm.dt(1.0).unsqueeze(-1)
    k4 = ssm.kernel(1600, rate=0.25) / ssm.dt(0.25).unsqueeze(-1)
    # Both are cell averages of the continuous response: compare at the same cell midpoints.
    # The first few samples carry the fastest (least resolved) modes: compare after them.
    midpoints = (k4[:, 1::4] + k4[:, 2::4]) / 2
    assert rel_err(midpoints[:, 4:], k1[:, 4:]) < 0.03  # second-order discretisation error at dt * |A| <~ 0.7


def test_bidirectional_sees_the_future_and_has_no_step():
    conv = FFTConv(d_model=H, d_state=16, bidirectional=True)
    x = torch.zeros(1, 64, H)
    x[:, 40] = 1.0
    y = conv(x)
    assert y[:, :40].abs().max() > 1e-3  # anti-causal half reads ahead
    causal = FFTConv(d_model=H, d_state=16)
    assert causal(x)[:, :40].abs().max() < 1e-6  # only FFT round-off before the impulse
    with pytest.raises(ValueError, match="bidirectional"):
        conv.step(torch.zeros(1, H), conv.default_state(1))


@pytest.mark.parametrize("case", sorted(CONTINUOUS) + ["scan-s5", "scan-selective"])
@torch.no_grad()
def test_step_at_another_rate_continues_forward_at_that_rate(case):
    """step() had no rate: a state from forward(rate=0.5) continued at rate 1, silently."""
    name, options = FLOAT64_CASES[case]
    block = SSMBlock(d_model=3, ssm=name, d_state=8, ssm_options=options).double().eval()
    x = torch.randn(2, 40, 3, dtype=torch.float64)
    whole = block(x, rate=0.5)
    first, state = block(x[:, :25], state=block.default_state(2), return_state=True, rate=0.5)
    rest, _ = run_steps(lambda u, s: block.step(u, s, rate=0.5), state, x[:, 25:])
    assert rel_err(torch.cat([first, rest], 1), whole) < 1e-10
    stepped_at_1, _ = run_steps(block.step, state, x[:, 25:])
    assert rel_err(stepped_at_1, whole[:, 25:]) > 1e-3  # the rate really changes the step


@pytest.mark.parametrize("case", ["companion", "shift"])
def test_discrete_time_step_refuses_another_rate(case):
    name, options = SSM_CASES[case]
    block = SSMBlock(d_model=3, ssm=name, d_state=8, ssm_options=options).eval()
    with pytest.raises(ValueError, match="discrete-time SSM with no step size: rate must be 1.0, got 0.5"):
        block.step(torch.randn(2, 3), block.default_state(2), rate=0.5)


@pytest.mark.parametrize("case", FLOAT64_CASES)
def test_double_backward_through_every_ssm(case):
    """Gradient penalties differentiate the input gradient: the scans' backward had no gradient."""
    torch.manual_seed(2)
    name, options = FLOAT64_CASES[case]
    conv = FFTConv(d_model=2, ssm=name, d_state=4, ssm_options=options).double()
    x = torch.randn(2, 9, 2, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradgradcheck(lambda x: conv(x).pow(2), (x,))
    (grad_x,) = torch.autograd.grad(conv(x).pow(2).sum(), x, create_graph=True)
    grad_x.pow(2).sum().backward()  # reaches the parameters too
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in conv.parameters())


@pytest.mark.parametrize("case", ["dplr", "companion", "shift"])
@torch.no_grad()
def test_state_response_builds_no_batch_sized_orbit(case, monkeypatch):
    """The zero-input response of a carried state built each state's orbit (B, H, N, L): 2.6 GB and
    4 s at B=8, H=N=64, L=4096 for S4; the read-out rows (H, N, L) serve the whole batch."""
    import ssm_ts.core.base as base

    seen = []
    monkeypatch.setattr(base, "krylov", lambda dA, b, L: seen.append(b.dim()) or krylov(dA, b, L))
    ssm = make(case, d_state=16, dtype=torch.float64)
    state = torch.randn(5, *ssm.state_shape(), dtype=ssm.state_dtype())
    response = ssm.state_response(state, 50)
    assert seen == [2]  # (H, N) start vectors only, no batch axis
    dA, _, C = ssm.dense_discrete()
    direct = torch.stack(
        [
            (C * torch.linalg.matrix_power(dA, t + 1).matmul(state.unsqueeze(-1)).squeeze(-1)).sum(-1)
            for t in range(50)
        ],
        -1,
    )
    assert rel_err(response, direct.real if direct.is_complex() else direct) < 1e-12
