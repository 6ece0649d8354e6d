"""SpaceTime's decoder keeps what it computes from its parameters alone (Krylov columns, kernels) between
forecasts made without gradients: one forecast of a window spent most of its time recomputing them.
The forecasts are the same, bit for bit, and any change of the weights recomputes them."""

from __future__ import annotations

import copy

import pytest
import torch

from ssm_ts.models import spacetime_layers
from ssm_ts.models.spacetime_layers import ClosedLoopCompanionDecoder
from tests.call_counts import counted_calls


@pytest.fixture
def krylov_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    return counted_calls(monkeypatch, spacetime_layers, "krylov")


def _decoder() -> ClosedLoopCompanionDecoder:
    torch.manual_seed(0)
    decoder = ClosedLoopCompanionDecoder(d_model=4, d_state=6, horizon=5)
    with torch.no_grad():
        decoder.k.normal_(std=0.1)
    return decoder.eval()


def test_forecasts_without_gradients_compute_the_parameter_terms_once(krylov_calls: list[int]) -> None:
    decoder = _decoder()
    fresh = copy.deepcopy(decoder)
    u1, u2 = torch.randn(3, 12, 4), torch.randn(2, 12, 4)
    with torch.no_grad():
        first, second = decoder(u1), decoder(u2)
    assert len(krylov_calls) == 2  # columns and horizon rows, once: the old code computed them per call
    with torch.no_grad():
        for got, want in ((first, fresh(u1)), (second, fresh(u2))):
            for g, w in zip(got, want, strict=True):
                assert torch.equal(g, w)


def test_changed_weights_length_or_gradients_recompute_them(krylov_calls: list[int]) -> None:
    decoder, u = _decoder(), torch.randn(2, 12, 4)
    with torch.no_grad():
        before = decoder(u)[0]
        decoder.k.data.add_(0.05)  # through .data: no version bump, as an EMA swap may do
        after = decoder(u)[0]
        fresh = copy.deepcopy(decoder)
        fresh._terms = type(fresh._terms)()
        assert not torch.equal(before, after) and torch.equal(after, fresh(u)[0])
        decoder(torch.randn(2, 9, 4))  # another length
    calls = len(krylov_calls)
    horizon = decoder(u)[0]  # gradients on: computed afresh, with their graph
    assert len(krylov_calls) == calls + 2 and horizon.requires_grad
    horizon.sum().backward()
    assert decoder.k.grad is not None and decoder.ssm.a_raw.grad is not None
