"""Tensors a SpaceTime layer computes from its parameters alone (Krylov columns, kernels), kept between
calls while no gradient is recorded and the parameters hold the same values: a forecast of one window
spent most of its time recomputing them (:class:`ParameterTermsCache`)."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

import torch
from torch import nn

T = TypeVar("T")


class ParameterTermsCache:
    """The last value of ``compute()`` for a ``key`` (e.g. the sequence length) and the values of a
    module's parameters. It is reused only with gradients off (``torch.no_grad``, ``inference_mode``:
    a training step needs the graph from the parameters) when every parameter is equal, element for
    element, to a copy taken when it was computed: an optimizer step, ``load_state_dict``, an EMA swap
    through ``.data`` or a move to another device or dtype all recompute it. The same values as a fresh
    computation, bit for bit."""

    def __init__(self) -> None:
        self._entry: tuple[Hashable, list[torch.Tensor], object] | None = None

    def get(self, module: nn.Module, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()``, or its kept value for ``key`` and ``module``'s current parameter values."""
        if torch.is_grad_enabled():
            self._entry = None  # trained weights will differ: nothing to keep
            return compute()
        params = list(module.parameters())
        device = params[0].device.type if params else "cpu"
        # inference tensors stay in inference mode; autocast computes in other dtypes
        autocast = torch.is_autocast_enabled(device) and torch.get_autocast_dtype(device)
        full_key = (key, torch.is_inference_mode_enabled(), autocast)
        entry = self._entry
        if entry is not None and entry[0] == full_key and _same_values(entry[1], params):
            return entry[2]  # type: ignore[return-value]
        value = compute()
        self._entry = (full_key, [p.detach().clone() for p in params], value)  # one swap: thread-safe reads
        return value


def _same_values(kept: list[torch.Tensor], params: list[torch.Tensor]) -> bool:
    return len(kept) == len(params) and all(
        k.shape == p.shape and k.dtype == p.dtype and k.device == p.device and torch.equal(k, p)
        for k, p in zip(kept, params, strict=True)
    )
