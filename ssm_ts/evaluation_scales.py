"""The in-sample seasonal-naive scale of each series (``train`` before its first forecast) that
``mase``, ``rmsse`` and ``msis`` divide by."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ssm_ts.errors import ConfigError, DataError
from ssm_ts.evaluation_frame import Layout
from ssm_ts.evaluation_tables import series_table


def seasonal_scales(
    train, layout: Layout, id_col: str, m: int, points: pd.DataFrame, read_options: Mapping[str, Any] | None
) -> pd.DataFrame:
    """Per series: ``scale_ae`` = mean ``|y_t - y_{t-m}|`` and ``scale_se`` = mean ``(y_t - y_{t-m})^2``
    over the rows of ``train`` before that series' own first forecast time in ``points`` (a ragged
    panel's series start and end apart; steps missing from ``train`` are put back as NaN first)."""
    if train is None:
        raise ConfigError("scaled metrics need train=...")  # chosen_metrics names the fix first
    first_forecast = points.groupby("series", sort=False)["time"].min()
    values = series_table(train, "train", layout, id_col, points["time"], read_options)
    history = _on_regular_grid(values[values.index < first_forecast.max()])[list(first_forecast.index)]
    # each series' history ends where its own forecasts begin
    history = history.apply(lambda column: column.where(history.index < first_forecast[column.name]))
    diffs = history - history.shift(m)  # NaN where either value is missing: skipped below
    counts = diffs.notna().sum()
    short = list(counts.index[counts == 0])
    if short:
        rows = history[short].notna().sum()
        found = "; ".join(f"{s!r}: {rows[s]} values before {first_forecast[s]}" for s in short[:5])
        raise DataError(
            f"train has no pair of values {m} steps apart (season_length={m}) before the series' first "
            f"forecast time for series {short[:5]}{' ...' if len(short) > 5 else ''} ({found}); pass the "
            "history before the forecasts, or a smaller season_length."
        )
    return pd.DataFrame({"scale_ae": diffs.abs().mean(), "scale_se": (diffs**2).mean()})


def _on_regular_grid(history: pd.DataFrame) -> pd.DataFrame:
    """``history`` with a row (NaN) at every missing step of its frequency, so that ``shift(m)`` is
    ``m`` steps back, not ``m`` rows back across a gap (a CSV with missing weeks, as the CO2 record)."""
    from ssm_ts.pipelines.forecasting.dates import infer_frequency
    from ssm_ts.pipelines.forecasting.series import time_grid

    index = history.index
    if len(index) < 3:
        return history
    if isinstance(index, pd.PeriodIndex):
        step = index.freq
    elif isinstance(index, pd.DatetimeIndex):
        step = infer_frequency(pd.Series(index))
    elif pd.api.types.is_integer_dtype(index):
        step = max(int(np.gcd.reduce(np.diff(index.to_numpy()))), 1)  # gaps are multiples of the step
    else:
        step = None
    if step is None:
        return history  # irregular times: rows are all there is
    grid = time_grid(index[0], index[-1], step)
    if not index.isin(grid).all():  # times off the grid (an offset that does not fit): leave them
        return history
    return history.reindex(grid)
