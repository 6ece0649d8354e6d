"""The 2-D S4ND encoder keeps its axes' kernels and Toeplitz operators between predictions (calls
without gradients): a prediction in batches computed them again for every batch. The same logits, bit
for bit; recomputed after an optimizer step or ``load_state_dict``; never kept while training."""

from __future__ import annotations

import copy

import pytest
import torch

from ssm_ts.models import s4nd
from ssm_ts.models.s4nd import S4NDEncoder2d
from tests.call_counts import counted_calls

LAYERS = 2


def _model(seed: int = 0) -> S4NDEncoder2d:
    torch.manual_seed(seed)
    return S4NDEncoder2d(n_channels=6, n_classes=3, d_model=4, n_layers=LAYERS, d_state=4, dropout=0.0).eval()


def _batches() -> list[tuple[torch.Tensor, torch.Tensor]]:
    generator = torch.Generator().manual_seed(1)
    x = torch.randn(3, 2, 10, 6, generator=generator)  # 3 batches of (2, length 10, 6 bins)
    mask = torch.ones(2, 10, dtype=torch.bool)
    mask[1, 7:] = False
    return [(batch, mask) for batch in x]


def _fresh_logits(model: S4NDEncoder2d, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The logits computed from scratch: a copy starts with nothing kept."""
    with torch.no_grad():
        return copy.deepcopy(model)(x, mask)


@pytest.fixture
def kernel_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    return counted_calls(monkeypatch, s4nd, "bidirectional_kernel")


def test_predictions_in_batches_compute_the_kernels_once(kernel_calls: list[int]) -> None:
    model = _model()
    with torch.no_grad():
        logits = [model(x, mask) for x, mask in _batches()]
    assert len(kernel_calls) == 2 * LAYERS  # both axes of each layer, for the first batch only
    with torch.no_grad():  # another length or rate: computed again
        model(_batches()[0][0][:, :8], rate=0.5)
    assert len(kernel_calls) == 4 * LAYERS
    for got, (x, mask) in zip(logits, _batches(), strict=True):
        assert torch.equal(got, _fresh_logits(model, x, mask))


def test_an_optimizer_step_and_load_state_dict_recompute_them(kernel_calls: list[int]) -> None:
    model = _model()
    (x, mask), (x2, _) = _batches()[:2]
    with torch.no_grad():
        before = model(x, mask)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    model.train()
    model(x2).logsumexp(-1).mean().backward()
    optimizer.step()
    model.eval()
    with torch.no_grad():
        after = model(x, mask)
    assert not torch.equal(after, before)
    assert torch.equal(after, _fresh_logits(model, x, mask))

    other = _model(seed=5)
    model.load_state_dict(other.state_dict())
    with torch.no_grad():
        loaded = model(x, mask)
    assert torch.equal(loaded, _fresh_logits(other, x, mask))


def test_never_kept_with_gradients(kernel_calls: list[int]) -> None:
    model = _model()
    (x, mask), _ = _batches()[:2]
    for calls in (1, 2):
        logits = model(x, mask)
        assert len(kernel_calls) == 2 * LAYERS * calls
    logits.sum().backward()
    assert all(ssm.log_dt.grad is not None for ssm in model.blocks[0].conv.time)


def test_large_toeplitz_operators_are_kept_as_kernels(monkeypatch: pytest.MonkeyPatch) -> None:
    """Over ``KEPT_OPERATOR_BYTES`` a Toeplitz operator is gathered again per call from its kept kernel."""
    monkeypatch.setattr(s4nd, "KEPT_OPERATOR_BYTES", 0)
    gathers = counted_calls(monkeypatch, s4nd, "toeplitz")
    model = _model()
    (x, mask), (x2, mask2) = _batches()[:2]
    with torch.no_grad():
        model(x, mask)
        second = model(x2, mask2)
    assert len(gathers) == 2 * 2 * LAYERS
    monkeypatch.setattr(s4nd, "KEPT_OPERATOR_BYTES", 2**30)
    assert torch.equal(second, _fresh_logits(model, x2, mask2))
