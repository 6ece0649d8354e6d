"""The chunked PyTorch paths of the Vandermonde and Cauchy ops against their float64 references."""

from __future__ import annotations

import pytest
import torch

from ssm_ts.errors import ConfigError, KernelBackendError
from ssm_ts.kernels import (
    cauchy,
    cauchy_reference,
    cauchy_torch,
    resolve_backend,
    vandermonde,
    vandermonde_reference,
    vandermonde_torch,
)

C128 = torch.complex128


def stable_exponents(H: int, N: int) -> torch.Tensor:
    return torch.complex(-torch.rand(H, N, dtype=torch.float64) * 0.1, torch.randn(H, N, dtype=torch.float64))


@pytest.mark.parametrize(
    ("H", "N", "L", "chunk"), [(3, 5, 1, None), (4, 8, 97, None), (2, 3, 100, 7), (5, 16, 1000, 33)]
)
def test_vandermonde_values_match_reference(H, N, L, chunk):
    torch.manual_seed(L)
    v, x = torch.randn(H, N, dtype=C128), stable_exponents(H, N)
    assert torch.allclose(vandermonde_torch(v, x, L, chunk=chunk), vandermonde_reference(v, x, L), atol=1e-10)


def test_vandermonde_shape_mistakes_name_the_argument():
    v, x = torch.randn(3, 4, dtype=C128), stable_exponents(3, 4)
    with pytest.raises(ConfigError, match=r"v and x must both be \(H, N\), got v \(3, 4\) and x \(3, 3\)"):
        vandermonde(v, x[:, :3], 8)  # was a broadcasting error deep inside the chunked product
    with pytest.raises(ConfigError, match="L must be an integer >= 0, got 8.0"):
        vandermonde(v, x, 8.0)


def test_vandermonde_gradients_match_reference():
    torch.manual_seed(0)
    v = torch.randn(3, 4, dtype=C128, requires_grad=True)
    x = stable_exponents(3, 4).requires_grad_(True)
    assert torch.autograd.gradcheck(lambda v, x: vandermonde_torch(v, x, 23, chunk=5), (v, x))
    weights = torch.randn(3, 23, dtype=torch.float64)
    grads = torch.autograd.grad((vandermonde_torch(v, x, 23) * weights).sum(), (v, x))
    ref = torch.autograd.grad((vandermonde_reference(v, x, 23) * weights).sum(), (v, x))
    assert all(torch.allclose(a, b, atol=1e-10) for a, b in zip(grads, ref, strict=True))


@pytest.mark.parametrize(
    ("v_shape", "z_shape", "w_shape"),
    [
        ((6,), (9,), (6,)),
        ((4, 6), (4, 9), (1, 6)),
        ((2, 2, 3, 5), (11,), (3, 5)),
        ((3, 5, 8), (5, 300), (5, 8)),
    ],
)
def test_cauchy_values_and_gradients_match_reference(v_shape, z_shape, w_shape):
    torch.manual_seed(0)
    v = torch.randn(*v_shape, dtype=C128, requires_grad=True)
    z = torch.randn(*z_shape, dtype=C128, requires_grad=True)
    w = torch.randn(*w_shape, dtype=C128, requires_grad=True)
    out = cauchy_torch(v, z, w, chunk=4)
    assert torch.allclose(out, cauchy_reference(v, z, w), atol=1e-10)
    weights = torch.randn_like(out)
    grads = torch.autograd.grad((out * weights).real.sum(), (v, z, w))
    ref = torch.autograd.grad((cauchy_reference(v, z, w) * weights).real.sum(), (v, z, w))
    assert all(torch.allclose(a, b, atol=1e-9) for a, b in zip(grads, ref, strict=True))


def test_cauchy_gradcheck():
    torch.manual_seed(1)
    args = [torch.randn(s, dtype=C128, requires_grad=True) for s in ((2, 3, 4), (3, 7), (3, 4))]
    assert torch.autograd.gradcheck(lambda v, z, w: cauchy_torch(v, z, w, chunk=3), args)


def test_dispatch_on_cpu(monkeypatch):
    x = torch.zeros(2)
    monkeypatch.delenv("SSM_TS_BACKEND", raising=False)
    assert resolve_backend("auto", x) == "torch"
    monkeypatch.setenv("SSM_TS_BACKEND", "torch")
    assert resolve_backend("auto", x) == "torch"
    monkeypatch.setenv("SSM_TS_BACKEND", "cuda-please")
    with pytest.raises(KernelBackendError, match="SSM_TS_BACKEND='cuda-please'"):
        resolve_backend("auto", x)
    with pytest.raises(KernelBackendError, match="unknown kernel backend"):
        resolve_backend("numba", x)


def test_forcing_triton_on_cpu_without_interpreter_is_a_clear_error(monkeypatch):
    monkeypatch.delenv("TRITON_INTERPRET", raising=False)
    v, x = torch.randn(2, 3, dtype=C128), stable_exponents(2, 3)
    with pytest.raises(KernelBackendError, match="needs CUDA tensors; on the CPU set TRITON_INTERPRET=1"):
        vandermonde(v, x, 8, backend="triton")
    with pytest.raises(KernelBackendError, match="needs CUDA tensors"):
        cauchy(v, torch.randn(4, dtype=C128), x, backend="triton")


def test_vandermonde_takes_real_inputs_like_its_triton_path():
    """Real v and x (a real decay) failed in the PyTorch path ('imag is not implemented')."""
    v, x = torch.randn(2, 3, dtype=torch.float64), -torch.rand(2, 3, dtype=torch.float64)
    out = vandermonde(v, x, 9, backend="torch")
    assert out.dtype == torch.float64
    assert torch.allclose(out, vandermonde_reference(v.to(C128), x.to(C128), 9), atol=1e-12)


def test_cauchy_mismatched_numerators_and_poles_name_both_shapes():
    with pytest.raises(ConfigError, match=r"cauchy: v \(3,\) and w \(5,\) must have the same last size N"):
        cauchy(torch.randn(3, dtype=C128), torch.randn(4, dtype=C128), torch.randn(5, dtype=C128))
    with pytest.raises(
        ConfigError, match=r"cauchy: the leading dimensions of v \(2, 3\), z \(4, 7\), w \(3,\)"
    ):
        cauchy(torch.randn(2, 3, dtype=C128), torch.randn(4, 7, dtype=C128), torch.randn(3, dtype=C128))


def test_cauchy_at_no_points_is_empty_and_differentiable():
    """z with no points (L = 0) failed reshaping (-1, 0)."""
    v, w = (torch.randn(2, 3, dtype=C128, requires_grad=True) for _ in range(2))
    out = cauchy(v, torch.randn(2, 0, dtype=C128), w)
    assert out.shape == (2, 0)
    out.real.sum().backward()
    assert torch.equal(v.grad, torch.zeros_like(v))
