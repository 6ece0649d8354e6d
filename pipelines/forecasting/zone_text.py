"""Time zones written in the text of times, beyond the UTC offsets pandas reads (``+01:00``, ``Z``).

Databases and other languages write zones that pandas does not read:

- PostgreSQL's ``timestamptz`` text gives the offset in hours alone (``2016-03-01 00:00:00+01``): pandas
  reads it, but not the wall-clock time without it, and raised "Mixed timezones" from deep inside;
- Java's ``ZonedDateTime`` (RFC 9557) appends the zone name in brackets
  (``2016-03-01T00:00+01:00[Europe/Berlin]``), and other exports write it after the time
  (``2016-03-01 00:00:00 Europe/Berlin``): the column was not found as a time column at all;
- ``strftime("%Z")`` writes an abbreviation (``CET``, ``CEST``), which names no single zone (``CST`` is
  US Central time and China's, ``IST`` India's and Ireland's).

Hour offsets are written out (``+01:00``), zone names read as that zone (the forecast continues in it),
and abbreviations refused with the conversion that reads them.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable

import pandas as pd

from ssm_ts.errors import DataError

# an offset in hours alone after a time of day (the date's own '-01' is never one)
_HOUR_OFFSET = re.compile(r"(\d:\d\d(?::\d\d(?:\.\d+)?)?)([+-]\d\d)$")
# an offset after the name of UTC, as JavaScript's Date.toString writes it ('... GMT+0100 (...)' cut)
_NAMED_OFFSET = re.compile(r"\s*(?:GMT|UTC)([+-]\d\d:?\d\d)$")
# a zone name ending a time: '[Europe/Berlin]' (RFC 9557), ' Europe/Berlin', ' UTC' excluded (pandas reads it)
_ZONE_NAME = re.compile(
    r"^(?:(?P<before_bracket>.*?)\s*\[(?P<bracketed>[^\]]+)\]|(?P<before_name>.*\d)\s+(?P<named>[A-Za-z_]+(?:/[A-Za-z0-9_+\-]+)+))$"
)
# an abbreviation ending a time (' CET', ' CEST', ' EDT'); UTC, GMT and Z are read by pandas
_ABBREVIATION = re.compile(r"^(?P<time>.*\d)\s+(?P<abbreviation>[A-Z]{2,5})$")
# the same, stripped where a column is only tested for dates
ZONE_ABBREVIATION = re.compile(r"(?<=\d)\s+[A-Z]{2,5}$")
# read by pandas, or no zone: a day's or a month's name in capitals ('2016-01-01 FRI', '2016 JAN')
_READ_BY_PANDAS = {"UTC", "GMT", "Z", "AM", "PM", "MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN",
                   "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}  # fmt: skip
# a value that may end in a zone name: a letter, a bracket, or Etc's hours ('Etc/GMT-1', UTC+1; 'Etc/GMT0'),
# after a '/' as every zone name read is written ('GMT-1' alone, a label, is no zone's name here)
_LETTER_END = re.compile(r"(?:[A-Za-z\]]|/[A-Za-z]+[+-]?\d{1,2})$")
_SAMPLE = 50  # the first present values that decide whether a column writes zones at all


def with_hour_offsets_written_out(text: pd.Series) -> pd.Series:
    """``text`` with offsets in hours alone (``...00:00+01``) written as ``+01:00``, and offsets after
    ``GMT``/``UTC`` (``GMT+0100``, which dateutil reads as POSIX zones do, an hour the other way) as
    ``+0100``; others unchanged."""
    for pattern, written in ((_HOUR_OFFSET, r"\1\2:00"), (_NAMED_OFFSET, r"\1")):
        if _ends_some(text, pattern):
            text = text.str.replace(pattern, written, regex=True)
    return text


def without_zone_names(text: pd.Series) -> tuple[pd.Series, pd.Series] | None:
    """``(times, zones)``: ``text`` without the zone name each present value ends with, and that name;
    ``None`` when the values write no zone name (``zones`` is NaN where a value writes none)."""
    if not _ends_some(text, _LETTER_END):
        return None
    parts = text.str.extract(_ZONE_NAME)
    zones = parts["bracketed"].fillna(parts["named"])
    if zones.isna().all() or not all(_is_zone(name) for name in zones.dropna().unique()):
        return None
    return parts["before_bracket"].fillna(parts["before_name"]).where(zones.notna(), text), zones


def in_written_zones(
    times: pd.Series, zones: pd.Series, where: str, parse: Callable[[pd.Series], pd.Series]
) -> pd.Series:
    """``times`` (text without the zone names ``zones``) parsed by ``parse`` and placed in those zones:
    in the zone when there is one (local times that repeat an hour where daylight saving time ends are
    told apart by their order), as UTC when there are several.

    Raises:
        DataError: some times name no zone, or a local time the zone skips or repeats cannot be placed.
    """
    present = times.notna()
    if (zones.isna() & present).any():
        first = (zones.isna() & present).to_numpy().argmax()
        raise DataError(
            f"{where} mixes times with a time zone name (e.g. {times[zones.notna()].iloc[0]!r} in "
            f"{zones.dropna().iloc[0]!r}) and times without one (e.g. {times.iloc[first]!r}, row {first}); "
            "write every time with its zone (or every one with its UTC offset)."
        )
    parsed = parse(times)
    names = list(zones.dropna().unique())
    placed = pd.Series(pd.NaT, index=parsed.index, dtype=pd.DatetimeTZDtype(parsed.dt.unit, "UTC"))
    for name in names:
        rows = zones == name
        ordered = _in_time_order(parsed[rows])
        try:
            placed[rows] = _in_zone(parsed[rows], name, ordered).dt.tz_convert("UTC")
        except (ValueError, TypeError) as error:  # pandas' NonExistentTimeError / AmbiguousTimeError
            why = (
                ""
                if ordered
                else ", and the rows are not in time order (a long table of several series, or unsorted "
                "rows), so their order cannot tell a repeated hour's first time from its second"
            )
            raise DataError(
                f"{where}: the times in {name!r} cannot be placed in that zone ({error}){why}; write them "
                "with their UTC offsets (2016-10-30 02:00:00+02:00, then 2016-10-30 02:00:00+01:00) or in UTC."
            ) from error
    return placed.dt.tz_convert(names[0]) if len(names) == 1 else placed


def refuse_zone_abbreviations(text: pd.Series, where: str) -> None:
    """Raise for times that end in a zone abbreviation (``2016-03-01 00:00:00 CET``), naming the fix.

    Raises:
        DataError: the times write an abbreviation pandas does not read, with an example and the code
        that reads them in the user's zone.
    """
    if not _ends_some(text, _ABBREVIATION):
        return
    head = text.head(_SAMPLE).dropna()
    found = head.str.extract(_ABBREVIATION)["abbreviation"].dropna()
    found = found[~found.isin(_READ_BY_PANDAS)]
    if found.empty:
        return
    abbreviations = list(text.str.extract(_ABBREVIATION)["abbreviation"].dropna().unique()[:4])
    column = where.rsplit("column ", 1)[-1]
    raise DataError(
        f"{where} writes times with a time zone abbreviation (e.g. {head[found.index[0]]!r}; "
        f"{', '.join(map(repr, abbreviations))}), which names no single zone (CST is US Central time and "
        "China's); write UTC offsets (2016-03-01 00:00:00+01:00) or the zone's name "
        "(2016-03-01 00:00:00 Europe/Berlin) instead, or read them in Python with your zone and its "
        f"summer-time abbreviation: df = pd.read_csv(path), then df[{column}] = "
        f"pd.to_datetime(df[{column}].str.rsplit(' ', n=1).str[0]).dt.tz_localize('Europe/Berlin', "
        f"ambiguous=df[{column}].str.endswith('CEST')), and pass the DataFrame."
    )


def _ends_some(text: pd.Series, pattern: re.Pattern[str]) -> bool:
    """Whether one of the first present values of ``text`` matches ``pattern`` (a cheap test, run on
    every text time column before the whole column is rewritten)."""
    return any(isinstance(value, str) and pattern.search(value) for value in text.head(_SAMPLE))


def _in_time_order(times: pd.Series) -> bool:
    """Whether the present ``times`` run one way (forwards, or backwards as newest-first exports do):
    only then does the order of a repeated local hour tell its first time from its second."""
    present = times.dropna()
    return present.is_monotonic_increasing or present.is_monotonic_decreasing


def _in_zone(times: pd.Series, name: str, ordered: bool) -> pd.Series:
    """``times`` in the zone ``name``: local times placed there, a repeated hour by the rows' order
    where they are ``ordered`` (otherwise an error, not a guess that would read as a duplicate)."""
    if isinstance(times.dtype, pd.DatetimeTZDtype):  # offsets written too ('+01:00[Europe/Berlin]')
        return times.dt.tz_convert(name)
    return times.dt.tz_localize(name, ambiguous="infer" if ordered else "raise", nonexistent="raise")


def _is_zone(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True
