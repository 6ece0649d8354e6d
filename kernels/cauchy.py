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

import math

import torch
from torch import Tensor

from ssm_ts.errors import ConfigError
from ssm_ts.kernels.dispatch import resolve_backend

DEFAULT_CHUNK = 256


def cauchy_reference(v: Tensor, z: Tensor, w: Tensor) -> Tensor:
    """Plain definition. ``v``, ``w``: complex (..., N); ``z``: complex (..., L). Returns (..., L)."""
    return (v.unsqueeze(-2) / (z.unsqueeze(-1) - w.unsqueeze(-2))).sum(-1)


def _chunks(L: int, chunk: int) -> list[slice]:
    return [slice(start, min(start + chunk, L)) for start in range(0, L, chunk)]


def chunked_cauchy_forward(v: Tensor, z: Tensor, w: Tensor, chunk: int) -> Tensor:
    """Canonical shapes: ``v`` (K, B, N) numerators sharing poles ``w`` (B, N) and points ``z`` (B, L).
    Returns (K, B, L).

    Per chunk of L the reciprocal matrix R = 1 / (z - w) (B, c, N) is built once and every product
    (forward and all three gradients) is a batched matmul against it.
    """
    rhs = v.permute(1, 2, 0)  # (B, N, K)
    parts = [(1.0 / (z[:, s, None] - w[:, None, :])) @ rhs for s in _chunks(z.shape[-1], chunk)]
    return torch.cat(parts, dim=1).permute(2, 0, 1)  # (K, B, L)


def _conj(x: Tensor) -> Tensor:
    """A materialised conjugate: ``conj_physical`` has no vmap batching rule (per-sample gradients
    warned of a slow fallback), and lazy conjugate views misbehave inside traced graphs (below).

    A real tensor is its own conjugate: ``x.imag`` raised for it, so the backward of a product of
    real inputs (which the forward and the Triton path take) failed."""
    return torch.complex(x.real, -x.imag) if x.is_complex() else x


def chunked_cauchy_backward(
    grad_out: Tensor, v: Tensor, z: Tensor, w: Tensor, chunk: int, need_grad_z: bool
) -> tuple[Tensor, Tensor | None, Tensor]:
    """Gradients (v (K, B, N), z (B, L) or None, w (B, N)) of :func:`chunked_cauchy_forward`.

    Conjugates that enter elementwise products are materialised (all on the small side): inside a
    traced graph (the op below), such products of lazy conjugate views came out unconjugated.
    Matrix products take them lazily (a BLAS flag).
    """
    g = grad_out.contiguous().permute(1, 2, 0)  # (B, L, K)
    v_conj = _conj(v).permute(1, 2, 0)  # (B, N, K)
    grad_v = torch.zeros_like(v_conj)
    grad_w_k = torch.zeros_like(v_conj)
    grad_z_parts = []
    v_k = v.permute(1, 2, 0)  # (B, N, K)
    for s in _chunks(z.shape[-1], chunk):
        # Built already transposed (B, N, c) so the matmuls need no copies.
        r_t = 1.0 / (z[:, None, s] - w[:, :, None])
        gc_conj = g[:, s].conj()  # (B, c, K): conjugate the small side, never the big matrix
        # Out of place: under vmap (per-sample gradients) g is batched and v, w are not
        grad_v = grad_v + r_t @ gc_conj
        r2_t = r_t * r_t
        grad_w_k = grad_w_k + r2_t @ gc_conj
        if need_grad_z:
            gc_physical = _conj(g[:, s])  # for the elementwise product
            grad_z_parts.append(-_conj(((r2_t.transpose(-1, -2) @ v_k) * gc_physical).sum(-1)))
    grad_z = torch.cat(grad_z_parts, dim=1) if grad_z_parts else None
    grad_w = (_conj(grad_w_k) * v_conj).sum(-1)
    return _conj(grad_v).permute(2, 0, 1), grad_z, grad_w


# The chunk loops as opaque ops for torch.compile: traced inline, ``range(0, L, chunk)`` made Dynamo
# guard on the number of chunks, so ``dynamic=True`` recompiled S4 for every length.
@torch.library.custom_op("ssm_ts::chunked_cauchy", mutates_args=())
def chunked_cauchy_op(v: Tensor, z: Tensor, w: Tensor, chunk: int) -> Tensor:
    """:func:`chunked_cauchy_forward` as one op: (K, B, L), contiguous."""
    return chunked_cauchy_forward(v, z, w, chunk).contiguous()


@chunked_cauchy_op.register_fake
def _chunked_cauchy_shape(v: Tensor, z: Tensor, w: Tensor, chunk: int) -> Tensor:
    return v.new_empty(v.shape[0], v.shape[1], z.shape[-1])


@torch.library.custom_op("ssm_ts::chunked_cauchy_backward", mutates_args=())
def chunked_cauchy_backward_op(
    grad_out: Tensor, v: Tensor, z: Tensor, w: Tensor, chunk: int, need_grad_z: bool
) -> tuple[Tensor, Tensor, Tensor]:
    """:func:`chunked_cauchy_backward` as one op; without ``need_grad_z`` the z gradient is (B, 0)."""
    grad_v, grad_z, grad_w = chunked_cauchy_backward(grad_out, v, z, w, chunk, need_grad_z)
    if grad_z is None:
        grad_z = z.new_empty(z.shape[0], 0)
    return grad_v.contiguous(), grad_z, grad_w


@chunked_cauchy_backward_op.register_fake
def _chunked_cauchy_backward_shape(
    grad_out: Tensor, v: Tensor, z: Tensor, w: Tensor, chunk: int, need_grad_z: bool
) -> tuple[Tensor, Tensor, Tensor]:
    grad_z = torch.empty_like(z) if need_grad_z else z.new_empty(z.shape[0], 0)
    return torch.empty_like(v), grad_z, torch.empty_like(w)


def _cauchy_op_setup(ctx, inputs: tuple[Tensor, Tensor, Tensor, int], output: Tensor) -> None:
    v, z, w, chunk = inputs
    ctx.save_for_backward(v, z, w)
    ctx.chunk = chunk


def _cauchy_op_backward(ctx, grad_out: Tensor) -> tuple[Tensor, Tensor | None, Tensor, None]:
    v, z, w = ctx.saved_tensors
    need_grad_z = ctx.needs_input_grad[1]
    grad_v, grad_z, grad_w = chunked_cauchy_backward_op(grad_out, v, z, w, ctx.chunk, need_grad_z)
    return grad_v, grad_z if need_grad_z else None, grad_w, None


# The op's own gradient, for graphs that call it directly: a torch.jit.trace records it (see cauchy_torch).
chunked_cauchy_op.register_autograd(_cauchy_op_backward, setup_context=_cauchy_op_setup)


class _ChunkedCauchy(torch.autograd.Function):
    """:func:`chunked_cauchy_forward` with its chunked backward (the ops while compiling).

    In the ``setup_context`` form with a generated vmap rule, so ``torch.func`` transforms (``vmap``,
    ``grad``, ``jacrev``) go through S4 kernels: the old ``forward(ctx, ...)`` form refused them all."""

    generate_vmap_rule = True

    @staticmethod
    def forward(v: Tensor, z: Tensor, w: Tensor, chunk: int) -> Tensor:
        if torch.compiler.is_compiling():
            return chunked_cauchy_op(v, z, w, chunk)
        return chunked_cauchy_forward(v, z, w, chunk)

    @staticmethod
    def setup_context(ctx, inputs: tuple[Tensor, Tensor, Tensor, int], output: Tensor) -> None:
        v, z, w, chunk = inputs
        ctx.save_for_backward(v, z, w)
        ctx.chunk = chunk

    @staticmethod
    def backward(ctx, grad_out: Tensor):
        v, z, w = ctx.saved_tensors
        need_grad_z = ctx.needs_input_grad[1]
        if not torch.compiler.is_compiling():
            return *chunked_cauchy_backward(grad_out, v, z, w, ctx.chunk, need_grad_z), None
        return _cauchy_op_backward(ctx, grad_out)


def check_cauchy_inputs(v: Tensor, z: Tensor, w: Tensor) -> None:
    """Raise :class:`ConfigError` naming the shapes when ``v`` (..., N), ``z`` (..., L), ``w`` (..., N) do not fit."""
    shapes = f"v {tuple(v.shape)}, z {tuple(z.shape)}, w {tuple(w.shape)}"
    if min(v.dim(), z.dim(), w.dim()) < 1:
        raise ConfigError(f"cauchy: v, z and w need a last axis (N, L, N), got {shapes}")
    if v.shape[-1] != w.shape[-1]:
        raise ConfigError(
            f"cauchy: v {tuple(v.shape)} and w {tuple(w.shape)} must have the same last size N "
            "(one numerator per pole)"
        )
    try:
        torch.broadcast_shapes(v.shape[:-1], z.shape[:-1], w.shape[:-1])
    except RuntimeError:
        raise ConfigError(f"cauchy: the leading dimensions of {shapes} do not broadcast") from None


def canonical_cauchy_inputs(v: Tensor, z: Tensor, w: Tensor) -> tuple[Tensor, Tensor, Tensor, torch.Size]:
    """Broadcast to ``v`` (K, B, N), ``z`` (B, L), ``w`` (B, N) in one dtype, plus the output shape.

    Leading dimensions of ``v`` beyond those of ``z`` and ``w`` become K: numerators that share
    their denominators.
    """
    N, L = v.shape[-1], z.shape[-1]
    batch_zw = torch.broadcast_shapes(z.shape[:-1], w.shape[:-1])
    full = torch.broadcast_shapes(v.shape[:-1], batch_zw)
    batch = full[len(full) - len(batch_zw) :] if batch_zw else torch.Size()
    extra = full[: len(full) - len(batch)]
    v3 = v.expand(*full, N).reshape(math.prod(extra), math.prod(batch), N)
    z2 = z.expand(*batch, L).reshape(math.prod(batch), L)  # not -1: ambiguous when L == 0
    w2 = w.expand(*batch, N).reshape(math.prod(batch), N)
    dtype = torch.promote_types(torch.promote_types(v.dtype, z.dtype), w.dtype)
    return v3.to(dtype), z2.to(dtype), w2.to(dtype), torch.Size([*full, L])


def cauchy_torch(v: Tensor, z: Tensor, w: Tensor, chunk: int = DEFAULT_CHUNK) -> Tensor:
    """Chunked GEMM Cauchy product with a chunked backward (see module docstring).

    Leading dimensions of ``v`` beyond those of ``z`` and ``w`` share their denominators, so the
    S4 kernel's four Woodbury products cost one reciprocal matrix per chunk.
    """
    v3, z2, w2, out_shape = canonical_cauchy_inputs(v, z, w)
    if torch.jit.is_tracing():
        # The op itself: a trace records an autograd.Function as a Python call, which torch.jit.save
        # refuses ("Could not export Python function call '_ChunkedCauchy'"), so a traced S4 could not
        # be saved. The op is one graph node that chunks at run time, so the saved trace runs at any L.
        return chunked_cauchy_op(v3, z2, w2, chunk).reshape(out_shape)
    return _ChunkedCauchy.apply(v3, z2, w2, chunk).reshape(out_shape)


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
    check_cauchy_inputs(v, z, w)
    backend = resolve_backend(backend, v, z, w)
    if z.shape[-1] == 0:  # no points: the definition gives an empty result that keeps the graph
        return cauchy_reference(v, z, w)
    if backend == "triton":
        from ssm_ts.kernels.triton.cauchy import cauchy_triton

        return cauchy_triton(v, z, w)
    return cauchy_torch(v, z, w)
