"""The core's layers inside a researcher's own model: meta-device shape inference, mixed precision."""

from __future__ import annotations

import pytest
import torch

from ssm_ts.core import CompanionSSM, FFTConv, SSMBlock
from tests.core.ssm_cases import SSM_CASES

H = 3
CASES = {
    **SSM_CASES,
    "scan-s5": ("scan", {"variant": "s5"}),
    "scan-selective": ("scan", {"variant": "selective"}),
}


@pytest.mark.parametrize("case", CASES)
def test_a_model_on_the_meta_device_runs_forward_and_step(case):
    # model.to("meta") is how shapes and FLOPs are worked out without memory; every call was a
    # RuntimeError from torch.is_autocast_enabled("meta").
    name, options = CASES[case]
    block = SSMBlock(d_model=H, ssm=name, d_state=4, ssm_options=options).eval().to("meta")
    x = torch.empty(2, 7, H, device="meta")
    y, state = block(x, state=block.default_state(2), return_state=True)
    y_t, state = block.step(x[:, 0], state)
    assert y.shape == (2, 7, H) and y_t.shape == (2, H) and state.shape == block.default_state(2).shape


def near_unit_companion() -> CompanionSSM:
    """A companion SSM with eigenvalues of modulus 0.999 ** (1/4): a long, slowly decaying kernel."""
    torch.manual_seed(0)
    ssm = CompanionSSM(d_model=2, d_state=4)
    with torch.no_grad():
        ssm.a_raw.zero_()
        ssm.a_raw[:, 0] = 0.999
    return ssm


def test_companion_kernel_under_bfloat16_autocast_is_the_float32_kernel():
    # Autocast ran A^L as a bfloat16 matmul; the feedback 1 / (1 - alpha) then amplified its error
    # into a kernel wrong by several times its own size.
    ssm = near_unit_companion()
    expected = ssm.kernel(64)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        k = ssm.kernel(64)
    assert k.dtype == torch.float32
    torch.testing.assert_close(k, expected, rtol=1e-5, atol=1e-5)


def test_fft_conv_runs_its_ssm_in_float32_under_autocast_and_returns_float32_states():
    conv = FFTConv(d_model=2, ssm=near_unit_companion()).eval()
    x = torch.randn(2, 48, 2)
    y_ref, state_ref = conv(x, state=conv.default_state(2), return_state=True)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        y, state = conv(x.bfloat16(), state=conv.default_state(2).bfloat16(), return_state=True)
        y_t, next_state = conv.step(x[:, 0].bfloat16(), state)
    # Only the input's own bfloat16 rounding is left (the state was bfloat16 Krylov products).
    assert state.dtype == next_state.dtype == torch.float32
    scale = y_ref.abs().max()
    assert (y - y_ref).abs().max() < 0.02 * scale
    assert (state - state_ref).abs().max() < 0.02 * state_ref.abs().max()
    y_t_ref, _ = conv.step(x[:, 0].bfloat16().float(), state_ref)
    assert (y_t - y_t_ref).abs().max() < 0.02 * scale
