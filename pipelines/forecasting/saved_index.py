"""A pandas index saved into a forecasting table. ``df.to_csv(path)`` writes the frame's index as a
first column without a header, which ``pd.read_csv`` reads back as ``Unnamed: 0``:

- row numbers (a ``RangeIndex``, a slice of one: ``df.iloc[100:].to_csv(path)``, or one with holes
  after ``df.dropna()`` or a filter: ``0, 1, 2, 5, 6, ...``) are no series to forecast: they are left
  out of the default targets, with a warning that names the fix;
- dates (a ``DatetimeIndex``) are the times: found as any date column is, with a note that the
  forecast names them ``'Unnamed: 0'`` too and how to give them a name.
"""

from __future__ import annotations

import pandas as pd

from ssm_ts.rank_zero_warnings import warn_on_rank_zero

# the rule is shared with the sensor readers: one test of what a saved index is
from ..saved_index_rule import holds_row_numbers, is_unnamed
from .reader import Table


def _numbers_text(frame: pd.DataFrame, column: str) -> str:
    """``0..29``: the row numbers a saved index column holds; ``0..305 with 12 missing, as after
    df.dropna() or a filter`` for one with holes."""
    values = frame[column]
    first, last = values.iloc[0], values.iloc[-1]
    missing = int(last - first + 1 - len(values))
    return f"{first}..{last}" + (
        f" with {missing} missing, as after df.dropna() or a filter" if missing else ""
    )


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
    # consecutive only: numbers with holes would read as steps with gaps
    columns = [c for c in table.frame.columns if holds_row_numbers(table.frame, c, holes=False)]
    if not columns:
        return ""
    column = columns[0]
    return (
        f" Note: column {column!r} holds the row numbers {_numbers_text(table.frame, column)} (the index "
        f"pandas writes with df.to_csv(path)); if the rows are one step apart, pass time_col={column!r} to "
        "read them as the time steps."
    )
