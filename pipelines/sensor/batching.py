"""Length-aware batches for recordings of very different lengths (``SensorDataModule(max_batch_steps=...)``).

A batch is padded to its longest recording, so its activations grow with ``recordings x longest
length``: training the default encoder (d_model 64, 3 layers) took ~8 KiB per padded
recording-step beyond ~1.2 GiB fixed (measured: 4 x 100,000 steps in one batch, peak RSS 5.0 GiB;
one per batch, 2.6 GiB), so 16 such recordings need ~13 GiB. :class:`LengthBucketBatchSampler`
puts recordings of similar length together and caps that product, as the length-bucketing samplers
of speech toolkits do: many short recordings per batch, few long ones.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import torch
from torch.utils.data import BatchSampler, Sampler

from ssm_ts.errors import ConfigError
from ssm_ts.pipelines.sampling import epoch_seed
from ssm_ts.rank_zero_warnings import warn_on_rank_zero

# Without max_batch_steps, a training batch over this many padded recording-steps gets a warning
# naming the fix: about 2 GiB of activations for the default encoder (~8 KiB per step to train, measured).
LARGE_BATCH_STEPS = 2**18
BATCH_ORDER = 1  # epoch_seed's key of the batch order: a stream of its own, apart from the sampler's


def pack_by_length(
    order: Sequence[int], lengths: np.ndarray, batch_size: int, max_steps: int
) -> list[list[int]]:
    """Batches of the indices ``order`` (taken in ascending length, ties in the given order), each of at
    most ``batch_size`` recordings and ``max_steps`` padded steps (recordings x its longest length);
    a recording longer than ``max_steps`` alone makes a batch."""
    batches: list[list[int]] = []
    current: list[int] = []
    for index in sorted(order, key=lambda i: lengths[i]):  # stable: ties keep the sampler's order
        # ascending lengths: the newcomer is the batch's longest recording
        if current and (len(current) == batch_size or (len(current) + 1) * lengths[index] > max_steps):
            batches.append(current)
            current = []
        current.append(int(index))
    if current:
        batches.append(current)
    return batches


class LengthBucketBatchSampler(BatchSampler):
    """Batches of indices of recordings of similar length within ``max_batch_steps`` padded steps.

    Each epoch takes the indices from ``sampler`` (an :class:`~ssm_ts.pipelines.sampling.EpochSeededSampler`
    for training), groups them by length (:func:`pack_by_length`), and, with ``shuffle_batches``, visits
    the batches in an order drawn from ``(seed, epoch)`` (the epoch Lightning gives the sampler through
    ``set_epoch``): batch contents and order change per epoch and depend on ``(seed, epoch)`` alone, so a
    fit resumed at epoch ``e`` sees the batches an uninterrupted fit sees there. Single-process only:
    with DDP the ranks could get different numbers of batches and wait on each other forever, so it
    refuses to run there.

    Args:
        sampler: the indices of an epoch.
        batch_size: at most this many recordings per batch.
        drop_last: kept for PyTorch's interface; must be False (every recording is used).
        lengths: ``(n,)`` steps of each recording of the data set.
        max_batch_steps: at most this many ``recordings x longest length`` per batch.
        seed: the batch order's seed, with the sampler's epoch, when ``shuffle_batches``.
        shuffle_batches: visit the batches in random order (training), else shortest first.
    """

    def __init__(
        self,
        sampler: Sampler[int],
        batch_size: int,
        drop_last: bool = False,
        *,
        lengths: Sequence[int],
        max_batch_steps: int,
        seed: int = 0,
        shuffle_batches: bool = False,
    ):
        super().__init__(sampler, batch_size, drop_last)
        if drop_last:
            raise ConfigError("LengthBucketBatchSampler uses every recording: drop_last must be False")
        self.lengths = np.asarray(lengths, dtype=np.int64)
        self.max_batch_steps = int(max_batch_steps)
        self.seed, self.shuffle_batches = seed, shuffle_batches
        too_long = int((self.lengths > self.max_batch_steps).sum())
        if too_long:
            warn_on_rank_zero(
                f"max_batch_steps={self.max_batch_steps}: {too_long} recording(s) are longer than that "
                f"(the longest has {int(self.lengths.max())} steps); each goes alone in a batch, over the "
                "budget. Crop the recordings, or raise max_batch_steps.",
                UserWarning,
                stacklevel=None,  # the user's line
            )

    def _batches(self, order: Sequence[int]) -> list[list[int]]:
        return pack_by_length(order, self.lengths, self.batch_size, self.max_batch_steps)

    def __iter__(self) -> Iterator[list[int]]:
        if torch.distributed.is_available() and torch.distributed.is_initialized():
            if torch.distributed.get_world_size() > 1:
                raise ConfigError(
                    "data.max_batch_steps batches by length in one process; with several (DDP) the ranks "
                    "would get different numbers of batches. Unset max_batch_steps and lower batch_size."
                )
        batches = self._batches(list(self.sampler))
        if self.shuffle_batches:
            epoch = getattr(self.sampler, "epoch", 0)  # Lightning sets the sampler's, not ours
            generator = torch.Generator().manual_seed(epoch_seed(self.seed, epoch, BATCH_ORDER))
            batches = [batches[i] for i in torch.randperm(len(batches), generator=generator).tolist()]
        yield from batches

    def __len__(self) -> int:
        # the packing depends only on the lengths of the epoch's indices, not on their order
        return len(self._batches(range(len(self.lengths))))
