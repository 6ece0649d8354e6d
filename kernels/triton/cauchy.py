"""Triton kernels for :func:`ssm_ts.kernels.cauchy`: out[k, b, l] = sum_n v[k, b, n] / (z[b, l] - w[b, n]).

Canonical shapes (see :func:`ssm_ts.kernels.cauchy.canonical_cauchy_inputs`): K numerator sets
``v`` (K, B, N) share poles ``w`` (B, N) and points ``z`` (B, L). Complex numbers are split into
real and imaginary parts; 1 / d = conj(d) / |d|^2.

- forward: a program per (k b, block of L) loops over blocks of N.
- backward (PyTorch's convention, grad = g * conj(derivative)):
    grad_v[k, b, n] = sum_l g[k, b, l] conj(r),  grad_w[b, n] = sum_k conj(v) sum_l g conj(r^2),
    grad_z[b, l] = -sum_k g[k, b, l] conj(sum_n v r^2),  with r = 1 / (z_l - w_n);
  one kernel per (b, block of N) loops over k and L for grad_v and grad_w, one per (b, block of L)
  loops over k and N for grad_z. Loop counts are constexpr (the interpreter needs them fixed).

Offsets (see :mod:`ssm_ts.kernels.triton.common`): the start of each row of ``v``, ``z``, ``w``,
``g`` and the outputs (``row N``, ``b L``, ``row L`` complex elements, row = k B + b) is int64,
because K B L passes 2^30 complex elements (2^31 floats) at sizes that fit on one GPU (K=4 Woodbury
terms, B=1024 channels, L=2^19 frequencies). Positions within a row (l, n) stay int32: below
2 (L + BLOCK_L) and 2 (N + BLOCK_N) floats, which :func:`check_cauchy_offsets` checks.
"""

from __future__ import annotations

import torch
import triton
import triton.language as tl
from torch import Tensor

from ssm_ts.kernels.cauchy import DEFAULT_CHUNK, _ChunkedCauchy, canonical_cauchy_inputs
from ssm_ts.kernels.triton.common import (
    check_int32_offsets,
    compute_dtype,
    graph_gradients,
    interpreting,
    next_pow2,
    plain,
)
from ssm_ts.kernels.triton.complex_io import load_complex, store_complex


@triton.jit
def _reciprocal(zr, zi, wr, wi):
    """1 / (z - w) for z (BLOCK_L,) against w (BLOCK_N,): real and imaginary (BLOCK_L, BLOCK_N)."""
    dr = zr[:, None] - wr[None, :]
    di = zi[:, None] - wi[None, :]
    inv = 1.0 / (dr * dr + di * di)
    return dr * inv, -di * inv


@triton.jit
def _square(rr, ri):
    """(rr + i ri)^2 as (real, imag): the r^2 of the gradients of w and z."""
    return rr * rr - ri * ri, 2.0 * rr * ri


@triton.jit
def _cauchy_fwd_kernel(
    v_ptr, z_ptr, w_ptr, out_ptr, B, N, L,
    NUM_N_BLOCKS: tl.constexpr, BLOCK_N: tl.constexpr, BLOCK_L: tl.constexpr,
):  # fmt: skip
    row = tl.program_id(0).to(tl.int64)  # k * B + b; row starts in int64, positions in int32
    b = row % B
    l_idx = tl.program_id(1) * BLOCK_L + tl.arange(0, BLOCK_L)
    l_mask = l_idx < L
    zr, zi = load_complex(z_ptr + b * L * 2, l_idx, l_mask)
    w_row, v_row = w_ptr + b * N * 2, v_ptr + row * N * 2
    acc_r = tl.zeros([BLOCK_L], dtype=zr.dtype)
    acc_i = tl.zeros([BLOCK_L], dtype=zr.dtype)
    for nb in range(NUM_N_BLOCKS):
        n = nb * BLOCK_N + tl.arange(0, BLOCK_N)
        n_mask = n < N
        wr, wi = load_complex(w_row, n, n_mask)
        vr, vi = load_complex(v_row, n, n_mask)
        rr, ri = _reciprocal(zr, zi, wr, wi)
        keep = l_mask[:, None] & n_mask[None, :]  # padded points/poles may divide by zero
        acc_r += tl.sum(tl.where(keep, vr[None, :] * rr - vi[None, :] * ri, 0.0), axis=1)
        acc_i += tl.sum(tl.where(keep, vr[None, :] * ri + vi[None, :] * rr, 0.0), axis=1)
    store_complex(out_ptr + row * L * 2, l_idx, acc_r, acc_i, l_mask)


@triton.jit
def _cauchy_bwd_vw_kernel(
    v_ptr, z_ptr, w_ptr, g_ptr, grad_v_ptr, grad_w_ptr, B, N, L,
    K: tl.constexpr, NUM_L_BLOCKS: tl.constexpr, BLOCK_N: tl.constexpr, BLOCK_L: tl.constexpr,
):  # fmt: skip
    b = tl.program_id(0).to(tl.int64)  # row starts in int64, positions in int32
    n = tl.program_id(1) * BLOCK_N + tl.arange(0, BLOCK_N)
    n_mask = n < N
    z_row = z_ptr + b * L * 2
    wr, wi = load_complex(w_ptr + b * N * 2, n, n_mask)
    gw_r = tl.zeros([BLOCK_N], dtype=wr.dtype)
    gw_i = tl.zeros([BLOCK_N], dtype=wr.dtype)
    for k in range(K):
        row = k * B + b
        g_row = g_ptr + row * L * 2
        s_r = tl.zeros([BLOCK_N], dtype=wr.dtype)  # sum_l g conj(r)
        s_i = tl.zeros([BLOCK_N], dtype=wr.dtype)
        t_r = tl.zeros([BLOCK_N], dtype=wr.dtype)  # sum_l g conj(r^2)
        t_i = tl.zeros([BLOCK_N], dtype=wr.dtype)
        for lb in range(NUM_L_BLOCKS):
            l_idx = lb * BLOCK_L + tl.arange(0, BLOCK_L)
            l_mask = l_idx < L
            zr, zi = load_complex(z_row, l_idx, l_mask)
            gr, gi = load_complex(g_row, l_idx, l_mask)
            gr, gi = gr[:, None], gi[:, None]
            rr, ri = _reciprocal(zr, zi, wr, wi)
            keep = l_mask[:, None] & n_mask[None, :]
            # g * conj(r) = (gr + i gi)(rr - i ri)
            s_r += tl.sum(tl.where(keep, gr * rr + gi * ri, 0.0), axis=0)
            s_i += tl.sum(tl.where(keep, gi * rr - gr * ri, 0.0), axis=0)
            r2r, r2i = _square(rr, ri)
            t_r += tl.sum(tl.where(keep, gr * r2r + gi * r2i, 0.0), axis=0)
            t_i += tl.sum(tl.where(keep, gi * r2r - gr * r2i, 0.0), axis=0)
        store_complex(grad_v_ptr + row * N * 2, n, s_r, s_i, n_mask)
        vr, vi = load_complex(v_ptr + row * N * 2, n, n_mask)
        # conj(v) * t
        gw_r += vr * t_r + vi * t_i
        gw_i += vr * t_i - vi * t_r
    store_complex(grad_w_ptr + b * N * 2, n, gw_r, gw_i, n_mask)


@triton.jit
def _cauchy_bwd_z_kernel(
    v_ptr, z_ptr, w_ptr, g_ptr, grad_z_ptr, B, N, L,
    K: tl.constexpr, NUM_N_BLOCKS: tl.constexpr, BLOCK_N: tl.constexpr, BLOCK_L: tl.constexpr,
):  # fmt: skip
    b = tl.program_id(0).to(tl.int64)  # row starts in int64, positions in int32
    l_idx = tl.program_id(1) * BLOCK_L + tl.arange(0, BLOCK_L)
    l_mask = l_idx < L
    zr, zi = load_complex(z_ptr + b * L * 2, l_idx, l_mask)
    w_row = w_ptr + b * N * 2
    acc_r = tl.zeros([BLOCK_L], dtype=zr.dtype)
    acc_i = tl.zeros([BLOCK_L], dtype=zr.dtype)
    for k in range(K):
        row = k * B + b
        v_row = v_ptr + row * N * 2
        t_r = tl.zeros([BLOCK_L], dtype=zr.dtype)  # sum_n v r^2
        t_i = tl.zeros([BLOCK_L], dtype=zr.dtype)
        for nb in range(NUM_N_BLOCKS):
            n = nb * BLOCK_N + tl.arange(0, BLOCK_N)
            n_mask = n < N
            wr, wi = load_complex(w_row, n, n_mask)
            vr, vi = load_complex(v_row, n, n_mask)
            vr, vi = vr[None, :], vi[None, :]
            rr, ri = _reciprocal(zr, zi, wr, wi)
            r2r, r2i = _square(rr, ri)
            keep = l_mask[:, None] & n_mask[None, :]
            t_r += tl.sum(tl.where(keep, vr * r2r - vi * r2i, 0.0), axis=1)
            t_i += tl.sum(tl.where(keep, vr * r2i + vi * r2r, 0.0), axis=1)
        gr, gi = load_complex(g_ptr + row * L * 2, l_idx, l_mask)
        # -= g * conj(t)
        acc_r -= gr * t_r + gi * t_i
        acc_i -= gi * t_r - gr * t_i
    store_complex(grad_z_ptr + b * L * 2, l_idx, acc_r, acc_i, l_mask)


def _blocks(N: int, L: int) -> tuple[int, int]:
    if interpreting():
        return min(next_pow2(N, 2), 16), min(next_pow2(L, 2), 16)
    return min(next_pow2(N, 16), 64), min(next_pow2(L, 16), 128)


def check_cauchy_offsets(N: int, L: int) -> None:
    """Refuse N poles or L points whose positions within one row pass 2^31 - 1 floats (see above).

    Rows start at 64-bit offsets, so only a single row of about 2^30 complex numbers is too long.
    """
    BLOCK_N, BLOCK_L = _blocks(N, L)
    check_int32_offsets(
        "cauchy",
        {
            f"positions within one row of {L:,} points": 2 * (L + BLOCK_L),
            f"positions within one row of {N:,} poles": 2 * (N + BLOCK_N),
        },
    )


class CauchyTriton(torch.autograd.Function):
    """Canonical ``v`` (K, B, N), ``z`` (B, L), ``w`` (B, N) -> (K, B, L)."""

    @staticmethod
    def forward(ctx, v: Tensor, z: Tensor, w: Tensor) -> Tensor:
        K, B, N = v.shape
        L = z.shape[-1]
        BLOCK_N, BLOCK_L = _blocks(N, L)
        out = torch.empty(K, B, L, dtype=v.dtype, device=v.device)
        _cauchy_fwd_kernel[(K * B, triton.cdiv(L, BLOCK_L))](
            torch.view_as_real(v), torch.view_as_real(z), torch.view_as_real(w), torch.view_as_real(out),
            B, N, L, NUM_N_BLOCKS=triton.cdiv(N, BLOCK_N), BLOCK_N=BLOCK_N, BLOCK_L=BLOCK_L,
        )  # fmt: skip
        ctx.save_for_backward(v, z, w)
        return out

    @staticmethod
    def backward(ctx, grad_out: Tensor):
        v, z, w = ctx.saved_tensors
        if torch.is_grad_enabled():  # double backward: gradients with a graph, from the PyTorch path
            return graph_gradients(
                lambda v, z, w: _ChunkedCauchy.apply(v, z, w, DEFAULT_CHUNK),
                (v, z, w),
                grad_out,
                ctx.needs_input_grad,
            )
        K, B, N = v.shape
        L = z.shape[-1]
        g = torch.view_as_real(plain(grad_out.to(v.dtype)))  # a loss through out.conj() sends a conjugate
        BLOCK_N, BLOCK_L = _blocks(N, L)
        args = (torch.view_as_real(v), torch.view_as_real(z), torch.view_as_real(w), g)
        grad_v = torch.empty_like(v)
        grad_w = torch.empty_like(w)
        _cauchy_bwd_vw_kernel[(B, triton.cdiv(N, BLOCK_N))](
            *args, torch.view_as_real(grad_v), torch.view_as_real(grad_w), B, N, L,
            K=K, NUM_L_BLOCKS=triton.cdiv(L, BLOCK_L), BLOCK_N=BLOCK_N, BLOCK_L=BLOCK_L,
        )  # fmt: skip
        grad_z = None
        if ctx.needs_input_grad[1]:
            grad_z = torch.empty_like(z)
            _cauchy_bwd_z_kernel[(B, triton.cdiv(L, BLOCK_L))](
                *args, torch.view_as_real(grad_z), B, N, L,
                K=K, NUM_N_BLOCKS=triton.cdiv(N, BLOCK_N), BLOCK_N=BLOCK_N, BLOCK_L=BLOCK_L,
            )  # fmt: skip
        return grad_v, grad_z, grad_w


def cauchy_triton(v: Tensor, z: Tensor, w: Tensor) -> Tensor:
    """Triton Cauchy product (shapes as :func:`ssm_ts.kernels.cauchy`), differentiable."""
    check_cauchy_offsets(v.shape[-1], z.shape[-1])
    v3, z2, w2, out_shape = canonical_cauchy_inputs(v, z, w)
    dtype = compute_dtype(v3, z2, w2)
    out = CauchyTriton.apply(plain(v3.to(dtype)), plain(z2.to(dtype)), plain(w2.to(dtype)))
    if not (v.is_complex() or z.is_complex() or w.is_complex()):
        # Real inputs: a real product in their dtype, as the reference and the PyTorch path give it
        # (half precision is computed in float32 and returned as such inputs' dtype).
        out = out.real.to(v3.dtype)
    return out.reshape(out_shape)
