"""Checks of :class:`~.datamodule.ForecastDataModule`'s settings: positive window and batch sizes,
known-future covariates that fit in the lookback, and what :meth:`~.datamodule.ForecastDataModule.from_checked`
may be given."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ssm_ts.errors import ConfigError
from ssm_ts.whole_numbers import is_whole_number

from .series import SeriesSpec

# the constructor's settings that say how to read a table (from_checked's frame is read already)
READ_SETTINGS = {"path", "time_col", "target", "past_covariates", "future_covariates", "freq", "fill",
                 "id_col", "value_col", "read_options", "static_path", "per_series_columns"}  # fmt: skip


def check_sizes(lookback: int, horizon: int, batch_size: int, eval_batch_size: int | None) -> None:
    """Window lengths and batch sizes are positive integers (``eval_batch_size`` may be ``None``)."""
    if not (is_whole_number(lookback) and is_whole_number(horizon)) or lookback < 1 or horizon < 1:
        raise ConfigError(f"lookback ({lookback}) and horizon ({horizon}) must be positive integers.")
    if not (
        is_whole_number(batch_size) and (eval_batch_size is None or is_whole_number(eval_batch_size))
    ) or (batch_size < 1 or (eval_batch_size is not None and eval_batch_size < 1)):
        raise ConfigError(
            f"batch_size ({batch_size}) and eval_batch_size ({eval_batch_size}) must be positive integers."
        )


def check_future_covariates_fit(future_covariates: list[str], lookback: int, horizon: int) -> None:
    """Known-future covariates ride in the last ``horizon`` rows of the lookback window (see
    :func:`~.windows.model_inputs`): a shorter window would silently drop the first forecast steps' values."""
    if future_covariates and horizon > lookback:
        raise ConfigError(
            f"known-future covariates {future_covariates} need lookback >= horizon: they are fed "
            f"in the last horizon rows of the input window, and lookback {lookback} < horizon "
            f"{horizon} would drop the first {horizon - lookback} forecast steps' values. "
            f"Set lookback to at least {horizon}, or pass those columns as past_covariates."
        )


def check_checked_frame(frame: pd.DataFrame, spec: SeriesSpec, settings: dict[str, Any]) -> None:
    """``from_checked``'s arguments: no setting that says how to read a table (``spec`` says that),
    and a ``frame`` that holds the time column and input columns of ``spec``."""
    reading = sorted(set(settings) & READ_SETTINGS)
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
