"""Columns on the time grid of the whole table: a column (a long table's series) with a value at only
every k-th time of it is at another frequency or offset, not full of gaps: series logged at :00 beside
ones at :30, tables merged at offset times, an hourly series beside one every 2 hours. A fill would
invent every other value of such a column, so it is an error naming the column and the fix."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

from ssm_ts.errors import DataError

from .dates import infer_frequency
from .dates_code import dates_fix
from .periods import is_period
from .reader import Table
from .spacing_change import spacing_text


def check_shared_grid(table: Table, values: pd.DataFrame, time_col: str, columns: list[str]) -> None:
    """``values``: the table on its regular grid (``time_col`` and ``columns``, NaN where a column has no
    row). A column whose observed rows are typically 2 or more grid steps apart is refused.

    Raises:
        DataError: naming the first such column, its own spacing and the grid's, and the fix."""
    times = values[time_col]
    if is_period(times) or len(times) < 3:
        return
    apart, at_grid = [], []  # columns at a coarser spacing than the grid's; columns at the grid's
    present = values[columns].notna().to_numpy()  # (n_rows, n_columns), once: a column each took a second
    counts = present.sum(axis=0)
    first, last = present.argmax(axis=0), len(present) - 1 - present[::-1].argmax(axis=0)
    unbroken = last - first + 1 == counts  # rows one step apart: at the grid's spacing, no diff to take
    for j in np.flatnonzero(counts >= 3):
        if unbroken[j]:
            at_grid.append(columns[j])
            continue
        rows = np.flatnonzero(present[:, j])
        if np.median(np.diff(rows)) >= 2:
            apart.append((columns[j], rows))
        else:
            at_grid.append(columns[j])
    if not apart:
        return
    name, rows = apart[0]
    dates = pd.api.types.is_datetime64_any_dtype(times)
    own = times.iloc[rows].diff().median() if dates else int(np.median(np.diff(times.to_numpy()[rows])))
    grid = times.iloc[1] - times.iloc[0]
    invented = int(rows[-1] - rows[0] + 1 - rows.size)
    kind = "series" if table.origin else "columns"
    more = f" (and {len(apart) - 1} more {kind})" if len(apart) > 1 else ""
    raise DataError(
        f"{table.name}: {table.column_text(name)}{more} has a value at only one in "
        f"{int(np.median(np.diff(rows)))} of the table's times: its own rows are {spacing_text(own)} apart "
        f"(e.g. {', '.join(str(t) for t in times.iloc[rows[:2]])}), while the times of all {kind} together are "
        f"{spacing_text(grid)} apart, so a fill would invent {invented} of its values. The {kind} do not lie "
        f"on one time grid: {_fix(table, time_col, own, times, at_grid, times.iloc[rows])}."
    )


def resample_code(table: Table, time_col: str, alias: str) -> str:
    """The pandas line that resamples the table's values to ``alias``: by series for a long table (a
    plain resample would average the series together), on the time column for a wide one."""
    if table.origin is not None:
        origin = table.origin
        return (
            f"df.set_index({time_col!r}).groupby({origin.id_col!r})[{origin.value_col!r}].resample({alias!r})"
            ".mean().reset_index()"
        )
    return f"df.resample({alias!r}, on={time_col!r}).mean()"  # its DatetimeIndex is read as the times


def _fix(
    table: Table,
    time_col: str,
    own: pd.Timedelta | int,
    times: pd.Series,
    at_grid: list[str],
    own_times: pd.Series,
) -> str:
    """How to put the columns on one grid: resample them to the coarser spacing, or round a long
    table's times offset within it (a wide table's rounded times would repeat). Each as code that
    runs as written: a CSV's time column parsed first (:func:`~.dates_code.dates_fix`). With columns
    ``at_grid`` (at the grid's own spacing: a daily series beside a weekly one) the columns are at
    two frequencies, not offset: rounding would repeat their times, so the fix is to resample or
    to fit them apart. ``own_times``: the column's own times, whose frequency (``'W-SUN'``, anchored
    as they are) the resample takes, so that every column's bins fall on them."""
    if not pd.api.types.is_datetime64_any_dtype(times):
        return "give every column the same integer steps"
    before, after = dates_fix(table, time_col, times)
    found = infer_frequency(own_times)
    alias = found.freqstr if found is not None else to_offset(pd.Timedelta(own)).freqstr
    kind = "series" if table.origin else "column"
    assign = "df = " if before else ""  # a statement after the others (a DataFrame's: the expression alone)
    resample = (
        f"resample every {kind} to {alias!r}: {before}{assign}{resample_code(table, time_col, alias)}{after}"
    )
    if at_grid:
        shown = [table.origin.shown_id(n) if table.origin else n for n in at_grid[:3]]
        more = " ..." if len(at_grid) > 3 else ""
        return (
            f"they are at different frequencies ({kind} {shown}{more} at the table's own spacing): {resample}; "
            f"or fit the {'series' if table.origin else 'columns'} of each frequency apart"
        )
    if table.origin is None:
        return resample
    col = repr(time_col)
    return (
        f"round times offset within {spacing_text(own)}, {before}df[{col}] = df[{col}].dt.floor({alias!r}){after}, "
        f"or {resample}"
    )
