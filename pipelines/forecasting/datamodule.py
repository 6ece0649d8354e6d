"""``ForecastDataModule``: a CSV or DataFrame -> checked series -> split -> scaler -> stride-1 windows.

Batches are ``(x (batch, lookback, n_channels), y (batch, horizon, n_targets))`` in *original*
units, float64 (float32 would lose small variations on a large level); the task applies the
scaler stored with the model, in float64, so a checkpoint used on a new file scales it exactly
as in training. Input channels are ``targets + past covariates + known-future
covariates`` (the last group shifted by the horizon, see :func:`~.windows.model_inputs`).

The module's other jobs live beside it: :mod:`.datamodule_source` (the constructors from a frame and
the series read once), :mod:`.datamodule_settings` (checks of the settings), :mod:`.split_checks`
(every split can be trained on and scored), :mod:`.datamodule_loaders` (the DataLoaders) and
:mod:`.forecast_inputs` (the input arrays, and the window a forecast starts from).
"""

from __future__ import annotations

import dataclasses
import os
from typing import Literal

import lightning.pytorch as pl
import numpy as np
import pandas as pd

from ssm_ts.datasets import resolve_data_path
from ssm_ts.pipelines.csv_options import check_read_options

from .covariate_spans import feature_reads, require_covered_targets
from .datamodule_features import fitted_future_table, static_future_rows
from .datamodule_loaders import LoadersMixin
from .datamodule_settings import READ_SETTINGS as _READ_SETTINGS  # noqa: F401 (its name here before the split)
from .datamodule_settings import check_future_covariates_fit, check_sizes
from .datamodule_source import SourceMixin
from .dates import freq_alias
from .fills import trailing_carries
from .forecast_inputs import last_window, last_windows, window_inputs
from .reader import TableSource
from .scaler import ScalerState, fit_scaler
from .series import SeriesSpec, column_list, filled_targets, series_notes
from .series_features import SeriesFeatures
from .spans import Spans, series_spans
from .split import SplitBoundaries, check_enough_rows, split_boundaries
from .split_checks import UNSCORED_FILLS_SPLITS, check_observed_targets, check_ragged_windows
from .value_range import check_value_range
from .windows import ForecastWindows, row_major

# what other modules import from here (the package, and code written before the split)
__all__ = ["UNSCORED_FILLS_SPLITS", "ForecastDataModule", "last_window", "last_windows", "window_inputs"]


class ForecastDataModule(SourceMixin, LoadersMixin, pl.LightningDataModule):
    """Forecasting data from a CSV (``path``), a DataFrame (:meth:`from_frame`) or rows already read
    and checked (:meth:`from_checked`).

    Args:
        path: CSV (or Parquet) file, wide (time column + one column per series) or long (``unique_id, ds, y``;
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
        static_path: a long table's static features, a CSV of one row per series (``id_col`` and
            numeric columns), as neuralforecast's ``static_df``; with covariates named by a long table's
            columns (``past_covariates: [price]`` beside ``unique_id, ds, y, price``), each series
            reads its own (:mod:`.datamodule_features`, as ``Forecaster.fit(df, static_df=...)``). The
            checkpoint keeps them (:meth:`state_dict`): validate/test/predict read them from there.
        per_series_columns: read covariates named by a long CSV's columns per series, as ``static_path``
            does (on for ``ssm-ts forecast``); off, such a column is refused naming the DataFrame
            ``Forecaster.fit`` reads it from.
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
        # a plain dict: with dict[str, Any] the command line re-read each text value as YAML, so
        # {comment: "#"} gave comment=None and {true_values: "yes"} gave True
        read_options: dict | None = None,
        static_path: str | None = None,
        per_series_columns: bool = False,
    ):
        super().__init__()
        # checked now, so a bad key fails before any reading or training starts
        read_options = check_read_options(read_options) if read_options is not None else None
        path = os.fspath(path) if isinstance(path, os.PathLike) else path  # checkpoints hold plain values
        freq = freq_alias(freq)  # pd.offsets.BDay() -> 'B'
        # Saved in checkpoints (a data set's name stays a name), so `ssm-ts forecast predict --ckpt_path`
        # restores them; not logged to MLflow: the CLI logs the data settings itself.
        self.save_hyperparameters(logger=False)
        self.read_options = read_options
        self.shuffle_seed = shuffle_seed
        check_sizes(lookback, horizon, batch_size, eval_batch_size)
        self.path = resolve_data_path(path, "forecast")  # a CSV, or a standard data set's name (ETTh1)
        self.time_col = time_col
        self.target = target
        self.past_covariates = column_list(past_covariates)
        self.future_covariates = column_list(future_covariates)
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
        self.static_path = os.fspath(static_path) if static_path is not None else None
        self.per_series_columns = per_series_columns
        # a long table's per-series inputs (its own columns, static_path's statics): read, or the checkpoint's
        self.series_features: SeriesFeatures | None = None
        self.fitted_features: SeriesFeatures | None = None
        self.fitted_static_path: str | None = None  # the fit's static_path (restored as a setting: not read)
        self._source: TableSource | None = self.path
        self._frame: pd.DataFrame | None = None
        self._spec: SeriesSpec | None = None
        self._bounds: SplitBoundaries | None = None
        self._scaler: ScalerState | None = None
        self._arrays: tuple[np.ndarray, np.ndarray] | None = None
        self._observed: tuple[np.ndarray | None] | None = None  # (observed targets or None,), once computed
        self._spans: Spans | None = None
        self._checked: tuple[pd.DataFrame, SeriesSpec] | None = None  # from_checked's frame and spec
        self._covered: set[int | None] = set()  # the read rows' covariate coverage checked (per last_rows)
        self.fitted_spec: SeriesSpec | None = (
            None  # set by a fitted model: read new data like its training data
        )
        self.fitted_scaler: ScalerState | None = None  # and check its values against the model's scaler

    _test_left_out = False  # leave_out_test() was called

    # predict's forecast length (the CLI's --n; None: the horizon): a statics-only model's stored statics
    # are added over all of it (:meth:`_add_static_future`)
    forecast_steps: int | None = None

    def leave_out_test(self) -> ForecastDataModule:
        """Leave the test rows out of the split (the test split ends where validation does) and return
        this module: a model chosen on validation, such as a hyperparameter search's trial, never reads
        them. The training and validation rows stay as they are."""
        self._test_left_out = True
        self._bounds = None  # computed again, without them
        return self

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
            source = self._source_name
            bounds = split_boundaries(len(self.frame), self.split, self.fractions, self.boundaries)
            if self._test_left_out:
                bounds = dataclasses.replace(bounds, test_end=bounds.val_end)
            check_enough_rows(
                bounds, self.lookback, self.horizon, source, need_test=bounds.test_end > bounds.val_end
            )
            times = self.frame[self.spec.time_col]
            if self.ragged:
                check_ragged_windows(bounds, self.spans, times, self.lookback, self.horizon, source,
                                     self.spec.id_col, self.spec.id_dtype, self.spec.time_col,
                                     self.spec.value_col)  # fmt: skip
            check_observed_targets(
                bounds, self.observed_targets, times, self.lookback, self.spec.fill, source
            )
            self._bounds = bounds
        return self._bounds

    @property
    def scaler(self) -> ScalerState:
        """Per-column StandardScaler fitted on the training rows only (each series on its own
        observed ones: scikit-learn leaves out the NaN outside a series' span). Once fitted, it checks
        every row's values: one the model would overflow on once scaled (1e30 in a series at 300) is a
        :class:`DataError` naming it (:func:`~.value_range.check_value_range`)."""
        if self._scaler is None:
            train_rows = self.frame[self.spec.input_columns].iloc[: self.bounds.train_end]
            scaler = fit_scaler(train_rows.to_numpy(dtype="float64"), self.spec.input_columns)
            check_value_range(self.frame, self.spec, scaler, self._source_name, self.fitted_spec is not None)
            features = self.series_features
            if features is not None and features.statics:
                # statics scaled across the series, not per column (constant in time: each would be 0)
                scaler = features.pooled_scaler(scaler, self.spec)
            self._scaler = scaler
        return self._scaler

    # ------------------------------------------------------------ Lightning hooks

    def setup(self, stage: str | None = None) -> None:
        self._load()
        check_future_covariates_fit(self.spec.future_covariates, self.lookback, self.horizon)
        self._require_covered(stage)
        if stage in (None, "fit", "validate", "test"):
            _ = self.bounds
        if stage in (None, "fit"):
            _ = self.scaler  # its check of the values, before any training

    def _require_covered(self, stage: str | None) -> None:
        """A long table's covariate series hold values over each target's span (a forecast: over its
        last ``lookback`` rows), once per data read: Lightning's setup runs after ``Forecaster.fit``'s."""
        last_rows = self.lookback if stage == "predict" else None
        if last_rows in self._covered:
            return
        # each feature series (price[store_1]) against its own series only: a ragged panel's are valid
        require_covered_targets(self.frame, self.spec, feature_reads(self.spec), self._source_name, last_rows)
        self._covered.add(last_rows)

    @property
    def covariate_index(self) -> list[list[int]] | None:
        """Per target, the covariate channels a channel-independent model reads (its shared covariates,
        then its own per-series ones, :meth:`SeriesFeatures.covariate_index`); ``None`` without
        per-series inputs (every target reads every covariate)."""
        self._load()
        features = self.series_features
        return None if features is None else features.covariate_index(self.spec)

    def future_source(self, path: str) -> TableSource:
        """``--futr_path``'s ``path`` as the forecast reads it: for a model with per-series inputs, the
        rows of its covariate series (each series' known-future columns, the stored statics)."""
        features = self.fitted_features
        if features is None or self.fitted_spec is None:
            return path
        return fitted_future_table(path, features, self.fitted_spec, self.read_options)

    def _add_static_future(self) -> None:
        """A forecast of a model whose only known-future per-series inputs are statics needs no future rows
        of the user's: the stored statics fill the horizon after the last observation, as
        ``Forecaster.predict`` adds them. A file with future rows of its own is read as it is. Called by
        :meth:`predict_dataloader`: a checkpoint's restore, after ``setup``, reads the file again."""
        # a rollout's every pass reads a whole horizon of them
        steps = -(-(self.forecast_steps or self.horizon) // self.horizon) * self.horizon
        rows = static_future_rows(self.frame, self.spec, self.fitted_features, steps)
        if rows is None:
            return
        out = pd.concat([self.frame, rows], ignore_index=True)
        out.attrs = self.frame.attrs  # the fill record of the rows read
        self._frame = out
        self._arrays = self._spans = self._observed = None

    def saved_future_rows(self) -> pd.DataFrame | None:
        """The rows after the last observation an export keeps (a loaded model's ``predict()`` without
        data reads them): the known-future covariates the data ends with, or a statics-only model's
        statics over the horizon (:func:`~.datamodule_features.static_future_rows`)."""
        future = series_notes(self.frame).future
        if future is not None:
            return future
        return static_future_rows(self.observed_frame(), self.spec, self.series_features, self.horizon)

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

    # ------------------------------------------------------------ checkpoints

    def state_dict(self) -> dict:
        """Saved in Lightning checkpoints: how the training data was read and, once fitted, the scaler
        the model scales by (JSON values only)."""
        if self._spec is None:
            return {}
        state = {"spec": self.spec.to_dict()}
        if self._scaler is not None:
            state["scaler"] = self._scaler.to_dict()
        if self.series_features is not None:  # validate/test/predict expand new files with them
            state["series_features"] = self.series_features.to_dict()
            state["static_path"] = self.fitted_static_path if self.fitted_spec else self.static_path
        return state

    def load_state_dict(self, state_dict: dict) -> None:
        """A checkpoint's spec: read this module's data with the training columns, frequency and fill,
        and (a checkpoint that holds it) check its values against the training scaler, as a fitted
        Forecaster's predict does (:func:`~.value_range.check_value_range`)."""
        if state_dict.get("spec"):
            self.fitted_spec = SeriesSpec.from_dict(state_dict["spec"])
            scaler = state_dict.get("scaler")
            self.fitted_scaler = ScalerState.from_dict(scaler) if scaler else None
            features = state_dict.get("series_features")
            self.fitted_features = SeriesFeatures.from_dict(features) if features else None
            self.fitted_static_path = state_dict.get("static_path")
            self._frame = self._spec = self._bounds = self._scaler = self._arrays = self._spans = None
            self._observed = None
            self._covered = set()
