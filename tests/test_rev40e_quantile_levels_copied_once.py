"""The quantile (pinball) loss copies its levels to the forecast's device once per device and dtype: it
copied them from the host at every call (``self.quantiles.to(pred)``), and on a GPU a copy from the host
waits for the device (a sync per training and evaluation batch). The values are the old ones, bit for bit.

The ``meta`` device stands in for a GPU: a copy to it is a copy across devices, recorded by the recorder of
tests/test_fcst39_ddp_padding_no_sync.py with the cross-device copies added."""

from __future__ import annotations

import copy
import pickle

import pytest
import torch

from ssm_ts.models.losses import QuantileLoss
from tests.test_fcst39_ddp_padding_no_sync import SyncCalls

LEVELS = [0.1, 0.5, 0.9]


class DeviceCopies(SyncCalls):
    """:class:`SyncCalls`, and every copy of a tensor to another device (``"to"``)."""

    def __torch_function__(self, func, types, args=(), kwargs=None):
        result = super().__torch_function__(func, types, args, kwargs)
        source = args[0] if args else None
        if (
            isinstance(source, torch.Tensor)
            and isinstance(result, torch.Tensor)
            and result.device != source.device
        ):
            self.calls.append(getattr(func, "__name__", str(func)))
        return result


def pinball(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """The old loss: the levels copied to ``pred`` at the call."""
    levels = torch.tensor(LEVELS).to(pred)
    error = target.unsqueeze(-1) - pred
    return torch.maximum(levels * error, (levels - 1) * error).mean()


def test_the_levels_reach_the_forecasts_device_once():
    loss, copies = QuantileLoss(LEVELS), DeviceCopies()
    pred, target = torch.zeros(4, 6, 2, 3, device="meta"), torch.zeros(4, 6, 2, device="meta")
    with copies:
        for _ in range(3):  # three batches
            assert loss(pred, target).shape == ()
    assert copies.calls == ["to"]  # was ['to', 'to', 'to']: one a batch
    with copies:
        loss(pred.to(torch.float64), target.to(torch.float64))  # another dtype: a copy of its own
    assert copies.calls == ["to", "to"]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.bfloat16])
def test_the_loss_is_the_old_one_bit_for_bit_in_each_dtype(dtype):
    torch.manual_seed(0)
    loss = QuantileLoss(LEVELS)
    for _ in range(2):  # the first call fills the cache, the second reads it
        for kind in (torch.float32, dtype):  # levels rounded to each dtype, never one dtype's reused
            pred, target = torch.randn(5, 7, 2, 3, dtype=kind), torch.randn(5, 7, 2, dtype=kind)
            assert torch.equal(loss(pred, target), pinball(pred, target)), kind


def test_levels_first_copied_in_an_evaluation_still_train():
    """Lightning evaluates under ``torch.inference_mode`` (the sanity check runs before the first training
    step): levels copied there must not be inference tensors, which autograd refuses to save. float64: a
    copy (float32 levels for a float32 forecast on the CPU are the levels themselves)."""
    loss = QuantileLoss(LEVELS)
    pred, target = torch.randn(3, 4, 2, 3, dtype=torch.float64), torch.randn(3, 4, 2, dtype=torch.float64)
    with torch.inference_mode():
        evaluated = loss(pred, target)
    trained = pred.clone().requires_grad_(True)
    value = loss(trained, target)
    value.backward()
    assert torch.equal(value.detach(), evaluated) and trained.grad is not None
    expected = trained.detach().clone().requires_grad_(True)
    pinball(expected, target).backward()
    assert torch.equal(trained.grad, expected.grad)


def test_a_copied_or_pickled_loss_keeps_its_levels_and_no_device_copies():
    loss = QuantileLoss(LEVELS)
    loss(torch.zeros(1, 1, 1, 3, device="meta"), torch.zeros(1, 1, 1, device="meta"))
    for other in (copy.deepcopy(loss), pickle.loads(pickle.dumps(loss))):
        assert torch.equal(other.quantiles, torch.tensor(LEVELS))
        pred, target = torch.randn(2, 3, 1, 3), torch.randn(2, 3, 1)
        assert torch.equal(other(pred, target), pinball(pred, target))
    # a pickle holds the levels, not their copies on the devices they were used on
    assert b"meta" not in pickle.dumps(loss)
