"""Shuffling that a resumed run can replay exactly.

A plain ``DataLoader(shuffle=True)`` draws its order from the global RNG, whose state is not in
the checkpoint, so a run resumed after a crash sees different batches than an uninterrupted one.
:class:`EpochSeededSampler` derives each epoch's permutation from ``(seed, epoch)`` only;
Lightning calls ``set_epoch`` before every epoch (and wraps it for distributed training).
"""

from __future__ import annotations

from collections.abc import Iterator

import torch
from torch.utils.data import Sampler


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
