"""Triton kernel for :func:`ssm_ts.kernels.ssm_step`: the fused recurrent step of diagonal SSMs.

One program owns BLOCK_R rows (batch x channel) and walks the state axis in blocks of BLOCK_N: it
reads state, u, dA, dB, C (and D) once, writes the new state and accumulates the read-out
y = 2 Re(sum_n C x) + D u. Forward only: it serves generation, where no gradient flows.
"""

from __future__ import annotations

import torch
import triton
import triton.language as tl
from torch import Tensor

from ssm_ts.kernels.triton.common import complex_view, compute_dtype, next_pow2, real_dtype


@triton.jit
def _ssm_step_kernel(
    state_ptr,  # (R, N, 2) interleaved complex, R = B * H
    u_ptr,  # (R,)
    dA_ptr,  # (H, N, 2)
    dB_ptr,
    C_ptr,
    D_ptr,  # (H,) or dummy
    y_ptr,  # (R,)
    out_ptr,  # (R, N, 2)
    R,
    H,
    N,
    HAS_D: tl.constexpr,
    NUM_N_BLOCKS: tl.constexpr,
    BLOCK_R: tl.constexpr,
    BLOCK_N: tl.constexpr,
):
    rows = tl.program_id(0) * BLOCK_R + tl.arange(0, BLOCK_R)
    row_mask = rows < R
    h = rows % H
    u = tl.load(u_ptr + rows, mask=row_mask, other=0.0)
    acc = tl.zeros([BLOCK_R], dtype=u.dtype)
    for nb in range(NUM_N_BLOCKS):
        n = nb * BLOCK_N + tl.arange(0, BLOCK_N)
        mask = row_mask[:, None] & (n < N)[None, :]
        s_off = (rows[:, None] * N + n[None, :]) * 2
        p_off = (h[:, None] * N + n[None, :]) * 2
        xr = tl.load(state_ptr + s_off, mask=mask, other=0.0)
        xi = tl.load(state_ptr + s_off + 1, mask=mask, other=0.0)
        ar = tl.load(dA_ptr + p_off, mask=mask, other=0.0)
        ai = tl.load(dA_ptr + p_off + 1, mask=mask, other=0.0)
        br = tl.load(dB_ptr + p_off, mask=mask, other=0.0)
        bi = tl.load(dB_ptr + p_off + 1, mask=mask, other=0.0)
        cr = tl.load(C_ptr + p_off, mask=mask, other=0.0)
        ci = tl.load(C_ptr + p_off + 1, mask=mask, other=0.0)
        new_r = ar * xr - ai * xi + br * u[:, None]
        new_i = ar * xi + ai * xr + bi * u[:, None]
        tl.store(out_ptr + s_off, new_r, mask=mask)
        tl.store(out_ptr + s_off + 1, new_i, mask=mask)
        acc += tl.sum(cr * new_r - ci * new_i, axis=1)
    y = 2.0 * acc
    if HAS_D:
        y += tl.load(D_ptr + h, mask=row_mask, other=0.0) * u
    tl.store(y_ptr + rows, y, mask=row_mask)


def ssm_step_triton(
    state: Tensor, u: Tensor, dA: Tensor, dB: Tensor, C: Tensor, D: Tensor | None = None
) -> tuple[Tensor, Tensor]:
    """Fused step (shapes as :func:`ssm_ts.kernels.ssm_step`); forward only, no autograd graph."""
    B, H, N = state.shape
    cdtype = compute_dtype(state, u, dA, dB, C, D)
    rdtype = real_dtype(cdtype)
    new_state = torch.empty(B, H, N, dtype=cdtype, device=state.device)
    y = torch.empty(B, H, dtype=rdtype, device=state.device)
    R = B * H
    BLOCK_N = min(next_pow2(N, 2), 64)
    # Small tiles: a generation step is launch/latency bound, so spread it over many programs.
    BLOCK_R = max(1, min(next_pow2(R), 512 // BLOCK_N))
    u_flat = u.to(rdtype).contiguous()
    D_arg = D.to(rdtype).contiguous() if D is not None else u_flat
    grid = (triton.cdiv(R, BLOCK_R),)
    _ssm_step_kernel[grid](
        complex_view(state, cdtype),
        u_flat,
        complex_view(dA, cdtype),
        complex_view(dB, cdtype),
        complex_view(C, cdtype),
        D_arg,
        y,
        torch.view_as_real(new_state),
        R,
        H,
        N,
        HAS_D=D is not None,
        NUM_N_BLOCKS=triton.cdiv(N, BLOCK_N),
        BLOCK_R=BLOCK_R,
        BLOCK_N=BLOCK_N,
    )
    return y, new_state
