"""Text dates to timestamps: formats pandas infers, mixed formats, and day-first dates (``31/01/2020``).

pandas reads ``01/02/2020`` month first (the US order) and, once it has inferred a format from
the first row, turns every row in another format into NaT. European exports write day first, and
some exporters drop the time at midnight (``2020-01-01`` then ``2020-01-01 01:00:00``). Dates written
as numbers (``d/m/y`` or ``m/d/y``, with ``/``, ``.`` or ``-``) are therefore read in the order the
values prove (a first number above 12 is a day); when every value fits both orders, the order that
gives a regular series wins, and when both do, the caller gets an error rather than a guess.
"""

from __future__ import annotations

import datetime
import re
import warnings
from typing import Any

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset
from pandas.tseries.offsets import BaseOffset

from ssm_ts.errors import DataError

from .zone_text import (
    in_written_zones,
    refuse_zone_abbreviations,
    with_hour_offsets_written_out,
    without_zone_names,
)

# day/month/year or month/day/year, then anything (a time); the year has 4 or 2 digits
_NUMERIC_DATE = re.compile(r"^\s*(\d{1,2})([/.\-])(\d{1,2})\2(\d{4}|\d{2})(?![\d/.\-])(.*)$")
ISO_FIX = "write the dates as YYYY-MM-DD (ISO 8601)"
# a time of day after a numeric date, as strftime writes it: " 13:45", " 13:45:30"
_CLOCK = {r"\s+\d{1,2}:\d{2}": " %H:%M", r"\s+\d{1,2}:\d{2}:\d{2}": " %H:%M:%S", "": ""}


def order_fix(example: str) -> str:
    """How to give the order of numeric dates such as ``example`` (``'02.01.2020 13:45'``): the
    ``dayfirst`` read option, or the day-first format written as the dates are (their separator,
    year digits and time of day), which a wrong one (``%d/%m/%Y`` for ``02.01.2020``) would not read."""
    match = _NUMERIC_DATE.match(example)
    clock = next((f for p, f in _CLOCK.items() if match and re.fullmatch(p, match.group(5))), None)
    if match is None or clock is None:  # a time written otherwise: the order alone
        fmt = "%d/%m/%Y"
    else:
        sep, year = match.group(2), "%Y" if len(match.group(4)) == 4 else "%y"
        fmt = f"%d{sep}%m{sep}{year}{clock}"
    return (
        "for a CSV pass the order, read_options={'dayfirst': True} (or False; CLI: --data.read_options "
        f"'{{dayfirst: true}}'), or the format, {{'date_format': {fmt!r}}}; for a DataFrame parse the column, "
        f"df[col] = pd.to_datetime(df[col], format={fmt!r})"
    )


# pandas 2 aliases that pandas 3 removed -> their pandas 3 spelling (a number before, an anchor after kept)
_PANDAS_2_ALIASES = {"H": "h", "BH": "bh", "CBH": "cbh", "T": "min", "S": "s", "L": "ms", "U": "us", "N": "ns",
                     "M": "ME", "BM": "BME", "CBM": "CBME", "SM": "SME", "Q": "QE", "BQ": "BQE", "A": "YE",
                     "Y": "YE", "BA": "BYE", "BY": "BYE", "AS": "YS", "BAS": "BYS"}  # fmt: skip
_ALIAS = re.compile(r"^(\d*)([A-Za-z]+)(-[A-Za-z]+)?$")
FREQ_EXAMPLES = "e.g. 'h', '15min', 'D', 'W', 'MS', 'ME'"


def freq_alias(freq: Any) -> Any:
    """A frequency given as a pandas offset or a duration (``pd.offsets.BDay()``, ``pd.Timedelta("1h")``)
    as its alias (``'B'``, ``'h'``): checkpoints keep plain values, and one holding a pickled offset is
    refused when loaded (after the whole fit). Aliases, integer steps and ``None`` as they are."""
    if isinstance(freq, BaseOffset | pd.Timedelta | datetime.timedelta | np.timedelta64):
        return to_offset(freq).freqstr
    return freq


def date_offset(freq: str) -> pd.DateOffset:
    """The pandas offset of the alias ``freq`` (``'h'``, ``'15min'``, ``'W-SUN'``, ``'MS'``).

    Raises:
        DataError: ``freq`` is no alias; one pandas 3 removed (``'H'``, ``'M'``, ``'T'``, ``'Q-NOV'``...)
            is named with its pandas 3 spelling.
    """
    try:
        return to_offset(freq)
    except (ValueError, TypeError) as err:
        match = _ALIAS.match(str(freq))
        renamed = _PANDAS_2_ALIASES.get(match.group(2)) if match else None
        if renamed is not None:
            meant = f"{match.group(1)}{renamed}{match.group(3) or ''}"
            try:
                to_offset(meant)
            except ValueError:
                renamed = None
        if renamed is not None:
            raise DataError(
                f"freq={freq!r} is a pandas 2 alias that pandas 3 removed; write freq={meant!r} (pandas 3's "
                f"spelling of the same frequency; month, quarter and year ends are 'ME', 'QE', 'YE', their "
                "starts 'MS', 'QS', 'YS')."
            ) from None
        raise DataError(f"freq={freq!r} is not a pandas frequency alias ({FREQ_EXAMPLES}).") from err


def infer_frequency(times: pd.Series) -> pd.DateOffset | None:
    """The pandas offset of ``times`` (sorted, unique); tolerant of gaps. ``None`` if irregular."""
    index = pd.DatetimeIndex(times)
    if len(index) < 3:
        return None
    found = _infer(index)
    if found is not None:
        return found
    # With gaps, infer on short gap-free runs and take the most common answer.
    votes: dict[str, int] = {}
    for start in range(0, len(index) - 4, max(1, len(index) // 200)):
        guess = _infer(index[start : start + 5])
        if guess is not None:
            votes[guess.freqstr] = votes.get(guess.freqstr, 0) + 1
    if not votes:
        return None
    return to_offset(max(votes, key=votes.__getitem__))


def _infer(index: pd.DatetimeIndex) -> pd.DateOffset | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas 3 announces an offset return type; handle both
        found = pd.infer_freq(index)
    if found is None:
        return None
    return to_offset(found)


def parse_text_times(
    raw: pd.Series,
    where: str,
    freq: str | int | None = None,
    dayfirst: bool | None = None,
    date_format: str | None = None,
) -> pd.Series:
    """``raw`` (text, or objects such as Timestamps) as datetime64; unparseable cells NaT.

    ``where`` (``"<file>: column 'date'"``) names the column in errors; a ``freq`` the caller gave
    decides between a day-first and a month-first reading that are both regular. ``date_format``
    (strftime codes) reads every cell with that format, cells that do not match NaT;
    ``dayfirst`` reads numeric dates in that order instead of the order the values prove.

    Raises:
        DataError: numeric dates mix both orders, or fit both equally well.
    """
    if date_format is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return pd.to_datetime(raw, format=date_format, errors="coerce")
    if raw.dtype == "str":  # a long table repeats each time per series: its distinct times first
        codes, distinct = pd.factorize(raw)
        if 0 < len(distinct) <= len(raw) // 2:
            try:
                parsed = _parse_text_times(pd.Series(distinct, name=raw.name), where, freq, dayfirst)
            except DataError:
                parsed = None  # the error names what the rows hold: read them all
            if parsed is not None and not parsed.isna().any():  # every time read: each row's is its time's
                return pd.Series(parsed.array.take(codes, allow_fill=True), index=raw.index, name=parsed.name)
    return _parse_text_times(raw, where, freq, dayfirst)


def _parse_text_times(raw: pd.Series, where: str, freq: str | int | None, dayfirst: bool | None) -> pd.Series:
    """:func:`parse_text_times` of ``raw`` without a ``date_format``, row by row; zones written as
    :mod:`.zone_text` reads them."""
    text = raw.astype(str).where(raw.notna())
    if pd.api.types.is_string_dtype(raw):  # text: zones that pandas does not read
        raw = text = with_hour_offsets_written_out(text)
        named = without_zone_names(text)
        if named is not None:
            return in_written_zones(
                *named, where, lambda times: _parse_text_times(times, where, freq, dayfirst)
            )
        refuse_zone_abbreviations(text, where)
    # the groups only where some cell is a numeric date: extracting them from every ISO time of a CSV
    # (ETTh1's 17420) took 40 ms of a 50 ms read, where matching alone takes 8
    numeric = bool(text.str.match(_NUMERIC_DATE).any())
    parts = text.str.extract(_NUMERIC_DATE) if numeric else None
    if parts is None:
        parsed = _to_datetime(raw)
        if isinstance(parsed.dtype, pd.DatetimeTZDtype):
            _require_offsets_throughout(text, where)
        return parsed
    if dayfirst is not None:  # the user's order; cells that contradict it are NaT, named by the caller
        return _to_datetime(_as_iso(text, parts, "dmy" if dayfirst else "mdy"))
    first, second = parts[0].astype(float), parts[2].astype(float)
    day_first, month_first = bool((first > 12).any()), bool((second > 12).any())
    if day_first and month_first:
        raise DataError(
            f"{where} mixes day-first dates (e.g. {text[first > 12].iloc[0]!r}) and month-first dates "
            f"(e.g. {text[second > 12].iloc[0]!r}); {ISO_FIX}; or, if one order is right, "
            f"{order_fix(text[first > 12].iloc[0])} "
            "(rows that do not fit it are then named)."
        )
    orders = ["dmy"] if day_first else ["mdy"] if month_first else ["dmy", "mdy"]
    readings = {order: _to_datetime(_as_iso(text, parts, order)) for order in orders}
    differ = parts[0].notna() & (first != second)
    example = text[differ].iloc[0] if differ.any() else text.dropna().iloc[0]
    return _choose_reading(readings, example, text, where, freq)


def _as_iso(text: pd.Series, parts: pd.DataFrame, order: str) -> pd.Series:
    """Numeric dates rewritten as ``YYYY-MM-DD<rest>`` in ``order``; other cells as they are."""
    matched = parts[0].notna()
    day, month = (parts[0], parts[2]) if order == "dmy" else (parts[2], parts[0])
    year = parts[3].where(parts[3].str.len() == 4, _century(parts[3]))
    iso = year + "-" + month.str.zfill(2) + "-" + day.str.zfill(2) + parts[4]
    return iso.where(matched, text)


def _century(year: pd.Series) -> pd.Series:
    """Two-digit years as ``strptime``'s ``%y`` reads them: 69-99 -> 19xx, 00-68 -> 20xx."""
    numbers = pd.to_numeric(year, errors="coerce")
    return ((numbers < 69) * 100 + 1900 + numbers).astype("Int64").astype(str)


def _choose_reading(
    readings: dict[str, pd.Series], example: str, text: pd.Series, where: str, freq: str | int | None
) -> pd.Series:
    """The one reading (day-first or month-first) that parses every cell and is regular (at
    ``freq`` when given)."""
    values = list(readings.values())
    if len(values) == 1 or values[0].equals(values[1]):
        return values[0]
    complete = [r for r in values if not (r.isna() & text.notna()).any()]
    if len(complete) == 1:
        return complete[0]
    # a cell neither reads (a totals row 'Summe'): the order the other cells prove, that cell named by the caller
    complete = complete or values
    wanted = date_offset(freq) if isinstance(freq, str) else None
    steps = [_frequency(r) for r in complete]
    regular = [
        r for r, step in zip(complete, steps, strict=True) if step is not None and wanted in (None, step)
    ]
    if len(regular) == 1:
        return regular[0]
    raise DataError(
        f"{where}: dates such as {example!r} read either day first or month first, and both readings "
        f"are valid; {order_fix(example)}; or {ISO_FIX}."
    )


def _frequency(times: pd.Series) -> pd.DateOffset | None:
    """The frequency of the distinct times in order (a long table repeats them per series), without
    gaps: the gap-tolerant :func:`infer_frequency` finds a step in almost any misread."""
    distinct = pd.DatetimeIndex(times.dropna().drop_duplicates().sort_values())
    return _infer(distinct) if len(distinct) >= 3 else None


def _to_datetime(values: pd.Series) -> pd.Series:
    """pandas' format inference (fast); per-cell formats if that leaves cells NaT; UTC if the
    offsets differ (e.g. across a daylight-saving switch)."""
    present = values.notna()
    best = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for kwargs in ({}, {"format": "mixed"}, {"format": "mixed", "utc": True}):
            try:
                source = values if not kwargs else values.astype(str).where(present)
                parsed = pd.to_datetime(source, errors="coerce", **kwargs)
            except (ValueError, TypeError):
                continue
            if not (parsed.isna() & present).any():
                return _local_dates(source, parsed) if kwargs.get("utc") else parsed
            if best is None or parsed.isna().sum() < best.isna().sum():
                best = parsed
    if best is not None:
        return best
    return pd.to_datetime(values.astype(str), errors="coerce", format="mixed", utc=True)


_UTC_OFFSET = re.compile(r"\s*(?:Z|[+-]\d{2}:?\d{2})$")  # the offset ending an ISO time


def _local_dates(text: pd.Series, utc: pd.Series) -> pd.Series:
    """``utc`` (``text`` whose UTC offsets differ, read as UTC), or the wall-clock times ``text`` holds
    when they are all at one time of day and the UTC times are not: local days (weeks, months) written
    with their offsets, which change at a daylight-saving switch. As UTC their midnights fall at 22:00
    or 23:00 and lie on no daily grid; hours keep the UTC reading (their wall clock repeats an hour)."""
    present = utc.dropna()
    if (present - present.dt.normalize()).nunique() <= 1:
        return utc
    wall = pd.to_datetime(text.str.replace(_UTC_OFFSET, "", regex=True), errors="coerce", format="mixed")
    shown = wall.dropna()
    if (wall.isna() & text.notna()).any() or (shown - shown.dt.normalize()).nunique() != 1:
        return utc
    return wall


def _require_offsets_throughout(text: pd.Series, where: str) -> None:
    """Every time of ``text`` (some of which carry a UTC offset) carries one: pandas would read the
    others as UTC, an hour or two off local times, and the clash reads as duplicates or gaps.

    Raises:
        DataError: some times have an offset and some have none, with an example of each.
    """
    present = text.dropna()
    marked = present.str.contains(_UTC_OFFSET)
    if marked.all() or not marked.any():  # a zone written otherwise ('UTC'): nothing to compare
        return
    raise DataError(
        f"{where} mixes times with a UTC offset (e.g. {present[marked].iloc[0]!r}) and times without one (e.g. "
        f"{present[~marked].iloc[0]!r}; {int((~marked).sum())} of {len(present)}), which pandas would read as UTC "
        "though they may be local times; write every time with its offset (or every one in UTC without), or "
        "convert the column in Python once you know the zone of the times without one."
    )


def excel_serial_hint(column: pd.Series, name: str) -> str:
    """The fix for numbers that look like Excel serial dates (days since 1899-12-30, here years
    1954-2119), as a sentence; ``''`` for any other column."""
    if pd.api.types.is_bool_dtype(column) or not pd.api.types.is_numeric_dtype(column):
        return ""
    present = column.dropna()
    if present.empty or not present.between(20_000, 80_000).all():
        return ""
    return (
        f"column {name!r} holds numbers such as {present.iloc[0]:g} that look like Excel serial dates (days "
        f"since 1899-12-30): format the column as dates in Excel before exporting, or convert it, "
        f"df[{name!r}] = pd.to_datetime(df[{name!r}], unit='D', origin='1899-12-30'), and pass the DataFrame."
    )
