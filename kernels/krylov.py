"""Krylov columns ``[b, A b, A^2 b, ..., A^(L-1) b]`` whose count is a sequence length, traceable by
``torch.compile(dynamic=True)``.

:func:`krylov_doubling` builds them by doubling: log2(L) matrix products instead of L. Traced with a
symbolic length, its loop (``while columns < L``) made Dynamo guard on the power of two above L and on
whether L is that power, so a dense SSM's ``forward(state=..., return_state=True)`` compiled again at
33, 64, 65, 128, ... :func:`krylov` runs the loop directly in eager mode and, while compiling, as the
opaque op ``ssm_ts::krylov``, whose output shape ``(..., H, N, L)`` is all Dynamo needs.

Backward of the op: :func:`krylov_gradients`, the adjoint recurrence run by doubling too, from the
columns the forward returned (kept for the backward: they are its output, held anyway by whatever
reads them, so no memory on top; recomputing them made the op's forward+backward about a fifth slower).
:func:`krylov_reference` (L matrix-vector products) is the specification both are tested against.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor


def krylov_reference(A: Tensor, b: Tensor, L: int) -> Tensor:
    """Plain definition, one product per column: (..., H, N, L). ``A`` (H, N, N); ``b`` (..., H, N)."""
    columns = [b]
    for _ in range(L - 1):
        columns.append((A @ columns[-1].unsqueeze(-1)).squeeze(-1))
    return torch.stack(columns, dim=-1)[..., :L]


def krylov_doubling(A: Tensor, b: Tensor, L: int) -> Tensor:
    """``[b, A b, A^2 b, ...]`` stacked on the last axis: (..., H, N, L). ``A`` (H, N, N); ``b`` (..., H, N)."""
    columns = b.unsqueeze(-1)
    power = A
    while columns.shape[-1] < L:
        columns = torch.cat([columns, power @ columns], dim=-1)
        if columns.shape[-1] < L:  # the power after the last step would go unused
            power = power @ power
    return columns[..., :L]


@torch.library.custom_op("ssm_ts::krylov", mutates_args=())
def krylov_op(A: Tensor, b: Tensor, L: int) -> Tensor:
    """:func:`krylov_doubling` as one op (see module docstring): (..., H, N, L), contiguous."""
    return krylov_doubling(A, b, L).clone(memory_format=torch.contiguous_format)  # never a view of b


@krylov_op.register_fake
def _krylov_shape(A: Tensor, b: Tensor, L: int) -> Tensor:
    return b.new_empty(*b.shape, L)  # A and b share one dtype, as krylov_doubling needs


def krylov_gradients(
    A: Tensor, b: Tensor, L: int, grad: Tensor, columns: Tensor | None = None
) -> tuple[Tensor, Tensor]:
    """Gradients ``(A (H, N, N), b (..., H, N))`` of :func:`krylov_doubling` for ``grad`` (..., H, N, L),
    given its output ``columns`` (..., H, N, L) (recomputed when ``None``).

    With x_j = A^j b and M = A^H (PyTorch's complex convention), the adjoints
    lambda_j = G_j + M lambda_(j+1) give grad_b = lambda_0 and grad_A = sum_j lambda_(j+1) x_j^H. The
    lambdas are a reverse scan, run by doubling (after the step with M^d, lambda_j sums M^k G_(j+k)
    for k < 2d): log2(L) matrix products, as many as the forward."""
    if columns is None:
        columns = krylov_doubling(A, b, L)  # (..., H, N, L)
    adjoint = grad.to(columns.dtype)
    power = A.mH
    shift = 1
    while shift < L:
        adjoint = torch.cat(
            [adjoint[..., : L - shift] + power @ adjoint[..., shift:], adjoint[..., L - shift :]], -1
        )
        shift *= 2
        if shift < L:  # the power after the last step would go unused
            power = power @ power
    if L == 0:  # no columns: nothing depends on A or b
        return torch.zeros_like(A), torch.zeros_like(b)
    rows = (math.prod(b.shape[:-2]), *A.shape[-3:-1], L - 1)  # (batch, H, N, L - 1)
    later, earlier = adjoint[..., 1:].reshape(rows), columns[..., :-1].reshape(rows)
    grad_A = torch.einsum("bhnl,bhml->hnm", later, earlier.conj())
    grad_b = adjoint[..., 0]
    real = [g.real if g.is_complex() and not t.is_complex() else g for g, t in ((grad_A, A), (grad_b, b))]
    return real[0].to(A.dtype), real[1].to(b.dtype)


@torch.library.custom_op("ssm_ts::krylov_backward", mutates_args=())
def krylov_backward_op(A: Tensor, b: Tensor, L: int, grad: Tensor, columns: Tensor) -> tuple[Tensor, Tensor]:
    """:func:`krylov_gradients` as one op, from the forward's ``columns`` (..., H, N, L)."""
    grad_A, grad_b = krylov_gradients(A, b, L, grad, columns)
    return grad_A.clone(memory_format=torch.contiguous_format), grad_b.clone(
        memory_format=torch.contiguous_format
    )


@krylov_backward_op.register_fake
def _krylov_backward_shape(
    A: Tensor, b: Tensor, L: int, grad: Tensor, columns: Tensor
) -> tuple[Tensor, Tensor]:
    # contiguous like the op's outputs: A may be a transposed view (state_response passes dA^T)
    return torch.empty_like(A, memory_format=torch.contiguous_format), torch.empty_like(
        b, memory_format=torch.contiguous_format
    )


def _setup_context(ctx, inputs: tuple[Tensor, Tensor, int], output: Tensor) -> None:
    A, b, ctx.L = inputs
    ctx.save_for_backward(A, b, output)  # the columns: the adjoint needs them, not recomputed


def _backward(ctx, grad: Tensor) -> tuple[Tensor, Tensor, None]:
    A, b, columns = ctx.saved_tensors
    if torch.is_grad_enabled() and not torch.compiler.is_compiling():
        # create_graph (double backward): the backward op has no gradient of its own ("no autograd
        # formula was registered"), the same adjoint in plain ops has one (as ssm_ts::matrix_power);
        # the saved columns lead back through this op, so their own gradient is counted.
        return *krylov_gradients(A, b, ctx.L, grad, columns), None
    grad_A, grad_b = krylov_backward_op(A, b, ctx.L, grad.contiguous(), columns)
    return grad_A, grad_b, None


krylov_op.register_autograd(_backward, setup_context=_setup_context)


def krylov(A: Tensor, b: Tensor, L: int) -> Tensor:
    """``[b, A b, A^2 b, ...]`` (..., H, N, L): :func:`krylov_doubling` in eager mode, the op
    ``ssm_ts::krylov`` while ``torch.compile`` traces (one graph for every ``L``)."""
    if torch.compiler.is_compiling():
        return krylov_op(A, b, L)
    return krylov_doubling(A, b, L)
