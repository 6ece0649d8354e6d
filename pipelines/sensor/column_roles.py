"""Columns of a sensor CSV that look like channels but are most likely not.

- A pandas index: ``df.to_csv(path)`` without ``index=False`` writes the row numbers as a first,
  unnamed column, which pandas reads back as ``Unnamed: 0``. Read as a channel, it trains the model
  on each step's position (a ramp) and makes every file written with ``index=False`` a channel
  short. The CSV readers leave it out, with a warning that names it.
- A pandas index of times: ``df.to_csv(path)`` of a recording indexed by its timestamps writes them
  as that unnamed column. Text, it cannot be a channel; when the reader's ``time_col`` is absent, the
  readers take it as the times, with a note naming the column to pass as ``time_col``.
- The times under another name than the reader's ``time_col`` (``Time``, ``timestamp``): read as a
  channel, the model learns from the clock (absolute times tell recordings apart by when they were
  made), the rows are not ordered by it and no sampling step is kept. It may be a measurement
  (``reaction_time``), so the readers warn and read it as a channel.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ssm_ts.rank_zero_warnings import warn_on_rank_zero

from ..saved_index_rule import counts_rows, holds_row_numbers, is_unnamed, leads
from .sampling_step import parse_times


def saved_index_columns(frame: pd.DataFrame, recordings: pd.Series | None = None) -> list[str]:
    """The ``Unnamed: N`` columns of ``frame`` that hold row numbers (the rule the forecasting reader
    uses too: consecutive, or with the holes ``df.dropna()`` or a filter leaves), over the whole file,
    or over each recording's rows (``recordings``: each row's recording id, in file order; a long CSV
    concatenated from one frame per recording keeps each frame's index)."""
    found = []
    for column in frame.columns:
        if holds_row_numbers(frame, column):
            found.append(str(column))
        elif recordings is not None and is_unnamed(column) and pd.api.types.is_integer_dtype(frame[column]):
            rows = list(recordings.groupby(recordings, sort=False).indices.values())
            # each recording's numbers in turn, a new numbering at each one's first row
            numbers = frame[column].to_numpy()[np.concatenate(rows)]
            # holes only in the index's place, as over the whole file: a count after named columns is data
            starts = np.cumsum([len(r) for r in rows])[:-1]
            if counts_rows(numbers, holes=leads(frame, column), starts=starts):
                found.append(str(column))
    return found


def warn_saved_index(columns: list[str], where: str, keep: str) -> None:
    """Warn that ``columns`` of ``where`` (a file or folder) are left out as a saved index; ``keep``:
    how to read them as channels after all."""
    warn_on_rank_zero(
        f"{where}: column(s) {columns} hold row numbers (the index pandas writes with df.to_csv(path)); "
        f"they are not read as channels. Write the CSV with df.to_csv(path, index=False), or {keep}.",
        UserWarning,
        stacklevel=None,  # the user's line: the reader's caller, or their fit
    )


def saved_time_index(frame: pd.DataFrame, dates: dict[str, Any] | None = None) -> str | None:
    """The first ``Unnamed: N`` column of ``frame`` whose every cell reads as a date (with the ``dates``
    read options): an index of times written by ``df.to_csv(path)``; ``None`` if there is none."""
    for column in frame.columns:
        values = frame[column]
        if not is_unnamed(column) or pd.api.types.is_numeric_dtype(values):
            continue  # numbers: row numbers (left out above) or a channel
        times = parse_times(values, dates)
        if times is not None and np.issubdtype(times.dtype, np.datetime64) and not np.isnat(times).any():
            return str(column)
    return None


def warn_saved_time_index(column: str, where: str, time_col: str, read_as: str) -> None:
    """Note that ``column`` of ``where`` (a saved index of dates) is read as the times, as there is no
    ``time_col`` column; ``read_as``: the reader call that names it, which leaves the note out."""
    warn_on_rank_zero(
        f"{where}: column {column!r} holds dates (the index of times pandas writes with df.to_csv(path)) and "
        f"there is no {time_col!r} column, so they are read as the recordings' times. To name the column, "
        f"write the CSV with df.to_csv(path, index_label={time_col!r}); to read it so without this note, name "
        f"it as the time column: {read_as}.",
        UserWarning,
        stacklevel=None,  # the user's line: the reader's caller, or their fit
    )


def time_like_columns(channels: list[str]) -> list[str]:
    """The channel columns whose names say time or date (``Time``, ``timestamp``, ``datetime``)."""
    return [c for c in channels if "time" in str(c).lower() or "date" in str(c).lower()]


def warn_time_like_channels(
    columns: list[str],
    where: str,
    time_col: str,
    read_as: str,
    *,
    why: str | None = None,
    how: str | None = None,
) -> None:
    """Warn that ``columns`` of ``where`` are read as channels though their names say time; ``read_as``:
    the reader call that takes one as the times (``read_csv_long(path, time_col=...)``). Inputs whose
    times are not a column (a DataFrame's index) say ``why`` they are channels and ``how`` to give
    their times instead of the time column's name."""
    why = why or f"there is no {time_col!r} column"
    how = how or f"name it {time_col!r} (in Python, {read_as})"
    warn_on_rank_zero(
        f"{where}: column(s) {columns} are read as channels, as {why}. If one "
        f"holds the recordings' times, {how}: the rows are then put "
        "in time order and the sampling step is kept, and the model does not learn from the clock. If "
        "it is a measurement, ignore this warning.",
        UserWarning,
        stacklevel=None,  # the user's line: the reader's caller, or their fit
    )
