"""Helpers shared by the Triton launchers: real views of complex tensors, block sizes, and the
guard on 32-bit offsets.

Triton has no complex dtype, so a complex (..., N) tensor is passed as its interleaved real view
(..., N, 2): the real part of element i sits at 2 i, the imaginary part at 2 i + 1. Kernels keep
the precision they are given (float32 or float64); half precision is computed in float32.

Offsets. Program ids and ``tl.arange`` are int32 in Triton, and so is every product of them, so an
offset past 2^31 - 1 floats (8 GB of float32, reached by e.g. a (16, 16384, 8192) scan input)
wraps and reads or writes the wrong memory without any error. Every kernel therefore forms the
start of its row (a time step, a channel, a block of state rows) in int64 (``pid.to(tl.int64) * ...``,
as mamba's and FlashAttention's Triton kernels do) and adds only offsets *within* that row in
int32, which keeps the per-element index math in 32-bit registers. The within-row offsets are
bounded by one row's size; :func:`check_int32_offsets` refuses the (rare) shapes where even that
bound passes 2^31 - 1, before anything is launched.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import Tensor

from ssm_ts.errors import KernelBackendError
from ssm_ts.kernels.dispatch import triton_interpreting

INT32_MAX = 2**31 - 1
TORCH_FIX = "run it with backend='torch' (or SSM_TS_BACKEND=torch)"


def check_int32_offsets(op: str, offsets: dict[str, int], fix: str = TORCH_FIX) -> None:
    """Raise :class:`KernelBackendError` if an offset a kernel keeps in int32 can pass 2^31 - 1.

    Args:
        op: the op's name, for the message.
        offsets: a description of each int32 offset -> its largest value (in floats, including
            the masked lanes of the last block) for the launch at hand.
        fix: what the caller can do instead.
    """
    for what, largest in offsets.items():
        if largest > INT32_MAX:
            raise KernelBackendError(
                f"{op}: these shapes are too large for the Triton kernel, which indexes {what} with "
                f"32-bit offsets: the largest is {largest:,}, over 2^31 - 1 = {INT32_MAX:,}; {fix}"
            )


def compute_dtype(*tensors: Tensor | None) -> torch.dtype:
    """The complex dtype the kernels compute in: complex128 if any input is 64-bit, else complex64."""
    wide = any(t is not None and t.dtype in (torch.float64, torch.complex128) for t in tensors)
    return torch.complex128 if wide else torch.complex64


def real_dtype(dtype: torch.dtype) -> torch.dtype:
    return torch.float64 if dtype in (torch.float64, torch.complex128) else torch.float32


def plain(t: Tensor) -> Tensor:
    """``t`` as the memory a kernel reads: contiguous, with no lazy conjugate or negation left.

    A kernel sees only ``data_ptr`` and the strides, not PyTorch's conjugate and negative bits: a
    ``z.conj()`` input (or a gradient of a loss written with ``.conj()``) reached ``view_as_real``,
    which refuses it, and a real negative view (``torch._neg_view``, ``.imag`` of a conjugate) was
    read with its sign flipped, silently. Resolving them is free for every other tensor."""
    return t.resolve_conj().resolve_neg().contiguous()


def complex_view(t: Tensor, dtype: torch.dtype) -> Tensor:
    """Contiguous interleaved float view (..., 2) of ``t`` converted to the complex ``dtype``."""
    return torch.view_as_real(plain(t.to(dtype)))


def next_pow2(n: int, minimum: int = 1) -> int:
    return max(minimum, 1 << max(0, (int(n) - 1).bit_length()))


def graph_gradients(
    fn: Callable[..., Any], inputs: Sequence[Tensor | None], grad_outputs: Any, needs: Sequence[bool]
) -> tuple[Tensor | None, ...]:
    """Gradients of ``fn(*inputs)`` (an op's PyTorch path) that carry a graph, for double backward.

    The Triton backward kernels return gradients with no graph of their own: differentiating them
    again (gradient penalties, MAML) silently gave 0 for their part. Under ``create_graph`` each
    Triton op's backward calls this instead; ``needs`` is ``ctx.needs_input_grad``."""
    wanted = [i for i, need in enumerate(needs[: len(inputs)]) if need and inputs[i] is not None]
    with torch.enable_grad():
        outputs = fn(*inputs)
        grads = torch.autograd.grad(
            outputs, [inputs[i] for i in wanted], grad_outputs, create_graph=True, allow_unused=True
        )
    result: list[Tensor | None] = [None] * len(inputs)
    for i, g in zip(wanted, grads, strict=True):
        result[i] = torch.zeros_like(inputs[i]) if g is None else g
    return tuple(result)


def interpreting() -> bool:
    """Small blocks under the CPU interpreter (each program is simulated in numpy)."""
    return triton_interpreting()
