"""The forecasting pipeline: reader, checks and fill policy, split presets, scaler, windows, data module."""

from .datamodule import ForecastDataModule, last_window, window_inputs
from .frames import forecast_frame, future_times, point_index, quantile_column
from .reader import Table, read_table
from .scaler import ScalerState, fit_scaler
from .series import SeriesSpec, infer_frequency, load_like, load_series
from .split import SPLIT_PRESETS, SplitBoundaries, check_enough_rows, split_boundaries
from .windows import ForecastWindows, model_inputs

__all__ = [
    "SPLIT_PRESETS",
    "ForecastDataModule",
    "ForecastWindows",
    "ScalerState",
    "SeriesSpec",
    "SplitBoundaries",
    "Table",
    "check_enough_rows",
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
    "split_boundaries",
    "window_inputs",
]
