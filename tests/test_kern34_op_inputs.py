"""Inputs of the kernel ops that the two back-ends would treat differently: refused up front."""

from __future__ import annotations

import pytest
import torch

from ssm_ts.errors import ConfigError
from ssm_ts.kernels import diag_scan, diag_scan_reference, ssm_step, vandermonde, vandermonde_reference


def test_ssm_step_refuses_a_complex_skip_term():
    """D is real like u: a complex D made y complex on the PyTorch path, while the Triton path cast it
    to real (dropping its imaginary part), so y depended on the device."""
    state = torch.zeros(2, 3, 4, dtype=torch.complex64)
    params = [torch.zeros(3, 4, dtype=torch.complex64) for _ in range(3)]
    with pytest.raises(
        ConfigError, match=r"D must be real \(H,\) = \(3,\) or None, got \(3,\) torch\.complex64"
    ):
        ssm_step(state, torch.zeros(2, 3), *params, torch.ones(3, dtype=torch.complex64), backend="torch")
    y, _ = ssm_step(state, torch.ones(2, 3), *params, torch.full((3,), 2.0), backend="torch")
    assert torch.equal(y, torch.full((2, 3), 2.0))


def test_vandermonde_of_mixed_precisions_computes_in_the_wider_one():
    """complex128 v with complex64 x (or the reverse) failed on the PyTorch path, the CPU default, in
    its matmul ("expected scalar type Double but found Float"); the Triton path promotes both."""
    v = torch.randn(2, 3, dtype=torch.complex128)
    x = torch.complex(-torch.rand(2, 3), torch.randn(2, 3))  # complex64
    want = vandermonde_reference(v, x.to(torch.complex128), 9)
    for v_in, x_in in ((v, x), (v.to(torch.complex64), x.to(torch.complex128))):
        leaves = [t.clone().requires_grad_(True) for t in (v_in, x_in)]
        out = vandermonde(*leaves, 9, backend="torch")
        assert out.dtype == torch.float64
        torch.testing.assert_close(out, vandermonde_reference(*leaves, 9))
        grads = torch.autograd.grad(out.sum(), leaves)
        assert [g.dtype for g in grads] == [t.dtype for t in leaves]
    torch.testing.assert_close(vandermonde(v, x, 9, backend="torch"), want)


def test_half_precision_scan_does_not_drift_over_a_long_sequence():
    """The PyTorch scan ran its recurrence in bfloat16, rounding every step: 4% off the exact scan of
    the same inputs after 1024 steps (5% after 8k), its gradients too, where the Triton path computes
    in float32 and rounds once. Both now compute in float32 and return bfloat16."""
    torch.manual_seed(0)
    a = (0.99 + 0.01 * torch.rand(1, 1024, 4)).bfloat16()
    b = torch.randn(1, 1024, 4).bfloat16()
    weights = torch.randn(1, 1024, 4, dtype=torch.float64)
    leaves = [t.clone().requires_grad_(True) for t in (a, b)]
    exact_leaves = [t.double().requires_grad_(True) for t in (a, b)]
    h = diag_scan(*leaves, backend="torch")
    exact = diag_scan_reference(*exact_leaves)
    grads = torch.autograd.grad((h.double() * weights).sum(), leaves)
    exact_grads = torch.autograd.grad((exact * weights).sum(), exact_leaves)
    assert h.dtype == torch.bfloat16 and [g.dtype for g in grads] == [torch.bfloat16] * 2
    # One rounding to bfloat16 is 2^-9 relative; a sum of a few such errors stays well below 1%.
    for name, got, want in [("h", h, exact), *zip(("grad a", "grad b"), grads, exact_grads, strict=True)]:
        error = ((got.double() - want).abs().max() / want.abs().max()).item()
        assert error < 1e-2, f"{name}: {error:.2e} off the exact scan of the same inputs"
