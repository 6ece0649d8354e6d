"""``ParameterTermsCache.get_for``: terms computed from given tensors (not a module's weights), kept
while those hold the same values; with gradients on, kept only when none of them requires one."""

from __future__ import annotations

import torch

from ssm_ts.core.parameter_terms import ParameterTermsCache


def _counted(tensor: torch.Tensor, computed: list[int]):
    def compute() -> torch.Tensor:
        computed.append(1)
        return tensor.detach() * 2

    return compute


def test_kept_while_the_tensors_hold_the_same_values() -> None:
    cache, computed, tensor = ParameterTermsCache(), [], torch.arange(4.0)
    first = cache.get_for([tensor], "key", _counted(tensor, computed))
    assert cache.get_for([tensor.clone()], "key", _counted(tensor, computed)) is first  # gradients on
    assert len(computed) == 1
    tensor[0] = 9.0  # written in place: computed again
    assert cache.get_for([tensor], "key", _counted(tensor, computed))[0] == 18.0
    cache.get_for([tensor], "other key", _counted(tensor, computed))
    assert len(computed) == 3


def test_not_kept_with_gradients_through_the_tensors() -> None:
    cache, computed, tensor = ParameterTermsCache(), [], torch.arange(4.0, requires_grad=True)
    for _ in range(2):
        cache.get_for([tensor], "key", _counted(tensor, computed))
    assert len(computed) == 2
    with torch.no_grad():
        for _ in range(2):
            cache.get_for([tensor], "key", _counted(tensor, computed))
    assert len(computed) == 3
