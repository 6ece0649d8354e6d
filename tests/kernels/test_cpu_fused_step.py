"""The fused C kernels of fast CPU generation against their PyTorch references."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from ssm_ts.kernels import cpu_fused_step


@pytest.fixture(scope="module")
def library():
    lib = cpu_fused_step.load()
    if lib is None:
        pytest.fail(
            "the fused CPU kernel did not build: a C compiler (cc or gcc) is expected on this machine"
        )
    return lib


def test_loading_keeps_subnormal_arithmetic(library):
    # A library linked with -ffast-math would switch on flush-to-zero for the whole process.
    tiny = np.float32(1e-30) * np.float32(1e-9)
    assert tiny != 0 and np.float32(1e-39) * np.float32(1.0) != 0
    assert (torch.tensor(1e-39, dtype=torch.float32) * 1.0).item() != 0


def test_layer_norm_and_gelu_match_torch(library):
    torch.manual_seed(0)
    y, w, b = torch.randn(3, 37), torch.randn(37), torch.randn(37)
    z = cpu_fused_step.layer_norm(library, y, w, b, 1e-5, torch.empty(3, 37))
    torch.testing.assert_close(z, F.layer_norm(y, (37,), w, b, 1e-5), rtol=1e-5, atol=1e-5)
    x = torch.linspace(-8, 8, 1001)
    torch.testing.assert_close(cpu_fused_step.gelu_(library, x.clone()), F.gelu(x), rtol=0, atol=2e-6)


def test_glu_residual_matches_torch(library):
    y, ag = torch.randn(4, 9), torch.randn(4, 18)
    expected = y + ag[:, :9] * torch.sigmoid(ag[:, 9:])
    torch.testing.assert_close(cpu_fused_step.glu_residual(library, y.clone(), ag), expected)


def test_ssm_block_step_matches_the_complex_reference(library):
    torch.manual_seed(1)
    B, H, M = 3, 5, 7
    y, norm_w, norm_b, D = torch.randn(B, H), torch.randn(H), torch.randn(H), torch.randn(H)
    dA = torch.polar(torch.rand(H, M), torch.randn(H, M))
    dB, C = torch.randn(H, M, dtype=torch.complex64), torch.randn(H, M, dtype=torch.complex64)
    state = torch.randn(B, H, M, dtype=torch.complex64)

    def planar(t: torch.Tensor) -> torch.Tensor:  # (..., M) complex -> (..., 2, M) [re; im]
        return torch.stack([t.real, t.imag], dim=-2).contiguous()

    state_planar = planar(state)
    # The read-out weights as the kernel takes them: 2 Re(C s) = [2 Re C; -2 Im C] . [Re s; Im s].
    C2 = torch.stack([2 * C.real, -2 * C.imag], dim=-2).contiguous()
    out = cpu_fused_step.ssm_block_step(
        library, y, norm_w, norm_b, 1e-5, state_planar, planar(dA), planar(dB), C2, D,
        torch.empty(B, H), torch.empty(B, H),
    )  # fmt: skip
    z = F.layer_norm(y, (H,), norm_w, norm_b, 1e-5)
    new_state = dA * state + dB * z.unsqueeze(-1)
    expected = F.gelu(2 * (C * new_state).sum(-1).real + D * z)
    torch.testing.assert_close(state_planar, planar(new_state), rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(out, expected, rtol=1e-4, atol=1e-5)
