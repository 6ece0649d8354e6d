"""Vandermonde kernel generation for diagonal SSMs (S4D).

    K[h, l] = 2 Re sum_n v[h, n] exp(x[h, n] l),    l = 0 .. L-1

with complex ``v`` (C * B, already discretised) and ``x`` (dt * A) of shape (H, N). Output is a
real (H, L) tensor.

Paths:
- :func:`vandermonde_reference`: materialises the (H, N, L) matrix; the specification.
- :func:`vandermonde_torch`: a chunked GEMM. Write l = c * k + j with chunk size c ~ sqrt(L):
  exp(x l) = exp(x c k) * exp(x j), so K = Re(W @ Z) with W[h, k, n] = v exp(x c k) of shape
  (H, L/c, N) and Z[h, n, j] = exp(x j) of shape (H, N, c). Memory O(H N sqrt(L)) instead of
  O(H N L), and the work is one batched real matmul.
- Triton (``ssm_ts.kernels.triton.vandermonde``) on CUDA.
"""

from __future__ import annotations

import math
import numbers

import torch
from torch import Tensor

from ssm_ts.errors import ConfigError
from ssm_ts.kernels.dispatch import resolve_backend


def check_vandermonde_inputs(v: Tensor, x: Tensor, L: int) -> None:
    """Raise :class:`ConfigError` naming the argument that does not fit: ``v``, ``x`` (H, N), ``L`` >= 0."""
    if v.dim() != 2 or tuple(x.shape) != tuple(v.shape):
        raise ConfigError(
            f"vandermonde: v and x must both be (H, N), got v {tuple(v.shape)} and x {tuple(x.shape)}"
        )
    traced = isinstance(L, Tensor) and L.dim() == 0 and L.dtype in (torch.int32, torch.int64)  # jit.trace
    if not traced and (isinstance(L, bool) or not isinstance(L, numbers.Integral)) or L < 0:
        raise ConfigError(f"vandermonde: L must be an integer >= 0, got {L!r}")


def common_complex(v: Tensor, x: Tensor) -> tuple[Tensor, Tensor]:
    """``v`` and ``x`` in one complex dtype: their promoted one, complex64 at least.

    Real decays are taken, as on the Triton path; mixed precisions (complex128 ``v``, complex64 ``x``)
    failed in the matmul ("expected scalar type Double but found Float"), where Triton computes both
    in the wider one."""
    dtype = torch.promote_types(torch.promote_types(v.dtype, x.dtype), torch.complex64)
    return v.to(dtype), x.to(dtype)


def vandermonde_reference(v: Tensor, x: Tensor, L: int) -> Tensor:
    """Plain definition. ``v``, ``x``: complex (H, N). Returns real (H, L)."""
    v, x = common_complex(v, x)
    positions = torch.arange(L, device=x.device, dtype=x.real.dtype)
    powers = torch.exp(x.unsqueeze(-1) * positions)  # (H, N, L)
    return 2 * torch.einsum("hn,hnl->hl", v, powers).real


def vandermonde_torch(v: Tensor, x: Tensor, L: int, chunk: int | None = None) -> Tensor:
    """Chunked GEMM form (see module docstring). ``v``, ``x``: complex or real (H, N). Returns real (H, L)."""
    v, x = common_complex(v, x)
    c = chunk or max(1, int(math.ceil(math.sqrt(L))))
    # Always one position past L (a chunk more when c divides L): the slice below is then never the
    # whole padded kernel. Where it was (L a multiple of c: 36, 4096), the result's contiguity changed
    # with L, so torch.compile guarded on it and compiled S4D again, dynamic=True included.
    n_chunks = L // c + 1
    real_dtype = x.real.dtype
    within = torch.arange(c, device=x.device, dtype=real_dtype)
    starts = torch.arange(n_chunks, device=x.device, dtype=real_dtype) * c
    Z = torch.exp(x.unsqueeze(-1) * within)  # (H, N, c)
    W = v.unsqueeze(-2) * torch.exp(x.unsqueeze(-2) * starts.unsqueeze(-1))  # (H, n_chunks, N)
    # Re(W Z) = Wr Zr - Wi Zi as one real matmul over the stacked (2N) axis.
    W_real = torch.cat([W.real, -W.imag], dim=-1)  # (H, n_chunks, 2N)
    Z_real = torch.cat([Z.real, Z.imag], dim=-2)  # (H, 2N, c)
    K = 2 * torch.matmul(W_real, Z_real)  # (H, n_chunks, c)
    return K.reshape(K.shape[0], n_chunks * c)[:, :L]


def vandermonde(v: Tensor, x: Tensor, L: int, backend: str = "auto") -> Tensor:
    """K[h, l] = 2 Re sum_n v[h, n] exp(x[h, n] l).

    Args:
        v: complex (H, N) coefficients (C B after discretisation).
        x: complex (H, N) exponents (dt A).
        L: kernel length.
        backend: ``"auto"`` | ``"torch"`` | ``"triton"`` (see :mod:`ssm_ts.kernels.dispatch`).

    Returns:
        real (H, L) kernel; differentiable with respect to ``v`` and ``x``.
    """
    check_vandermonde_inputs(v, x, L)
    if resolve_backend(backend, v, x) == "triton":
        from ssm_ts.kernels.triton.vandermonde import vandermonde_triton

        return vandermonde_triton(v, x, L)
    return vandermonde_torch(v, x, L)
