"""Matrix powers ``A^n`` whose exponent is a sequence length, traceable by ``torch.compile(dynamic=True)``.

``torch.linalg.matrix_power(A, n)`` squares in a loop over the bits of ``n``; traced with a
symbolic length, Dynamo guards on the exact ``n`` and so recompiles for every new length (S4's
``C (I - dA^L)``). :func:`matrix_power` calls it directly in eager mode and, while compiling,
through the opaque op ``ssm_ts::matrix_power``, whose shape is that of ``A`` whatever ``n`` is.

Backward: with G = dLoss/d(A^n) and X = A^H (PyTorch's complex convention),
    grad_A = S(n) = sum_{k=0}^{n-1} X^k G X^(n-1-k),
computed over the bits of n from S(2m) = S(m) X^m + X^m S(m) and S(m+1) = S(m) X + X^m G: about
5 log2(n) matrix products.
"""

from __future__ import annotations

import torch
from torch import Tensor


@torch.library.custom_op("ssm_ts::matrix_power", mutates_args=())
def matrix_power_op(A: Tensor, n: int) -> Tensor:
    """``A^n`` for ``A`` (..., M, M) and ``n >= 0`` as one op (see module docstring). Returns (..., M, M)."""
    return torch.linalg.matrix_power(A, n).clone()


@matrix_power_op.register_fake
def _matrix_power_shape(A: Tensor, n: int) -> Tensor:
    return torch.empty_like(A, memory_format=torch.contiguous_format)


def power_gradient(A: Tensor, n: int, grad: Tensor) -> Tensor:
    """Gradient of ``A^n`` with respect to ``A`` (..., M, M), given ``grad`` (..., M, M) of the power:
    the sum S(n) of the module docstring, in plain (differentiable) tensor ops."""
    X = A.mH
    power = torch.eye(A.shape[-1], dtype=A.dtype, device=A.device).expand_as(A)  # X^m, m = 0
    total = torch.zeros_like(grad)  # S(m)
    for bit in bin(n)[2:]:  # most significant first: m -> 2m (+ 1)
        total = total @ power + power @ total
        power = power @ power
        if bit == "1":
            total = total @ X + power @ grad
            power = power @ X
    return total


@torch.library.custom_op("ssm_ts::matrix_power_backward", mutates_args=())
def matrix_power_backward(A: Tensor, n: int, grad: Tensor) -> Tensor:
    """:func:`power_gradient` as one op (a graph node whose shape is that of ``A`` whatever ``n`` is)."""
    return power_gradient(A, n, grad)


@matrix_power_backward.register_fake
def _matrix_power_backward_shape(A: Tensor, n: int, grad: Tensor) -> Tensor:
    return torch.empty_like(A, memory_format=torch.contiguous_format)


def _setup_context(ctx, inputs: tuple[Tensor, int], output: Tensor) -> None:
    A, ctx.n = inputs
    ctx.save_for_backward(A)


def _backward(ctx, grad: Tensor) -> tuple[Tensor, None]:
    (A,) = ctx.saved_tensors
    if torch.is_grad_enabled() and not torch.compiler.is_compiling():
        # create_graph (double backward): the backward op has no gradient of its own ("no autograd
        # formula was registered"), the same sum in plain ops has one.
        return power_gradient(A, ctx.n, grad), None
    return matrix_power_backward(A, ctx.n, grad), None


matrix_power_op.register_autograd(_backward, setup_context=_setup_context)


def matrix_power(A: Tensor, n: int) -> Tensor:
    """``A^n`` for ``A`` (..., M, M), ``n >= 0``: ``torch.linalg.matrix_power`` in eager mode, the op
    ``ssm_ts::matrix_power`` while ``torch.compile`` traces (one graph for every ``n``)."""
    if torch.compiler.is_compiling():
        return matrix_power_op(A, n)
    return torch.linalg.matrix_power(A, n)
