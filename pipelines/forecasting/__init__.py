"""The forecasting pipeline: reader, checks and fill policy, split presets, scaler, windows, data module."""

from .datamodule import ForecastDataModule, last_window, last_windows, window_inputs
from .frames import (
    forecast_frame,
    forecast_frame_by_series,
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
    filled_cells,
    filled_targets,
    infer_frequency,
    load_like,
    load_series,
    series_notes,
)
from .spans import Spans, series_spans
from .split import SPLIT_PRESETS, SplitBoundaries, check_enough_rows, split_boundaries
from .windows import ForecastWindows, model_inputs

__all__ = [
    "SPLIT_PRESETS",
    "ForecastDataModule",
    "ForecastWindows",
    "ScalerState",
    "SeriesNotes",
    "SeriesSpec",
    "Spans",
    "SplitBoundaries",
    "Table",
    "check_enough_rows",
    "filled_cells",
    "filled_targets",
    "fit_scaler",
    "forecast_frame",
    "forecast_frame_by_series",
    "future_times",
    "infer_frequency",
    "last_window",
    "last_windows",
    "load_like",
    "load_series",
    "model_inputs",
    "point_index",
    "quantile_column",
    "read_table",
    "to_long_forecast",
    "to_wide_forecast",
    "series_notes",
    "series_spans",
    "split_boundaries",
    "window_inputs",
]
