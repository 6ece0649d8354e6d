"""A fit resumed at epoch 1 builds a new ``SensorDataModule`` and loader: its epoch-1 batches are the
ones an uninterrupted fit trains on in its epoch 1, with and without length-bucketed batches
(``max_batch_steps``). Before, the loader's generator was seeded afresh, so a resumed fit replayed
epoch 0's order."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from lightning.fabric.utilities.data import _set_sampler_epoch

from ssm_ts.pipelines.sensor import SensorDataModule, make_series_set


def recordings():
    """40 labelled two-channel recordings of 10 to 5,000 steps."""
    rng = np.random.default_rng(0)
    lengths = np.concatenate([rng.integers(10, 200, 30), rng.integers(2_000, 5_000, 10)])
    return make_series_set([rng.normal(size=(2, int(n))) for n in lengths], ["a", "b"] * 20)


def batches(loader, epoch: int) -> list[torch.Tensor]:
    _set_sampler_epoch(loader, epoch)  # as Lightning does before every epoch
    return [x for x, _, _ in loader]


def module(max_batch_steps: int | None) -> SensorDataModule:
    """A new data module of :func:`recordings`, set up to fit."""
    made = SensorDataModule.from_series(
        train=recordings(), val_fraction=0, batch_size=8, seed=5, max_batch_steps=max_batch_steps
    )
    made.setup("fit")
    return made


@pytest.mark.parametrize("max_batch_steps", [None, 8_000])
def test_a_new_module_at_epoch_1_gives_the_uninterrupted_modules_epoch_1_batches(max_batch_steps):
    uninterrupted = module(max_batch_steps).train_dataloader()
    epoch_0, epoch_1 = batches(uninterrupted, 0), batches(uninterrupted, 1)
    resumed = batches(module(max_batch_steps).train_dataloader(), 1)
    assert len(resumed) == len(epoch_1)
    assert all(torch.equal(a, b) for a, b in zip(resumed, epoch_1, strict=True))
    assert not all(a.shape == b.shape and torch.equal(a, b) for a, b in zip(epoch_0, epoch_1, strict=False))
