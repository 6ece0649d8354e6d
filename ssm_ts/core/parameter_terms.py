"""Tensors computed from a module's weights alone (convolution kernels and their spectra, discretised
matrices, Krylov columns), kept between calls made without gradients while the weights hold the same
values: a forecast of one window spent most of its time recomputing them (:class:`ParameterTermsCache`).

The one cache of the core: :meth:`ssm_ts.core.SSM.cached` (``step``'s discretisation),
:class:`ssm_ts.core.FFTConv` (the kernel's FFT), SpaceTime's decoder and the 2-D S4ND layer all keep
their terms in one; the random-feature classifier keeps its kernels' spectra in one too, keyed on the
drawn kernels' arrays instead of a module's weights (:meth:`ParameterTermsCache.get_for`).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import torch
from torch import Tensor, nn

T = TypeVar("T")


def _transforming() -> bool:
    """Whether a ``torch.func`` transform (vmap, grad, jacrev) is running: its tensors are wrappers
    valid inside it only (a vmapped ensemble's parameters are batched), so nothing may be kept."""
    peek = getattr(getattr(torch._C, "_functorch", None), "peek_interpreter_stack", None)
    return peek is not None and peek() is not None


def _tensors(module: nn.Module) -> list[Tensor]:
    """``module``'s parameters and buffers: its own directly when it has no submodules (``parameters()``
    walks the tree, which costs as much as the whole check for a small SSM)."""
    if not module._modules:
        return [t for d in (module._parameters, module._buffers) for t in d.values() if t is not None]
    return [*module.parameters(), *module.buffers()]


def _same_values(kept: list[Tensor], tensors: list[Tensor]) -> bool:
    """Whether ``tensors`` still hold exactly the values (and dtypes, shapes, devices) of ``kept``.

    One ``torch.equal`` per tensor: a few microseconds each on CPU; on CUDA each waits for the device."""
    return len(kept) == len(tensors) and all(
        k.dtype is t.dtype and k.device == t.device and k.shape == t.shape and torch.equal(k, t)
        for k, t in zip(kept, tensors, strict=True)
    )


class ParameterTermsCache:
    """The last value of ``compute()`` for a ``key`` (e.g. the sequence length and rate) and the values of
    a module's parameters and buffers.

    It is reused only with gradients off (``torch.no_grad``, ``inference_mode``: a training step needs
    the graph from the parameters) when every parameter and buffer is equal, element for element, to a
    copy taken when it was computed: an optimizer step, ``load_state_dict``, an EMA swap through
    ``.data`` or a move to another device or dtype all recompute it. Version counters would miss the
    ``.data`` writes. Never kept while ``torch.compile``, ``torch.jit.trace`` or a ``torch.func``
    transform runs, nor for meta tensors. The same values as a fresh computation, bit for bit.

    One entry: a second key replaces the first. Copies, pickles and ``torch.save`` of the owner start
    empty (the kept tensors may be views that ``torch.save`` refuses)."""

    def __init__(self) -> None:
        self._entry: tuple[Hashable, list[Tensor], Any] | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._entry = None

    def clear(self) -> None:
        """Forget the kept value (and the weights' copy)."""
        self._entry = None

    def get(self, module: nn.Module, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()``, or its kept value for ``key`` and ``module``'s current parameter values."""
        if torch.compiler.is_compiling():
            return compute()
        if torch.is_grad_enabled():
            self._entry = None  # trained weights will differ: nothing to keep
            return compute()
        return self._get(_tensors(module), key, compute)

    def get_for(self, tensors: list[Tensor], key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()``, or its kept value for ``key`` and the current values of ``tensors``, the only
        tensors ``compute`` reads (not a module's weights: e.g. the drawn kernels of random features).

        As :meth:`get`, but also kept with gradients on when none of ``tensors`` requires a gradient:
        there is then no graph to record (a plain call of a fitted closed-form model)."""
        if torch.compiler.is_compiling():
            return compute()
        if torch.is_grad_enabled() and any(t.requires_grad for t in tensors):
            self._entry = None
            return compute()
        return self._get(tensors, key, compute)

    def _get(self, tensors: list[Tensor], key: Hashable, compute: Callable[[], T]) -> T:
        if torch.jit.is_tracing() or _transforming():
            return compute()  # a graph must record the computation; wrappers must not leak out
        device = tensors[0].device.type if tensors else "cpu"
        if device == "meta":  # no values to compare
            return compute()
        # inference tensors stay in inference mode; autocast computes in other dtypes
        autocast = (
            torch.amp.is_autocast_available(device)
            and torch.is_autocast_enabled(device)
            and torch.get_autocast_dtype(device)
        )
        full_key = (key, torch.is_inference_mode_enabled(), autocast)
        entry = self._entry
        if entry is not None and entry[0] == full_key and _same_values(entry[1], tensors):
            return entry[2]
        value = compute()
        self._entry = (full_key, [t.detach().clone() for t in tensors], value)  # one swap: thread-safe reads
        return value


def keep_terms(module: nn.Module, name: str, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()`` through the :class:`ParameterTermsCache` held in ``module.__dict__[name]``, made on
    first use (modules unpickled from before it existed get one too; not a submodule, so never in a
    ``state_dict``). While ``torch.compile`` traces, straight to ``compute()``: no Python side effects."""
    if torch.compiler.is_compiling():
        return compute()
    cache = module.__dict__.get(name)
    if cache is None:
        cache = module.__dict__[name] = ParameterTermsCache()
    return cache.get(module, key, compute)
