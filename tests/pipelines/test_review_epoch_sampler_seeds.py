"""Every seed an ``int`` setting takes orders the epochs (``--data.shuffle_seed``, a sensor ``seed``): a seed
beyond about 1e13 made torch's generator fail ("Overflow when unpacking long long") as the first epoch
started, and the other seeds keep their orders."""

from __future__ import annotations

import pytest
import torch

from ssm_ts.pipelines.sampling import EpochSeededSampler


@pytest.mark.parametrize("seed", [2**45, -(2**44), 2**70])
def test_a_large_seed_orders_the_epochs_too(seed):
    """Such seeds failed with torch's "Overflow when unpacking long long" as the first epoch started."""
    sampler = EpochSeededSampler(10, seed=seed)
    orders = []
    for epoch in (0, 1):
        sampler.set_epoch(epoch)
        orders.append(list(sampler))
    assert all(sorted(order) == list(range(10)) for order in orders) and orders[0] != orders[1]


@pytest.mark.parametrize("seed", [0, 7, -3, 2**40])
def test_the_orders_of_other_seeds_are_unchanged(seed):
    """The benchmark figures rest on these orders: the seed's formula as before, for every epoch."""
    sampler = EpochSeededSampler(50, seed=seed)
    for epoch in (0, 3):
        sampler.set_epoch(epoch)
        before = torch.randperm(
            50, generator=torch.Generator().manual_seed(seed * 1_000_003 + epoch)
        ).tolist()
        assert list(sampler) == before
