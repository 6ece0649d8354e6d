"""Loads and stores of interleaved complex numbers inside Triton kernels.

A complex tensor reaches a kernel as its real view (..., 2): element ``i`` has its real part at
``2 i`` and its imaginary part at ``2 i + 1`` (see :mod:`ssm_ts.kernels.triton.common`).

Callers pass ``ptr`` already advanced to the start of a row in int64 and ``index`` as int32
positions within that row, so ``index * 2`` stays small (see the offsets note in ``common``).
"""

from __future__ import annotations

import triton
import triton.language as tl


@triton.jit
def load_complex(ptr, index, mask):
    """(real, imag) of the complex elements ``index`` (any block shape); 0 where masked."""
    return (
        tl.load(ptr + index * 2, mask=mask, other=0.0),
        tl.load(ptr + index * 2 + 1, mask=mask, other=0.0),
    )


@triton.jit
def store_complex(ptr, index, real, imag, mask):
    """Write ``real + i imag`` to the complex elements ``index``."""
    tl.store(ptr + index * 2, real, mask=mask)
    tl.store(ptr + index * 2 + 1, imag, mask=mask)
