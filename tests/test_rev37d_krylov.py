"""The Krylov op ``ssm_ts::krylov`` (a dense SSM's continued state while compiling) against its plain
definition: values and gradients, non-contiguous inputs, and double backward (gradient penalties)."""

from __future__ import annotations

import pytest
import torch

from ssm_ts.kernels.krylov import krylov_doubling, krylov_op, krylov_reference


def _inputs(dtype: torch.dtype, transposed: bool) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    A = 0.4 * torch.randn(2, 3, 3, dtype=dtype, generator=generator)
    b = torch.randn(2, 4, 3, dtype=dtype, generator=generator).transpose(0, 1)  # (4, H=2, N=3), strided
    return (A.transpose(-1, -2) if transposed else A), b  # state_response passes dA^T


@pytest.mark.parametrize("dtype", [torch.float64, torch.complex128])
@pytest.mark.parametrize("length", [0, 1, 5, 8, 9])  # empty, one column, around a power of two
@pytest.mark.parametrize("transposed", [False, True])
def test_krylov_op_and_doubling_match_the_reference(dtype, length, transposed):
    A, b = _inputs(dtype, transposed)
    want = krylov_reference(A, b, length)
    assert want.shape == (4, 2, 3, length)
    for path in (krylov_op, krylov_doubling):
        leaves = A.clone().requires_grad_(), b.clone().requires_grad_()
        reference_leaves = A.clone().requires_grad_(), b.clone().requires_grad_()
        got = path(*leaves, length)
        torch.testing.assert_close(got, want)
        weights = torch.randn(got.shape, dtype=dtype, generator=torch.Generator().manual_seed(1))
        grads = torch.autograd.grad((got * weights).real.sum(), leaves, allow_unused=True)
        wanted = torch.autograd.grad(
            (krylov_reference(*reference_leaves, length) * weights).real.sum(),
            reference_leaves,
            allow_unused=True,
        )
        for grad, expected, leaf in zip(grads, wanted, leaves, strict=True):
            expected = torch.zeros_like(leaf) if expected is None else expected
            torch.testing.assert_close(grad if grad is not None else torch.zeros_like(leaf), expected)


@pytest.mark.parametrize("dtype", [torch.float64, torch.complex128])
def test_krylov_op_double_backward(dtype):
    """A gradient penalty through the op: its gradient was an op without a gradient of its own
    ("Trying to backward through ssm_ts.krylov_backward.default but no autograd formula")."""
    A, b = _inputs(dtype, transposed=False)
    A, b = A.requires_grad_(), b.contiguous().requires_grad_()
    assert torch.autograd.gradgradcheck(lambda A, b: krylov_op(A, b, 6), (A, b))
