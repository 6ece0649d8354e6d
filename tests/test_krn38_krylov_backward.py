"""The Krylov op's backward reads the columns its forward returned instead of recomputing them (a
SpaceTime step compiled with ``torch.compile`` spent about a third of the op's forward+backward
redoing the forward); its gradients are unchanged: the reference's, in float64, complex, compiled
and in double backward."""

from __future__ import annotations

import pytest
import torch

from ssm_ts.kernels import krylov as krylov_module
from ssm_ts.kernels.krylov import krylov, krylov_op, krylov_reference
from tests.call_counts import counted_calls


def _inputs(dtype: torch.dtype, batch: tuple[int, ...] = (3,)) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    A = 0.4 * torch.randn(2, 4, 4, dtype=dtype, generator=generator)
    b = torch.randn(*batch, 2, 4, dtype=dtype, generator=generator)
    return A.requires_grad_(), b.requires_grad_()


def _reference_gradients(A, b, L, weights):
    leaves = A.detach().clone().requires_grad_(), b.detach().clone().requires_grad_()
    return torch.autograd.grad((krylov_reference(*leaves, L) * weights).real.sum(), leaves)


def test_backward_does_not_recompute_the_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = counted_calls(monkeypatch, krylov_module, "krylov_doubling")
    A, b = _inputs(torch.float64)
    columns = krylov_op(A, b, 9)
    assert len(calls) == 1
    weights = torch.randn(columns.shape, dtype=torch.float64)
    grads = torch.autograd.grad((columns * weights).sum(), (A, b))
    assert len(calls) == 1  # the old backward ran the forward again
    for got, want in zip(grads, _reference_gradients(A, b, 9, weights), strict=True):
        torch.testing.assert_close(got, want)


@pytest.mark.parametrize("dtype", [torch.float64, torch.complex128])
@pytest.mark.parametrize("length", [1, 2, 7, 8, 9])
def test_gradcheck_with_the_saved_columns(dtype: torch.dtype, length: int) -> None:
    A, b = _inputs(dtype)
    assert torch.autograd.gradcheck(lambda A, b: krylov_op(A, b, length), (A, b))


def test_double_backward_through_the_saved_columns() -> None:
    """A gradient penalty: the saved columns are the op's output, their gradient leads back through it."""
    A, b = _inputs(torch.float64, batch=())
    assert torch.autograd.gradgradcheck(lambda A, b: krylov_op(A, b, 5), (A, b))


def test_compiled_forward_and_backward_match_the_reference() -> None:
    """Compiled, the backward is the op ``ssm_ts::krylov_backward`` taking the saved columns."""
    torch._dynamo.reset()
    A, b = _inputs(torch.float64)
    compiled = torch.compile(lambda A, b: krylov(A, b, 6), backend="aot_eager", fullgraph=True)
    columns = compiled(A, b)
    weights = torch.randn(columns.shape, dtype=torch.float64)
    torch.testing.assert_close(columns, krylov_reference(A.detach(), b.detach(), 6))
    grads = torch.autograd.grad((columns * weights).sum(), (A, b))
    for got, want in zip(grads, _reference_gradients(A, b, 6, weights), strict=True):
        torch.testing.assert_close(got, want)
