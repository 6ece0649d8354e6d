"""The PyTorch ssm_step path against its complex float64 reference; shape errors; dispatch."""

from __future__ import annotations

import pytest
import torch

from ssm_ts.errors import ConfigError, KernelBackendError
from ssm_ts.kernels import ssm_step, ssm_step_reference, ssm_step_torch

C128 = torch.complex128


def step_inputs(B: int, H: int, N: int, requires_grad: bool = False) -> list[torch.Tensor]:
    g = torch.Generator().manual_seed(B * 100 + H * 10 + N)
    state = torch.randn(B, H, N, dtype=C128, generator=g)
    u = torch.randn(B, H, dtype=torch.float64, generator=g)
    dA = torch.polar(
        torch.rand(H, N, dtype=torch.float64, generator=g),
        torch.randn(H, N, dtype=torch.float64, generator=g),
    )
    dB = torch.randn(H, N, dtype=C128, generator=g)
    C = torch.randn(H, N, dtype=C128, generator=g)
    D = torch.randn(H, dtype=torch.float64, generator=g)
    return [t.requires_grad_(requires_grad) for t in (state, u, dA, dB, C, D)]


@pytest.mark.parametrize(("B", "H", "N"), [(1, 1, 1), (3, 5, 7), (8, 16, 32)])
@pytest.mark.parametrize("with_D", [True, False])
def test_torch_path_matches_reference_values_and_gradients(B, H, N, with_D):
    args = step_inputs(B, H, N, requires_grad=True)
    if not with_D:
        args[-1] = None
    y, x = ssm_step_torch(*args)
    y_ref, x_ref = ssm_step_reference(*args)
    assert y.shape == (B, H) and not y.is_complex() and x.shape == (B, H, N)
    assert torch.allclose(y, y_ref, atol=1e-12) and torch.allclose(x, x_ref, atol=1e-12)
    wy, wx = torch.randn_like(y), torch.randn_like(x)
    leaves = [a for a in args if a is not None]
    grads = torch.autograd.grad((y * wy).sum() + (x * wx).real.sum(), leaves)
    ref = torch.autograd.grad((y_ref * wy).sum() + (x_ref * wx).real.sum(), leaves)
    assert all(torch.allclose(a, b, atol=1e-12) for a, b in zip(grads, ref, strict=True))


def test_a_rollout_of_steps_is_the_convolution_with_the_diagonal_kernel():
    # y_t = sum_s K[t - s] u_s + D u_t with K[l] = 2 Re sum_n C dA^l dB: the recurrence's meaning.
    state, u, dA, dB, C, D = step_inputs(2, 3, 4)
    state = torch.zeros_like(state)
    L = 12
    us = torch.randn(2, 3, L, dtype=torch.float64)
    ys = []
    for t in range(L):
        y, state = ssm_step(state, us[..., t], dA, dB, C, D)
        ys.append(y)
    powers = dA.unsqueeze(-1) ** torch.arange(L)
    K = 2 * torch.einsum("hn,hnl->hl", C * dB, powers).real
    expected = torch.stack(
        [sum(K[:, t - s] * us[..., s] for s in range(t + 1)) + D * us[..., t] for t in range(L)], -1
    )
    assert torch.allclose(torch.stack(ys, -1), expected, atol=1e-10)


def test_shape_mistakes_name_the_argument():
    state, u, dA, dB, C, D = step_inputs(2, 3, 4)
    with pytest.raises(ConfigError, match="u must be real"):
        ssm_step(state, u[:, :2], dA, dB, C, D)
    with pytest.raises(ConfigError, match="dB must be"):
        ssm_step(state, u, dA, dB[:, :3], C, D)
    with pytest.raises(ConfigError, match="state must be complex"):
        ssm_step(state.real, u, dA, dB, C, D)
    with pytest.raises(ConfigError, match="D must be"):
        ssm_step(state, u, dA, dB, C, D[:2])


def test_dispatch_on_cpu(monkeypatch):
    monkeypatch.delenv("TRITON_INTERPRET", raising=False)
    monkeypatch.delenv("SSM_TS_BACKEND", raising=False)
    args = step_inputs(2, 3, 4)
    y, _ = ssm_step(*args)  # auto on CPU: the PyTorch path
    assert torch.equal(y, ssm_step_torch(*args)[0])
    with pytest.raises(KernelBackendError, match="needs CUDA tensors"):
        ssm_step(*args, backend="triton")
    monkeypatch.setenv("SSM_TS_BACKEND", "triton")
    with pytest.raises(KernelBackendError, match="needs CUDA tensors"):
        ssm_step(*args)
