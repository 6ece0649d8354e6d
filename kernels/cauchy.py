"""Cauchy product for DPLR (S4) kernels.

    out[..., l] = sum_n v[..., n] / (z[..., l] - w[..., n])

``v`` and ``w`` are complex (..., N), ``z`` is complex (..., L); leading dimensions broadcast.

Paths:
- :func:`cauchy_reference`: materialises the (..., L, N) matrix; the specification.
- :func:`cauchy_torch`: processes L in chunks inside a custom autograd function whose backward
  is chunked too, so neither pass holds more than (..., chunk, N) at once.
- Triton (``ssm_ts.kernels.triton.cauchy``) on CUDA.

Gradients follow PyTorch's convention for holomorphic maps (grad_in = grad_out * conj(f')).
"""

from __future__ import annotations

import torch
from torch import Tensor

from ssm_ts.kernels.dispatch import resolve_backend

DEFAULT_CHUNK = 256


def cauchy_reference(v: Tensor, z: Tensor, w: Tensor) -> Tensor:
    """Plain definition. ``v``, ``w``: complex (..., N); ``z``: complex (..., L). Returns (..., L)."""
    return (v.unsqueeze(-2) / (z.unsqueeze(-1) - w.unsqueeze(-2))).sum(-1)


def _chunks(L: int, chunk: int) -> list[slice]:
    return [slice(start, min(start + chunk, L)) for start in range(0, L, chunk)]


def _unbroadcast(grad: Tensor, shape: torch.Size) -> Tensor:
    """Sum ``grad`` over the dimensions that were broadcast to reach it from ``shape``."""
    while grad.dim() > len(shape):
        grad = grad.sum(0)
    for dim, size in enumerate(shape):
        if size == 1 and grad.shape[dim] != 1:
            grad = grad.sum(dim, keepdim=True)
    return grad


class _ChunkedCauchy(torch.autograd.Function):
    @staticmethod
    def forward(ctx, v: Tensor, z: Tensor, w: Tensor, chunk: int) -> Tensor:
        ctx.save_for_backward(v, z, w)
        ctx.chunk = chunk
        v_, w_ = v.unsqueeze(-2), w.unsqueeze(-2)
        parts = [(v_ / (z[..., s].unsqueeze(-1) - w_)).sum(-1) for s in _chunks(z.shape[-1], chunk)]
        return torch.cat(parts, dim=-1)

    @staticmethod
    def backward(ctx, grad_out: Tensor):
        v, z, w = ctx.saved_tensors
        grad_out = grad_out.contiguous()
        v_, w_ = v.unsqueeze(-2), w.unsqueeze(-2)
        grad_v = grad_w = None
        grad_z_parts = []
        for s in _chunks(z.shape[-1], ctx.chunk):
            r = 1.0 / (z[..., s].unsqueeze(-1) - w_)  # (..., c, N)
            g = grad_out[..., s].unsqueeze(-1)  # (..., c, 1)
            gv = (g * r.conj()).sum(-2)
            vr2 = (v_ * r * r).conj()  # conj(d out / d w) = conj(v r^2)
            gw = (g * vr2).sum(-2)
            grad_v = gv if grad_v is None else grad_v + gv
            grad_w = gw if grad_w is None else grad_w + gw
            if ctx.needs_input_grad[1]:
                grad_z_parts.append(-(g * vr2).sum(-1))
        grad_z = torch.cat(grad_z_parts, dim=-1) if grad_z_parts else None
        return (
            _unbroadcast(grad_v, v.shape) if ctx.needs_input_grad[0] else None,
            _unbroadcast(grad_z, z.shape) if grad_z is not None else None,
            _unbroadcast(grad_w, w.shape) if ctx.needs_input_grad[2] else None,
            None,
        )


def cauchy_torch(v: Tensor, z: Tensor, w: Tensor, chunk: int = DEFAULT_CHUNK) -> Tensor:
    """Chunked Cauchy product with a chunked backward (see module docstring)."""
    return _ChunkedCauchy.apply(v, z, w, chunk)


def cauchy(v: Tensor, z: Tensor, w: Tensor, backend: str = "auto") -> Tensor:
    """out[..., l] = sum_n v[..., n] / (z[..., l] - w[..., n]).

    Args:
        v: complex (..., N) numerators.
        z: complex (..., L) evaluation points.
        w: complex (..., N) poles.
        backend: ``"auto"`` | ``"torch"`` | ``"triton"`` (see :mod:`ssm_ts.kernels.dispatch`).

    Returns:
        complex (..., L), differentiable with respect to all three inputs.
    """
    if resolve_backend(backend, v, z, w) == "triton":
        from ssm_ts.kernels.triton.cauchy import cauchy_triton

        return cauchy_triton(v, z, w)
    return cauchy_torch(v, z, w)
