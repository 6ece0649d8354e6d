"""Shuffling that a resumed run can replay exactly.

A plain ``DataLoader(shuffle=True)`` draws its order from the global RNG, whose state is not in
the checkpoint, so a run resumed after a crash sees different batches than an uninterrupted one.
:class:`EpochSeededSampler` derives each epoch's permutation from ``(seed, epoch)`` only;
Lightning calls ``set_epoch`` before every epoch.

Under DDP, Lightning's own wrapper would *re-shuffle* a custom sampler's order with its global
seed and pad it with duplicates, so a two-process run would see other batches than one process.
:func:`shard` and :class:`EvaluationShard` split the order across ranks themselves instead.

Other per-epoch randomness (a length-bucketed batch order, audio's random crops, dropout:
:class:`TrainingRandomness`) draws from :func:`epoch_seed` of ``(seed, epoch, ...)``, and
:class:`WithEpoch` hands the epoch to a data set's items, so loader workers (which hold copies of
the data set) see it too.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import lightning.pytorch as pl
import numpy as np
import torch
from lightning.fabric.utilities.distributed import DistributedSamplerWrapper
from torch.utils.data import DataLoader, Dataset, DistributedSampler, Sampler


def epoch_seed(seed: int, epoch: int, *keys: int) -> int:
    """A 63-bit seed mixed from ``(seed, epoch, *keys)`` by NumPy's ``SeedSequence``: neighbouring
    epochs, items or seeds get independent streams (unlike ``seed + epoch``). Negative numbers are
    taken modulo 2**64, as ``torch.manual_seed`` does."""
    entropy = [int(k) % 2**64 for k in (seed, epoch, *keys)]
    return int(np.random.SeedSequence(entropy).generate_state(1, np.uint64)[0] >> np.uint64(1))


class EpochSeededSampler(Sampler[int]):
    """Random permutation of ``range(n)`` that depends only on ``seed`` and the epoch."""

    def __init__(self, n: int, seed: int = 0):
        self.n, self.seed, self.epoch = n, seed, 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __iter__(self) -> Iterator[int]:
        # modulo 2**64 as torch takes a negative seed: the same orders, and no overflow error for a seed
        # beyond about ±1e13 (--data.shuffle_seed 35184372088832 failed as its first epoch started)
        generator = torch.Generator().manual_seed((self.seed * 1_000_003 + self.epoch) % 2**64)
        return iter(torch.randperm(self.n, generator=generator).tolist())

    def __len__(self) -> int:
        return self.n


class WithEpoch(Sampler[tuple[int, int]]):
    """``sampler``'s indices as ``(index, epoch)`` pairs, for a data set whose items depend on the epoch
    (random crops): the epoch travels with each index, so it reaches loader workers too.
    ``set_epoch`` (Lightning calls it before every epoch) reaches the wrapped sampler."""

    def __init__(self, sampler: Sampler[int]):
        self.sampler, self.epoch = sampler, 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch
        if callable(getattr(self.sampler, "set_epoch", None)):
            self.sampler.set_epoch(epoch)

    def __iter__(self) -> Iterator[tuple[int, int]]:
        epoch = self.epoch
        return ((int(index), epoch) for index in self.sampler)

    def __len__(self) -> int:
        return len(self.sampler)


# epoch_seed's key for torch's global generators (dropout) in training
GLOBAL_GENERATORS = 2
# the checkpoint entry that keeps a fit's seed of its training randomness (TrainingRandomness)
RANDOMNESS_SEED_KEY = "ssm_ts_training_randomness_seed"


class TrainingRandomness:
    """Torch's global generators (CPU and GPUs: dropout) seeded before every training batch from
    ``(seed, epoch, batch, rank)``, with ``seed`` drawn once when a fit starts and kept in its
    checkpoints (fairseq seeds each update likewise).

    Without it, a fit resumed from a checkpoint drew its dropout masks from wherever
    ``seed_everything`` left the generators, so from its first epoch on it trained another model than
    the uninterrupted fit. Per batch, not per epoch: between an epoch's start and its first batch
    Lightning draws from the global generator (a loader's worker seed) at other points in a fresh and
    in a resumed fit. A task calls :meth:`start` in ``on_train_start``, :meth:`batch` in
    ``on_train_batch_start``, and :meth:`save` / :meth:`load` in ``on_save_checkpoint`` /
    ``on_load_checkpoint``. A checkpoint written before the seed was kept resumes with a new one (its
    dropout cannot be replayed)."""

    def __init__(self) -> None:
        self.seed: int | None = None

    def start(self) -> None:
        """A fresh fit draws its seed from the global generator (``seed_everything`` sets it); a resumed
        one keeps its checkpoint's."""
        if self.seed is None:
            self.seed = int(torch.randint(0, 2**62, ()))

    def batch(self, epoch: int, batch: int, rank: int = 0) -> None:
        if self.seed is not None:
            torch.manual_seed(epoch_seed(self.seed, epoch, GLOBAL_GENERATORS, batch, rank))

    def save(self, checkpoint: dict[str, Any]) -> None:
        if self.seed is not None:
            checkpoint[RANDOMNESS_SEED_KEY] = self.seed

    def load(self, checkpoint: dict[str, Any]) -> None:
        self.seed = checkpoint.get(RANDOMNESS_SEED_KEY)


def processes(module: pl.LightningDataModule) -> tuple[int, int]:
    """``(world size, global rank)`` of the trainer running ``module``; ``(1, 0)`` outside DDP, and for a
    stand-in trainer without a world size (a test's), as for no trainer."""
    trainer: Any = getattr(module, "trainer", None)
    if getattr(trainer, "world_size", 1) <= 1:
        return 1, 0
    return trainer.world_size, trainer.global_rank


def training_epoch(module: pl.LightningDataModule) -> int:
    """The epoch the trainer of ``module`` trains next, the number Lightning passes to ``set_epoch``; 0
    outside a fit. A training loader's epoch-seeded sampler starts at it: Lightning makes the loader's
    iterator before its first ``set_epoch``, and an iterator with workers takes its first indices at once,
    so a fit resumed with ``num_workers > 0`` trained its first epoch in epoch 0's order."""
    loop: Any = getattr(getattr(module, "trainer", None), "fit_loop", None)
    if loop is None:
        return 0
    epoch = int(loop.epoch_progress.current.processed)
    return epoch + 1 if _restarts_after_an_epochs_last_batch(loop) else epoch


def resumed_batches(module: pl.LightningDataModule | pl.LightningModule) -> int:
    """How many training batches of the epoch a fit resumes in were trained before its checkpoint: the
    checkpoint was written mid-epoch (an epoch stopped by ``max_steps`` or ``max_time``, a
    ``ModelCheckpoint(every_n_train_steps=n)``), and Lightning continues that epoch at its next batch;
    0 when it resumes at an epoch's start or outside a resume. The training loader skips them
    (:class:`SkipResumedBatches`): Lightning's own loader restarts at the epoch's first batch."""
    loop: Any = getattr(getattr(module, "trainer", None), "fit_loop", None)
    if loop is None or not loop.restarting or _restarts_after_an_epochs_last_batch(loop):
        return 0
    epochs, batches = loop.epoch_progress.total, loop.epoch_loop.batch_progress
    if not (epochs.started == epochs.ready and epochs.processed == epochs.started - 1):
        return 0  # not in an epoch under way
    # all its batches trained (saved at the validation after its last one): nothing to skip
    return 0 if batches.is_last_batch else int(batches.current.processed)


class SkipResumedBatches(Sampler[Any]):
    """``sampler``'s order whose first pass leaves out its first ``skip`` items (indices, or batches of a
    batch sampler): a fit resumed mid-epoch trains that epoch's remaining batches, in the order an
    uninterrupted fit trains them. Its length stays the whole epoch's, which Lightning counts the resumed
    epoch's batches against; ``set_epoch`` reaches the wrapped sampler."""

    def __init__(self, source: Sampler[Any], skip: int):
        self.source, self.skip = source, skip
        # Lightning sets the epoch of a loader's sampler and of its batch sampler's ``sampler``
        self.sampler = getattr(source, "sampler", source)

    def set_epoch(self, epoch: int) -> None:
        if callable(getattr(self.source, "set_epoch", None)):
            self.source.set_epoch(epoch)

    def __iter__(self) -> Iterator[Any]:
        skip, self.skip = self.skip, 0  # the resumed epoch only
        return itertools.islice(iter(self.source), skip, None)

    def __len__(self) -> int:
        return len(self.source)


class SkipResumedShard(SkipResumedBatches, DistributedSampler):
    """:class:`SkipResumedBatches` of a training process's shard (:func:`shard`), itself a
    ``DistributedSampler`` (its ``__init__`` is not run: the shard it wraps holds the rank and order).
    Lightning puts any other sampler of a distributed fit in a ``DistributedSampler`` of its own, which
    sharded the shard again and listed its shortened first pass: a DDP fit resumed mid-epoch failed
    with "list index out of range"."""


def skip_resumed_batches(
    sampler: Sampler[Any], module: pl.LightningDataModule, per_batch: int = 1
) -> Sampler[Any]:
    """``sampler``, skipping the batches its fit trained before a mid-epoch checkpoint it resumes
    (:func:`resumed_batches`; ``per_batch``: the items of ``sampler`` a batch takes, 1 for a batch
    sampler); ``sampler`` itself otherwise."""
    done = resumed_batches(module)
    if not done:
        return sampler
    skipping = SkipResumedShard if isinstance(sampler, DistributedSampler) else SkipResumedBatches
    return skipping(sampler, done * per_batch)


def _restarts_after_an_epochs_last_batch(loop: Any) -> bool:
    """Whether a fit resumes from a checkpoint saved as its epoch's last training batch ended (a
    ``ModelCheckpoint(every_n_train_steps=n)`` whose ``n`` divides the epoch), before the epoch's end.
    Lightning's ``FitLoop.reset`` then counts that epoch as processed and trains the next, but only
    after the training loader's iterator was made (the conditions of its ``update_restart_stage``,
    read without changing the loop); with workers, that epoch's first indices were taken by then."""
    epochs, batches = loop.epoch_progress.total, loop.epoch_loop.batch_progress
    return bool(
        loop.restarting
        and epochs.started == epochs.ready
        and epochs.processed == epochs.started - 1  # an epoch under way, ...
        and epochs.completed == epochs.processed
        and batches.total.started == batches.total.ready
        and batches.total.processed == batches.total.started
        and batches.total.completed == batches.total.processed - 1  # ... saved in on_train_batch_end ...
        and batches.is_last_batch  # ... of its last batch
    )


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


class EvaluationShard(DistributedSampler):
    """Rank ``r`` of ``num_replicas`` takes items ``r, r + num_replicas, ...`` of ``dataset`` in order, and
    every rank as many: where the items run out, the last ones are ``padding`` (an index the data set
    answers with an item that weighs nothing in the scores). A ``DistributedSampler``, so Lightning keeps it.

    Each item is scored once over the processes, and every process runs as many batches: Lightning's own
    sampler pads with repeats of the first items (scored twice), and leaving them out
    gives a process one batch fewer, or none: a process with no batch skips
    the epoch's end where the others wait for it, and a fraction of its batches (``limit_val_batches``)
    may round to none on it alone."""

    def __init__(self, dataset: Dataset, num_replicas: int, rank: int, padding: Any = None):
        super().__init__(dataset, num_replicas=num_replicas, rank=rank, shuffle=False, drop_last=False)
        self.padding = padding

    def __iter__(self) -> Iterator[Any]:
        n = len(self.dataset)
        items = [*range(n), *[self.padding] * (self.total_size - n)]
        return iter(items[self.rank : self.total_size : self.num_replicas])

    @property
    def n_items(self) -> int:
        """How many of this rank's items are the data set's: the first ``n_items`` of its order, the rest
        (at most one) ``padding``."""
        return len(range(self.rank, len(self.dataset), self.num_replicas))


def items_in_batch(loader: Any, batch_idx: int, batch_len: int) -> int | None:
    """How many leading rows of batch ``batch_idx`` (of ``batch_len`` rows) of ``loader`` are data set
    items, the rest :class:`EvaluationShard` padding (its shard's tail, so the last batch's last rows):
    found from positions alone, without reading the batch (on a GPU a look at its values would wait for
    the device at every batch). ``batch_len`` for a loader without an :class:`EvaluationShard` (no padding);
    ``None`` when ``loader`` is not one ``DataLoader`` of known batch size (the rows cannot be told)."""
    if not isinstance(loader, DataLoader) or loader.batch_size is None:
        return None
    if not isinstance(loader.sampler, EvaluationShard):
        return batch_len
    start = batch_idx * loader.batch_size
    return max(0, min(batch_len, loader.sampler.n_items - start))


def evaluation_loader(trainer: pl.Trainer, split: str) -> Any:
    """The loader(s) of the evaluation ``trainer`` runs: ``split`` ``"test"``'s, or ``"val"``'s of a fit
    (its sanity check too) or of ``trainer.validate`` (each run attaches its own: a validation after a fit
    on the same trainer names its loader, not the fit's); ``None`` outside one (or on a stand-in trainer)."""
    return getattr(trainer, "test_dataloaders" if split == "test" else "val_dataloaders", None)


# the checkpoint entry that keeps the global generators' states of every training process (GlobalGenerators)
GLOBAL_STATES_KEY = "ssm_ts_global_generator_states"


class GlobalGenerators:
    """The global generators (torch's CPU one and the training GPU's, NumPy's, Python's ``random``) of
    every training process, kept in a checkpoint and set again when a fit resumes from it.

    A fit that draws its training randomness from them (forecasting: dropout, and a loader's worker
    seed) then draws in the epochs after a resume what an uninterrupted fit drew, while a fresh fit
    draws exactly what it drew before (reading a state draws nothing). Lightning's checkpoints keep no
    generator states; its ``_collect_rng_states`` / ``_set_rng_states`` read and set them. Here NumPy's
    key becomes a tensor (checkpoints load with ``weights_only=True``), and only the training GPU's
    generator is kept (all of them would start a CUDA context on every visible GPU).

    States are per process: under DDP the checkpoint keeps one entry per rank (gathered at saving,
    which Lightning does on every rank), and a resume restores its own rank's. A resume on another
    number of processes restores nothing: its data shards differ anyway.
    """

    @staticmethod
    def collect(device: torch.device) -> dict[str, Any]:
        """This process's states, in types a ``weights_only`` load accepts; ``device``: the training device."""
        from lightning.fabric.utilities.seed import _collect_rng_states

        states = _collect_rng_states(include_cuda=False)
        kind, key, position, has_gauss, gauss = states["numpy"]
        states["numpy"] = (kind, torch.from_numpy(key.astype(np.int64)), int(position), int(has_gauss),
                           float(gauss))  # fmt: skip
        if device.type == "cuda":
            states["torch.cuda"] = torch.cuda.get_rng_state(device)
        return states

    @staticmethod
    def restore(states: dict[str, Any], device: torch.device) -> None:
        """Set this process's generators to ``states`` (:meth:`collect`'s); the GPU's only when both the
        checkpoint's fit and this one train on a GPU."""
        from lightning.fabric.utilities.seed import _set_rng_states

        kind, key, position, has_gauss, gauss = states["numpy"]
        plain = {k: v for k, v in states.items() if k != "torch.cuda"}
        plain["numpy"] = (kind, key.numpy().astype(np.uint32), position, has_gauss, gauss)
        _set_rng_states(plain)
        if device.type == "cuda" and "torch.cuda" in states:
            torch.cuda.set_rng_state(states["torch.cuda"], device)

    @classmethod
    def save(
        cls,
        checkpoint: dict[str, Any],
        device: torch.device,
        world_size: int = 1,
        own: dict[str, Any] | None = None,
    ) -> None:
        """Put every process's states (``own``: this one's, collected earlier; else now) into ``checkpoint``;
        under DDP a collective call (every rank)."""
        own = own if own is not None else cls.collect(device)
        ranks = [own]
        if world_size > 1 and torch.distributed.is_available() and torch.distributed.is_initialized():
            ranks = [None] * world_size
            torch.distributed.all_gather_object(ranks, own)
        checkpoint[GLOBAL_STATES_KEY] = {"world_size": len(ranks), "ranks": ranks}

    @classmethod
    def load(
        cls, checkpoint: dict[str, Any], device: torch.device, world_size: int = 1, rank: int = 0
    ) -> bool:
        """Restore this rank's states from ``checkpoint``; ``False`` (nothing set) for a checkpoint
        without them (written before ssm-ts kept them) or of another number of processes."""
        saved = checkpoint.get(GLOBAL_STATES_KEY)
        if not saved or saved.get("world_size") != world_size:
            return False
        cls.restore(saved["ranks"][rank], device)
        return True
