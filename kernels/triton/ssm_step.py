"""Triton kernel for :func:`ssm_ts.kernels.ssm_step`: the fused recurrent step of diagonal SSMs.

One program owns BLOCK_R rows (batch x channel) and walks the state axis in blocks of BLOCK_N: it
reads state, u, dA, dB, C (and D) once, writes the new state and accumulates the read-out
y = 2 Re(sum_n C x) + D u.

The backward kernel gives the gradients of every input, so the step can also be trained through
(truncated back-propagation through time, or learning from a recurrent rollout). One program owns
a (BLOCK_H, BLOCK_N) tile of the parameters and walks the batch, so the batch sums of grad dA,
grad dB and grad C stay in registers; grad u is reduced over N per N-block and the few partial sums
are added in PyTorch. With G = grad x' + 2 gy conj(C) (the total gradient of the new state):

    grad state = G conj(dA);  grad dA = sum_b G conj(state);  grad dB = sum_b G u
    grad C = sum_b 2 gy conj(x');  grad u = Re sum_n G conj(dB) + gy D;  grad D = sum_b gy u

Offsets (see :mod:`ssm_ts.kernels.triton.common`): the state and its gradients, (B, H, N) complex,
pass 2^31 floats at B H N = 2^30 (e.g. 4096 parallel generations of H=4096, N=64), so the start of
each program's block of rows is int64 and only positions within the block, below
2 (BLOCK_R N + BLOCK_N), are int32. The (H, N) parameters and the (B, H) inputs keep int32 offsets:
they would need 8 GB parameter tensors to overflow, and :func:`check_ssm_step_offsets` refuses that.
"""

from __future__ import annotations

import torch
import triton
import triton.language as tl
from torch import Tensor

from ssm_ts.kernels.diag_scan import cast_gradient
from ssm_ts.kernels.ssm_step import ssm_step_torch
from ssm_ts.kernels.triton.common import (
    check_int32_offsets,
    complex_view,
    compute_dtype,
    graph_gradients,
    interpreting,
    next_pow2,
    plain,
    real_dtype,
)
from ssm_ts.kernels.triton.complex_io import load_complex, store_complex


@triton.jit
def _load_parameters(dA_ptr, dB_ptr, C_ptr, p_off, mask):
    """``dA``, ``dB`` and ``C`` at the (H, N) positions ``p_off``: (ar, ai, br, bi, cr, ci) tiles."""
    ar, ai = load_complex(dA_ptr, p_off, mask)
    br, bi = load_complex(dB_ptr, p_off, mask)
    cr, ci = load_complex(C_ptr, p_off, mask)
    return ar, ai, br, bi, cr, ci


@triton.jit
def _advance(xr, xi, u, ar, ai, br, bi):
    """The new state ``dA x + dB u`` of a (rows, BLOCK_N) tile for inputs ``u`` (rows,): (real, imag).

    The forward kernel writes it; the backward kernel recomputes it for grad C."""
    new_r = ar * xr - ai * xi + br * u[:, None]
    new_i = ar * xi + ai * xr + bi * u[:, None]
    return new_r, new_i


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
    first = tl.program_id(0) * BLOCK_R
    local = tl.arange(0, BLOCK_R)
    rows = first + local
    row_mask = rows < R
    h = rows % H
    # The block's first state row in int64; positions within the block (s_off) in int32.
    block = first.to(tl.int64) * N * 2
    state_block, out_block = state_ptr + block, out_ptr + block
    u = tl.load(u_ptr + rows, mask=row_mask, other=0.0)
    acc = tl.zeros([BLOCK_R], dtype=u.dtype)
    for nb in range(NUM_N_BLOCKS):
        n = nb * BLOCK_N + tl.arange(0, BLOCK_N)
        mask = row_mask[:, None] & (n < N)[None, :]
        s_off = local[:, None] * N + n[None, :]
        p_off = h[:, None] * N + n[None, :]
        xr, xi = load_complex(state_block, s_off, mask)
        ar, ai, br, bi, cr, ci = _load_parameters(dA_ptr, dB_ptr, C_ptr, p_off, mask)
        new_r, new_i = _advance(xr, xi, u, ar, ai, br, bi)
        store_complex(out_block, s_off, new_r, new_i, mask)
        acc += tl.sum(cr * new_r - ci * new_i, axis=1)
    y = 2.0 * acc
    if HAS_D:
        y += tl.load(D_ptr + h, mask=row_mask, other=0.0) * u
    tl.store(y_ptr + rows, y, mask=row_mask)


@triton.jit
def _ssm_step_backward_kernel(
    state_ptr,  # (B, H, N, 2) the input state
    u_ptr,  # (B, H)
    dA_ptr,  # (H, N, 2)
    dB_ptr,
    C_ptr,
    gy_ptr,  # (B, H) gradient of y
    gnew_ptr,  # (B, H, N, 2) gradient of the new state
    gstate_ptr,  # (B, H, N, 2) out
    gdA_ptr,  # (H, N, 2) out
    gdB_ptr,
    gC_ptr,
    gu_part_ptr,  # (NUM_N_BLOCKS, B, H) out: grad u summed over one N block
    H,
    N,
    BATCH: tl.constexpr,
    BLOCK_H: tl.constexpr,
    BLOCK_N: tl.constexpr,
):
    pid_h, pid_n = tl.program_id(0), tl.program_id(1)
    local = tl.arange(0, BLOCK_H)
    h = pid_h * BLOCK_H + local
    n = pid_n * BLOCK_N + tl.arange(0, BLOCK_N)
    h_mask = h < H
    mask = h_mask[:, None] & (n < N)[None, :]
    p_off = h[:, None] * N + n[None, :]
    s_off = local[:, None] * N + n[None, :]  # within a block of BLOCK_H state rows: int32
    gu_part = gu_part_ptr + pid_n.to(tl.int64) * BATCH * H
    ar, ai, br, bi, cr, ci = _load_parameters(dA_ptr, dB_ptr, C_ptr, p_off, mask)
    ga_r = tl.zeros([BLOCK_H, BLOCK_N], dtype=ar.dtype)
    ga_i = tl.zeros([BLOCK_H, BLOCK_N], dtype=ar.dtype)
    gb_r = tl.zeros([BLOCK_H, BLOCK_N], dtype=ar.dtype)
    gb_i = tl.zeros([BLOCK_H, BLOCK_N], dtype=ar.dtype)
    gc_r = tl.zeros([BLOCK_H, BLOCK_N], dtype=ar.dtype)
    gc_i = tl.zeros([BLOCK_H, BLOCK_N], dtype=ar.dtype)
    for b in range(BATCH):  # constexpr bound: run-time loop bounds break the interpreter
        rows = b * H + h
        block = (b * H + pid_h * BLOCK_H).to(tl.int64) * N * 2  # the block's first state row: int64
        u = tl.load(u_ptr + rows, mask=h_mask, other=0.0)
        gy = tl.load(gy_ptr + rows, mask=h_mask, other=0.0)
        xr, xi = load_complex(state_ptr + block, s_off, mask)
        g_r, g_i = load_complex(gnew_ptr + block, s_off, mask)
        g_r += 2.0 * gy[:, None] * cr
        g_i -= 2.0 * gy[:, None] * ci
        store_complex(gstate_ptr + block, s_off, g_r * ar + g_i * ai, g_i * ar - g_r * ai, mask)
        new_r, new_i = _advance(xr, xi, u, ar, ai, br, bi)
        ga_r += g_r * xr + g_i * xi
        ga_i += g_i * xr - g_r * xi
        gb_r += g_r * u[:, None]
        gb_i += g_i * u[:, None]
        gc_r += 2.0 * gy[:, None] * new_r
        gc_i -= 2.0 * gy[:, None] * new_i
        gu = tl.sum(g_r * br + g_i * bi, axis=1)
        tl.store(gu_part + rows, gu, mask=h_mask)
    store_complex(gdA_ptr, p_off, ga_r, ga_i, mask)
    store_complex(gdB_ptr, p_off, gb_r, gb_i, mask)
    store_complex(gC_ptr, p_off, gc_r, gc_i, mask)


# Launch settings that replace the forward defaults, by key: "BLOCK_R", "num_warps".
# benchmarks/tune_kernels.py sets them to time the alternatives on a GPU.
TUNING: dict[str, int] = {}


def forward_blocks(R: int, N: int) -> tuple[int, int]:
    """(BLOCK_R, BLOCK_N) of the forward kernel for R = B H rows of N modes."""
    # Small tiles, one warp each: a generation step is latency bound, so spread it over many
    # programs. On an H200 (H=1024, N=32, in a CUDA graph) 4 rows per warp took 2.1 / 3.6 / 13.6 us
    # at batch 1 / 8 / 64, against 3.3 / 8.0 / 46 us for 16 rows per 4 warps.
    return max(1, min(next_pow2(R), TUNING.get("BLOCK_R", 4))), min(next_pow2(N, 2), 64)


def backward_blocks(H: int, N: int) -> tuple[int, int]:
    """(BLOCK_H, BLOCK_N) of the backward kernel."""
    BLOCK_N = min(next_pow2(N, 2), 32 if interpreting() else 64)
    return max(1, min(next_pow2(H), 256 // BLOCK_N)), BLOCK_N


def check_ssm_step_offsets(B: int, H: int, N: int) -> None:
    """Refuse shapes whose int32 offsets (see the module docstring) pass 2^31 - 1.

    Only the parameters' positions can come near: H N past 2^30 complex numbers (8 GB each).
    """
    BLOCK_R, BLOCK_N = forward_blocks(B * H, N)
    BLOCK_H, BLOCK_N_BWD = backward_blocks(H, N)
    block = max(BLOCK_R, BLOCK_H)
    pad = max(BLOCK_N, BLOCK_N_BWD)
    check_int32_offsets(
        "ssm_step",
        {
            f"positions in the (H, N) = ({H:,}, {N:,}) parameters": 2 * ((H + BLOCK_H) * N + pad),
            f"positions within a block of {block} state rows": 2 * (block * N + pad),
            f"the (B, H) = ({B:,}, {H:,}) inputs": B * H + block,
        },
    )


def ssm_step_triton_forward(
    state: Tensor, u: Tensor, dA: Tensor, dB: Tensor, C: Tensor, D: Tensor | None = None
) -> tuple[Tensor, Tensor]:
    """Fused step (shapes as :func:`ssm_ts.kernels.ssm_step`); no autograd graph."""
    B, H, N = state.shape
    cdtype = compute_dtype(state, u, dA, dB, C, D)
    rdtype = real_dtype(cdtype)
    new_state = torch.empty(B, H, N, dtype=cdtype, device=state.device)
    y = torch.empty(B, H, dtype=rdtype, device=state.device)
    R = B * H
    BLOCK_R, BLOCK_N = forward_blocks(R, N)
    u_flat = plain(u.to(rdtype))
    D_arg = plain(D.to(rdtype)) if D is not None else u_flat
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
        num_warps=TUNING.get("num_warps", 1),
    )
    # D does not enter the state: a float64 D beside complex64 parameters widens y only, as on the
    # PyTorch path (the state came back complex128 here, so its dtype depended on the device).
    return y, new_state.to(compute_dtype(state, u, dA, dB, C))


def ssm_step_triton_backward(
    state: Tensor, u: Tensor, dA: Tensor, dB: Tensor, C: Tensor, grad_y: Tensor, grad_new_state: Tensor
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
    """Gradients ``(state, u, dA, dB, C)`` of the step for ``grad_y (B, H)``, ``grad_new_state (B, H, N)``.

    The skip term's gradients (grad u += gy D, grad D = sum_b gy u) are cheap and added by the caller.
    """
    B, H, N = state.shape
    cdtype = compute_dtype(state, u, dA, dB, C)
    rdtype = real_dtype(cdtype)
    BLOCK_H, BLOCK_N = backward_blocks(H, N)
    num_n_blocks = triton.cdiv(N, BLOCK_N)
    grad_state = torch.empty(B, H, N, dtype=cdtype, device=state.device)
    grad_dA, grad_dB, grad_C = (torch.empty(H, N, dtype=cdtype, device=state.device) for _ in range(3))
    grad_u_parts = torch.empty(num_n_blocks, B, H, dtype=rdtype, device=state.device)
    _ssm_step_backward_kernel[(triton.cdiv(H, BLOCK_H), num_n_blocks)](
        complex_view(state, cdtype),
        plain(u.to(rdtype)),
        complex_view(dA, cdtype),
        complex_view(dB, cdtype),
        complex_view(C, cdtype),
        plain(grad_y.to(rdtype)),
        complex_view(grad_new_state, cdtype),
        torch.view_as_real(grad_state),
        torch.view_as_real(grad_dA),
        torch.view_as_real(grad_dB),
        torch.view_as_real(grad_C),
        grad_u_parts,
        H,
        N,
        BATCH=B,
        BLOCK_H=BLOCK_H,
        BLOCK_N=BLOCK_N,
    )
    return grad_state, grad_u_parts.sum(0), grad_dA, grad_dB, grad_C


class SSMStepFunction(torch.autograd.Function):
    """Autograd around the fused forward and backward kernels (D may be None)."""

    @staticmethod
    def forward(ctx, state, u, dA, dB, C, D):
        ctx.save_for_backward(state, u, dA, dB, C, D)
        return ssm_step_triton_forward(state, u, dA, dB, C, D)

    @staticmethod
    def backward(ctx, grad_y, grad_new_state):
        state, u, dA, dB, C, D = ctx.saved_tensors
        if torch.is_grad_enabled():  # double backward: gradients with a graph, from the PyTorch path
            return graph_gradients(
                ssm_step_torch, (state, u, dA, dB, C, D), (grad_y, grad_new_state), ctx.needs_input_grad
            )
        grad_state, grad_u, grad_dA, grad_dB, grad_C = ssm_step_triton_backward(
            state, u, dA, dB, C, grad_y, grad_new_state
        )
        grad_D = None
        if D is not None:
            grad_u = grad_u + grad_y * D
            grad_D = (grad_y * u).sum(0).to(D.dtype)
        return (
            grad_state.to(state.dtype),
            grad_u.to(u.dtype),
            # Real parameters (a real decay) get the real part, without the warning .to() gives for it.
            cast_gradient(grad_dA, dA),
            cast_gradient(grad_dB, dB),
            cast_gradient(grad_C, C),
            grad_D,
        )


def ssm_step_triton(
    state: Tensor, u: Tensor, dA: Tensor, dB: Tensor, C: Tensor, D: Tensor | None = None
) -> tuple[Tensor, Tensor]:
    """Fused step with autograd (shapes as :func:`ssm_ts.kernels.ssm_step`); no graph without grads."""
    check_ssm_step_offsets(*state.shape)
    needs_grad = torch.is_grad_enabled() and any(
        t is not None and t.requires_grad for t in (state, u, dA, dB, C, D)
    )
    if not needs_grad:
        return ssm_step_triton_forward(state, u, dA, dB, C, D)
    return SSMStepFunction.apply(state, u, dA, dB, C, D)
