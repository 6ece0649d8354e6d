"""Whether a frequency given for a fitted model's new data is the fit's, in another spelling, and if not,
how the two differ.

``--data.freq 24h`` for a model fitted at ``'D'``, ``1D`` for ``'D'``, ``60min`` for ``'h'`` step the same
grid and are the fit's frequency. pandas 3 reads ``'D'`` as a calendar day, no longer equal to
``to_offset('24h')``: the two differ only across a daylight-saving change, so on zone-less times, and in
a zone whose offset from UTC does not change (``UTC``, ``UTC+01:00``), they are the same. ``7D`` for
``'W-SAT'`` is not: ``W-SAT`` is weeks ending on Saturdays (anchored to the weekday), ``7D`` seven days
from wherever the data starts; :func:`frequency_difference` says so.
"""

from __future__ import annotations

import pandas as pd
from pandas.tseries.offsets import Day, Tick, Week

from .dates import date_offset

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_TICK_UNITS = {"Hour": "hour", "Minute": "minute", "Second": "second", "Milli": "millisecond",
               "Micro": "microsecond", "Nano": "nanosecond"}  # fmt: skip
_CALENDAR = {"ME": "month ends", "MS": "month starts", "QE": "quarter ends", "QS": "quarter starts",
             "YE": "year ends", "YS": "year starts", "B": "business days", "SME": "half-month ends",
             "SMS": "half-month starts"}  # fmt: skip


def same_frequency(given: str, fitted: str, tz: str | None = None) -> bool:
    """Whether the alias ``given`` steps the grid of the fitted alias ``fitted``: equal pandas offsets
    (``'1D'`` and ``'D'``, ``'60min'`` and ``'h'``), or, on zone-less times (``tz`` None, the fitted
    series' zone) or in a zone of one offset from UTC (``'UTC'``, ``'UTC+01:00'``), a fixed span equal to
    whole calendar days (``'24h'`` and ``'D'``, ``'48h'`` and ``'2D'``). ``fitted`` may be a Period alias
    (a fit on Periods: ``'M'``, ``'Q-DEC'``), the grid of its offset (``'ME'``, ``'QE-DEC'``).

    Raises:
        DataError: ``given`` is no pandas alias (one pandas 3 removed is named with its new spelling), but
            the fitted alias itself.
    """
    if given == fitted:
        return True
    offset, other = date_offset(given), _fitted_offset(fitted)
    if other is None:  # a spelling this pandas cannot read: not comparable
        return False
    if offset == other:
        return True
    span, fitted_span = _fixed_span(offset), _fixed_span(other)
    return span is not None and span == fitted_span and not _changes_offset(tz)


def frequency_difference(given: str, fitted: str, tz: str | None = None) -> str:
    """What makes ``given`` another grid than ``fitted`` (for the error refusing it): ``"'7D' is steps of 7
    days, counted from the data's first time, not anchored to a weekday; 'W-SAT' is weeks ending on
    Saturdays (anchored to the weekday): they step different grids."``"""
    offset, other = date_offset(given), _fitted_offset(fitted)
    if other is None:
        return f"{given!r} is {_described(offset)}; the fit's {fitted!r} is no frequency this pandas reads."
    spans = (_fixed_span(offset), _fixed_span(other))
    if spans[0] is not None and spans[0] == spans[1] and _changes_offset(tz):
        day, fixed = (given, fitted) if isinstance(offset, Day) else (fitted, given)
        return (
            f"{day!r} is calendar days, 23 or 25 hours long across a daylight-saving change in {tz}, and "
            f"{fixed!r} {_described(offset if fixed == given else other)}: they step different grids in that zone."
        )
    return f"{given!r} is {_described(offset)}; {fitted!r} is {_described(other)}: they step different grids."


def _fitted_offset(fitted: str) -> pd.DateOffset | None:
    """The offset of the fitted alias ``fitted``: an offset alias, or a Period one (``'M'``: month ends);
    ``None`` where this pandas reads it as neither."""
    try:
        return date_offset(fitted)
    except ValueError:  # (a DataError) not an offset alias: a fit on Periods keeps a Period alias
        try:
            return pd.Period("2000-01-01", freq=fitted).freq
        except (ValueError, TypeError):
            return None


def _changes_offset(tz: str | None) -> bool:
    """Whether the zone ``tz`` changes its offset from UTC (a daylight-saving change: a calendar day of 23
    or 25 hours) in 1970-2037, looked at month by month; ``False`` for zone-less times (``None``), ``'UTC'``
    and fixed offsets (``'UTC+01:00'``, ``'Etc/GMT-1'``)."""
    if tz is None:
        return False
    months = pd.date_range("1970-01-01", "2038-01-01", freq="MS", tz=tz)
    offsets = months.tz_localize(None) - months.tz_convert("UTC").tz_localize(None)
    return offsets.nunique() > 1


def _fixed_span(offset: pd.DateOffset) -> pd.Timedelta | None:
    """The span of a fixed step (hours, minutes) or of whole calendar days; ``None`` for other offsets."""
    if isinstance(offset, Tick):
        return pd.Timedelta(offset)
    if isinstance(offset, Day):
        return pd.Timedelta(days=offset.n)
    return None


def _described(offset: pd.DateOffset) -> str:
    """``weeks ending on Saturdays (anchored to the weekday)``, ``steps of 7 days, ...``, ``month ends``."""
    n = offset.n
    if isinstance(offset, Week) and offset.weekday is not None:
        every = "weeks" if n == 1 else f"every {n} weeks,"
        return f"{every} ending on {_WEEKDAYS[offset.weekday]}s (anchored to the weekday)"
    if isinstance(offset, Day):
        return f"steps of {_count(n, 'day')}, counted from the data's first time, not anchored to a weekday"
    unit = _TICK_UNITS.get(type(offset).__name__)
    if unit is not None:
        return f"a fixed step of {_count(n, unit)}"
    kind = _CALENDAR.get(offset.freqstr.lstrip("0123456789").split("-")[0])
    if kind is not None:
        return kind if n == 1 else f"every {n} {kind}"
    return f"the pandas offset {offset.freqstr!r}"


def _count(n: int, unit: str) -> str:
    return f"{n} {unit}" if n == 1 else f"{n} {unit}s"
