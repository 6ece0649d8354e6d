"""``ForecastDataModule``: a CSV or DataFrame -> checked series -> split -> scaler -> stride-1 windows.

Batches are ``(x (batch, lookback, n_channels), y (batch, horizon, n_targets))`` in *original*
units, float64 (float32 would lose small variations on a large level); the task applies the
scaler stored with the model, in float64, so a checkpoint used on a new file scales it exactly
as in training. Input channels are ``targets + past covariates + known-future
covariates`` (the last group shifted by the horizon, see :func:`model_inputs`).
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any, Literal

import lightning.pytorch as pl
import numpy as np
import pandas as pd
import torch
from torch.utils.data import DataLoader, Sampler, TensorDataset

from ssm_ts.datasets import resolve_data_path
from ssm_ts.errors import ConfigError, DataError
from ssm_ts.pipelines.csv_options import check_read_options
from ssm_ts.pipelines.sampling import EpochSeededSampler, shard, shard_for_evaluation, training_epoch

from .fills import trailing_carries
from .reader import TableSource
from .scaler import ScalerState, fit_scaler
from .series import SeriesSpec, filled_targets, load_like, load_series
from .spans import Spans, n_observed_rows, series_spans
from .split import SplitBoundaries, check_enough_rows, split_boundaries
from .windows import ForecastWindows, model_inputs, row_major, valid_rows


def window_inputs(frame: pd.DataFrame, spec: SeriesSpec, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """``(inputs (T, n_channels), targets (T, n_targets))`` float arrays of a checked frame."""
    values = frame[spec.input_columns].to_numpy(dtype="float64")
    inputs = model_inputs(values, len(spec.future_covariates), horizon)
    return inputs, values[:, : len(spec.targets)]


def last_window(
    frame: pd.DataFrame, spec: SeriesSpec, lookback: int, horizon: int
) -> tuple[np.ndarray, pd.Timestamp]:
    """The input window that forecasts the ``horizon`` steps after the last observed row.

    ``frame`` may end with up to ``horizon`` future rows (targets empty) that carry known-future
    covariates; they are required when the model uses such covariates. For series that end at
    different rows (a ragged panel) see :func:`last_windows`.

    Returns:
        ``(x (lookback, n_channels), last observed time)``.
    """
    n_observed = n_observed_rows(frame, spec.targets)
    if n_observed < lookback:
        raise DataError(
            f"forecasting needs the last {lookback} observed rows (the lookback); the data has {n_observed}. "
            "Pass a longer history."
        )
    if spec.future_covariates and len(frame) - n_observed < horizon:
        raise DataError(
            f"known-future covariates {spec.future_covariates} are needed for the {horizon} forecast steps: append "
            f"{horizon} rows after the last observation with those columns filled and the targets empty "
            f"(found {len(frame) - n_observed})."
        )
    frame = frame.iloc[: n_observed + (horizon if spec.future_covariates else 0)]
    inputs, _ = window_inputs(frame, spec, horizon)
    return inputs[n_observed - lookback : n_observed], frame[spec.time_col].iloc[n_observed - 1]


def last_windows(
    frame: pd.DataFrame, spec: SeriesSpec, lookback: int, horizon: int
) -> tuple[np.ndarray, pd.Series]:
    """Each series' own last ``lookback`` observed rows, side by side: what a channel-independent
    model forecasts every series of a ragged panel from, after its own last observed time.

    Column ``j`` of ``x`` holds series ``j``'s rows ``[last_j - lookback + 1, last_j]``; a panel whose
    series all end at the same row gets exactly :func:`last_window`'s window.

    Returns:
        ``(x (lookback, n_channels), last observed time of each target (n_targets,))``.

    Raises:
        DataError: a series has fewer than ``lookback`` observed rows (named, with the fix).
    """
    spans = series_spans(frame, spec.targets)
    times = frame[spec.time_col]
    if not spans.ragged or spec.input_columns != spec.targets:
        x, last_time = last_window(frame, spec, lookback, horizon)
        return x, pd.Series([last_time] * len(spec.targets), dtype=times.dtype)
    short = spans.lengths < lookback
    if short.any():
        raise DataError(
            f"forecasting needs the last {lookback} observed rows (the lookback) of every series; "
            f"{int(short.sum())} series have fewer: {spans.listed(short, times)}. Pass a longer history "
            "of them, or leave them out of the data."
        )
    rows = spans.last[None, :] + np.arange(1 - lookback, 1)[:, None]  # (lookback, n_targets)
    values = frame[spec.targets].to_numpy(dtype="float64")
    x = np.take_along_axis(values, rows, axis=0)
    return x, times.iloc[spans.last].reset_index(drop=True)


# The splits whose windows leave the targets the fill invented out (NaN in ``y``): what the task
# scores and early stopping reads, and what training fits (neuralforecast's ``available_mask``).
UNSCORED_FILLS_SPLITS = ("train", "val", "test")

# the constructor's settings that say how to read a table (from_checked's frame is read already)
_READ_SETTINGS = {"path", "time_col", "target", "past_covariates", "future_covariates", "freq", "fill",
                  "id_col", "value_col", "read_options"}  # fmt: skip


class ForecastDataModule(pl.LightningDataModule):
    """Forecasting data from a CSV (``path``), a DataFrame (:meth:`from_frame`) or rows already read
    and checked (:meth:`from_checked`).

    Args:
        path: CSV file, wide (time column + one column per series) or long (``unique_id, ds, y``;
            its series may start and end at different times, see :mod:`.spans`), or
            the name of a standard data set (``ETTh1``, ``ETTm1``, ``exchange_rate``,
            ``national_illness``) read from the data home (:func:`ssm_ts.datasets.resolve_data_path`).
        time_col: the time column; detected when omitted.
        target: target column(s); default every numeric column that is not a covariate.
        past_covariates: inputs known only up to the forecast origin.
        future_covariates: inputs also known for the forecast horizon (calendar, plans).
        freq: pandas frequency alias, or the step of an integer time column; inferred when omitted.
        fill: ``None`` (strict: gaps, NaN/inf and unsorted rows are errors), ``"ffill"`` or ``"interpolate"``.
        lookback: input window length (rows). Linked from the task on the CLI.
        horizon: forecast length (rows). Linked from the task on the CLI.
        split: ``"standard"`` (70/10/20), ``"ett_h"``, ``"ett_m"`` (long-horizon protocol presets).
        fractions: ``[train, val, test]`` fractions instead of a preset.
        boundaries: ``[train_end, val_end(, test_end)]`` row numbers instead of a preset.
        batch_size: training batch size; ``eval_batch_size`` for val/test (default 4x).
        num_workers: DataLoader workers.
        shuffle_seed: seed of the training order; each epoch is a permutation of (seed, epoch), so a
            resumed fit sees exactly the batches an uninterrupted one would.
        read_options: ``pandas.read_csv`` settings for a CSV the reader cannot work out by itself,
            e.g. ``{"sep": "|", "skiprows": 3, "na_values": ["-999"], "date_format": "%d.%m.%Y %H:%M"}``
            (CLI: ``--data.read_options '{sep: "|", skiprows: 3}'``); see
            :mod:`ssm_ts.pipelines.csv_options` for the keys. Given options win, the rest is detected.
            They are saved in the series spec of checkpoints and exports: ``Forecaster.load(export)``
            reads new CSVs with them, and so does ``ssm-ts forecast predict --ckpt_path`` (the checkpoint
            keeps this module's settings); given options replace them.
    """

    def __init__(
        self,
        path: str | None = None,
        time_col: str | None = None,
        target: list[str] | str | None = None,
        past_covariates: list[str] | None = None,
        future_covariates: list[str] | None = None,
        freq: int | str | None = None,
        fill: Literal["ffill", "interpolate"] | None = None,
        lookback: int = 96,
        horizon: int = 24,
        split: Literal["standard", "ett_h", "ett_m"] = "standard",
        fractions: list[float] | None = None,
        boundaries: list[int] | None = None,
        batch_size: int = 32,
        eval_batch_size: int | None = None,
        num_workers: int = 0,
        id_col: str = "unique_id",
        value_col: str = "y",
        shuffle_seed: int = 0,
        read_options: dict[str, Any] | None = None,
    ):
        super().__init__()
        # checked now, so a bad key fails before any reading or training starts
        read_options = check_read_options(read_options) if read_options is not None else None
        path = os.fspath(path) if isinstance(path, os.PathLike) else path  # checkpoints hold plain values
        # Saved in checkpoints (a data set's name stays a name), so `ssm-ts forecast predict --ckpt_path`
        # restores them; not logged to MLflow: the CLI logs the data settings itself.
        self.save_hyperparameters(logger=False)
        self.read_options = read_options
        self.shuffle_seed = shuffle_seed
        if lookback < 1 or horizon < 1:
            raise ConfigError(f"lookback ({lookback}) and horizon ({horizon}) must be positive integers.")
        if batch_size < 1 or (eval_batch_size is not None and eval_batch_size < 1):
            raise ConfigError(
                f"batch_size ({batch_size}) and eval_batch_size ({eval_batch_size}) must be positive integers."
            )
        self.path = resolve_data_path(path, "forecast")  # a CSV, or a standard data set's name (ETTh1)
        self.time_col = time_col
        self.target = target
        self.past_covariates = list(past_covariates or [])
        self.future_covariates = list(future_covariates or [])
        self.freq = freq
        self.fill = fill
        self.lookback = lookback
        self.horizon = horizon
        self.split = split
        self.fractions = fractions
        self.boundaries = boundaries
        self.batch_size = batch_size
        self.eval_batch_size = eval_batch_size or 4 * batch_size
        self.num_workers = num_workers
        self.id_col = id_col
        self.value_col = value_col
        self._source: TableSource | None = self.path
        self._frame: pd.DataFrame | None = None
        self._spec: SeriesSpec | None = None
        self._bounds: SplitBoundaries | None = None
        self._scaler: ScalerState | None = None
        self._arrays: tuple[np.ndarray, np.ndarray] | None = None
        self._observed: tuple[np.ndarray | None] | None = None  # (observed targets or None,), once computed
        self._spans: Spans | None = None
        self._checked: tuple[pd.DataFrame, SeriesSpec] | None = None  # from_checked's frame and spec
        self.fitted_spec: SeriesSpec | None = (
            None  # set by a fitted model: read new data like its training data
        )

    _test_left_out = False  # leave_out_test() was called

    def leave_out_test(self) -> ForecastDataModule:
        """Leave the test rows out of the split (the test split ends where validation does) and return
        this module: a model chosen on validation, such as a hyperparameter search's trial, never reads
        them. The training and validation rows stay as they are."""
        self._test_left_out = True
        self._bounds = None  # computed again, without them
        return self

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, **settings) -> ForecastDataModule:
        """A data module over an in-memory DataFrame (same settings as the constructor, minus ``path``)."""
        module = cls(**settings)
        module._source = frame
        return module

    @classmethod
    def from_checked(cls, frame: pd.DataFrame, spec: SeriesSpec, **settings: Any) -> ForecastDataModule:
        """A data module over ``frame``, rows already read and checked with ``spec`` (the ``frame`` of
        another module, or a slice of it, such as a backtest's rows before a refit's cutoff).

        ``frame`` is used as it is, never read again: its fill notes (which values the fill policy
        invented, :func:`~.series.filled_targets`) are kept, and so are a ragged panel's spans, NaN
        before a series' first and after its last observed row (read again as a wide table, those
        would be gaps). ``frame``: the time column, then ``spec.input_columns``; ``settings``: the
        constructor's windows, split and loader settings (``lookback``, ``horizon``, ``boundaries``,
        ``batch_size``, ...), not those that say how to read a table: ``spec`` says that.
        """
        reading = sorted(set(settings) & _READ_SETTINGS)
        if reading:
            raise ConfigError(
                f"from_checked: {reading} say how to read a table, and the frame is read already: its spec "
                "says how. Leave them out, or build the module from the raw table with from_frame(df, ...)."
            )
        missing = [c for c in (spec.time_col, *spec.input_columns) if c not in frame.columns]
        if missing:
            raise ConfigError(
                f"from_checked: the frame lacks the columns {missing} of its spec (time column "
                f"{spec.time_col!r}, inputs {spec.input_columns}); pass the frame read with that spec "
                "(a module's .frame), or build the module from the raw table with from_frame(df, ...)."
            )
        module = cls(**settings)
        # kept beside the constructor's arguments: Lightning would save a frame given there as a hyperparameter
        module._checked = frame, spec
        return module

    @property
    def source_frame(self) -> pd.DataFrame | None:
        """The DataFrame given to :meth:`from_frame` as it was given (``None`` for a CSV): a resumed
        fit checks it holds what the checkpoint was trained on (:mod:`ssm_ts.tracking.resume_settings`)."""
        return self._source if isinstance(self._source, pd.DataFrame) else None

    # ------------------------------------------------------------ the series, read once

    def _load(self) -> None:
        if self._frame is not None:
            return
        if self._checked is not None:  # from_checked: read and checked already, used as it is
            self._frame, self._spec = self._checked
            return
        if self._source is None:
            raise ConfigError("no data: set data.path (a CSV file) or build the module with from_frame(df).")
        if self.fitted_spec is not None:
            frame = load_like(self._source, self.fitted_spec, True, read_options=self.read_options)
            self._frame, self._spec = frame, self.fitted_spec
            return
        self._frame, self._spec = load_series(
            self._source,
            time_col=self.time_col,
            target=self.target,
            past_covariates=self.past_covariates,
            future_covariates=self.future_covariates,
            freq=self.freq,
            fill=self.fill,
            id_col=self.id_col,
            value_col=self.value_col,
            read_options=self.read_options,
        )

    @property
    def frame(self) -> pd.DataFrame:
        """The checked series: time column then input columns, regular, no missing values."""
        self._load()
        return self._frame  # type: ignore[return-value]

    @property
    def spec(self) -> SeriesSpec:
        self._load()
        return self._spec  # type: ignore[return-value]

    @property
    def n_channels(self) -> int:
        return len(self.spec.input_columns)

    @property
    def n_outputs(self) -> int:
        return len(self.spec.targets)

    @property
    def spans(self) -> Spans:
        """Each series' first and last observed row (a long table's series may differ: see :mod:`.spans`)."""
        if self._spans is None:
            self._spans = series_spans(self.frame, self.spec.targets)
        return self._spans

    @property
    def ragged(self) -> bool:
        """True when the series start or end at different rows."""
        return self.spans.ragged

    @property
    def observed_targets(self) -> np.ndarray | None:
        """``(T, n_targets)`` bool: the target values the data holds (``False``: invented by ``fill``,
        :func:`~.series.filled_targets`); ``None`` when the fill invented none. Windows of the splits
        in :data:`UNSCORED_FILLS_SPLITS` have NaN targets where it is ``False``."""
        if self._observed is None:
            filled = filled_targets(self.frame, self.spec)
            self._observed = (None if not filled.any() else ~filled,)
        return self._observed[0]

    @property
    def bounds(self) -> SplitBoundaries:
        if self._bounds is None:
            source = str(self.path) if self.path else "the DataFrame"
            bounds = split_boundaries(len(self.frame), self.split, self.fractions, self.boundaries)
            if self._test_left_out:
                bounds = dataclasses.replace(bounds, test_end=bounds.val_end)
            check_enough_rows(
                bounds, self.lookback, self.horizon, source, need_test=bounds.test_end > bounds.val_end
            )
            if self.ragged:
                self._check_ragged_windows(bounds, source)
            self._check_observed_targets(bounds, source)
            self._bounds = bounds
        return self._bounds

    def _check_ragged_windows(self, bounds: SplitBoundaries, source: str) -> None:
        """Every series needs a training window inside its span (its scaler is fitted on its own
        training rows); the validation (and test) split needs a window of some series."""
        spans, length = self.spans, self.lookback + self.horizon
        train = np.asarray(bounds.window_starts("train", self.lookback, self.horizon))
        none = ~spans.valid(train, length).any(axis=0)
        if none.any():
            times = self.frame[self.spec.time_col]
            raise DataError(
                f"{source}: {int(none.sum())} of {len(spans.names)} series have no training window (lookback "
                f"{self.lookback} + horizon {self.horizon} rows inside both the series' span and the training "
                f"split, which ends before {times.iloc[bounds.train_end]} for all series): "
                f"{spans.listed(none, times)}. Leave those series out, or use a shorter lookback or horizon "
                "or a larger training split."
            )
        for split in ("val", "test") if bounds.test_end > bounds.val_end else ("val",):
            starts = np.asarray(bounds.window_starts(split, self.lookback, self.horizon))
            if not spans.valid(starts, length).any():
                raise DataError(
                    f"{source}: no series spans a whole {split} window (lookback {self.lookback} + horizon "
                    f"{self.horizon} rows whose targets lie in the {split} split); use a shorter lookback or "
                    "horizon, or other split fractions."
                )

    def _check_observed_targets(self, bounds: SplitBoundaries, source: str) -> None:
        """A split whose windows leave filled targets out needs some value the data holds: scores over
        nothing but invented values would be NaN (and early stopping would read NaN)."""
        observed = self.observed_targets
        if observed is None:
            return
        splits = {"train": (0, bounds.train_end), "val": (bounds.train_end, bounds.val_end),
                  "test": (bounds.val_end, bounds.test_end)}  # fmt: skip
        times = self.frame[self.spec.time_col]
        for split in UNSCORED_FILLS_SPLITS:
            start, end = splits[split]
            if split == "train":
                start = self.lookback  # the first target row of a training window
            if end <= start or (split == "test" and bounds.test_end <= bounds.val_end):
                continue
            if not observed[start:end].any():
                raise DataError(
                    f"{source}: every target value of the {split} split ({times.iloc[start]} to "
                    f"{times.iloc[end - 1]}, rows {start}-{end - 1}) was filled by fill={self.spec.fill!r}, none "
                    f"observed, so its loss and metrics would score invented values only. Give that split "
                    "observed rows (other split fractions or boundaries), or data with fewer gaps there."
                )

    @property
    def scaler(self) -> ScalerState:
        """Per-column StandardScaler fitted on the training rows only (each series on its own
        observed ones: scikit-learn leaves out the NaN outside a series' span)."""
        if self._scaler is None:
            train_rows = self.frame[self.spec.input_columns].iloc[: self.bounds.train_end]
            self._scaler = fit_scaler(train_rows.to_numpy(dtype="float64"), self.spec.input_columns)
        return self._scaler

    # ------------------------------------------------------------ Lightning hooks

    def setup(self, stage: str | None = None) -> None:
        self._load()
        self._check_future_covariates_fit()
        if stage in (None, "fit", "validate", "test"):
            _ = self.bounds

    def _check_future_covariates_fit(self) -> None:
        """Known-future covariates ride in the last ``horizon`` rows of the lookback window (see
        :func:`model_inputs`): a shorter window would silently drop the first forecast steps' values."""
        if self.spec.future_covariates and self.horizon > self.lookback:
            raise ConfigError(
                f"known-future covariates {self.spec.future_covariates} need lookback >= horizon: they are fed "
                f"in the last horizon rows of the input window, and lookback {self.lookback} < horizon "
                f"{self.horizon} would drop the first {self.horizon - self.lookback} forecast steps' values. "
                f"Set lookback to at least {self.horizon}, or pass those columns as past_covariates."
            )

    def windows(self, split: str) -> ForecastWindows:
        """Stride-1 windows whose targets lie in ``split`` (``"train"``, ``"val"``, ``"test"``).

        With ``fill="interpolate"`` a window never reads a value filled from its own forecast rows or
        later ones (:mod:`.fills`): filled rows that end what it may read hold the last observed value.
        Targets the fill invented are NaN in ``y`` (:attr:`observed_targets`): the task neither trains
        on nor scores them.
        """
        inputs, targets = self._window_arrays()
        starts = self.bounds.window_starts(split, self.lookback, self.horizon)
        # the windows share one filled table: those whose inputs end in rows filled from their own
        # forecast rows (fill="interpolate") read the last observed value there, as a backtest does
        origins = np.repeat(np.asarray(starts)[:, None] + self.lookback, self.n_outputs, axis=1)
        carries = trailing_carries(self.frame, self.spec, origins, self.horizon, self.lookback)
        # targets the fill invented are NaN in y: never scored (the inputs keep their fill)
        observed = self.observed_targets if split in UNSCORED_FILLS_SPLITS else None
        # a ragged panel: the windows of each series inside its own span only
        valid = self.spans.valid(np.asarray(starts), self.lookback + self.horizon) if self.ragged else None
        return ForecastWindows(inputs, targets, starts, self.lookback, self.horizon, valid=valid,
                               carries=carries, observed=observed)  # fmt: skip

    def _window_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """``(inputs (T, n_channels), targets (T, n_targets))``, row-major, built once and shared by
        every split's windows (each split used to hold its own copy of the whole series)."""
        if self._arrays is None:
            inputs, targets = window_inputs(self.frame, self.spec, self.horizon)
            self._arrays = row_major(inputs), row_major(targets)
        return self._arrays

    def _processes(self) -> tuple[int, int]:
        """``(world size, global rank)`` of the trainer running this module; ``(1, 0)`` outside DDP."""
        trainer = getattr(self, "trainer", None)
        if trainer is None or trainer.world_size <= 1:
            return 1, 0
        return trainer.world_size, trainer.global_rank

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
        world_size, rank = self._processes()
        # The order depends only on (shuffle_seed, epoch): a resumed fit replays it.
        sampler: Sampler[int] = EpochSeededSampler(len(windows), seed=self.shuffle_seed)
        sampler.set_epoch(training_epoch(self))  # a resumed fit's first epoch, also with workers
        if world_size > 1:
            self._require_windows(windows, "train", world_size)
            sampler = shard(sampler, world_size, rank)
        return DataLoader(
            windows,
            batch_size=self.batch_size,
            sampler=sampler,
            num_workers=self.num_workers,
            drop_last=len(sampler) > self.batch_size,
        )

    def _eval_loader(self, split: str) -> DataLoader:
        windows = self.windows(split)
        world_size, rank = self._processes()
        sampler = None
        if world_size > 1:  # every window evaluated exactly once across processes (no padded duplicates)
            self._require_windows(windows, split, world_size)
            sampler = shard_for_evaluation(windows, world_size, rank)
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
        """One window: the last ``lookback`` observed rows, forecasting the next ``horizon`` steps."""
        x, _ = last_windows(self.frame, self.spec, self.lookback, self.horizon)
        return DataLoader(TensorDataset(torch.tensor(x, dtype=torch.float64).unsqueeze(0)), batch_size=1)

    def on_before_batch_transfer(self, batch: Any, dataloader_idx: int) -> Any:
        """A ragged panel's ``(x, y)`` batches gain ``rows``, the (window, series) pairs they are valid
        for (:func:`valid_rows`): a channel-independent model computes those only. Found here, on the
        CPU before the batch reaches the device: indices from a mask on a GPU would synchronise it at
        every step."""
        if isinstance(batch, (list, tuple)) and len(batch) == 2 and self.ragged:
            x, y = batch
            return [x, y, valid_rows(y)]
        return batch

    def state_dict(self) -> dict:
        """Saved in Lightning checkpoints: how the training data was read (JSON values only)."""
        return {"spec": self.spec.to_dict()} if self._spec is not None else {}

    def load_state_dict(self, state_dict: dict) -> None:
        """A checkpoint's spec: read this module's data with the training columns, frequency and fill."""
        if state_dict.get("spec"):
            self.fitted_spec = SeriesSpec.from_dict(state_dict["spec"])
            self._frame = self._spec = self._bounds = self._scaler = self._arrays = self._spans = None
            self._observed = None

    def observed_frame(self) -> pd.DataFrame:
        """The rows up to the last observed target value (no trailing future-covariate rows)."""
        return self.frame.iloc[: n_observed_rows(self.frame, self.spec.targets)]
