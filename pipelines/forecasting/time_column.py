"""The time column: found by its dtype or name (dates, integer steps, Periods) and parsed, with the
rows that do not parse named (and Excel serial dates, blank spreadsheet lines, date options noted).
Step numbers written as text are the integers they show (see :mod:`.step_text`)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

from ssm_ts.errors import DataError
from ssm_ts.rank_zero_warnings import warn_on_rank_zero

from .dates import excel_serial_hint, parse_text_times
from .epoch_times import dates_as_numbers_hint, epoch_hint
from .footer_rows import footer_rows_note
from .frames import is_integer_step
from .periods import (
    check_period_freq,
    dates_to_periods,
    is_period,
    period_alias,
    period_text_freq,
    same_period_freq,
    text_to_periods,
)
from .reader import Table, index_hint
from .saved_index import note_unnamed_times, row_numbers_time_note
from .step_text import text_steps, warn_year_text
from .units_row import units_row_note
from .zone_text import ZONE_ABBREVIATION as _ZONE_ABBREVIATION
from .zone_text import without_zone_names

TIME_COLUMN_NAMES = ("ds", "date", "datetime", "timestamp", "time", "period", "month", "week")
STEP_COLUMN_NAMES = (*TIME_COLUMN_NAMES, "year", "step")  # integer columns taken as time steps by name


def detect_time_column(table: Table) -> str:
    """The time column of ``table`` (found by dtype, then by name, then as text of dates); found in a
    saved index (``Unnamed: 0``), the user is told what the forecast names it (see :mod:`.saved_index`)."""
    column = _find_time_column(table)
    note_unnamed_times(table, column)
    return column


def _find_time_column(table: Table) -> str:
    frame = table.frame
    for column in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[column]) or is_period(frame[column]):
            return column
    by_name = {c.lower(): c for c in frame.columns}
    for name in TIME_COLUMN_NAMES:
        if name in by_name and (
            _holds_steps(frame[by_name[name]]) or _mostly_dates(frame[by_name[name]], table.dates)
        ):
            return by_name[name]
    for name in STEP_COLUMN_NAMES:
        if name in by_name and _holds_steps(frame[by_name[name]]):
            return by_name[name]
    for column in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[column]) and _mostly_dates(frame[column], table.dates):
            return column
    raise DataError(
        f"no time column found in {table.name} (columns {list(frame.columns)}): expected a column of dates such as "
        "'date' or 'ds' (or of integer steps such as 'year' or 'step'). Add one, or name it with time_col=."
        + _step_numbers_fix(table)
        + _numeric_date_notes(frame)
        + row_numbers_time_note(table)
        + index_hint(table)
    )


def _step_numbers_fix(table: Table) -> str:
    """`` For rows one step apart ...``: how to number rows that have no times (forecasts continue the
    numbers). A column named as steps that holds them as text (``'step'``: ``"0", "1"``) is found."""
    read = "df = pd.read_csv(path), then " if table.is_file else ""
    return (
        f" For rows one step apart without times, number them: {read}df.insert(0, 'step', range(len(df))) "
        "(the forecast continues the numbers)."
    )


def _numeric_date_notes(frame: pd.DataFrame) -> str:
    """`` Note: ...`` for each date-named column that holds Excel serial dates, and each column that
    holds Unix epoch times (time_col= reads them as integer steps); '' if none does."""
    hints = [excel_serial_hint(frame[c], c) for c in frame.columns if c.lower() in TIME_COLUMN_NAMES]
    hints += [
        f"{hint} Or pass time_col={c!r} to forecast them as integer steps."
        for c in frame.columns
        if (hint := epoch_hint(frame[c], c))
    ]
    return "".join(f" Note: {hint}" for hint in hints if hint)


def _holds_steps(column: pd.Series) -> bool:
    """Integer steps, as numbers or as text (``"1990"``, as ``pd.read_csv(path, dtype=str)`` or JSON gives)."""
    return holds_integer_steps(column) or text_steps(column) is not None


def holds_integer_steps(column: pd.Series) -> bool:
    """Integer steps: an integer column, or floats that are all whole numbers (pandas stores integer
    years as floats once a cell is empty; the empty cells are then reported as bad times)."""
    if pd.api.types.is_bool_dtype(column):
        return False
    if pd.api.types.is_integer_dtype(column):
        return True
    if not pd.api.types.is_float_dtype(column):
        return False
    values = column.dropna().to_numpy(dtype="float64")
    return values.size > 0 and bool(np.isfinite(values).all() and (values == np.round(values)).all())


def _mostly_dates(column: pd.Series, dates: dict[str, Any]) -> bool:
    """At least 90% of the first 50 values parse as dates (with the user's ``date_format``/``dayfirst``)."""
    sample = column.dropna().astype(str).head(50)
    named = without_zone_names(sample)  # '... Europe/Berlin': dates, in a zone pandas does not read
    sample = named[0] if named is not None else sample.str.replace(_ZONE_ABBREVIATION, "", regex=True)
    if sample.empty:
        return False
    if period_text_freq(sample) is not None:  # 2015Q1, 2015-01, 2015-01-05/2015-01-11
        return True
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            parsed = pd.to_datetime(
                sample,
                errors="coerce",
                format=dates.get("date_format", "mixed"),
                dayfirst=dates.get("dayfirst", False),
            )
        except (ValueError, TypeError):  # e.g. "mixed timezones" from text that only looks like dates
            parsed = None
        if parsed is None and dates.get("date_format") is None:
            try:  # UTC offsets that change at a daylight-saving switch: pandas 3 reads them with utc=True only
                parsed = pd.to_datetime(
                    sample, errors="coerce", format="mixed", dayfirst=dates.get("dayfirst", False), utc=True
                )
            except (ValueError, TypeError):
                return False
    return parsed is not None and bool(parsed.notna().mean() >= 0.9)


def parse_times(
    table: Table, time_col: str, freq: str | int | None = None, periods: bool | None = None
) -> pd.Series:
    """The time column as datetime64 (tz-aware inputs keep their timezone; mixed UTC offsets -> UTC),
    as int64 steps when it holds integers (never read as nanoseconds since 1970), or as Periods
    (see :func:`_period_reading`).

    Whole numbers written as text (``"1990"``, ``"101"``) are int64 steps too, unless a date ``freq``
    reads them as dates (see :func:`_steps_of_text`); read at fit (``freq`` None), years among them are
    warned about with their conversion to dates (:func:`.step_text.warn_year_text`)."""
    raw = numpy_times(table.frame[time_col])
    where = f"{table.name}: column {time_col!r}"
    reading = _period_reading(table, raw, time_col, freq, periods)
    if reading is not None:
        return _parse_periods(table, raw, time_col, reading)
    if is_period(raw):
        parsed = raw.dt.to_timestamp()  # a model fitted on timestamps: a period is dated at its start
    elif pd.api.types.is_datetime64_any_dtype(raw):
        parsed = raw
    elif holds_integer_steps(raw):
        parsed = raw  # steps (years, step numbers): kept as integers, checked below like dates
        _warn_numeric_dates(table, time_col)
    elif (numbers := _steps_of_text(table, raw, freq)) is not None:
        parsed = numbers  # as pd.read_csv reads them, and as the same integers are read
        if freq is None:
            warn_year_text(raw, numbers, time_col, table.name)
    elif pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
        _refuse_fractional_times(table, raw, time_col)  # pandas would read them as nanoseconds since 1970
    else:
        parsed = parse_text_times(raw, where, freq, **table.dates)
    bad = np.flatnonzero(parsed.isna().to_numpy())
    if bad.size and table.frame.iloc[bad].isna().all(axis=None):
        raise DataError(
            f"{table.name}: {table.rows_text(bad)} {'are' if bad.size > 1 else 'is'} blank (every cell empty: lines of "
            "separators alone, which a spreadsheet export can leave at the end): delete them."
        )
    if bad.size:
        example = "an empty cell" if pd.isna(raw.iloc[bad[0]]) else repr(raw.iloc[bad[0]])
        raise DataError(
            f"{table.name}: column {time_col!r} has values that are not "
            f"{'integer steps' if holds_integer_steps(parsed) else 'dates'} "
            f"at {table.rows_text(bad)} (e.g. {example}){_date_options_note(table)}; "
            f"{excel_serial_hint(raw, time_col) or 'fix or remove those rows.'}"
            + units_row_note(table, time_col, bad)
            + footer_rows_note(table, bad)
        )
    if holds_integer_steps(parsed):
        return parsed.astype("int64").reset_index(drop=True)
    # A timezone is kept, not dropped to wall-clock time: across a daylight-saving change wall-clock
    # hours repeat or vanish, which would read as duplicates and gaps. Forecasts continue in this zone.
    return parsed.reset_index(drop=True)


def _steps_of_text(table: Table, raw: pd.Series, freq: str | int | None) -> pd.Series | None:
    """Whole numbers written as text (:func:`.step_text.text_steps`) as the integer steps they show, or
    ``None`` to read ``raw`` otherwise: other text, or text that a date ``freq`` (the caller's, or a model
    fitted on dates) reads as dates (``"1990"`` at ``freq='YS'``)."""
    numbers = text_steps(raw)
    if numbers is None or (
        freq is not None and not is_integer_step(freq) and _mostly_dates(raw, table.dates)
    ):
        return None
    return numbers


def numpy_times(column: pd.Series) -> pd.Series:
    """A pyarrow-backed date column (``timestamp[ns][pyarrow]``, ``date32[pyarrow]``, as
    ``pd.read_parquet(..., dtype_backend="pyarrow")`` gives) as NumPy ``datetime64`` (its zone kept):
    its comparisons give ``pd.NA``, which the checks of the time axis cannot take. Others as they are."""
    dtype = column.dtype
    if isinstance(dtype, pd.ArrowDtype) and pd.api.types.is_datetime64_any_dtype(dtype):
        return column.astype(dtype.pyarrow_dtype.to_pandas_dtype())
    return column


def _refuse_fractional_times(table: Table, raw: pd.Series, time_col: str) -> None:
    """A :class:`DataError` for a time column of fractional numbers (``0.5``, Excel serial dates with
    hours, a measured value picked as ``time_col``): neither dates nor integer steps."""
    present = raw.dropna()
    fractional = present[present != present.round()]
    example = f"{fractional.iloc[0]:.10g}" if len(fractional) else "inf"
    step = _fractional_step(present)
    fix = excel_serial_hint(raw, time_col) or (
        f"if they count time, convert them: to dates, e.g. df[{time_col!r}] = pd.to_datetime(df[{time_col!r}], "
        f"unit='s') for seconds since 1970, or to whole steps, e.g. (df[{time_col!r}] / {step:.10g}).round()"
        f".astype(int) for steps of {step:.10g}; if they are a series, name the time column with time_col="
    )
    raise DataError(
        f"{table.name}: column {time_col!r} holds fractional numbers (e.g. {example}), which are neither dates "
        f"nor integer steps, so it cannot be the time column; {fix.rstrip('.')}."
    )


def _fractional_step(present: pd.Series) -> float:
    """The typical spacing of fractional times (the median difference of the distinct sorted values,
    rounded to 10 digits as ``0.1 * n`` is not exact); ``0.5`` when it cannot be told."""
    values = np.unique(present.to_numpy(dtype="float64"))
    values = values[np.isfinite(values)]
    step = float(np.median(np.diff(values))) if values.size > 1 else 0.0
    return float(f"{step:.10g}") if step > 0 else 0.5


def _period_reading(
    table: Table, raw: pd.Series, time_col: str, freq: str | int | None, periods: bool | None
) -> str | None:
    """The Period alias to read the time column at, or ``None`` to read it as dates or steps.

    A fitted spec decides (``periods``, with its ``freq``); otherwise a Period column is read at its
    own frequency, and text as pandas writes Periods (``2015Q1``, ``2015-01``) at the frequency it
    shows, or at ``freq`` when that is a Period alias (``freq='Q-NOV'``: fiscal quarters); a
    timestamp alias such as ``freq='MS'`` reads the text as dates, as before.

    Raises:
        DataError: ``freq`` contradicts the frequency of a Period column.
    """
    if periods is not None:
        return str(freq) if periods else None
    if is_period(raw):
        if freq is not None and not same_period_freq(freq, raw.dtype):
            raise DataError(
                f"{table.name}: column {time_col!r} holds Periods at frequency {period_alias(raw.dtype.freq)!r}, "
                f"but freq={freq!r}; leave freq out (a Period column's own frequency is used), or convert the "
                f"column first (df[{time_col!r}].dt.asfreq(...) or resample the values)."
            )
        return period_alias(raw.dtype.freq)
    shown = period_text_freq(raw)
    if shown is None or freq is None:
        return shown
    try:
        return period_alias(freq) if isinstance(freq, str) else None
    except ValueError:  # a timestamp alias ('MS', 'QS'): read as dates
        return None


def _parse_periods(table: Table, raw: pd.Series, time_col: str, freq: str) -> pd.Series:
    """The time column as Periods at ``freq``: Periods (at that frequency), their text, or dates.

    Raises:
        DataError: Periods at another frequency, or cells that are no Period (rows named).
    """
    where = f"{table.name}: column {time_col!r}"
    if is_period(raw):
        check_period_freq(raw, freq, where)
        parsed = raw
    elif pd.api.types.is_datetime64_any_dtype(raw):
        parsed = dates_to_periods(raw, freq)
    elif holds_integer_steps(raw) or period_text_freq(raw) is not None:
        parsed = text_to_periods(raw, freq)
    else:  # dates as text (days, hours): read with the user's date options, then as Periods
        parsed = dates_to_periods(parse_text_times(raw, where, None, **table.dates), freq)
    bad = np.flatnonzero(parsed.isna().to_numpy())
    if bad.size:
        raise DataError(
            f"{where} has values that are not {freq!r} Periods at {table.rows_text(bad)} "
            f"(e.g. {raw.iloc[bad[0]]!r}); write them as pandas does (e.g. {str(pd.Period('2015-01-05', freq))!r}) "
            "or fix or remove those rows."
        )
    return parsed.reset_index(drop=True)


def _date_options_note(table: Table) -> str:
    """`` read with read_options date_format '%d.%m.%Y'``: the option that made those cells NaT."""
    if "date_format" in table.dates:
        return f" that match read_options date_format {table.dates['date_format']!r}"
    if "dayfirst" in table.dates:
        return f" read {'day' if table.dates['dayfirst'] else 'month'} first (read_options dayfirst)"
    return ""


def _warn_numeric_dates(table: Table, time_col: str) -> None:
    """Integers that look like Unix epoch times or ``YYYYMMDD`` dates, or under a date-like name like Excel
    serial dates, are read as steps (they may be), but the user is told how to read them as dates, since
    the forecast would continue as integers."""
    column = table.frame[time_col]
    hint = dates_as_numbers_hint(column, time_col) or (
        excel_serial_hint(column, time_col) if time_col.lower() in TIME_COLUMN_NAMES else ""
    )
    if hint:
        warn_on_rank_zero(
            f"{table.name}: read as integer time steps, but {hint}", UserWarning, stacklevel=None
        )


def in_fitted_zone(times: pd.Series, tz: str | None, freq: str | int) -> pd.Series:
    """New data's zone-aware ``times`` in the zone a model was fitted in (``tz``), so that its forecasts
    continue there: text with UTC offsets (a CSV, a served model's JSON) reads as a fixed offset
    (``UTC+02:00``) or as UTC, and a fixed offset continued past a daylight-saving switch labels the
    hours an hour off the local clock. Only below daily ``freq``: a daily row's date depends on its
    zone. Other times (zone-less, steps, Periods, already in ``tz``) as they are."""
    zone = getattr(times.dt, "tz", None) if pd.api.types.is_datetime64_any_dtype(times) else None
    if tz is None or zone is None or str(zone) == tz or not isinstance(to_offset(freq), pd.offsets.Tick):
        return times
    return times.dt.tz_convert(tz)


def warn_zone_less_times(times: pd.Series, tz: str | None, time_col: str) -> None:
    """Warn when new data's datetimes carry no zone but the model was fitted in ``tz``: the forecast's
    times then come out zone-less too, silently (a local clock read as another zone's is hours off)."""
    if tz is None or not pd.api.types.is_datetime64_any_dtype(times) or getattr(times.dt, "tz", None):
        return
    warn_on_rank_zero(
        f"the new data's {time_col!r} times have no time zone, but the model was fitted on {tz} times, so the "
        f"forecast's times are zone-less too; to have them in {tz}, give the zone: "
        f"df[{time_col!r}] = pd.to_datetime(df[{time_col!r}]).dt.tz_localize({tz!r}) (or times with UTC offsets)",
        UserWarning,
        stacklevel=None,  # the user's line, however deep the call
    )


def zone_name(times: pd.Series) -> str | None:
    if not pd.api.types.is_datetime64_any_dtype(times):
        return None  # integer steps
    zone = times.dt.tz
    return None if zone is None else str(zone)
