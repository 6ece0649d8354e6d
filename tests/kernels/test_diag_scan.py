"""The chunked log-depth PyTorch diag_scan against its loop reference; shape errors; dispatch."""

from __future__ import annotations

import pytest
import torch

from ssm_ts.errors import ConfigError, KernelBackendError
from ssm_ts.kernels import diag_scan, diag_scan_reference, diag_scan_torch, ssm_step, vandermonde

C128, F64 = torch.complex128, torch.float64


def scan_inputs(B, L, D, complex_a: bool, complex_b: bool, generator_seed: int = 0):
    g = torch.Generator().manual_seed(generator_seed)
    if complex_a:
        a = torch.polar(
            torch.rand(B, L, D, dtype=F64, generator=g), torch.randn(B, L, D, dtype=F64, generator=g)
        )
    else:
        a = torch.rand(B, L, D, dtype=F64, generator=g)
    b = torch.randn(B, L, D, dtype=C128 if complex_b else F64, generator=g)
    h0 = torch.randn(B, D, dtype=C128 if (complex_a or complex_b) else F64, generator=g)
    return a, b, h0


@pytest.mark.parametrize(("complex_a", "complex_b"), [(False, False), (True, True), (False, True)])
@pytest.mark.parametrize(
    ("B", "L", "D", "chunk"), [(2, 1, 3, 4), (2, 37, 5, 8), (1, 100, 4, 64), (3, 16, 2, 16)]
)
@pytest.mark.parametrize("with_h0", [True, False])
def test_values_and_gradients_match_reference(B, L, D, chunk, complex_a, complex_b, with_h0):
    a, b, h0 = scan_inputs(B, L, D, complex_a, complex_b, generator_seed=L)
    inputs = [t.requires_grad_(True) for t in ((a, b, h0) if with_h0 else (a, b))]
    out = diag_scan_torch(*inputs, chunk=chunk) if with_h0 else diag_scan_torch(*inputs, None, chunk)
    ref = diag_scan_reference(*inputs)
    assert out.dtype == ref.dtype and torch.allclose(out, ref, atol=1e-12)
    weights = torch.randn_like(ref)
    grads = torch.autograd.grad((out * weights).real.sum(), inputs)
    ref_grads = torch.autograd.grad((ref * weights).real.sum(), inputs)
    for g, r, t in zip(grads, ref_grads, inputs, strict=True):
        assert g.dtype == t.dtype and torch.allclose(g, r, atol=1e-12)


@pytest.mark.parametrize(("B", "L", "D"), [(2, 0, 3), (0, 5, 3), (2, 5, 0)])
def test_empty_inputs_give_empty_states(B, L, D):
    a, b, h0 = scan_inputs(B, L, D, True, True)
    assert diag_scan(a, b, h0).shape == (B, L, D)  # L = 0 raised an IndexError


def test_gradcheck_complex():
    a, b, h0 = scan_inputs(1, 11, 2, True, True)
    args = [t.requires_grad_(True) for t in (a, b, h0)]
    assert torch.autograd.gradcheck(lambda a, b, h0: diag_scan_torch(a, b, h0, chunk=4), args)


def test_long_sequence_stays_accurate_in_float32():
    # A slow decay over 20k steps: the carry has to cross hundreds of chunks without drift.
    a, b, h0 = scan_inputs(1, 20_000, 3, False, False)
    a = 0.999 + 0.001 * a
    ref = diag_scan_reference(a, b, h0)
    out = diag_scan(a.float(), b.float(), h0.float())
    assert out.dtype == torch.float32
    assert (out.double() - ref).abs().max() < 1e-3 * ref.abs().max()


def test_shape_mistakes_name_the_argument():
    a, b, h0 = scan_inputs(2, 5, 3, False, False)
    with pytest.raises(ConfigError, match="a must have b's shape"):
        diag_scan(a[:, :4], b)
    with pytest.raises(ConfigError, match="h0 must be"):
        diag_scan(a, b, h0[:, :2])
    with pytest.raises(ConfigError, match="b must be"):
        diag_scan(a[0], b[0])


def test_every_op_dispatches_to_torch_on_cpu_and_refuses_triton_without_the_interpreter(monkeypatch):
    monkeypatch.delenv("TRITON_INTERPRET", raising=False)
    monkeypatch.delenv("SSM_TS_BACKEND", raising=False)
    a, b, h0 = scan_inputs(2, 5, 3, True, True)
    assert torch.equal(diag_scan(a, b, h0), diag_scan_torch(a, b, h0))  # auto on CPU: PyTorch
    monkeypatch.setenv("SSM_TS_BACKEND", "torch")
    assert torch.equal(diag_scan(a, b, h0), diag_scan_torch(a, b, h0))
    v, x = torch.randn(2, 3, dtype=C128), torch.randn(2, 3, dtype=C128)
    calls = {
        "diag_scan": lambda backend: diag_scan(a, b, h0, backend=backend),
        "vandermonde": lambda backend: vandermonde(v, x, 8, backend=backend),
        "ssm_step": lambda backend: ssm_step(
            torch.zeros(1, 2, 3, dtype=C128), torch.zeros(1, 2), v, v, v, None, backend
        ),
    }
    for name, call in calls.items():
        monkeypatch.delenv("SSM_TS_BACKEND", raising=False)
        with pytest.raises(KernelBackendError, match="needs CUDA tensors"):
            call("triton")
        monkeypatch.setenv("SSM_TS_BACKEND", "triton")  # the environment switches "auto" too
        with pytest.raises(KernelBackendError, match="needs CUDA tensors"):
            call("auto")
        assert call("torch") is not None, name  # an explicit argument wins over the environment


def test_reference_of_an_empty_sequence_is_empty():
    """The loop reference failed stacking no states, so it could not check L = 0."""
    a = torch.rand(2, 0, 3, dtype=torch.float64)
    assert diag_scan_reference(a, a.to(torch.complex128)).shape == (2, 0, 3)
    assert diag_scan_reference(a, a.to(torch.complex128)).dtype == torch.complex128


@pytest.mark.parametrize("complex_values", [False, True])
def test_double_backward(complex_values):
    """Gradients of gradients (gradient penalties, MAML) failed: the backward's out= writes."""
    torch.manual_seed(3)
    dtype = torch.complex128 if complex_values else torch.float64
    a = (0.9 * torch.rand(2, 7, 3, dtype=torch.float64)).to(dtype).requires_grad_(True)
    b, h0 = (
        torch.randn(2, 7, 3, dtype=dtype, requires_grad=True),
        torch.randn(2, 3, dtype=dtype, requires_grad=True),
    )
    assert torch.autograd.gradgradcheck(lambda a, b, h0: diag_scan_torch(a, b, h0, chunk=3), (a, b, h0))
