"""The time axis made regular: rows unique and in time order, the frequency (or integer step)
resolved, and every time of the grid present (gaps an error, or empty rows for the fill policy)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ssm_ts.errors import DataError

from .dates import date_offset, infer_frequency
from .dates_code import dates_fix
from .epoch_times import dates_as_numbers_hint
from .fix_hints import FixHints
from .frames import is_integer_step
from .long_table import unnamed_long_table_note
from .periods import calendar_period_hint, is_period, period_alias, period_ordinals
from .read_code import read_first
from .reader import Table
from .shared_grid import check_shared_grid, resample_code
from .spacing_change import check_one_spacing, spacing_text
from .time_column import holds_integer_steps


def order_rows(
    table: Table, values: pd.DataFrame, time_col: str, fill: str | None, hints: FixHints
) -> pd.DataFrame:
    times = values[time_col]
    duplicated = times.duplicated(keep=False).to_numpy()
    if duplicated.any():
        rows = np.flatnonzero(duplicated)
        time_of_day = _time_of_day_note(table, time_col, times)
        # a long table under other column names: renamed, not deduplicated (which would drop its series);
        # a column of clock times (one per row of a date) is no series column
        read, then = read_first(table)  # the fix as code that runs as written (a CSV read first)
        fix = (not time_of_day and unnamed_long_table_note(table, time_col, times)) or (
            f"keep one row per time step, e.g. the last: {read}df = df.drop_duplicates(subset={time_col!r}, "
            f"keep='last'){then} (or aggregate them)."
        )
        raise DataError(
            f"{table.name}: column {time_col!r} has duplicate timestamps ({times.iloc[rows[0]]}) at "
            f"{table.rows_text(rows)}; {fix}"
            + _clock_change_note(
                times.iloc[rows].drop_duplicates(),
                time_col,
                "repeats",
                _typical_spacing(times),
                table,
            )
            + time_of_day
        )
    if is_period(times):  # Periods differ by offsets, not numbers: compare their grid positions
        backwards = np.flatnonzero(np.diff(period_ordinals(times)) < 0) + 1
    else:
        zero = 0 if holds_integer_steps(times) else pd.Timedelta(0)
        backwards = np.flatnonzero((times.diff() < zero).to_numpy())
    if backwards.size:
        if fill is None:
            # as dates: text such as 26/09/2016 sorts by day; a fitted model's fill is fixed, so no fill=
            before, after = dates_fix(table, time_col, times) if not is_period(times) else read_first(table)
            before, after = (before, after) if before or after else read_first(table)
            or_fill = "" if hints.fitted else f", {hints.fill} (which also sorts)"
            raise DataError(
                f"{table.name}: column {time_col!r} is not sorted: the time goes backwards at "
                f"{table.rows_text(backwards)}; sort the rows by time: {before}df = "
                f"df.sort_values({time_col!r}){after}{or_fill}."
            )
        values = values.sort_values(time_col, kind="stable").reset_index(drop=True)
    return values


def resolve_frequency(
    table: Table, times: pd.Series, freq: str | int | None, hints: FixHints
) -> pd.DateOffset | int:
    """The pandas offset of a date column, or the integer step of an integer one. A Period column's
    own frequency is the one (checked against ``freq`` as it was read)."""
    if is_period(times):
        return times.dtype.freq
    if holds_integer_steps(times) or is_integer_step(freq):
        return _resolve_step(table, times, freq, hints)
    if freq is not None:
        return date_offset(freq)
    offset = infer_frequency(times)
    if offset is None:
        raise DataError(
            f"{table.name}: cannot infer a regular frequency from the time column ({len(times)} timestamps); "
            f"{hints.freq}." + calendar_period_hint(times, dates_fix(table, str(times.name), times))
        )
    return offset


def _resolve_step(table: Table, times: pd.Series, freq: str | int | None, hints: FixHints) -> int:
    """The step of an integer time column: ``freq`` if given, else the most common difference
    between consecutive steps (gaps are then reported, or filled, like missing dates)."""
    if not holds_integer_steps(times):
        raise DataError(
            f"{table.name}: freq={freq!r} is an integer step, but the time column holds dates "
            f"(e.g. {times.iloc[0]}); {hints.freq}."
        )
    if freq is not None:
        if isinstance(freq, str):
            given = (
                f"the model was fitted on dates at {freq!r}; pass dates in the time column"
                if hints.fitted
                else f"freq={freq!r} is a date frequency; pass dates in the time column, or an integer freq (the "
                "step between rows, e.g. 1)"
            )
            hint = dates_as_numbers_hint(times, str(times.name))
            raise DataError(
                f"{table.name}: the time column holds integer steps (e.g. {times.iloc[0]}), but {given}."
                + (f" Note: {hint}" if hint else "")
            )
        if not is_integer_step(freq) or int(freq) < 1:
            raise DataError(
                f"{table.name}: the time column holds integer steps (e.g. {times.iloc[0]}), so freq must be "
                f"the positive integer step between rows (e.g. freq=1), not {freq!r}."
            )
        return int(freq)
    steps = np.diff(times.to_numpy())
    if steps.size == 0:
        raise DataError(
            f"{table.name}: cannot infer the step of the integer time column from one row; pass freq= "
            "(the integer step between rows, e.g. 1) and more rows."
        )
    values, counts = np.unique(steps, return_counts=True)
    return int(values[np.argmax(counts)])  # ties: the smallest step


def time_grid(first: Any, last: Any, step: pd.DateOffset | int) -> pd.Index:
    """Every time from ``first`` to ``last`` on the grid: dates at an offset, Periods at theirs, or
    integers at a step."""
    if is_integer_step(step):
        return pd.Index(np.arange(first, last + 1, step), dtype="int64")
    if isinstance(first, pd.Period):
        return pd.period_range(first, last, freq=first.freq)
    return pd.date_range(first, last, freq=step)


def _step_text(step: pd.DateOffset | int, times: pd.Series) -> str:
    if is_integer_step(step):
        return f"step-{step}"
    return f"{period_alias(step)!r} Period" if is_period(times) else repr(step.freqstr)


def regularise(
    table: Table,
    values: pd.DataFrame,
    time_col: str,
    step: pd.DateOffset | int,
    fill: str | None,
    hints: FixHints,
    inside_spans: bool = False,
) -> pd.DataFrame:
    """``values`` on every time of the grid from its first to its last time; missing times are gaps
    (an error, or rows for ``fill``). With ``inside_spans`` (a long table's series) a time outside
    every series' span, e.g. between one series' end and another's start, is no gap: its row is empty."""
    times = values[time_col]
    grid = time_grid(times.iloc[0], times.iloc[-1], step)
    off_grid = np.flatnonzero(~times.isin(grid).to_numpy())
    if (off_grid.size or len(grid) != len(times)) and not is_period(times):
        check_one_spacing(table, times, time_col)  # not gaps (nor a fill's to invent): another frequency
    if off_grid.size:
        raise DataError(
            f"{table.name}: timestamps"
            + (
                "" if table.origin else f" at {table.rows_text(off_grid)}"
            )  # a long table: times, not its rows
            + f" (e.g. {times.iloc[off_grid[0]]}) do not fall "
            f"on the {_step_text(step, times)} grid starting {times.iloc[0]}; "
            + (
                _own_grid_fix(table, times, step, hints, 2 * len(grid) <= len(times))
                or f"fix them, or {hints.freq}."
                + ("" if hints.fitted else calendar_period_hint(times, dates_fix(table, time_col, times)))
            )
        )
    if len(grid) == len(times):
        return values
    missing = grid.difference(pd.Index(times))
    if inside_spans:
        missing = _inside_some_span(values, time_col, missing)
    if fill is not None and len(missing) > len(times):
        _refuse_filling_another_frequency(table, times, step, fill, len(missing), hints)
    if fill is None and len(missing) and inside_spans:
        # a series at another spacing (weekly rows in a daily panel) leaves the grid's times missing:
        # named with its own spacing and resample, not as the panel's gaps
        on_grid = values.set_index(time_col).reindex(grid).rename_axis(time_col).reset_index()
        check_shared_grid(table, on_grid, time_col, [c for c in values.columns if c != time_col])
    if fill is None and len(missing):
        other = _other_regular_step(times)
        if other is not None and not inside_spans:  # not gaps: the rows are at another frequency
            fix = hints.freq
            if is_integer_step(step) and not hints.fitted:  # not a pandas alias
                fix = "pass freq= the integer step between rows, or leave freq out to infer it"
            raise DataError(
                f"{table.name}: its rows are {other} apart, not {_step_text(step, times)} "
                f"({len(missing)} timestamps of that grid missing); {fix}."
            )
        after = pd.Index(times).searchsorted(missing[0]) - 1
        raise DataError(
            f"{table.name}: {len(missing)} timestamp{'s are' if len(missing) > 1 else ' is'} missing from the "
            f"{_step_text(step, times)} series (gaps), first {missing[0]}"
            + ("" if table.origin else f" after {table.rows_text([after])}")  # a long table: no row of it
            + "; "
            f"add the missing rows, {_fill_code(table, times, time_col, step, hints) or hints.fill}."
            + (
                _clock_change_note(pd.Series(missing), time_col, "skips", grid[1] - grid[0], table)
                if not is_integer_step(step)
                else _dates_as_numbers_note(times)
            )
        )
    return values.set_index(time_col).reindex(grid).rename_axis(time_col).reset_index()


def _fill_code(
    table: Table, times: pd.Series, time_col: str, step: pd.DateOffset | int, hints: FixHints
) -> str:
    """For gaps in the dates of a wide table given to a fitted model (whose fill policy is fixed): the
    fill in the DataFrame that :attr:`FixHints.fill` offers, as pandas lines that run as written (the
    last value carried into each missing row; text dates parsed first). ``""`` for any other case, which
    keeps the words alone (a long table, integer steps, Periods, or at fit, where ``fill=`` does it)."""
    if not hints.fitted or table.origin is not None or is_integer_step(step) or is_period(times):
        return ""
    before, after = dates_fix(table, time_col, times)
    before, after = (before, after) if before or after else read_first(table)
    return (
        f"or fill them in the DataFrame, e.g. with the value before each gap: {before}df = "
        f"df.set_index({time_col!r}).asfreq({step.freqstr!r}).ffill().reset_index(){after} (predict and "
        'backtest apply the fill policy chosen at fit, here none; fit with fill="ffill" / fill="interpolate" '
        "to fill them automatically)"
    )


def _own_grid_fix(
    table: Table, times: pd.Series, step: pd.DateOffset | int, hints: FixHints, coarser: bool
) -> str:
    """At fit, for dates given a ``freq`` whose grid they miss but which lie on a grid of their own
    (``freq="W"``, Sundays, for weekly rows on Tuesdays): that grid's alias to pass, and for a
    ``coarser`` ``freq`` (at most half as many times as rows, ``'h'`` for 15-minute rows) the resampling that
    forecasts at it. ``""`` otherwise (a fitted model's frequency is fixed; Periods and integer steps
    have no other grid)."""
    if hints.fitted or is_integer_step(step) or not pd.api.types.is_datetime64_any_dtype(times):
        return ""
    own = infer_frequency(times)
    if own is None or own == step:
        return ""
    fix = f"they lie on the {own.freqstr!r} grid: pass freq={own.freqstr!r}, or leave freq out to infer it"
    if coarser:
        before, after = dates_fix(table, str(times.name), times)
        code = resample_code(table, str(times.name), step.freqstr)
        fix += f"; to forecast at {step.freqstr!r}, resample first ({before}{'df = ' if before else ''}{code}{after})"
    return fix + "."


def _refuse_filling_another_frequency(
    table: Table, times: pd.Series, step: pd.DateOffset | int, fill: str, n_missing: int, hints: FixHints
) -> None:
    """A fill that would invent more rows than the data holds is filling another frequency (a ``freq``
    finer than the rows', e.g. ``'D'`` for weekly rows), not gaps: a :class:`DataError` naming both."""
    spacing = _typical_spacing(times)
    spacing = spacing if is_integer_step(step) else spacing_text(pd.Timedelta(spacing))
    infer = "" if hints.fitted else " (or leave freq out: the rows' own is inferred)"
    raise DataError(
        f"{table.name}: its rows are typically {spacing} apart, and on the {_step_text(step, times)} grid "
        f"fill={fill!r} would invent {n_missing} rows, more than the {len(times)} it holds: a fill fills "
        f"gaps, not another frequency. {hints.freq[0].upper()}{hints.freq[1:]}{infer}."
        + _dates_as_numbers_note(times)
    )


def _dates_as_numbers_note(times: pd.Series) -> str:
    """`` Note: ...`` with the conversion when integer steps are dates written as numbers (``20200131``:
    as steps, every month's end is a gap), else ``''``."""
    hint = dates_as_numbers_hint(times, str(times.name))
    return f" Note: {hint}" if hint else ""


def _other_regular_step(times: pd.Series) -> str | None:
    """The one spacing of ``times`` (``"'2h'"``, ``"2 steps"`` for integer steps) when all consecutive
    rows are that far apart (data at another frequency or step than the grid's); ``None`` when they
    vary, or times are Periods."""
    integers = holds_integer_steps(times)
    if not (integers or pd.api.types.is_datetime64_any_dtype(times)) or len(times) < 3:
        return None
    spacing = pd.Series(times).diff().dropna().unique()
    if len(spacing) != 1:
        return None
    if integers:
        return f"{int(spacing[0])} steps"
    return repr(pd.tseries.frequencies.to_offset(pd.Timedelta(spacing[0])).freqstr)


def _typical_spacing(times: pd.Series) -> Any:
    """The median step between the distinct sorted ``times`` (``None`` when fewer than two)."""
    distinct = pd.Series(times.drop_duplicates().sort_values())
    return distinct.diff().median() if len(distinct) > 1 else None


def _clock_change_note(times: pd.Series, time_col: str, change: str, spacing: Any, table: Table) -> str:
    """A sentence for duplicated (``change="repeats"``) or missing (``"skips"``) zone-less ``times``
    that look like a daylight-saving switch of local clock times: all within one early morning
    (00:00 to 03:59), no more than an hour of them, in a series whose rows are under a day apart
    (``spacing``: a clock change cannot add or drop a row of a daily series). ``""`` otherwise.
    ``table``: where the times were read; a CSV's ``pd.read_csv`` gives as text (the fix parses them)."""
    if not pd.api.types.is_datetime64_any_dtype(times) or getattr(times.dt, "tz", None) is not None:
        return ""
    if not isinstance(spacing, pd.Timedelta) or not spacing < pd.Timedelta(days=1):
        return ""
    span = times.max() - times.min()
    if not (times.dt.hour < 4).all() or span >= pd.Timedelta(hours=1) or times.dt.normalize().nunique() != 1:
        return ""
    option = ", ambiguous='infer'" if change == "repeats" else ""  # the repeated hour: first, then second
    read, then = read_first(table)
    return (
        f" If these are local clock times, the clock {change} an hour where daylight saving time "
        f"{'ends' if change == 'repeats' else 'starts'}: write the times in UTC or with their UTC offsets, e.g. "
        f"{read}df[{time_col!r}] = pd.to_datetime(df[{time_col!r}]).dt.tz_localize('Europe/Berlin'{option}) "
        f"with your zone{then}."
    )


_TIME_OF_DAY = r"\s*\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*"  # 13:45, 13:45:30, 13:45:30.5


def _time_of_day_note(table: Table, time_col: str, times: pd.Series) -> str:
    """A sentence for a date column (every time at midnight) beside a column of clock times (``13:45``),
    as data loggers write them: the rows repeat a date because its times of day are in that column.
    ``""`` otherwise."""
    if not pd.api.types.is_datetime64_any_dtype(times) or not (times == times.dt.normalize()).all():
        return ""
    for name in table.frame.columns:
        column = table.frame[name]
        if name == time_col or pd.api.types.is_numeric_dtype(column):
            continue
        text = column.dropna().astype(str)
        if len(text) and text.str.fullmatch(_TIME_OF_DAY).mean() >= 0.9:
            return (
                f" The times of day seem to be in column {name!r} (e.g. {text.iloc[0]!r}): join them into one "
                f"time column first, e.g. df[{time_col!r}] = df[{time_col!r}].astype(str) + ' ' + df[{name!r}] "
                f"(df = pd.read_csv(path) for a CSV), then pass the DataFrame without {name!r}."
            )
    return ""


def _inside_some_span(values: pd.DataFrame, time_col: str, missing: pd.Index) -> pd.Index:
    """The ``missing`` times that lie between the first and last observed time of some column."""
    times = values[time_col]
    inside = np.zeros(len(missing), dtype=bool)
    for name in values.columns.drop(time_col):
        present = np.flatnonzero(values[name].notna().to_numpy())
        if present.size:
            inside |= np.asarray((missing > times.iloc[present[0]]) & (missing < times.iloc[present[-1]]))
    return missing[inside]
