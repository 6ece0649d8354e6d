"""The forecasting pipeline: reader, checks and fill policy, split presets, scaler, windows, data module."""

from .datamodule import ForecastDataModule, last_window, window_inputs
from .frames import (
    forecast_frame,
    future_times,
    point_index,
    quantile_column,
    to_long_forecast,
    to_wide_forecast,
)
from .reader import Table, read_table
from .scaler import ScalerState, fit_scaler
from .series import (
    SeriesNotes,
    SeriesSpec,
    filled_targets,
    infer_frequency,
    load_like,
    load_series,
    series_notes,
)
from .split import SPLIT_PRESETS, SplitBoundaries, check_enough_rows, split_boundaries
from .windows import ForecastWindows, model_inputs

__all__ = [
    "SPLIT_PRESETS",
    "ForecastDataModule",
    "ForecastWindows",
    "ScalerState",
    "SeriesNotes",
    "SeriesSpec",
    "SplitBoundaries",
    "Table",
    "check_enough_rows",
    "filled_targets",
    "fit_scaler",
    "forecast_frame",
    "future_times",
    "infer_frequency",
    "last_window",
    "load_like",
    "load_series",
    "model_inputs",
    "point_index",
    "quantile_column",
    "read_table",
    "to_long_forecast",
    "to_wide_forecast",
    "series_notes",
    "split_boundaries",
    "window_inputs",
]
