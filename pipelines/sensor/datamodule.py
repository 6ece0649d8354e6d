"""``SensorDataModule``: labelled recordings -> train/validation (stratified, from train only) / test /
predict loaders of padded batches with a mask.

Batches are ``(x (batch, length, channels) float32 in original units, mask (batch, length) bool,
y (batch,) int64)``; ``y`` is -1 where a recording has no label. Recordings with training weights
(``SeriesSet.weights``: ``SSMClassifier.fit(X, y, sample_weight)``) add ``w (batch,) float64``.
``length`` is the longest recording of the batch: shorter ones are zero-padded and masked, never
truncated. The per-channel scaler is fitted on the training part (``self.scaler``); the task stores
it with the weights and applies it, so a checkpoint scales new files exactly as in training. Labels
are encoded with scikit-learn's ``LabelEncoder`` fitted on the training labels (``self.classes``).

With ``max_batch_steps`` the train/validation/test batches group recordings of similar length and hold
at most that many ``recordings x padded length`` steps (:mod:`.batching`), for very long recordings;
without it batches are ``batch_size`` recordings in the shuffled (or given) order. The training order of
epoch ``e`` depends on ``(seed, e)`` alone (:class:`~ssm_ts.pipelines.sampling.EpochSeededSampler`), so a
fit resumed from a checkpoint trains on the batches an uninterrupted fit has. Under DDP each validation
and test recording is scored once over the processes (:mod:`.evaluation_shards`).

The training recordings' sampling step (from their times: a CSV time column, ``.ts`` ``@timeStamps``)
is kept as ``fit_sampling_step`` and saved in checkpoints (:meth:`SensorDataModule.state_dict`); test
and predict recordings sampled at another step warn unless the task's ``rate`` makes up for it.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any, Literal

import lightning.pytorch as pl
import numpy as np
import torch
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelEncoder
from torch.utils.data import DataLoader, Dataset, Sampler, SequentialSampler

from ssm_ts.datasets import resolve_data_path
from ssm_ts.errors import ConfigError, DataError, DataFileNotFoundError
from ssm_ts.leaky_validation import LeakyValidationWarning
from ssm_ts.pipelines.csv_options import check_read_options
from ssm_ts.pipelines.sampling import (
    EpochSeededSampler,
    processes,
    shard,
    skip_resumed_batches,
    training_epoch,
)
from ssm_ts.rank_zero_warnings import warn_on_rank_zero
from ssm_ts.whole_numbers import is_real_number, is_whole_number

from .audio import read_audio_clips, read_fsdd
from .batching import LARGE_BATCH_STEPS, LengthBucketBatchSampler
from .column_settings import NO_COLUMN_FORMATS, check_no_column_settings
from .csv_reader import named_columns
from .csv_recording import is_one_recording_csv, read_csv_recording
from .evaluation_shards import evaluation_shard
from .folder_groups import read_folder_groups, warn_of_unused_group_columns
from .group_split import group_split
from .labels import encode_labels
from .readers import FORMATS, find_archive_split, holds_archive_split, read_series, suffix_format
from .sampling_step import Step, check_sampling_step, step_from_state, step_state
from .scaler import ChannelScaler, fit_channel_scaler
from .series import SeriesSet, match_channels, pad_batch, require_labels
from .stream_data import check_stream_kind, check_window_settings, read_stream, window_spans
from .validation_split import SPLIT_STREAM_SETTINGS, other_stream_message, random_windows_message


def _read_kind(path: str | Path, format: str) -> str | None:
    """How :func:`~.readers.read_series` reads ``path`` under ``format`` (``"auto"``: by its suffix, a
    folder as ``csv_folder``; ``None`` for another suffix), without reading it: a missing file is left
    for the reader to name."""
    if format != "auto":
        return format
    return "csv_folder" if Path(path).is_dir() else suffix_format(path)


class RecordingDataset(Dataset):
    """Items ``(values (channels, length_i) float32, label index or -1)``, and the recording's weight
    when ``data.weights`` holds them."""

    def __init__(self, data: SeriesSet, targets: np.ndarray | None):
        self.data, self.targets = data, targets

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index: int) -> tuple:
        target = -1 if self.targets is None else int(self.targets[index])
        if self.data.weights is not None:
            return self.data.values[index], target, float(self.data.weights[index])
        return self.data.values[index], target


def collate_recordings(items: list[tuple]) -> tuple[torch.Tensor, ...]:
    """Pad a list of dataset items into ``(x (B, L, C), mask (B, L), y (B,))``, plus ``w (B,)``
    float64 when the items carry weights."""
    x, mask = pad_batch([item[0] for item in items])
    y = torch.tensor([item[1] for item in items], dtype=torch.int64)
    if len(items[0]) > 2:
        weights = torch.tensor([item[2] for item in items], dtype=torch.float64)
        return torch.from_numpy(x), torch.from_numpy(mask), y, weights
    return torch.from_numpy(x), torch.from_numpy(mask), y


# no validation split, spelled for Python and for the command line (the data module serves both)
_NO_SPLIT = "val_fraction=0 (ssm-ts classify: --data.val_fraction 0)"


def _split_fix(n: int, n_classes: int, single: list[str], n_val: int) -> str:
    """What makes a stratified split of ``n`` recordings possible: both parts need a recording of
    every class, so every class needs two (``single``: the classes with one), and ``val_fraction``
    lies in ``[n_classes / n, 1 - n_classes / n]``."""
    if single:
        named = repr(single[0]) if len(single) == 1 else ", ".join(map(repr, single))
        return (
            "every class needs at least 2 recordings (one to train on, one to validate), as for scikit-learn's "
            f"train_test_split(stratify=y): add recordings of {named}, leave "
            f"{'that class' if len(single) == 1 else 'those classes'} out, or use {_NO_SPLIT} to train on "
            "every recording, without a validation split"
        )
    if n_val < n_classes:  # the validation part is too small to hold every class
        return f"use a larger val_fraction, at least {np.ceil(100 * n_classes / n) / 100:g}, or {_NO_SPLIT}"
    return (  # the training part is too small to hold every class
        f"use a smaller val_fraction, at most {np.floor(100 * (n - n_classes) / n) / 100:g} (the training part "
        f"needs a recording of every class too), or {_NO_SPLIT}"
    )


def stratified_split(
    data: SeriesSet, val_fraction: float, seed: int, groups: np.ndarray | None = None
) -> tuple[SeriesSet, SeriesSet | None]:
    """``(train, validation)`` with every class in the same proportion (scikit-learn, stratified);
    with ``groups`` ``(n,)`` (subject or session per recording), whole groups are held out
    (:func:`~.group_split.group_split`)."""
    if val_fraction == 0:
        return data, None
    if groups is not None:
        return group_split(data, val_fraction, seed, groups)
    labels = require_labels(data)
    classes, counts = np.unique(labels, return_counts=True)
    n_val = int(np.ceil(val_fraction * len(data)))
    if counts.min() < 2 or n_val < len(classes) or len(data) - n_val < len(classes):
        # every class of one recording, as scikit-learn names them
        single = [str(c) for c in classes[counts < 2]]
        if len(single) > 1:
            fewest = f"classes {single}: 1 recording each"
        else:
            fewest = f"smallest class {str(classes[counts.argmin()])!r}: {counts.min()} recording" + (
                "" if counts.min() == 1 else "s"
            )
        raise DataError(
            f"{data.source}: cannot take a stratified validation split of {val_fraction:.0%} from {len(data)} "
            f"recordings with {len(classes)} classes ({fewest}); {_split_fix(len(data), len(classes), single, n_val)}."
        )
    train_idx, val_idx = train_test_split(
        np.arange(len(data)), test_size=n_val, stratify=labels, random_state=seed
    )
    return data.subset(np.sort(train_idx)), data.subset(np.sort(val_idx))


def _split_with_groups(
    data: SeriesSet, val_fraction: float, seed: int, groups: np.ndarray | None
) -> tuple[SeriesSet, SeriesSet | None, np.ndarray | None]:
    """:func:`stratified_split`, and the groups ``(n_train,)`` of its training part (``None`` without
    ``groups``), which a closed-form model uses to choose its penalty over whole groups. The split is
    made on a copy whose ids are the recordings' positions, then given back their ids."""
    if groups is None:
        return (*stratified_split(data, val_fraction, seed), None)
    by_position = dataclasses.replace(data, ids=[str(i) for i in range(len(data))])
    train, val = stratified_split(by_position, val_fraction, seed, groups)
    rows = np.array([int(i) for i in train.ids], dtype=np.int64)
    for part in (train, val):
        if part is not None:
            part.ids = [data.ids[int(i)] for i in part.ids]
    return train, val, np.asarray(groups)[rows]


class SensorDataModule(pl.LightningDataModule):
    """Recordings from UCR/UEA ``.ts``/``.arff``, CSV, NumPy or FSDD audio, for ``ClassificationTask``.

    Args:
        path: a data file, a UCR/UEA problem folder (``<Name>_TRAIN.ts`` + ``<Name>_TEST.ts``), a folder
            of per-recording CSVs, or an FSDD folder (``format="fsdd"``; official index split); or the
            name of a standard data set read from the data home (``BasicMotions``, ``GunPoint``, ...;
            ``fsdd``), see :func:`ssm_ts.datasets.resolve_data_path`.
            For ``predict`` alone (``--ckpt_path``), the file to classify: a CSV without an ``id``
            column is one recording (:func:`~.csv_recording.read_csv_recording`), read with the
            channels the model was fitted on (``fitted_channel_names``: the trainer's model's
            ``hparams.channel_names``, taken at ``setup("predict")`` unless set before).
        test_path: labelled test file (default: the folder's TEST file).
        predict_path: file to classify in ``predict`` (default: the test data, else ``path``).
        format: ``"auto"`` (by suffix) or one of ``ts``, ``arff``, ``csv``, ``csv_folder``, ``numpy``, ``fsdd``.
        nan_policy: ``"error"``, ``"interpolate"`` or ``"zero"`` for missing values.
        val_fraction: stratified share of the training recordings kept for validation (0: none).
        batch_size: recordings per batch.
        seed: the validation split's seed, and the training order's (each epoch's order is one of
            ``(seed, epoch)``).
        n_mels: mel bands of FSDD spectrograms.
        num_workers: data loader workers.
        read_options: ``pandas.read_csv`` settings for CSV recordings the reader cannot work out by
            itself, e.g. ``{"sep": "|", "skiprows": 2, "na_values": ["-999"]}`` (CLI:
            ``--data.read_options '{sep: "|", skiprows: 2}'``); keys: :mod:`ssm_ts.pipelines.csv_options`.
        max_batch_steps: for long recordings: batches of recordings of similar length with at most
            this many ``recordings x padded length`` steps (and at most ``batch_size`` recordings);
            e.g. 400000 keeps 4 recordings of 100,000 steps, or ``batch_size`` of 1,000. The default
            encoder takes about 8 KiB per such step to train. ``None``: ``batch_size`` recordings
            per batch, in shuffled order.
        window: for a continuous stream (a CSV with a row per sample and a label per sample): cut it
            into windows of this many samples (:func:`~.windows.sliding_windows`); each window is a
            recording. ``None``: ``path`` holds recordings.
        step: samples from one window's start to the next (``None``: ``window``, no overlap).
        label_col, group_col, time_col, label_rule: the stream's label column, its subject or
            session column (the validation split holds out whole groups), its time column and how
            a window's label is chosen, as :func:`~.windows.sliding_windows` takes them. A stream to
            predict may lack the label and group columns; ``predictions.csv`` then names each
            window by its ``group``, ``start`` and ``end``. Without ``window``, ``group_col`` names a
            column of a folder's ``labels.csv`` (``file, label, subject``): each recording's group,
            for the validation split and the random features' penalty.
    """

    def __init__(
        self,
        path: str | None = None,
        test_path: str | None = None,
        predict_path: str | None = None,
        format: Literal["auto", "ts", "arff", "csv", "csv_folder", "numpy", "fsdd"] = "auto",
        nan_policy: Literal["error", "interpolate", "zero"] = "error",
        val_fraction: float = 0.2,
        batch_size: int = 32,
        seed: int = 0,
        n_mels: int = 32,
        num_workers: int = 0,
        read_options: dict | None = None,  # not dict[str, Any]: see ForecastDataModule
        max_batch_steps: int | None = None,
        window: int | None = None,
        step: int | None = None,
        label_col: str | None = "label",
        group_col: str | None = None,
        time_col: str | None = "time",
        label_rule: Literal["majority", "last", "pure"] = "majority",
    ):
        super().__init__()
        read_options = check_read_options(read_options)  # a bad key fails before any reading
        # checkpoints hold plain values: paths as text
        path, test_path, predict_path = (
            os.fspath(p) if isinstance(p, os.PathLike) else p for p in (path, test_path, predict_path)
        )
        # Saved in checkpoints (a data set's name stays a name), so `ssm-ts classify predict --ckpt_path`
        # restores them; not logged to MLflow: the CLI logs the data settings itself.
        self.save_hyperparameters(logger=False)
        self.read_options = read_options
        if format not in (*FORMATS, "fsdd"):
            raise ConfigError(f"unknown format {format!r}; expected one of {(*FORMATS, 'fsdd')}")
        # text or None failed in these comparisons, a float batch size in slicing, with Python's words
        if not is_real_number(val_fraction) or not 0 <= val_fraction < 1:
            raise ConfigError(f"val_fraction must be in [0, 1), a number such as 0.2, got {val_fraction!r}")
        if not is_whole_number(batch_size) or batch_size < 1:
            raise ConfigError(f"batch_size must be at least 1, a whole number such as 16, got {batch_size!r}")
        if max_batch_steps is not None and (not is_whole_number(max_batch_steps) or max_batch_steps < 1):
            raise ConfigError(
                "max_batch_steps must be a positive number of recording-steps per batch (a whole number such "
                f"as 400000, or None), got {max_batch_steps!r}"
            )
        # a file or folder, or a standard data set's name (BasicMotions, fsdd) read from the data home.
        # An unknown name is an error now; a known data set missing from the data home is downloaded
        # at first use, so a test or predict on a file of its own does not need the fit's data set
        # (restored with a checkpoint) at hand
        self._path_setting = path
        try:
            self._resolved_path = resolve_data_path(path, "classify", download=False)
        except DataFileNotFoundError:
            self._resolved_path = None
        self.test_path, self.predict_path = test_path, predict_path
        self.format, self.nan_policy = format, nan_policy
        self.val_fraction, self.batch_size, self.seed = val_fraction, batch_size, seed
        self.n_mels, self.num_workers = n_mels, num_workers
        self.max_batch_steps = max_batch_steps
        check_window_settings(window, step, format)
        if format == "fsdd":  # audio: labels from the file names (the readers check the other formats)
            check_no_column_settings(path or "data.path", format, label_col, time_col)
        self.stream = dict(
            window=window,
            step=step,
            label_col=label_col,
            group_col=group_col,
            time_col=time_col,
            label_rule=label_rule,
        )
        self.predict_spans = None  # a stream's windows to predict: group, start and end of each
        self.train_set: SeriesSet | None = None
        # the training part's subjects or sessions (n_train,), with groups (a stream's group_col)
        self.train_groups: np.ndarray | None = None
        self.val_set: SeriesSet | None = None
        self.test_set: SeriesSet | None = None
        self.predict_set: SeriesSet | None = None
        self.classes: list[str] | None = None
        self.scaler: ChannelScaler | None = None
        # the training recordings' sampling step: read at fit, saved in checkpoints (state_dict)
        self.fit_sampling_step: Step = None
        # the channels the model to predict with was fitted on (its hparams.channel_names), taken from
        # the trainer's model at setup("predict") unless set before: a one-recording CSV is read with them
        self.fitted_channel_names: list[str] | None = None

    # ------------------------------------------------------------ building from memory (Python API)

    @classmethod
    def from_series(
        cls,
        train: SeriesSet | None = None,
        test: SeriesSet | None = None,
        predict: SeriesSet | None = None,
        val_fraction: float = 0.2,
        batch_size: int = 32,
        seed: int = 0,
        max_batch_steps: int | None = None,
        groups: np.ndarray | None = None,
    ) -> SensorDataModule:
        """A data module over recordings already in memory (used by ``SSMClassifier``); ``groups``
        ``(len(train),)``: each training recording's subject or session, so that the validation split
        holds out whole groups."""
        module = cls(
            val_fraction=val_fraction, batch_size=batch_size, seed=seed, max_batch_steps=max_batch_steps
        )
        module._given = {"train": train, "test": test, "predict": predict}
        module._train_groups = groups  # not a hyperparameter: one value per recording
        return module

    # ------------------------------------------------------------ reading

    def _read(self, path: str | Path, labelled: bool = True, fitting: bool = False) -> SeriesSet:
        """The recordings of ``path``; ``fitting``: the data a fit trains on, which ``label_col`` and
        ``time_col`` describe (refused for a file without named columns, :mod:`.column_settings`)."""
        if self.stream["window"] is not None:
            if self.format == "auto":  # another format is refused with the window (check_window_settings)
                check_stream_kind(path)
            data, *self._windows_read = read_stream(
                path, self.stream, self.nan_policy, self.read_options, labelled
            )
            return data
        if self.format == "fsdd":  # a test or predict file or folder of a model fitted on FSDD: any names
            return read_audio_clips(path, n_mels=self.n_mels)
        # a label or time column named otherwise than the defaults must be in the file, and is used
        columns = named_columns(self.stream["label_col"], self.stream["time_col"], labelled)
        if not fitting and _read_kind(path, self.format) in NO_COLUMN_FORMATS:
            # to validate, test or predict the columns are the fit's (a checkpoint restores them, also
            # with another data.path: --data.path new.npz), checked against the data it read: a .ts,
            # .arff or NumPy file has none, and is read as its format says
            columns = named_columns(None, None, labelled)
        if (
            not labelled
            and self.format in ("auto", "csv", "csv_folder")
            and is_one_recording_csv(path, self.read_options)
        ):
            # a CSV without an id column: one recording to classify, read as a folder's files are (also
            # under format "csv", a long CSV's, which a fit on one leaves in its checkpoint)
            return read_csv_recording(
                path, self.fitted_channel_names, time_col=columns["time_col"], nan_policy=self.nan_policy,
                read_options=self.read_options,
            )  # fmt: skip
        return read_series(path, self.format, self.nan_policy, self.read_options, **columns)

    def _model_channel_names(self) -> list[str] | None:
        """:attr:`fitted_channel_names`, else those of the model the trainer runs (a checkpoint's
        task is built before the data is set up); ``None`` when unnamed or unknown."""
        if self.fitted_channel_names is not None:
            return self.fitted_channel_names
        model = getattr(self.trainer, "lightning_module", None) if self.trainer is not None else None
        hparams = getattr(model, "hparams", None)
        names = hparams.get("channel_names") if hparams is not None else None
        return None if names is None else [str(c) for c in names]

    @property
    def path(self) -> str | None:
        """``data.path`` resolved: a standard data set's name becomes its folder in the data home."""
        if self._resolved_path is None and self._path_setting is not None:
            self._resolved_path = resolve_data_path(self._path_setting, "classify")
        return self._resolved_path

    def _paths(self) -> tuple[Path | None, Path | None]:
        """(train, test) paths: a UCR/UEA folder gives both."""
        if self.path is None:
            return None, Path(self.test_path) if self.test_path else None
        path = Path(self.path)
        if path.is_dir() and self.format in ("auto", "ts", "arff") and self.format != "csv_folder":
            if holds_archive_split(path):
                train, test = find_archive_split(path, self.format)
                return train, Path(self.test_path) if self.test_path else test
        return path, Path(self.test_path) if self.test_path else None

    def _load_train(self, fitting: bool = True) -> SeriesSet:
        """The training data (``fitting``: to fit on, else to validate a fitted model on)."""
        given = getattr(self, "_given", None)
        if given is not None:
            if given["train"] is None:
                raise ConfigError("no training recordings were given")
            return given["train"]
        if self.format == "fsdd":
            return read_fsdd(self._require_path(), "train", n_mels=self.n_mels)
        train, _ = self._paths()
        if train is None:
            raise ConfigError("no training data: set data.path to a file or a UCR/UEA folder")
        data = self._read(train, fitting=fitting)
        if self.stream["group_col"] is not None and self.stream["window"] is not None:
            self._train_groups = self._windows_read[0].groups  # a stream's: the validation split by group
        elif self.stream["group_col"] is not None:  # a folder's labels.csv column (else an error)
            self._train_groups = read_folder_groups(
                train, data.ids, self.stream["group_col"], read_options=self.read_options
            )
        elif self.stream["window"] is None and train.is_dir():  # a folder with a subject column?
            warn_of_unused_group_columns(train, self.val_fraction, self.read_options)
        elif self.stream["window"] is not None and self.val_fraction > 0:
            # worded for the model the trainer fits (Lightning attaches it before setup): random
            # features pick no epoch
            model = getattr(self.trainer, "lightning_module", None) if self.trainer is not None else None
            closed_form = bool(getattr(model, "closed_form", False))
            warn_on_rank_zero(random_windows_message(self.val_fraction, closed_form), LeakyValidationWarning)
        return data

    def _load_test(self) -> SeriesSet | None:
        given = getattr(self, "_given", None)
        if given is not None:
            return given["test"]
        if self.test_path:  # the test file alone: data.path (maybe a data set's name) is not needed
            return self._read(self.test_path)
        if self.format == "fsdd":
            return read_fsdd(self._require_path(), "test", n_mels=self.n_mels)
        _, test = self._paths()
        return self._read(test) if test is not None else None

    def _load_predict(self) -> SeriesSet:
        given = getattr(self, "_given", None)
        if given is not None and given["predict"] is not None:
            return given["predict"]
        if self.predict_path is not None:
            return self._predict_read(self.predict_path)
        test = self._load_test()
        if test is not None:
            return test
        if self.path is None:
            raise ConfigError(
                "nothing to predict: set data.path (or data.predict_path) to a file of recordings"
            )
        return self._predict_read(self.path)

    def _predict_read(self, path: str | Path) -> SeriesSet:
        """The recordings of ``path`` to classify; a stream's windows keep their spans for the table."""
        data = self._read(path, labelled=False)
        if self.stream["window"] is not None:
            self.predict_spans = window_spans(*self._windows_read)
        return data

    def _no_test_data(self) -> str:
        """What to pass when there is no test file: a single ``data.path`` file is the fit's data, not
        its test split (only a UCR/UEA folder gives both)."""
        if self._path_setting is not None and self.path is not None and Path(self.path).is_file():
            return (
                f"no test data: data.path {self._path_setting} is one file, the training data; to test on a "
                f"file, pass it as --data.test_path {self._path_setting} (or data.path a UCR/UEA folder of "
                "<Name>_TRAIN and <Name>_TEST files)"
            )
        return "no test data: set data.test_path, or data.path to a UCR/UEA folder"

    def _require_path(self) -> Path:
        if self.path is None:
            raise ConfigError("set data.path to the FSDD folder")
        return Path(self.path)

    # ------------------------------------------------------------ Lightning hooks

    def setup(self, stage: str) -> None:
        if stage == "fit" and self.train_set is None:
            full = self._load_train()
            if full.labels is None and Path(full.source).is_dir():  # a folder of CSVs read without labels
                raise DataError(
                    f"{full.source}: no labels.csv beside the recordings; training needs one label per "
                    "recording: add labels.csv with columns file, label (a row per recording CSV)."
                )
            require_labels(full)
            self.fit_sampling_step = full.sampling_step
            if self.classes is None:  # a model's classes (set_classes) keep their order
                self.classes = [str(c) for c in LabelEncoder().fit(full.labels).classes_]
            groups = getattr(self, "_train_groups", None)
            self.train_set, self.val_set, self.train_groups = _split_with_groups(
                full, self.val_fraction, self.seed, groups
            )
            self.scaler = fit_channel_scaler(self.train_set)
        elif stage == "validate" and self.val_set is None:
            if self.val_fraction == 0:  # else Lightning validates an empty list: no metric, no error
                raise ConfigError(
                    "nothing to validate: data.val_fraction is 0, so no training recordings were held out "
                    "for validation (a fit with val_fraction 0 trained on all of them). Score held-out "
                    "recordings with ssm-ts classify test --data.test_path FILE, or fit with "
                    "--data.val_fraction 0.2 to keep a validation split."
                )
            # sets a stream's _train_groups: hold out whole ones, as the fit did
            full = self._load_train(fitting=False)
            self.train_set, self.val_set, self.train_groups = _split_with_groups(
                full, self.val_fraction, self.seed, getattr(self, "_train_groups", None)
            )
        elif stage == "test" and self.test_set is None:
            self.test_set = self._load_test()
            if self.test_set is None:
                raise ConfigError(self._no_test_data())
            if self.test_set.labels is None:  # else the first test batch fails, naming no file
                raise DataError(
                    f"{self.test_set.source}: the test recordings have no labels, and test scores predictions "
                    "against them; give a labelled file (a .ts with '@classLabel true <classes>', a CSV "
                    "with a label column), or classify these with predict."
                )
        elif stage == "predict" and self.predict_set is None:
            self.fitted_channel_names = self._model_channel_names()
            self.predict_set = self._load_predict()

    # ------------------------------------------------------------ the sampling step, kept in checkpoints

    def state_dict(self) -> dict[str, Any]:
        """Saved in Lightning checkpoints: the training recordings' sampling step and how the fit split
        its data into training and validation (plain values)."""
        split = {"path": self._path_setting, "val_fraction": self.val_fraction, "seed": self.seed}
        # a stream's windows and groups decide the split too (validate compares them: a group_col left
        # out splits the windows at random)
        split.update({key: self.stream[key] for key in SPLIT_STREAM_SETTINGS})
        return {"fit_sampling_step": step_state(self.fit_sampling_step), "fit_split": split}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Lightning calls it with a checkpoint's :meth:`state_dict` (predict/test ``--ckpt_path``)."""
        self.fit_sampling_step = step_from_state(state_dict.get("fit_sampling_step"))
        self._fit_split = state_dict.get("fit_split")  # None: a checkpoint saved before it was kept

    def _warn_other_validation_split(self) -> None:
        """Warn when ``validate`` splits the fit's data otherwise than the fit did (another
        ``val_fraction`` or ``seed`` than its checkpoint's, or for a stream another ``group_col``,
        ``window``, ``step``, ``label_col`` or ``label_rule``): the validation recordings then include
        ones the model trained on, and its scores are optimistic. A checkpoint saved before the stream
        settings were kept is compared on ``val_fraction`` and ``seed`` alone."""
        fit = getattr(self, "_fit_split", None)
        trainer = self.trainer
        if not fit or trainer is None or trainer.state.fn != "validate" or fit["path"] != self._path_setting:
            return
        # the stream settings decide the split only where a stream is cut (recordings ignore them); a
        # checkpoint saved before they were kept has none of them
        cut = fit.get("window") is not None or self.stream["window"] is not None
        stream = {k: fit[k] for k in SPLIT_STREAM_SETTINGS if cut and k in fit and fit[k] != self.stream[k]}
        if (float(fit["val_fraction"]), int(fit["seed"])) == (float(self.val_fraction), int(self.seed)):
            if stream:
                warn_on_rank_zero(other_stream_message(stream, self.stream), UserWarning, stacklevel=None)
            return
        validating = (
            f"validating on data.val_fraction {self.val_fraction:g}, data.seed {self.seed}, but the fit"
        )
        if float(fit["val_fraction"]) == 0:  # no split of the fit's data is held out: no fix but other data
            message = (
                f"{validating} held out no recordings (val_fraction 0): this validation split holds recordings "
                "the model was trained on, so its scores are optimistic. Score recordings the fit never saw "
                "with test (--data.test_path)."
            )
        else:
            message = (
                f"{validating} held out val_fraction {fit['val_fraction']:g} with seed {fit['seed']}: this "
                "validation split holds recordings the model was trained on, so its scores are optimistic. "
                "Leave --data.val_fraction and --data.seed out (on the command line and in the --config) to "
                "validate on the fit's own validation recordings."
            )
            if stream:  # the stream's settings differ too: the same fix, naming them
                message += " " + other_stream_message(stream, self.stream, also=True)
        warn_on_rank_zero(message, UserWarning, stacklevel=None)

    def check_sampling_step(self, stage: str, rate: float) -> str | None:
        """Warn when the ``"test"`` or ``"predict"`` recordings are sampled at another step than the
        training ones and ``rate`` (the task's) does not make up for it; the message, or ``None``."""
        data = {"test": self.test_set, "predict": self.predict_set}.get(stage)
        if data is None:
            return None
        return check_sampling_step(
            self.fit_sampling_step,
            data.sampling_step,
            rate,
            source=data.source,
            fix=f"--model.rate {{rate}} (ssm-ts classify {stage}; ClassificationTask(rate={{rate}}) in Python)",
        )

    def set_classes(self, classes: list[str]) -> None:
        """Use a trained model's classes (a checkpoint) to encode labels of validation/test data."""
        self.classes = [str(c) for c in classes]

    @property
    def n_channels(self) -> int:
        data = self.train_set or self.test_set or self.predict_set
        if data is None:
            raise ConfigError("the data module is not set up yet")
        return data.n_channels

    @property
    def channel_names(self) -> list[str] | None:
        """The channel names of the loaded recordings (a CSV's columns), ``None`` when unnamed."""
        data = self.train_set or self.test_set or self.predict_set
        if data is None:
            raise ConfigError("the data module is not set up yet")
        return data.channel_names

    def match_channels(self, names: list[str] | None) -> None:
        """Put the channels of every loaded split in the order of ``names`` (a model's training
        channels) where both are named, so a file whose columns come in another order is read as the
        model was fitted; unnamed data or ``names=None`` keep their order (matched by position).

        Raises:
            DataError: a split lacks one of ``names`` or has a channel not among them (named both ways).
        """
        fix = "--data.path (or data.predict_path / data.test_path) needs a file with those columns"
        reordered = False
        for split in ("train_set", "val_set", "test_set", "predict_set"):
            data = getattr(self, split)
            if data is not None:
                matched = match_channels(data, names, fix)
                reordered = reordered or (split == "train_set" and matched is not data)
                setattr(self, split, matched)
        if reordered and self.scaler is not None:  # the scaler's channels follow the new order
            self.scaler = fit_channel_scaler(self.train_set)

    def _loader(self, data: SeriesSet | None, shuffle: bool, what: str) -> DataLoader:
        if data is None:
            raise ConfigError(f"no {what} data: call setup() with the matching stage first")
        if data.labels is not None and self.classes is None:
            raise ConfigError("the classes are unknown: fit first, or load a trained model (checkpoint)")
        targets = encode_labels(data, self.classes) if data.labels is not None else None
        # The training order depends only on (seed, epoch), not on a generator's position: a fit resumed
        # from a checkpoint replays the batches of the epochs it has left, as an uninterrupted fit has them.
        sampler: Sampler[int] = (
            EpochSeededSampler(len(data), seed=self.seed) if shuffle else SequentialSampler(data.values)
        )
        if shuffle:
            sampler.set_epoch(training_epoch(self))  # a resumed fit's first epoch, also with workers
        world_size, rank = processes(self)
        if self.max_batch_steps is not None and what != "predict":  # predict bounds its own batches
            # Lightning failed putting its sampler in the batch sampler: "missing 2 required ... arguments"
            if world_size > 1:
                raise ConfigError(
                    f"data.max_batch_steps batches recordings by length in one process; with {world_size} "
                    "(DDP) they would get different numbers of batches. Leave max_batch_steps out and lower "
                    "batch_size (ssm-ts classify: --data.batch_size), or run on one device "
                    "(--trainer.devices 1; Python: Trainer(devices=1))."
                )
            batches = LengthBucketBatchSampler(
                sampler,
                self.batch_size,
                lengths=data.lengths,
                max_batch_steps=self.max_batch_steps,
                seed=self.seed,
                shuffle_batches=shuffle,
            )
            if shuffle:  # training resumed mid-epoch: the rest of its batches
                batches = skip_resumed_batches(batches, self)
            return DataLoader(
                RecordingDataset(data, targets),
                batch_sampler=batches,
                collate_fn=collate_recordings,
                num_workers=self.num_workers,
            )
        if not shuffle:  # validation, test, predict: in order
            dataset: Dataset = RecordingDataset(data, targets)
            evaluated: Sampler | None = None
            # under DDP each validation or test recording scored once, every process as many batches
            # (.evaluation_shards; Lightning's sampler repeated some); predict's sampler is Lightning's,
            # which repeats none
            if world_size > 1 and what != "predict":
                dataset, evaluated = evaluation_shard(dataset, world_size, rank)
            return DataLoader(
                dataset,
                batch_size=self.batch_size,
                sampler=evaluated,
                collate_fn=collate_recordings,
                num_workers=self.num_workers,
            )
        if world_size > 1:  # each process takes every world_size-th recording of the epoch's order
            sampler = shard(sampler, world_size, rank)
        sampler = skip_resumed_batches(sampler, self, self.batch_size)  # resumed mid-epoch: the rest
        return DataLoader(
            RecordingDataset(data, targets),
            batch_size=self.batch_size,
            sampler=sampler,
            collate_fn=collate_recordings,
            num_workers=self.num_workers,
        )

    def train_dataloader(self) -> DataLoader:
        if self.max_batch_steps is None and self.train_set is not None:
            self._warn_large_batches(self.train_set)
        return self._loader(self.train_set, True, "training")

    def _warn_large_batches(self, data: SeriesSet) -> None:
        """Warn before training when a batch of the longest recordings holds over LARGE_BATCH_STEPS steps."""
        longest = np.sort(data.lengths)[::-1][: self.batch_size]
        steps = int(len(longest) * longest[0])
        if steps > LARGE_BATCH_STEPS:
            warn_on_rank_zero(
                f"{data.source}: a training batch of {len(longest)} recordings padded to {int(longest[0]):,} "
                f"steps holds {steps:,} recording-steps; training the default encoder takes about 8 KiB each "
                f"(~{steps * 8 / 2**20:.0f} GiB). Set max_batch_steps (data.max_batch_steps; "
                f"e.g. {LARGE_BATCH_STEPS}) to batch recordings of similar length within "
                "that many steps, lower batch_size, or crop the recordings.",
                UserWarning,
                stacklevel=None,
            )

    def val_dataloader(self) -> DataLoader | list:
        if self.val_set is None:
            return []
        self._warn_other_validation_split()
        return self._loader(self.val_set, False, "validation")

    def test_dataloader(self) -> DataLoader:
        return self._loader(self.test_set, False, "test")

    def predict_dataloader(self) -> DataLoader:
        """Labels are not needed to predict (``y`` is -1); ``predict_set.labels`` stay for the output file."""
        data = self.predict_set
        return self._loader(
            SeriesSet(data.values, None, data.source, data.ids) if data else None, False, "predict"
        )
