"""Unix epoch times (seconds, or milli-, micro-, nanoseconds since 1970-01-01 UTC) in a time column:
read as integer steps, as any integers are, but the user is told how to read them as dates."""

from __future__ import annotations

import numpy as np
import pandas as pd

# unit -> the range its epoch times span from 1973-03-03 to 2099-12-04 (the ranges do not overlap)
_EPOCH_UNITS = {"s": 1e8, "ms": 1e11, "us": 1e14, "ns": 1e17}
_UNIT_NAMES = {"s": "seconds", "ms": "milliseconds", "us": "microseconds", "ns": "nanoseconds"}
_SPAN = 41  # the range's top is 41 times its bottom


def epoch_unit(column: pd.Series) -> str | None:
    """``'s'``, ``'ms'``, ``'us'`` or ``'ns'`` when every value of the integer ``column`` is a Unix
    epoch time in that unit between 1973 and 2099, and they increase (times, not counts); else ``None``."""
    if pd.api.types.is_bool_dtype(column) or not pd.api.types.is_numeric_dtype(column):
        return None
    values = column.dropna().to_numpy(dtype="float64")
    if values.size < 2 or not (np.isfinite(values).all() and (values == np.round(values)).all()):
        return None
    if not (np.diff(np.sort(values)) > 0).all():
        return None
    for unit, bottom in _EPOCH_UNITS.items():
        if values.min() >= bottom and values.max() < bottom * _SPAN:
            return unit
    return None


def epoch_hint(column: pd.Series, name: str) -> str:
    """The fix for integers that look like Unix epoch times, as a sentence; ``''`` for any other column."""
    unit = epoch_unit(column)
    if unit is None:
        return ""
    first = int(column.dropna().iloc[0])
    return (
        f"column {name!r} holds numbers such as {first} that look like Unix epoch {_UNIT_NAMES[unit]} ({first} is "
        f"{pd.to_datetime(first, unit=unit)} UTC): to forecast dates, not integers, convert the column, "
        f"df[{name!r}] = pd.to_datetime(df[{name!r}], unit={unit!r}, utc=True) (then .dt.tz_convert('Europe/Berlin') "
        "for local times in your zone), and pass the DataFrame, or write the dates into the CSV."
    )
