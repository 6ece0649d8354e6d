"""Triton kernels for :func:`ssm_ts.kernels.vandermonde`: K[h, l] = 2 Re sum_n v[h, n] exp(x[h, n] l).

Chunked GEMM formulation, real and imaginary parts split. Write l = C k + j (j < C):
exp(x l) = exp(x C k) exp(x j), so a program owning channel h and BLOCK_K chunk rows computes

    W[k, n] = v_n exp(x_n C k)   (BLOCK_K, N)    Z[n, j] = exp(x_n j)   (N, C)
    K[k, j] = 2 (Re W @ Re Z - Im W @ Im Z)

with two ``tl.dot``s: about (BLOCK_K + C) N exponentials for BLOCK_K C outputs instead of one per
(n, l), so the kernel is bound by writing K.

Backward, for g = dLoss/dK (real (H, L)), in PyTorch's convention for complex leaves:
    grad_v[n] = 2 sum_l g_l conj(exp(x_n l)),   grad_x[n] = 2 conj(v_n) sum_l g_l l conj(exp(x_n l)).
With P = G @ conj(Z)^T and Q = G @ (j conj(Z))^T per chunk row, the sums are
sum_k conj(exp(x C k)) P[k] and sum_k conj(exp(x C k)) (C k P[k] + Q[k]); each program writes its
partial sums and PyTorch adds them (deterministic, no atomics).

Offsets (see :mod:`ssm_ts.kernels.triton.common`): the start of each channel's row, h L in the
(H, L) kernel and its gradient (H L passes 2^31 at H=1024, L=2^21), h N in the parameters and
(h P + pk) N in the partial sums, is int64. Positions within a row, l = C k + j < L + BLOCK_K C,
stay int32; :func:`check_vandermonde_offsets` refuses an L where they would not fit.
"""

from __future__ import annotations

import torch
import triton
import triton.language as tl
from torch import Tensor

from ssm_ts.kernels.diag_scan import cast_gradient
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
from ssm_ts.kernels.vandermonde import vandermonde_torch


@triton.jit
def _cexp(re, im):
    """exp(re + i im) as (real, imag)."""
    magnitude = tl.exp(re)
    return magnitude * tl.cos(im), magnitude * tl.sin(im)


@triton.jit
def _power_table(xr, xi, step, BLOCK_N: tl.constexpr, M: tl.constexpr, SPLIT: tl.constexpr):
    """exp(x_n m step) for m < M: (BLOCK_N, M) real and imaginary tiles.

    SPLIT = 1 evaluates each entry. SPLIT = A > 1 writes m = A b + a and multiplies a (BLOCK_N, A)
    table by a (BLOCK_N, M / A) one: A + M / A exponentials, cosines and sines per mode instead of M,
    at the cost of 3-D products and a reshape (on an H200 the backward gained, the forward lost; see
    the defaults below).
    """
    if SPLIT == 1:
        m = tl.arange(0, M).to(xr.dtype) * step
        table_r, table_i = _cexp(xr[:, None] * m[None, :], xi[:, None] * m[None, :])
    else:
        a = tl.arange(0, SPLIT).to(xr.dtype) * step
        b = tl.arange(0, M // SPLIT).to(xr.dtype) * (step * SPLIT)
        lo_r, lo_i = _cexp(xr[:, None] * a[None, :], xi[:, None] * a[None, :])  # (BLOCK_N, A)
        hi_r, hi_i = _cexp(xr[:, None] * b[None, :], xi[:, None] * b[None, :])  # (BLOCK_N, M / A)
        prod_r = hi_r[:, :, None] * lo_r[:, None, :] - hi_i[:, :, None] * lo_i[:, None, :]
        prod_i = hi_r[:, :, None] * lo_i[:, None, :] + hi_i[:, :, None] * lo_r[:, None, :]
        table_r = tl.reshape(prod_r, (BLOCK_N, M))  # row-major: column A b + a
        table_i = tl.reshape(prod_i, (BLOCK_N, M))
    return table_r, table_i


@triton.jit
def _chunk_starts(
    xr, xi, pk, BLOCK_N: tl.constexpr, C: tl.constexpr, BLOCK_K: tl.constexpr, SPLIT: tl.constexpr
):
    """exp(x_n s_k) at the chunk starts s_k = C k, k = pk BLOCK_K + kk: (BLOCK_K, BLOCK_N) tiles,
    the program's first start times a table of the steps after it."""
    first = (pk * BLOCK_K * C).to(xr.dtype)
    base_r, base_i = _cexp(first * xr, first * xi)  # (BLOCK_N,)
    step_r, step_i = _power_table(xr, xi, C * 1.0, BLOCK_N, BLOCK_K, SPLIT)  # (BLOCK_N, BLOCK_K)
    starts_r = base_r[:, None] * step_r - base_i[:, None] * step_i
    starts_i = base_r[:, None] * step_i + base_i[:, None] * step_r
    return tl.trans(starts_r), tl.trans(starts_i)


@triton.jit
def _vandermonde_fwd_kernel(
    v_ptr,  # (H, N, 2)
    x_ptr,  # (H, N, 2)
    out_ptr,  # (H, L)
    N,
    L,
    BLOCK_N: tl.constexpr,
    C: tl.constexpr,
    BLOCK_K: tl.constexpr,
    PRECISION: tl.constexpr,
    SPLIT_C: tl.constexpr,
    SPLIT_K: tl.constexpr,
):
    h = tl.program_id(0).to(tl.int64)  # row starts in int64, positions within a row in int32
    n = tl.arange(0, BLOCK_N)
    n_mask = n < N
    vr, vi = load_complex(v_ptr + h * N * 2, n, n_mask)  # padded modes have v = 0: no contribution
    xr, xi = load_complex(x_ptr + h * N * 2, n, n_mask)
    zr, zi = _power_table(xr, xi, 1.0, BLOCK_N, C, SPLIT_C)  # (BLOCK_N, C)
    er, ei = _chunk_starts(xr, xi, tl.program_id(1), BLOCK_N, C, BLOCK_K, SPLIT_K)  # (BLOCK_K, BLOCK_N)
    wr = vr[None, :] * er - vi[None, :] * ei
    wi = vr[None, :] * ei + vi[None, :] * er
    out = tl.dot(wr, zr, input_precision=PRECISION) - tl.dot(wi, zi, input_precision=PRECISION)
    k = tl.program_id(1) * BLOCK_K + tl.arange(0, BLOCK_K)
    pos = k[:, None] * C + tl.arange(0, C)[None, :]
    tl.store(out_ptr + h * L + pos, 2.0 * out, mask=pos < L)  # (out_ptr + h L): int64, + pos: int32


@triton.jit
def _vandermonde_bwd_kernel(
    x_ptr,  # (H, N, 2)
    grad_ptr,  # (H, L) real
    s0_ptr,  # (H, P, N, 2) partial sum_l g_l conj(exp(x l))
    s1_ptr,  # (H, P, N, 2) partial sum_l g_l l conj(exp(x l))
    N,
    L,
    BLOCK_N: tl.constexpr,
    C: tl.constexpr,
    BLOCK_K: tl.constexpr,
    PRECISION: tl.constexpr,
    SPLIT_C: tl.constexpr,
    SPLIT_K: tl.constexpr,
):
    h = tl.program_id(0).to(tl.int64)  # row starts in int64, positions within a row in int32
    pk = tl.program_id(1)
    n = tl.arange(0, BLOCK_N)
    n_mask = n < N
    xr, xi = load_complex(x_ptr + h * N * 2, n, n_mask)
    j_int = tl.arange(0, C)
    j = j_int.to(xr.dtype)
    zr, zi = _power_table(xr, xi, 1.0, BLOCK_N, C, SPLIT_C)  # conj(Z) = zr - i zi
    k = pk * BLOCK_K + tl.arange(0, BLOCK_K)
    pos = k[:, None] * C + j_int[None, :]
    g = tl.load(grad_ptr + h * L + pos, mask=pos < L, other=0.0)  # (BLOCK_K, C)
    # P = G conj(Z)^T, Q = G (j conj(Z))^T: (BLOCK_K, BLOCK_N) each, real and imaginary parts.
    p_r = tl.dot(g, tl.trans(zr), input_precision=PRECISION)
    p_i = -tl.dot(g, tl.trans(zi), input_precision=PRECISION)
    q_r = tl.dot(g, tl.trans(zr * j[None, :]), input_precision=PRECISION)
    q_i = -tl.dot(g, tl.trans(zi * j[None, :]), input_precision=PRECISION)
    s = (k * C).to(xr.dtype)
    er, ei = _chunk_starts(xr, xi, pk, BLOCK_N, C, BLOCK_K, SPLIT_K)  # conj(exp(x s)) = er - i ei
    s0_r = tl.sum(er * p_r + ei * p_i, axis=0)
    s0_i = tl.sum(er * p_i - ei * p_r, axis=0)
    t_r = s[:, None] * p_r + q_r
    t_i = s[:, None] * p_i + q_i
    s1_r = tl.sum(er * t_r + ei * t_i, axis=0)
    s1_i = tl.sum(er * t_i - ei * t_r, axis=0)
    part = (h * tl.num_programs(1) + pk) * N * 2  # int64
    store_complex(s0_ptr + part, n, s0_r, s0_i, n_mask)
    store_complex(s1_ptr + part, n, s1_r, s1_i, n_mask)


# Launch settings that replace the defaults below, by key: "C", "BLOCK_K", "num_warps", "precision",
# "factor" (forward) and the same with a "bwd_" prefix (backward). benchmarks/tune_kernels.py sets
# them to time the alternatives on a GPU.
TUNING: dict[str, int | str] = {}

# float32 defaults for L >= 4096, from the sweep on an H200 (H=1024, N=32, L=16384):
# forward 221 -> 140 us, forward+backward 4.9 -> 0.84 ms (the PyTorch path: 315 us, 1.1 ms), same
# accuracy. "tf32x3" runs tl.dot on the tensor cores with each fp32 operand split into tf32 parts,
# at about fp32 accuracy (plain tf32 would cost ~1e-3 relative error).
# Factored exponential tables (a second sweep, 2026-11-30): the backward's forward+backward went
# 892 -> 798 us (713 us in another row of the same run), the forward 130 -> 325 us (the 3-D
# products and their reshape cost more than the cosines they save), so only the backward uses them.
_LONG_FLOAT32 = {"C": 64, "BLOCK_K": 32, "num_warps": 8, "precision": "tf32x3"}
_LONG_FLOAT32_BACKWARD = {"C": 64, "BLOCK_K": 16, "num_warps": 4, "precision": "tf32x3"}


def split_of(M: int, factor: bool) -> int:
    """The inner size A of a factored (BLOCK_N, M) exponential table (m = A b + a), 1 if not factored:
    about sqrt(M), so A + M / A exponentials per mode instead of M."""
    if not factor or M < 4:
        return 1
    return 1 << (M.bit_length() // 2)  # 2 ** ceil(log2(M) / 2) for a power of two M


def _settings(N: int, L: int, dtype: torch.dtype, backward: bool = False) -> tuple[int, ...]:
    """(BLOCK_N, C, BLOCK_K, num_warps, precision, SPLIT_C, SPLIT_K) for a launch; tl.dot needs every
    dimension >= 16.

    Shorter kernels and float64 keep full-precision products on the CUDA cores ("ieee"); they were
    not part of the sweep.
    """
    BLOCK_N = next_pow2(N, 16)
    settings: dict[str, int | str] = {
        "C": 64 if L >= 4096 else 32,
        "BLOCK_K": 64 if BLOCK_N <= 64 else 32,
        "num_warps": 4,
        "precision": "ieee",
        "factor": int(backward),
    }
    if interpreting():
        settings.update(C=16, BLOCK_K=16)
    elif dtype == torch.complex64 and L >= 4096:
        settings.update(_LONG_FLOAT32_BACKWARD if backward else _LONG_FLOAT32)
        if L >= 16384 and not backward:
            settings["C"] = 128
    for key, value in TUNING.items():
        if key.startswith("bwd_") == backward:
            settings[key.removeprefix("bwd_")] = value
    if dtype == torch.complex128:
        settings["precision"] = "ieee"  # tf32 products exist for float32 only
    C, BLOCK_K, factor = int(settings["C"]), int(settings["BLOCK_K"]), bool(settings["factor"])
    return (
        BLOCK_N, C, BLOCK_K, int(settings["num_warps"]), str(settings["precision"]),
        split_of(C, factor), split_of(BLOCK_K, factor),
    )  # fmt: skip


def _launch(N: int, L: int, dtype: torch.dtype, backward: bool = False) -> tuple[int, dict[str, int | str]]:
    """``(P, options)`` of a launch: P programs per channel (chunk rows of BLOCK_K), and the kernel's
    block sizes, precision and ``num_warps`` from :func:`_settings`, as keywords."""
    BLOCK_N, C, BLOCK_K, num_warps, precision, SPLIT_C, SPLIT_K = _settings(N, L, dtype, backward)
    options: dict[str, int | str] = dict(
        BLOCK_N=BLOCK_N, C=C, BLOCK_K=BLOCK_K, PRECISION=precision, SPLIT_C=SPLIT_C, SPLIT_K=SPLIT_K,
        num_warps=num_warps,
    )  # fmt: skip
    return triton.cdiv(triton.cdiv(L, C), BLOCK_K), options


def check_vandermonde_offsets(N: int, L: int, dtype: torch.dtype) -> None:
    """Refuse an L whose positions within one channel's row pass 2^31 - 1 (see the module docstring).

    Rows start at 64-bit offsets, so only a single row of about 2^31 positions is too long.
    """
    settings = [_settings(N, L, dtype, backward) for backward in (False, True)]
    largest = {
        f"positions within one row of {L:,} kernel values": max(
            L + BLOCK_K * C for _, C, BLOCK_K, *_ in settings
        ),
        f"positions within one row of {N:,} modes": 2 * settings[0][0],
    }
    check_int32_offsets("vandermonde", largest)


class VandermondeTriton(torch.autograd.Function):
    @staticmethod
    def forward(ctx, v: Tensor, x: Tensor, L: int) -> Tensor:
        H, N = v.shape
        cdtype = compute_dtype(v, x)
        v_c, x_c = plain(v.to(cdtype)), plain(x.to(cdtype))
        out = torch.empty(H, L, dtype=real_dtype(cdtype), device=v.device)
        P, options = _launch(N, L, cdtype)
        _vandermonde_fwd_kernel[(H, P)](
            torch.view_as_real(v_c), torch.view_as_real(x_c), out, N, L, **options
        )
        ctx.save_for_backward(v_c, x_c, v, x)
        return out

    @staticmethod
    def backward(ctx, grad_out: Tensor):
        v_c, x_c, v, x = ctx.saved_tensors
        L = grad_out.shape[-1]
        if torch.is_grad_enabled():  # double backward: gradients with a graph, from the PyTorch path
            return (
                *graph_gradients(
                    lambda v, x: vandermonde_torch(v, x, L), (v, x), grad_out, ctx.needs_input_grad
                ),
                None,
            )
        H, N = v_c.shape
        grad = plain(grad_out.to(real_dtype(v_c.dtype)))
        P, options = _launch(N, L, v_c.dtype, backward=True)
        s0 = torch.empty(H, P, N, dtype=v_c.dtype, device=v_c.device)
        s1 = torch.empty_like(s0)
        sums = torch.view_as_real(s0), torch.view_as_real(s1)
        _vandermonde_bwd_kernel[(H, P)](complex_view(x_c, x_c.dtype), grad, *sums, N, L, **options)
        grad_v = 2 * s0.sum(1)
        grad_x = 2 * v_c.conj() * s1.sum(1)
        # Real inputs (a real decay) get the real part, without the warning .to() gives for it.
        return cast_gradient(grad_v, v), cast_gradient(grad_x, x), None


def vandermonde_triton(v: Tensor, x: Tensor, L: int) -> Tensor:
    """Triton Vandermonde kernel (shapes as :func:`ssm_ts.kernels.vandermonde`), differentiable."""
    check_vandermonde_offsets(v.shape[-1], L, compute_dtype(v, x))
    return VandermondeTriton.apply(v, x, L)
