"""The one rule by which the readers tell a pandas index saved into a table from data.

``df.to_csv(path)`` writes the frame's index as a first column without a header, which
``pd.read_csv`` reads back as ``Unnamed: 0``. Its row numbers are a ``RangeIndex`` (``0..n-1``), a
slice of one (``df.iloc[100:]``: ``100..n+99``), or one with holes after rows were dropped or
filtered out (``df.dropna()``: ``0, 1, 2, 5, 6, ...``). The forecasting reader leaves such a column
out of the targets, the sensor readers out of the channels; each words its own warning.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

SAVED_INDEX = re.compile(r"Unnamed: \d+")  # what pandas names a column without a header


def is_unnamed(column: object) -> bool:
    """A column pandas named for want of a header (``Unnamed: 0``)."""
    return bool(SAVED_INDEX.fullmatch(str(column)))


def counts_rows(numbers: np.ndarray, holes: bool = True, starts: np.ndarray | None = None) -> bool:
    """``numbers`` (n,) integers are row numbers: consecutive (``0..n-1``, or ``100..n+99`` for a slice
    of a frame), or with ``holes`` pandas' default index after rows were dropped or filtered out
    (``0, 1, 2, 5, 6, ...``): increasing integers from 0 or more, most of them one apart. Integers
    spaced evenly wider (``0, 2, 4, ...``), or in no order, are data; so is an empty array.

    ``starts`` (k,): the positions where a new numbering begins (recordings of a long CSV concatenated
    from one frame each, each keeping its own index): each part is held to the rule, the steps that
    are one apart counted over all parts together, as over one file."""
    if not len(numbers):
        return False
    steps = np.diff(numbers)
    firsts = numbers[:1]
    if starts is not None:
        starts = starts[(starts > 0) & (starts < len(numbers))]
        steps = np.delete(steps, starts - 1)  # the steps from one part into the next
        firsts = numbers[np.r_[0, starts]]
    if (steps == 1).all():
        return True
    # most steps one apart: a filter keeps runs of rows; a count by twos or a code is no index
    return holes and bool((firsts >= 0).all() and (steps > 0).all()) and (steps == 1).mean() >= 0.5


def holds_row_numbers(frame: pd.DataFrame, column: object, holes: bool = True) -> bool:
    """``frame[column]`` is an ``Unnamed: N`` column of integers that :func:`counts_rows`: a saved
    index, not data. Numbers with ``holes`` only in the index's place, the first columns (all
    unnamed up to it): a count after named columns (``date,sales,`` then ``1003, 1004, 1006, ...``)
    is data whose header cell was left empty."""
    if not is_unnamed(column):  # first: a column's Series costs more than its name's test
        return False
    values = frame[column]
    holes = holes and leads(frame, column)
    return pd.api.types.is_integer_dtype(values) and counts_rows(values.to_numpy(), holes)


def leads(frame: pd.DataFrame, column: object) -> bool:
    """``column`` is among ``frame``'s first columns, all unnamed: where ``df.to_csv(path)`` writes the
    index (one column, or one a level of a MultiIndex)."""
    for name in frame.columns:
        if name == column:
            return True
        if not is_unnamed(name):
            return False
    return False
