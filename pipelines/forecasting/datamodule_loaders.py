"""The DataLoaders of :class:`~.datamodule.ForecastDataModule`: training batches in an order
fixed by ``(shuffle_seed, epoch)``, evaluation batches once each, sharded across DDP processes,
and the one prediction window."""

from __future__ import annotations

from typing import Any

import torch
from torch.utils.data import DataLoader, Dataset, Sampler, TensorDataset

from ssm_ts.errors import ConfigError, DataError
from ssm_ts.pipelines.sampling import (
    EpochSeededSampler,
    EvaluationShard,
    processes,
    shard,
    skip_resumed_batches,
    training_epoch,
)

from .forecast_inputs import check_rollable, last_windows_by_end
from .named_data import data_named
from .windows import ForecastWindows, valid_rows

# the index of the padding window a DDP process short of an evaluation window takes (:class:`PaddedWindows`)
PADDING = None


class PaddedWindows(Dataset):
    """``windows``, and at index :data:`PADDING` a window that weighs nothing in the scores: the inputs of
    the first window and targets all NaN, which ``ForecastScoring`` leaves out of the loss and the
    metrics. Under DDP an evaluation split's windows that do not divide among the processes are made up
    with it (:class:`~ssm_ts.pipelines.sampling.EvaluationShard`), so every process runs as many batches."""

    def __init__(self, windows: ForecastWindows):
        self.windows = windows

    def __len__(self) -> int:
        return len(self.windows)

    def __getitem__(self, index: int | None) -> tuple[torch.Tensor, torch.Tensor]:
        if index is not PADDING:
            return self.windows[index]
        x, y = self.windows[0]
        return x, torch.full_like(y, float("nan"))


class LoadersMixin:
    """The DataLoader hooks of :class:`~.datamodule.ForecastDataModule`, a mixin it inherits."""

    def _require_windows(self, windows: ForecastWindows, split: str, world_size: int) -> None:
        if len(windows) < world_size:
            raise DataError(
                f"the {split} split has {len(windows)} windows but training runs on {world_size} processes; "
                "use fewer devices or give that split more rows."
            )

    def train_dataloader(self) -> DataLoader:
        """Batches of ``batch_size`` windows per process, in an order fixed by ``(shuffle_seed, epoch)``.

        Under DDP each process takes every ``world_size``-th window of that order, so ``n`` processes
        with ``batch_size`` see the batches of one process with ``n * batch_size``.
        """
        windows = self.windows("train")
        world_size, rank = processes(self)
        # The order depends only on (shuffle_seed, epoch): a resumed fit replays it.
        sampler: Sampler[int] = EpochSeededSampler(len(windows), seed=self.shuffle_seed)
        sampler.set_epoch(training_epoch(self))  # a resumed fit's first epoch, also with workers
        if world_size > 1:
            self._require_windows(windows, "train", world_size)
            sampler = shard(sampler, world_size, rank)
        sampler = skip_resumed_batches(sampler, self, self.batch_size)  # resumed mid-epoch: the rest
        return DataLoader(
            windows,
            batch_size=self.batch_size,
            sampler=sampler,
            num_workers=self.num_workers,
            drop_last=len(sampler) > self.batch_size,
        )

    def _eval_loader(self, split: str) -> DataLoader:
        windows: Dataset = self.windows(split)
        world_size, rank = processes(self)
        sampler = None
        # every window evaluated exactly once across processes, and every process as many batches: those
        # short of a window take a padding one (no repeat, scored twice; no batch fewer, whose process
        # skipped the epoch's end, or ran no batch of a limit_val_batches fraction where the others did)
        if world_size > 1:
            windows = PaddedWindows(windows)
            sampler = EvaluationShard(windows, world_size, rank, padding=PADDING)
        return DataLoader(
            windows, batch_size=self.eval_batch_size, sampler=sampler, num_workers=self.num_workers
        )

    def val_dataloader(self) -> DataLoader:
        return self._eval_loader("val")

    def test_dataloader(self) -> DataLoader:
        if self.bounds.test_end <= self.bounds.val_end:
            raise ConfigError(
                "the split has no test rows; give test fractions or boundaries to evaluate on a test split."
            )
        return self._eval_loader("test")

    def predict_dataloader(self) -> DataLoader:
        """One batch of the windows of the last ``lookback`` observed rows, forecasting the next
        ``horizon`` steps: one window, or one per end row when series with covariates end at different
        rows (:func:`last_windows_by_end`)."""
        self._add_static_future()  # a statics-only model's known-future inputs: no rows of the user's needed
        with data_named(self._source_name):  # too few rows: which file
            # --n past the horizon: the rows of the rollout's every block, not of one horizon
            if (self.forecast_steps or 0) > self.horizon:
                check_rollable(self.frame, self.spec, self.forecast_steps, self.horizon)
            x, _, _ = last_windows_by_end(self.frame, self.spec, self.lookback, self.horizon)
        return DataLoader(TensorDataset(torch.tensor(x, dtype=torch.float64)), batch_size=len(x))

    def on_before_batch_transfer(self, batch: Any, dataloader_idx: int) -> Any:
        """A ragged panel's ``(x, y)`` batches gain ``rows``, the (window, series) pairs they are valid
        for (:func:`valid_rows`): a channel-independent model computes those only. Found here, on the
        CPU before the batch reaches the device: indices from a mask on a GPU would synchronise it at
        every step."""
        if isinstance(batch, (list, tuple)) and len(batch) == 2 and self.ragged:
            x, y = batch
            return [x, y, valid_rows(y)]
        return batch
