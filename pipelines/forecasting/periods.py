"""pandas Period time columns: their frequency, their text, and new data read as the fitted Periods.

A series timed by Periods (``pd.period_range("2000-01", periods=300, freq="M")``, statsmodels' and
darts' monthly or quarterly type) keeps them: the frequency is the column's own (``'M'``,
``'Q-DEC'``, ``'W-SUN'``), never inferred from the timestamps, and forecasts continue as Periods.
A CSV holds Periods as the text pandas writes for them: ``2015Q1`` (quarters), ``2015-01``
(months), ``2015-01-05/2015-01-11`` (weeks); such a column is read as Periods too, so a forecast
written back continues in that text. (Days, hours and years are written as ordinary dates and
integers, and read as such unless the model was fitted on Periods.)
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ssm_ts.errors import DataError

_QUARTER = re.compile(r"\d{4}Q[1-4]")
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
_WEEK = re.compile(r"\d{4}-\d{2}-\d{2}/\d{4}-\d{2}-\d{2}")
_WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")


def is_period(times: pd.Series | pd.Index) -> bool:
    """True when ``times`` holds pandas Periods (a ``period[<freq>]`` dtype)."""
    return isinstance(times.dtype, pd.PeriodDtype)


def period_alias(freq: str | pd.DateOffset) -> str:
    """The Period alias of ``freq`` (``'M'``, ``'Q-DEC'``, ``'W-SUN'``, ``'Y-DEC'``, ``'h'``).

    Raises:
        ValueError: ``freq`` is no Period frequency (e.g. ``'MS'``, a month start).
    """
    # pandas 3 names a Period dtype's offset by its timestamp alias ('ME' for 'M'): ask a Period
    return _alias_of_offset(pd.PeriodDtype(freq).freq if isinstance(freq, str) else freq)


def _alias_of_offset(offset: pd.DateOffset) -> str:
    # a Period's freqstr is its alias ('M'); the offset's own is the timestamp one ('ME')
    return pd.Period("2000-01-01", freq=offset).freqstr


def same_period_freq(freq: str | int | None, dtype: pd.PeriodDtype) -> bool:
    """True when ``freq`` names the Period frequency of ``dtype`` (``'W'`` is ``'W-SUN'``)."""
    if not isinstance(freq, str):
        return False
    try:
        return pd.PeriodDtype(freq) == dtype
    except (ValueError, TypeError):
        return False


def period_text_freq(raw: pd.Series) -> str | None:
    """The Period frequency of a text column written from Periods (``'Q-DEC'`` for ``2015Q1``,
    ``'M'`` for ``2015-01``, ``'W-<last day>'`` for ``2015-01-05/2015-01-11``), or ``None`` when
    any present cell is other text."""
    if pd.api.types.is_numeric_dtype(raw) or pd.api.types.is_datetime64_any_dtype(raw) or is_period(raw):
        return None
    text = raw.dropna().astype(str).str.strip()
    if text.empty:
        return None
    for pattern, freq in ((_QUARTER, "Q-DEC"), (_MONTH, "M"), (_WEEK, None)):
        # the first 50 cells reject other text cheaply; then every cell must match
        if text.head(50).str.fullmatch(pattern).all() and text.str.fullmatch(pattern).all():
            return freq or _week_freq(text)
    return None


def _week_freq(text: pd.Series) -> str | None:
    """``'W-<day>'`` when every ``start/end`` span is one week ending on the same weekday."""
    start = pd.to_datetime(text.str.slice(0, 10), format="%Y-%m-%d", errors="coerce")
    end = pd.to_datetime(text.str.slice(11, 21), format="%Y-%m-%d", errors="coerce")
    if start.isna().any() or end.isna().any() or not ((end - start) == pd.Timedelta(days=6)).all():
        return None
    days = end.dt.day_of_week.unique()
    return f"W-{_WEEKDAYS[days[0]]}" if len(days) == 1 else None


def check_period_freq(raw: pd.Series, freq: str, where: str) -> None:
    """Periods of ``raw`` are at ``freq`` (the fitted one).

    Raises:
        DataError: they are at another frequency (``where`` names the column).
    """
    if raw.dtype != pd.PeriodDtype(freq):
        raise DataError(
            f"{where} holds Periods at frequency {period_alias(raw.dtype.freq)!r}, but the model was fitted on "
            f"Periods at {freq!r}; pass the series at that frequency (one row per {freq!r} period, e.g. "
            "resampled to it)."
        )


def text_to_periods(raw: pd.Series, freq: str) -> pd.Series:
    """Text or integers as pandas writes Periods (``2015Q1``, ``2015-01``, ``2015-01-05/2015-01-11``,
    ``2015-01-05 00:00``, years ``2015``) as Periods at ``freq``; other cells ``NaT``."""
    if pd.api.types.is_numeric_dtype(raw):
        raw = raw.astype("Int64")  # years stored as floats once a cell is empty: 2015.0 -> 2015
    text = raw.astype(str).str.strip().where(raw.notna())
    try:
        return pd.Series(pd.PeriodIndex(text, freq=freq), index=raw.index)
    except (ValueError, TypeError):  # some cell is no Period: read one by one to find it
        return pd.Series([_one_period(cell, freq) for cell in text], index=raw.index, dtype=f"period[{freq}]")


def dates_to_periods(dates: pd.Series, freq: str) -> pd.Series:
    """Timestamps as the Periods at ``freq`` they fall in (a CSV of days or hours written from
    Periods reads as dates). A zone is dropped: the wall-clock time decides the period."""
    if getattr(dates.dt, "tz", None) is not None:
        dates = dates.dt.tz_localize(None)
    return dates.dt.to_period(freq)


def _one_period(cell: object, freq: str) -> pd.Period | pd.NaTType:
    if not isinstance(cell, str):
        return pd.NaT
    try:
        return pd.Period(cell, freq=freq)
    except (ValueError, TypeError):
        return pd.NaT


def period_ordinals(times: pd.Series) -> np.ndarray:
    """``(n,)`` int64 position of each Period on its frequency's grid (for order and differences)."""
    return np.asarray(times.array.asi8)


def calendar_period_hint(times: pd.Series, dates_fix: tuple[str, str] = ("", "")) -> str:
    """`` The dates are one month apart ...``: for dates one calendar month (quarter, year) apart on a day
    no pandas frequency falls on (the 15th of each month), the conversion to Periods that reads them
    (forecasts then continue as Periods); ``""`` for other times. ``dates_fix``: ``(before, after)`` the
    conversion, for a column that is no dates yet (:func:`~.dates_code.dates_fix`)."""
    if not pd.api.types.is_datetime64_any_dtype(times) or len(times) < 3:
        return ""
    months = (times.dt.year * 12 + times.dt.month).to_numpy()
    steps = np.unique(np.diff(months))
    kinds = {1: ("month", "M"), 3: ("quarter", "Q"), 12: ("year", "Y")}
    if steps.size != 1 or int(steps[0]) not in kinds:
        return ""
    kind, alias = kinds[int(steps[0])]
    name = times.name
    return (
        f" The dates are one {kind} apart (e.g. {times.iloc[0]}, {times.iloc[1]}): read them as Periods, "
        f"{dates_fix[0]}df[{name!r}] = df[{name!r}].dt.to_period({alias!r}){dates_fix[1]} (forecasts continue "
        "as Periods)."
    )
