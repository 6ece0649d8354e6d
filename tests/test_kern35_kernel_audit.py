"""Kernel ops on inputs the audit found unhandled: real inputs to the PyTorch Cauchy path's backward,
and double backward through the matrix-power op."""

from __future__ import annotations

import torch

from ssm_ts.kernels import cauchy, cauchy_reference
from ssm_ts.kernels.matrix_power import matrix_power_op


def test_cauchy_torch_path_differentiates_real_inputs_like_the_reference():
    """Its forward (and the Triton path) took real inputs; the backward raised 'imag is not implemented'."""
    torch.manual_seed(0)
    v, z, w = (torch.randn(3, n, dtype=torch.float64, requires_grad=True) for n in (5, 7, 5))
    z_far = z + 10  # no point on a pole
    out = cauchy(v, z_far, w, backend="torch")
    expected = cauchy_reference(v, z_far, w)
    torch.testing.assert_close(out, expected)
    g = torch.randn_like(out)
    got = torch.autograd.grad(out, (v, z, w), g)
    want = torch.autograd.grad(expected, (v, z, w), g)
    for a, b in zip(got, want, strict=True):
        assert a.dtype == torch.float64
        torch.testing.assert_close(a, b)


def test_matrix_power_op_has_a_second_derivative():
    """Its backward op had no gradient: double backward raised 'no autograd formula was registered'."""
    torch.manual_seed(0)
    for dtype in (torch.float64, torch.complex128):
        A = (0.5 * torch.randn(2, 3, 3, dtype=dtype)).requires_grad_(True)
        assert torch.autograd.gradgradcheck(lambda A: matrix_power_op(A, 5), (A,), fast_mode=True)
