"""Helpers shared by the Triton launchers: real views of complex tensors and block sizes.

Triton has no complex dtype, so a complex (..., N) tensor is passed as its interleaved real view
(..., N, 2): the real part of element i sits at 2 i, the imaginary part at 2 i + 1. Kernels keep
the precision they are given (float32 or float64); half precision is computed in float32.
"""

from __future__ import annotations

import torch
from torch import Tensor

from ssm_ts.kernels.dispatch import triton_interpreting


def compute_dtype(*tensors: Tensor | None) -> torch.dtype:
    """The complex dtype the kernels compute in: complex128 if any input is 64-bit, else complex64."""
    wide = any(t is not None and t.dtype in (torch.float64, torch.complex128) for t in tensors)
    return torch.complex128 if wide else torch.complex64


def real_dtype(dtype: torch.dtype) -> torch.dtype:
    return torch.float64 if dtype in (torch.float64, torch.complex128) else torch.float32


def complex_view(t: Tensor, dtype: torch.dtype) -> Tensor:
    """Contiguous interleaved float view (..., 2) of ``t`` converted to the complex ``dtype``."""
    return torch.view_as_real(t.to(dtype).contiguous())


def next_pow2(n: int, minimum: int = 1) -> int:
    return max(minimum, 1 << max(0, (int(n) - 1).bit_length()))


def interpreting() -> bool:
    """Small blocks under the CPU interpreter (each program is simulated in numpy)."""
    return triton_interpreting()
