"""The pandas lines a fix needs before it can use a time column as dates (``.dt.to_period``,
``.dt.floor``, ``resample``): ``pd.read_csv`` gives a CSV's times as text, on which such a fix fails
as written ("Can only use .dt accessor with datetimelike values")."""

from __future__ import annotations

import warnings

import pandas as pd

from .read_code import read_first
from .reader import Table

# how pd.to_datetime may need telling to read the text as the reader did: day first, mixed UTC offsets
_PARSE_OPTIONS = (
    ("", {}),
    (", dayfirst=True", {"dayfirst": True}),
    (", utc=True", {"utc": True}),
    (", dayfirst=True, utc=True", {"dayfirst": True, "utc": True}),
)


def dates_fix(table: Table, time_col: str, times: pd.Series) -> tuple[str, str]:
    """``(before, after)`` to wrap a fix that uses ``df[time_col]`` as dates: ``before`` reads the CSV
    and parses the column (``"df = pd.read_csv(path), then df['ds'] = pd.to_datetime(df['ds']), then "``,
    with ``dayfirst=True`` or ``utc=True`` where the text needs them), ``after`` says to pass the
    DataFrame. A DataFrame whose column holds dates already needs neither: ``("", "")``.

    ``table``: as read (a pivoted long table names its long one in ``origin``); ``times (n,)``: the
    column as the reader parsed it, in any order."""
    source = table.origin.table if table.origin is not None else table
    raw = source.frame[time_col] if time_col in source.frame.columns else None
    if not pd.api.types.is_datetime64_any_dtype(times) or raw is None:
        return "", ""  # integer steps or Periods: no dates fix
    if pd.api.types.is_datetime64_any_dtype(raw) and not source.is_file:
        return "", ""
    read, after = read_first(table)
    col = repr(time_col)
    return f"{read}df[{col}] = pd.to_datetime(df[{col}]{_parse_options(raw, times)}), then ", after


def _parse_options(raw: pd.Series, times: pd.Series) -> str:
    """The first ``pd.to_datetime`` options that read a sample of ``raw`` (text) as the times the reader
    found in it, preferring those pandas reads without a warning (``26/09/2016`` read right without
    ``dayfirst=True`` warns that it was day first: the fix would warn as pasted, and here, on the user's
    screen, while the error is written); ``""`` when none does: the plain call, the likeliest to work."""
    sample = pd.Series(raw.dropna().unique()[:20])
    known = pd.DatetimeIndex(times)
    matching = []
    for options, keywords in _PARSE_OPTIONS:
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                parsed = pd.to_datetime(sample, **keywords)
        except (ValueError, TypeError, OverflowError):
            continue
        if known.tz is not None and parsed.dt.tz is None:
            continue
        if known.tz is None and parsed.dt.tz is not None:
            parsed = parsed.dt.tz_localize(None)
        if parsed.isin(known).all():
            if not caught:
                return options
            matching.append(options)
    return matching[0] if matching else ""
