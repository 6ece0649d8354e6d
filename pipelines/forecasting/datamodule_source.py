"""Where a :class:`~.datamodule.ForecastDataModule`'s series comes from (a CSV or a standard data
set's name, a DataFrame or rows already read and checked; read like the training data once a
checkpoint's spec is loaded), and reading it once."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from ssm_ts.errors import ConfigError

from .datamodule_features import check_static_path, fit_table, fitted_table, same_path
from .datamodule_settings import check_checked_frame
from .reader import Table
from .series import SeriesSpec, load_like, load_series
from .spans import n_observed_rows
from .unknown_series import given_series, warn_unknown_series
from .value_range import check_value_range

if TYPE_CHECKING:
    from .datamodule import ForecastDataModule


class SourceMixin:
    """The constructors from a frame and the series read once (:attr:`frame`, :attr:`spec`) of
    :class:`~.datamodule.ForecastDataModule`, a mixin it inherits."""

    @classmethod
    def from_frame(cls, frame: pd.DataFrame | Table, **settings) -> ForecastDataModule:
        """A data module over an in-memory DataFrame (same settings as the constructor, minus ``path``);
        or over a long DataFrame's :class:`~.reader.Table` expanded with its per-series inputs, whose
        errors name the user's rows (``Forecaster.fit``'s)."""
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
        check_checked_frame(frame, spec, settings)
        module = cls(**settings)
        # kept beside the constructor's arguments: Lightning would save a frame given there as a hyperparameter
        module._checked = frame, spec
        return module

    @property
    def _source_name(self) -> str:
        """The data as errors name it: the CSV's path (or data set's name), or "the DataFrame"."""
        return str(self.path) if self.path else "the DataFrame"

    @property
    def source_frame(self) -> pd.DataFrame | None:
        """The DataFrame given to :meth:`from_frame` as it was given (``None`` for a CSV): a resumed
        fit checks it holds what the checkpoint was trained on (:mod:`ssm_ts.tracking.resume_settings`)."""
        if isinstance(self._source, Table) and not self._source.is_file:  # a long DataFrame's expanded rows
            return self._source.frame
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
            # a long table's series the model was not fitted on: warned of, as Forecaster.predict does
            if self.fitted_spec.long_format:
                found = given_series(self._source, self.fitted_spec, self.read_options)
                if found is not None:
                    warn_unknown_series(*found, self.fitted_spec)
            source = self._source
            features = self.fitted_features
            if features is not None:  # each series' own columns and the stored statics, as the fit read them
                # the statics are the checkpoint's; another file given is checked against them (the fit's
                # own, which validate/test/predict restore as a setting, is not read: it may have moved)
                if self.static_path is not None and not same_path(self.static_path, self.fitted_static_path):
                    check_static_path(self.static_path, features, self.fitted_spec.id_col)
                source = fitted_table(source, features, self.fitted_spec, self.read_options)
            self.series_features = features
            frame = load_like(source, self.fitted_spec, True, read_options=self.read_options)
            if self.fitted_scaler is not None:  # a value the model would overflow on, named now
                check_value_range(frame, self.fitted_spec, self.fitted_scaler, self._source_name, fitted=True)
            self._frame, self._spec = frame, self.fitted_spec
            return
        source, time_col, past, future = (
            self._source,
            self.time_col,
            self.past_covariates,
            self.future_covariates,
        )
        # a long table's per-series columns and static_path's statics: rows of covariate series of their own
        named = (past, future) if self.per_series_columns or self.static_path is not None else ([], [])
        found = fit_table(source, self.read_options, self.static_path, time_col, self.target, *named,
                          self.id_col, self.value_col)  # fmt: skip
        if found is not None:
            self.series_features, source, time_col, past, future = found
        self._frame, self._spec = load_series(
            source,
            time_col=time_col,
            target=self.target,
            past_covariates=past,
            future_covariates=future,
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

    def observed_frame(self) -> pd.DataFrame:
        """The rows up to the last observed target value (no trailing future-covariate rows)."""
        return self.frame.iloc[: n_observed_rows(self.frame, self.spec.targets)]
