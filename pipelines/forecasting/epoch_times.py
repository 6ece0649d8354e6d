"""Dates written as integers in a time column: Unix epoch times (seconds, or milli-, micro-, nanoseconds
since 1970-01-01 UTC) and compact dates (``20200131``, as ``%Y%m%d``). Read as integer steps, as any
integers are, but the user is told how to read them as dates."""

from __future__ import annotations

import warnings

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


COMPACT_DATE = "%Y%m%d"  # 20200131: a date to pd.to_datetime as text, a number as an integer


def compact_dates(values: pd.Series) -> pd.Series:
    """``values`` (integers or digit text) read as :data:`COMPACT_DATE` dates; ``NaT`` where one is none."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pd.to_datetime(values.astype(str), format=COMPACT_DATE, errors="coerce")


def compact_date_hint(column: pd.Series, name: str) -> str:
    """The fix for integers that are all dates written as ``YYYYMMDD`` (``20200131``, as some loggers and
    exports write them), as a sentence; ``''`` for any other column. As integer steps such dates have
    gaps at every month's end (20200131, then 20200201), so the fix belongs in the gap error."""
    if pd.api.types.is_bool_dtype(column) or not pd.api.types.is_integer_dtype(column):
        return ""
    values = column.dropna()
    if values.empty or not values.between(10_000_101, 29_991_231).all():
        return ""
    dates = compact_dates(values)
    if dates.isna().any():
        return ""
    first = int(values.iloc[0])
    return (
        f"column {name!r} holds numbers such as {first} that look like dates written as YYYYMMDD ({first} is "
        f"{dates.iloc[0].date()}): to forecast dates, not integers, convert the column, "
        f"df[{name!r}] = pd.to_datetime(df[{name!r}].astype(str), format={COMPACT_DATE!r}), and pass the "
        "DataFrame, or write the dates into the CSV."
    )


def dates_as_numbers_hint(column: pd.Series, name: str) -> str:
    """:func:`epoch_hint` or :func:`compact_date_hint`, whichever applies (their ranges do not overlap)."""
    return epoch_hint(column, name) or compact_date_hint(column, name)
