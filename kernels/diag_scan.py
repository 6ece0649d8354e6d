"""Diagonal linear recurrence over time with time-varying coefficients:

    h_t = a_t * h_{t-1} + b_t,    t = 0 .. L-1,    h_{-1} = h0 (zeros if None)

``a`` and ``b`` are (B, L, D), real or complex (a real ``a`` with a complex ``b`` is promoted);
``h0`` is (B, D). Returns every state ``h`` (B, L, D). This is the scan of S5, LRU and Mamba-style
selective SSMs (where ``a_t = exp(dt_t A)`` depends on the input).

Paths:
- :func:`diag_scan_reference`: a Python loop over t; the specification.
- :func:`diag_scan_torch`: chunks of T ~ sqrt(L) steps: all chunks scanned at once from zero
  (T vectorised steps, also accumulating A_cum = prod a), the L/T chunk totals scanned for the
  carries, then one fix-up h = A_cum * carry + h_local: about 2 sqrt(L) Python steps, not L, and
  ~3 passes over the data. Its backward is the reverse scan (below), not autograd through it.
  Under ``torch.compile`` it runs as the opaque op ``ssm_ts::chunked_scan`` (one graph for all lengths).
- Triton (``ssm_ts.kernels.triton.diag_scan``): one program per (batch, block of D) walks time in
  chunks of BLOCK_T, scanning each chunk with ``tl.associative_scan`` and carrying the last state.

Backward (both fast paths): with g_t = dLoss/dh_t, the adjoint
    delta_t = g_t + conj(a_{t+1}) delta_{t+1}     (a reverse scan)
gives grad_b = delta, grad_a = delta * conj(h_{t-1}), grad_h0 = conj(a_0) delta_0 (PyTorch's
complex-gradient convention; conj is a no-op for real tensors).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from ssm_ts.errors import ConfigError
from ssm_ts.kernels.dispatch import resolve_backend


def check_diag_scan_shapes(a: Tensor, b: Tensor, h0: Tensor | None) -> None:
    """Raise :class:`ConfigError` naming the argument whose shape does not fit."""
    if b.dim() != 3:
        raise ConfigError(f"diag_scan: b must be (B, L, D), got shape {tuple(b.shape)}")
    if tuple(a.shape) != tuple(b.shape):
        raise ConfigError(
            f"diag_scan: a must have b's shape (B, L, D) = {tuple(b.shape)}, got {tuple(a.shape)}"
        )
    if h0 is not None and tuple(h0.shape) != (b.shape[0], b.shape[2]):
        raise ConfigError(
            f"diag_scan: h0 must be (B, D) = {(b.shape[0], b.shape[2])} or None, got {tuple(h0.shape)}"
        )


def promoted_dtype(a: Tensor, b: Tensor, h0: Tensor | None) -> torch.dtype:
    """The dtype of the scan's states: ``a``, ``b`` and ``h0`` promoted together."""
    dtype = torch.promote_types(a.dtype, b.dtype)
    return dtype if h0 is None else torch.promote_types(dtype, h0.dtype)


def working_dtype(dtype: torch.dtype) -> torch.dtype:
    """The dtype a fast scan computes in for states of ``dtype``: float32 for half precisions.

    A recurrence rounded to bfloat16 at every step drifts (5% off the exact scan of the same inputs
    after 8k steps, against 0.4% for one rounding at the end); the Triton path computed in float32
    already, so the two paths gave different states. The result is returned in ``dtype``."""
    if dtype in (torch.float16, torch.bfloat16):
        return torch.float32
    return torch.complex64 if dtype == torch.complex32 else dtype


def diag_scan_reference(a: Tensor, b: Tensor, h0: Tensor | None = None) -> Tensor:
    """Plain definition: a loop over time. ``a``, ``b``: (B, L, D); ``h0``: (B, D). Returns (B, L, D)."""
    dtype = promoted_dtype(a, b, h0)
    h = torch.zeros(b.shape[0], b.shape[2], dtype=dtype, device=b.device) if h0 is None else h0.to(dtype)
    states = []
    for a_t, b_t in zip(a.unbind(1), b.unbind(1), strict=True):  # unbind: one stack in backward
        h = a_t * h + b_t
        states.append(h)
    return torch.stack(states, dim=1) if states else h.unsqueeze(1)[:, :0]  # L = 0: no states


def _sequential_scan(a: Tensor, b: Tensor, h: Tensor | None) -> tuple[Tensor, Tensor]:
    """Scan along dim 0 of ``a``, ``b`` (T, ...) from ``h`` (or zeros): (prod a, states), both (T, ...).

    A loop over the T steps, each one vectorised over everything else.
    """
    # Contiguous (the chunk totals come in transposed): torch.compile refuses out= on strided views.
    a_cum = torch.empty_like(a, memory_format=torch.contiguous_format)
    states = torch.empty_like(b, memory_format=torch.contiguous_format)
    a_cum[0], states[0] = a[0], b[0] if h is None else torch.addcmul(b[0], a[0], h)
    for t in range(1, a.shape[0]):
        torch.mul(a[t], a_cum[t - 1], out=a_cum[t])
        torch.addcmul(b[t], a[t], states[t - 1], out=states[t])
    return a_cum, states


def chunked_scan(a: Tensor, b: Tensor, h0: Tensor | None, chunk: int | None = None) -> Tensor:
    """Forward values of the chunked scan (see module docstring); no autograd graph.

    Time is cut into n chunks of T ~ sqrt(L) steps: (1) every chunk is scanned from a zero state
    at once (T steps, each vectorised over batch, chunks and channels), (2) the n chunk totals are
    scanned to give each chunk's incoming state, (3) h = A_cum * carry + h_local in one pass.
    About sqrt(L) + L / sqrt(L) Python steps instead of L.
    """
    B, L, D = b.shape
    if L == 0:  # no steps: no states (the chunk-total scan below needs at least one chunk)
        return b.new_zeros(B, 0, D)
    T = max(1, min(chunk or math.ceil(math.sqrt(L)), L))
    n = -(-L // T)
    pad = n * T - L
    if pad:  # identity elements (a = 1, b = 0) leave the carry unchanged
        a = torch.cat([a, a.new_ones(B, pad, D)], 1)
        b = torch.cat([b, b.new_zeros(B, pad, D)], 1)
    # (T, B, n, D): step-major, so each of the T steps is one contiguous slice.
    a_steps = a.reshape(B, n, T, D).permute(2, 0, 1, 3).contiguous()
    b_steps = b.reshape(B, n, T, D).permute(2, 0, 1, 3).contiguous()
    a_cum, h_local = _sequential_scan(a_steps, b_steps, None)
    # Carry into chunk k: the state after chunk k-1, from a scan over the chunk totals.
    _, ends = _sequential_scan(a_cum[-1].transpose(0, 1), h_local[-1].transpose(0, 1), h0)  # (n, B, D)
    first = torch.zeros_like(ends[:1]) if h0 is None else h0.unsqueeze(0)
    carry = torch.cat([first, ends[:-1]], 0).transpose(0, 1)  # (B, n, D)
    h = torch.addcmul(h_local, a_cum, carry)  # (T, B, n, D)
    return h.permute(1, 2, 0, 3).reshape(B, n * T, D)[:, :L]


@torch.library.custom_op("ssm_ts::chunked_scan", mutates_args=())
def chunked_scan_op(a: Tensor, b: Tensor, h0: Tensor | None, chunk: int | None = None) -> Tensor:
    """:func:`chunked_scan` as one opaque op, for ``torch.compile``: (B, L, D) contiguous states.

    Traced inline, the chunked scan's Python loops (T ~ sqrt(L) steps, then L/T chunk totals) make
    Dynamo unroll them and guard on their counts, so ``dynamic=True`` recompiled for every length.
    As an op it is one graph node whose output shape (that of ``b``) is all Dynamo needs; the loops
    run eagerly, at the real length. ``a``, ``b``, ``h0`` must already share one dtype.
    """
    return chunked_scan(a, b, h0, chunk).contiguous()


@chunked_scan_op.register_fake
def _chunked_scan_shape(a: Tensor, b: Tensor, h0: Tensor | None, chunk: int | None = None) -> Tensor:
    return torch.empty(b.shape, dtype=b.dtype, device=b.device)


def _chunked_scan_values(a: Tensor, b: Tensor, h0: Tensor | None, chunk: int | None = None) -> Tensor:
    """The chunked scan's forward values: the opaque op while compiling, the plain function otherwise
    (no op dispatch on the eager path)."""
    scan = chunked_scan_op if torch.compiler.is_compiling() else chunked_scan
    return scan(a, b, h0, chunk)


def scan_backward(
    a: Tensor, h: Tensor, h0: Tensor | None, grad_h: Tensor, reverse_scan
) -> tuple[Tensor, Tensor, Tensor | None]:
    """Gradients (a, b, h0) of the scan from the adjoint reverse scan (see module docstring).

    ``reverse_scan(coeff, g)`` must return delta with delta_t = g_t + coeff_t delta_{t+1}, where
    ``coeff_t = conj(a_{t+1})`` (0 at t = L-1) is formed here.
    """
    a_conj = a.conj()
    coeff = torch.cat([a_conj[:, 1:], torch.zeros_like(a_conj[:, :1])], 1)
    delta = reverse_scan(coeff, grad_h)
    h_prev = torch.cat(
        [torch.zeros_like(h[:, :1]) if h0 is None else h0.unsqueeze(1).to(h.dtype), h[:, :-1]], 1
    )
    grad_a = delta * h_prev.conj()
    grad_h0 = None
    if h0 is not None:
        # No steps (L = 0): no state depends on h0, and there is no a_0 to index.
        grad_h0 = a_conj[:, 0] * delta[:, 0] if h.shape[1] else torch.zeros_like(h0, dtype=h.dtype)
    return grad_a, delta, grad_h0


def _reverse_chunked(coeff: Tensor, g: Tensor) -> Tensor:
    return _chunked_scan_values(coeff.flip(1), g.flip(1), None).flip(1)


def cast_gradient(grad: Tensor | None, like: Tensor | None) -> Tensor | None:
    """A gradient in the dtype of its input (real inputs get the real part)."""
    if grad is None or like is None:
        return None
    if grad.is_complex() and not like.is_complex():
        grad = grad.real
    return grad.to(like.dtype)


def _scan_in_working_dtype(a: Tensor, b: Tensor, h0: Tensor | None, chunk: int | None, scan) -> Tensor:
    """``scan(a, b, h0, chunk)`` run in the working dtype of the promoted inputs, returned in the promoted one."""
    dtype = promoted_dtype(a, b, h0)
    work = working_dtype(dtype)
    a_c, h0_c = a.to(work), None if h0 is None else h0.to(work)
    h = scan(a_c, b.to(work), h0_c, chunk)
    # Only a real cast: a no-op .to() returned an alias that AOT autograd (torch.compile) then
    # saved as another tensor for the backward, whose gradients came out wrong.
    return h if work == dtype else h.to(dtype)


def _scan_op_setup(ctx, inputs: tuple, output: Tensor) -> None:
    a, _, h0, _ = inputs
    ctx.save_for_backward(a, h0, output)


def _scan_op_backward(ctx, grad_h: Tensor) -> tuple[Tensor, Tensor, Tensor | None, None]:
    a, h0, h = ctx.saved_tensors
    grad_a, grad_b, grad_h0 = scan_backward(a, h, h0, grad_h.contiguous(), _reverse_chunked)
    return grad_a, grad_b, grad_h0, None


# The op's own gradient (its inputs share one working dtype), for graphs that call it directly: a
# torch.jit.trace records it (see diag_scan_torch).
chunked_scan_op.register_autograd(_scan_op_backward, setup_context=_scan_op_setup)


class _ChunkedScan(torch.autograd.Function):
    """The chunked scan with its reverse-scan backward.

    In the ``setup_context`` form, with a vmap rule that folds the vmapped axis into the batch axis
    (the rows are independent), so ``torch.func`` transforms go through it: the old
    ``forward(ctx, ...)`` form refused ``vmap`` and ``grad`` of every scan SSM."""

    @staticmethod
    def forward(a: Tensor, b: Tensor, h0: Tensor | None, chunk: int | None) -> Tensor:
        return _scan_in_working_dtype(a, b, h0, chunk, _chunked_scan_values)

    @staticmethod
    def setup_context(ctx, inputs: tuple, output: Tensor) -> None:
        a, b, h0, _ = inputs
        ctx.save_for_backward(a, b, h0, output)

    @staticmethod
    def vmap(info, in_dims: tuple, a: Tensor, b: Tensor, h0: Tensor | None, chunk: int | None):
        def folded(t: Tensor, dim: int | None, shape: tuple[int, ...]) -> Tensor:
            # (V, B, ...) -> (V * B, ...); an input without the vmapped axis is repeated along it
            t = t.expand(info.batch_size, *shape) if dim is None else t.movedim(dim, 0)
            return t.reshape(-1, *shape[1:])

        V, (B, L, D) = info.batch_size, (a if in_dims[0] is None else a.movedim(in_dims[0], 0)[0]).shape
        h = _ChunkedScan.apply(
            folded(a, in_dims[0], (B, L, D)),
            folded(b, in_dims[1], (B, L, D)),
            None if h0 is None else folded(h0, in_dims[2], (B, D)),
            chunk,
        )
        return h.reshape(V, B, L, D), 0

    @staticmethod
    def backward(ctx, grad_h: Tensor):
        a, b, h0, h = ctx.saved_tensors
        # With create_graph (double backward) the reverse scan is this Function again, so it has a
        # gradient itself; the out= writes of the plain chunked scan have none.
        reverse = _reverse_differentiable if torch.is_grad_enabled() else _reverse_chunked
        work = working_dtype(h.dtype)  # the adjoint scan is a recurrence too
        grad_a, grad_b, grad_h0 = scan_backward(
            a.to(work), h.to(work), h0, grad_h.contiguous().to(work), reverse
        )
        return cast_gradient(grad_a, a), cast_gradient(grad_b, b), cast_gradient(grad_h0, h0), None


def _reverse_differentiable(coeff: Tensor, g: Tensor) -> Tensor:
    return _ChunkedScan.apply(coeff.flip(1), g.flip(1), None, None).flip(1)


def diag_scan_torch(a: Tensor, b: Tensor, h0: Tensor | None = None, chunk: int | None = None) -> Tensor:
    """Chunked log-depth PyTorch scan with a reverse-scan backward. Shapes as :func:`diag_scan`."""
    if torch.jit.is_tracing():
        # The op itself: a trace records an autograd.Function as a Python call, which torch.jit.save
        # refuses ("Could not export Python function call '_ChunkedScan'"), so a traced scan SSM could
        # not be saved. The op is one graph node that chunks at run time, so the saved trace runs at any L.
        return _scan_in_working_dtype(a, b, h0, chunk, chunked_scan_op)
    return _ChunkedScan.apply(a, b, h0, chunk)


def diag_scan(a: Tensor, b: Tensor, h0: Tensor | None = None, backend: str = "auto") -> Tensor:
    """All states of h_t = a_t h_{t-1} + b_t.

    Args:
        a: (B, L, D) real or complex decay per step.
        b: (B, L, D) real or complex input per step.
        h0: (B, D) initial state, or None for zeros.
        backend: ``"auto"`` | ``"torch"`` | ``"triton"`` (see :mod:`ssm_ts.kernels.dispatch`).

    Returns:
        (B, L, D) states in the promoted dtype of the inputs; differentiable in a, b and h0.
    """
    check_diag_scan_shapes(a, b, h0)
    tensors = [t for t in (a, b, h0) if t is not None]
    if resolve_backend(backend, *tensors) == "triton":
        from ssm_ts.kernels.triton.diag_scan import diag_scan_triton

        return diag_scan_triton(a, b, h0)
    return diag_scan_torch(a, b, h0)
