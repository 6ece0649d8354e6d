"""Triton kernels for :func:`ssm_ts.kernels.diag_scan`: h_t = a_t h_{t-1} + b_t over time.

One program owns one batch element and BLOCK_D channels and walks time in chunks of BLOCK_T:
each chunk is scanned in parallel with ``tl.associative_scan`` over the pairs (a, b) under
(a1, b1) o (a2, b2) = (a1 a2, a2 b1 + b2), then the carry (the state after the previous chunk)
enters as h = A_cum * carry + B_cum, and the chunk's last state becomes the next carry. Real and
complex (interleaved real/imaginary) variants; REVERSE walks time backwards, which is the
adjoint scan of the backward pass (see :mod:`ssm_ts.kernels.diag_scan`).

Offsets (see :mod:`ssm_ts.kernels.triton.common`): the start of each time step, (pb L + t) D W, is
int64 (one (BLOCK_T,) vector per chunk), because B L D W passes 2^31 floats at sizes that fit on
one GPU (B=16, L=16384, D=8192: 2^31 real elements, 8.6 GB in float32). The channel offsets within
a step, d W < (D + BLOCK_D) W, stay int32; :func:`check_diag_scan_offsets` refuses a larger D.
"""

from __future__ import annotations

import torch
import triton
import triton.language as tl
from torch import Tensor

from ssm_ts.kernels.diag_scan import cast_gradient, check_diag_scan_shapes, promoted_dtype, scan_backward
from ssm_ts.kernels.triton.common import (
    INT32_MAX,
    TORCH_FIX,
    check_int32_offsets,
    compute_dtype,
    interpreting,
    next_pow2,
    plain,
    real_dtype,
)


@triton.jit
def _combine_real(a1, b1, a2, b2):
    return a2 * a1, a2 * b1 + b2


@triton.jit
def _combine_complex(ar1, ai1, br1, bi1, ar2, ai2, br2, bi2):
    return (
        ar2 * ar1 - ai2 * ai1,
        ar2 * ai1 + ai2 * ar1,
        ar2 * br1 - ai2 * bi1 + br2,
        ar2 * bi1 + ai2 * br1 + bi2,
    )


@triton.jit
def _diag_scan_kernel(
    a_ptr,  # (B, L, D) real, or (B, L, D, 2) interleaved complex
    b_ptr,
    h0_ptr,  # (B, D) [x2], or dummy
    out_ptr,  # like b
    L,
    D,
    IS_COMPLEX: tl.constexpr,
    W: tl.constexpr,  # floats per element: 2 when complex
    HAS_H0: tl.constexpr,
    REVERSE: tl.constexpr,
    NUM_CHUNKS: tl.constexpr,
    BLOCK_T: tl.constexpr,
    BLOCK_D: tl.constexpr,
):
    # 64-bit: where each time step starts, (pb * L + t) * D * W, a (BLOCK_T,) vector per chunk:
    # B * L * D * W passes 2^31 at realistic sizes. 32-bit: the channel offsets d * W within a step
    # (check_diag_scan_offsets refuses D * W past 2^31). Rows in int64 and columns in int32 also
    # compiled to fewer registers than the all-int32 2-D offsets did (ptxas, sm_90: no spills).
    pb = tl.program_id(0).to(tl.int64)
    d = tl.program_id(1) * BLOCK_D + tl.arange(0, BLOCK_D)
    d_mask = d < D
    local = tl.arange(0, BLOCK_T)
    is_last = (local == BLOCK_T - 1)[:, None]
    step = D * W  # floats from one time step to the next
    col = (d * W)[None, :]
    if HAS_H0:
        h0_row = h0_ptr + pb * step
        carry_r = tl.load(h0_row + d * W, mask=d_mask, other=0.0)
        if IS_COMPLEX:
            carry_i = tl.load(h0_row + d * W + 1, mask=d_mask, other=0.0)
    else:
        carry_r = tl.zeros([BLOCK_D], dtype=out_ptr.dtype.element_ty)
        if IS_COMPLEX:
            carry_i = tl.zeros([BLOCK_D], dtype=out_ptr.dtype.element_ty)
    for c in range(NUM_CHUNKS):
        i = c * BLOCK_T + local
        if REVERSE:
            t = L - 1 - i
        else:
            t = i
        row = ((pb * L + t) * step)[:, None]  # int64
        mask = (i < L)[:, None] & d_mask[None, :]
        # Padding beyond L is the identity (a = 1, b = 0).
        ar = tl.load(a_ptr + row + col, mask=mask, other=1.0)
        br = tl.load(b_ptr + row + col, mask=mask, other=0.0)
        if IS_COMPLEX:
            ai = tl.load(a_ptr + row + col + 1, mask=mask, other=0.0)
            bi = tl.load(b_ptr + row + col + 1, mask=mask, other=0.0)
            Ar, Ai, Br, Bi = tl.associative_scan((ar, ai, br, bi), 0, _combine_complex)
            hr = Ar * carry_r[None, :] - Ai * carry_i[None, :] + Br
            hi = Ar * carry_i[None, :] + Ai * carry_r[None, :] + Bi
            tl.store(out_ptr + row + col, hr, mask=mask)
            tl.store(out_ptr + row + col + 1, hi, mask=mask)
            carry_r = tl.sum(tl.where(is_last, hr, 0.0), axis=0)
            carry_i = tl.sum(tl.where(is_last, hi, 0.0), axis=0)
        else:
            Ar, Br = tl.associative_scan((ar, br), 0, _combine_real)
            hr = Ar * carry_r[None, :] + Br
            tl.store(out_ptr + row + col, hr, mask=mask)
            carry_r = tl.sum(tl.where(is_last, hr, 0.0), axis=0)


# Launch settings that replace the defaults in launch_diag_scan, by key: "BLOCK_T", "BLOCK_D",
# "num_warps". benchmarks/tune_kernels.py sets them to time the alternatives on a GPU.
TUNING: dict[str, int] = {}


def launch_settings(L: int, D: int) -> tuple[int, int, int]:
    """(BLOCK_T, BLOCK_D, num_warps) for a scan of L steps over D channels."""
    if interpreting():
        return min(next_pow2(L, 2), 16), min(next_pow2(D, 2), 16), 4
    # 128 steps per chunk: 160 -> 131 us at B=8, L=4096, D=1024 on an H200 (64% of peak bandwidth)
    BLOCK_T = min(next_pow2(L, 2), TUNING.get("BLOCK_T", 128))
    BLOCK_D = min(next_pow2(D, 2), TUNING.get("BLOCK_D", 32))
    return BLOCK_T, BLOCK_D, TUNING.get("num_warps", 4)


def check_diag_scan_offsets(L: int, D: int, is_complex: bool) -> None:
    """Refuse a scan whose channel offsets within one time step pass 2^31 - 1 (see the kernel).

    Offsets across batch elements and time steps are 64-bit, so only a single time step of more
    than 2^31 floats (D of about a billion channels) is refused.
    """
    _, BLOCK_D, _ = launch_settings(L, D)
    W = 2 if is_complex else 1
    check_int32_offsets(
        "diag_scan",
        {f"positions within one time step of {D:,} channels": (D + BLOCK_D) * W},
        f"split the channels (the last axis) into calls of at most {INT32_MAX // W - BLOCK_D:,} each, "
        f"or {TORCH_FIX}",
    )


def launch_diag_scan(a: Tensor, b: Tensor, h0: Tensor | None, reverse: bool = False) -> Tensor:
    """Run the kernel; ``a``, ``b`` (B, L, D) and ``h0`` (B, D) already in one dtype."""
    B, L, D = b.shape
    is_complex = b.is_complex()
    check_diag_scan_offsets(L, D, is_complex)
    out = torch.empty_like(b, memory_format=torch.contiguous_format)
    if L == 0:
        return out

    def view(t: Tensor) -> Tensor:
        t = plain(t)  # a conjugate input (or gradient) as its values, not its lazy flag
        return torch.view_as_real(t) if is_complex else t

    BLOCK_T, BLOCK_D, num_warps = launch_settings(L, D)
    grid = (B, triton.cdiv(D, BLOCK_D))
    _diag_scan_kernel[grid](
        view(a),
        view(b),
        view(h0) if h0 is not None else view(b),
        view(out),
        L,
        D,
        IS_COMPLEX=is_complex,
        W=2 if is_complex else 1,
        HAS_H0=h0 is not None,
        REVERSE=reverse,
        NUM_CHUNKS=triton.cdiv(L, BLOCK_T),
        BLOCK_T=BLOCK_T,
        BLOCK_D=BLOCK_D,
        num_warps=num_warps,
    )
    return out


class DiagScanTriton(torch.autograd.Function):
    """Forward scan and reverse (adjoint) scan, both Triton kernels."""

    @staticmethod
    def forward(ctx, a: Tensor, b: Tensor, h0: Tensor | None) -> Tensor:
        any_complex = any(t is not None and t.is_complex() for t in (a, b, h0))
        cdtype = compute_dtype(a, b, h0)
        dtype = cdtype if any_complex else real_dtype(cdtype)
        a_c = a.to(dtype)
        h0_c = None if h0 is None else h0.to(dtype)
        h = launch_diag_scan(a_c, b.to(dtype), h0_c)
        ctx.save_for_backward(a, b, h0, h)
        # Half precision is computed in float32 but returned in the inputs' dtype, as the PyTorch path does.
        return h.to(promoted_dtype(a, b, h0))

    @staticmethod
    def backward(ctx, grad_h: Tensor):
        a, b, h0, h = ctx.saved_tensors

        def reverse_scan(coeff: Tensor, g: Tensor) -> Tensor:
            if torch.is_grad_enabled():  # double backward: the reverse scan needs a gradient too
                return DiagScanTriton.apply(coeff.flip(1), g.flip(1), None).flip(1)
            return launch_diag_scan(coeff, g, None, reverse=True)

        grad_h = grad_h.contiguous().to(h.dtype)
        grad_a, grad_b, grad_h0 = scan_backward(a.to(h.dtype), h, h0, grad_h, reverse_scan)
        return cast_gradient(grad_a, a), cast_gradient(grad_b, b), cast_gradient(grad_h0, h0)


def diag_scan_triton(a: Tensor, b: Tensor, h0: Tensor | None = None) -> Tensor:
    """Triton diag_scan (shapes as :func:`ssm_ts.kernels.diag_scan`), differentiable."""
    check_diag_scan_shapes(a, b, h0)
    return DiagScanTriton.apply(a, b, h0)
