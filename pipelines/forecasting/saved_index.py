"""A pandas index saved into a forecasting table. ``df.to_csv(path)`` writes the frame's index as a
first column without a header, which ``pd.read_csv`` reads back as ``Unnamed: 0``:

- row numbers (a ``RangeIndex``, or a slice of one: ``df.iloc[100:].to_csv(path)``) are no series to
  forecast: they are left out of the default targets, with a warning that names the fix;
- dates (a ``DatetimeIndex``) are the times: found as any date column is, with a note that the
  forecast names them ``'Unnamed: 0'`` too and how to give them a name.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ssm_ts.rank_zero_warnings import warn_on_rank_zero

from .reader import Table

SAVED_INDEX = re.compile(r"Unnamed: \d+")  # what pandas names a column without a header


def is_unnamed(column: object) -> bool:
    """A column pandas named for want of a header (``Unnamed: 0``)."""
    return bool(SAVED_INDEX.fullmatch(str(column)))


def holds_row_numbers(frame: pd.DataFrame, column: str) -> bool:
    """An ``Unnamed: N`` column of consecutive integers, one per row (``0..n-1``, or ``100..n+99`` for a
    slice of a frame): a saved index, not data."""
    values = frame[column]
    if not is_unnamed(column) or not pd.api.types.is_integer_dtype(values):
        return False
    numbers = values.to_numpy()
    return len(numbers) > 0 and bool((np.diff(numbers) == 1).all())


def _numbers_text(frame: pd.DataFrame, column: str) -> str:
    """``0..29``: the row numbers a saved index column holds."""
    values = frame[column]
    return f"{values.iloc[0]}..{values.iloc[-1]}"


def warn_row_number_columns(table: Table, columns: list[str]) -> None:
    """Warn that ``columns`` of ``table`` (saved row numbers) are not used as targets, with the fix for
    where the table came from: a CSV written without its index, or read with it as the index."""
    fix = (
        "Write the CSV with df.to_csv(path, index=False)"
        if table.is_file
        else "Read the CSV with pd.read_csv(path, index_col=0) (or write it with df.to_csv(path, index=False))"
    )
    numbers = _numbers_text(table.frame, columns[0])
    warn_on_rank_zero(
        f"{table.name}: column(s) {columns} hold the row numbers {numbers} (the index pandas writes with "
        f"df.to_csv(path)); they are not used as targets. {fix}, or name the targets with target= to use them.",
        UserWarning,
        stacklevel=None,  # the user's line, however deep the call
    )


def note_unnamed_times(table: Table, time_col: str) -> None:
    """Note, when the times were found in an ``Unnamed: N`` column (an index of dates written by
    ``df.to_csv(path)``), that the forecast names its time column so too and how to name it; passing
    ``time_col=`` keeps the name without the note."""
    if not is_unnamed(time_col):
        return
    rename = (
        "write the CSV with df.to_csv(path, index_label='date') (or put a name in its header's first cell)"
        if table.is_file
        else f"df = df.rename(columns={{{time_col!r}: 'date'}}) (or read the CSV with pd.read_csv(path, "
        "index_col=0, parse_dates=True): a DatetimeIndex is read as the times, named 'ds')"
    )
    warn_on_rank_zero(
        f"{table.name}: the times are read from column {time_col!r}, an index of dates written without a "
        f"name by df.to_csv(path), so the forecast names its time column {time_col!r} too. To name it, "
        f"{rename}; to keep this name, pass time_col={time_col!r}, which leaves this note out.",
        UserWarning,
        stacklevel=None,  # the user's line, however deep the call
    )


def row_numbers_time_note(table: Table) -> str:
    """`` Note: column 'Unnamed: 0' holds ...``: for the error that finds no time column, a saved index of
    row numbers, which can number the steps as written (``time_col='Unnamed: 0'``); '' if none."""
    columns = [c for c in table.frame.columns if holds_row_numbers(table.frame, c)]
    if not columns:
        return ""
    column = columns[0]
    return (
        f" Note: column {column!r} holds the row numbers {_numbers_text(table.frame, column)} (the index "
        f"pandas writes with df.to_csv(path)); if the rows are one step apart, pass time_col={column!r} to "
        "read them as the time steps."
    )
