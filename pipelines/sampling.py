"""Shuffling that a resumed run can replay exactly.

A plain ``DataLoader(shuffle=True)`` draws its order from the global RNG, whose state is not in
the checkpoint, so a run resumed after a crash sees different batches than an uninterrupted one.
:class:`EpochSeededSampler` derives each epoch's permutation from ``(seed, epoch)`` only;
Lightning calls ``set_epoch`` before every epoch.

Under DDP, Lightning's own wrapper would *re-shuffle* a custom sampler's order with its global
seed and pad it with duplicates, so a two-process run would see other batches than one process.
:func:`shard` and :func:`shard_for_evaluation` split the order across ranks themselves instead.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch
from lightning.fabric.utilities.distributed import DistributedSamplerWrapper
from lightning.pytorch.overrides.distributed import UnrepeatedDistributedSampler
from torch.utils.data import Dataset, DistributedSampler, Sampler


class EpochSeededSampler(Sampler[int]):
    """Random permutation of ``range(n)`` that depends only on ``seed`` and the epoch."""

    def __init__(self, n: int, seed: int = 0):
        self.n, self.seed, self.epoch = n, seed, 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __iter__(self) -> Iterator[int]:
        generator = torch.Generator().manual_seed(self.seed * 1_000_003 + self.epoch)
        return iter(torch.randperm(self.n, generator=generator).tolist())

    def __len__(self) -> int:
        return self.n


def shard(sampler: Sampler[int], num_replicas: int, rank: int) -> DistributedSampler:
    """``sampler``'s order split across ``num_replicas`` training processes, without re-shuffling.

    Rank ``r`` takes positions ``r, r + num_replicas, ...`` of each epoch's order; the tail that
    cannot be split evenly is dropped rather than padded with duplicates. With a per-rank batch
    ``b`` and ``drop_last``, batch ``k`` of all ranks together holds exactly the windows of batch
    ``k`` of one process with batch ``num_replicas * b``, and every rank runs the same number of
    batches (DDP needs that). ``set_epoch`` reaches the wrapped sampler.
    """
    return DistributedSamplerWrapper(
        sampler, num_replicas=num_replicas, rank=rank, shuffle=False, drop_last=True
    )


def shard_for_evaluation(dataset: Dataset, num_replicas: int, rank: int) -> DistributedSampler:
    """Rank ``r`` evaluates items ``r, r + num_replicas, ...``: each item exactly once over all ranks.

    No padding, so metrics that sum over ranks (torchmetrics) equal the single-process ones; ranks
    may differ by one item, which is safe in validation (no gradient synchronisation).
    """
    return UnrepeatedDistributedSampler(dataset, num_replicas=num_replicas, rank=rank, shuffle=False)
