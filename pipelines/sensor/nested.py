"""sktime/aeon DataFrame layouts of recordings, read by ``SSMClassifier`` and the classifier's MLflow
model: ``nested_univ`` (a row per recording, a column per channel, each cell a whole series, a
``pd.Series`` or array) and ``pd-multiindex`` (a row per recording and time point, indexed by both,
a column per channel)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ssm_ts.errors import DataError


def is_nested_frame(X: Any) -> bool:
    """An sktime/aeon ``nested_univ`` DataFrame: a column per channel, each cell a whole series."""
    if not (hasattr(X, "columns") and hasattr(X, "iloc")) or 0 in X.shape:
        return False
    cell = X.iloc[0, 0]
    return hasattr(cell, "__len__") and not isinstance(cell, (str, bytes))


def nested_frame_recordings(X: Any, source: str = "X") -> tuple[list[np.ndarray], list[str]]:
    """The ``(channels, length_i)`` recordings of a ``nested_univ`` DataFrame (row ``i``, a column per
    channel, each cell a series) and its column names as the channel names; ``source`` names the
    frame in errors."""
    values = []
    for i, row in enumerate(X.to_numpy()):
        try:
            cells = [np.asarray(cell, dtype=np.float64) for cell in row]
        except (TypeError, ValueError) as err:
            raise DataError(
                f"{source} (nested DataFrame), row {i}: a cell is not a series of numbers ({err})."
            ) from err
        lengths = [len(cell) if cell.ndim == 1 else -1 for cell in cells]
        if len(set(lengths)) != 1 or lengths[0] < 0:
            raise DataError(
                f"{source} (nested DataFrame), row {i}: the cells of columns {list(X.columns)} hold series of lengths "
                f"{lengths}; every channel of a recording needs the same number of steps."
            )
        values.append(np.stack(cells))
    return values, [str(c) for c in X.columns]


def is_multiindex_frame(X: Any) -> bool:
    """sktime's ``pd-multiindex`` DataFrame: a 2-level row index (recording, time point), a column per channel."""
    return isinstance(X, pd.DataFrame) and isinstance(X.index, pd.MultiIndex) and X.index.nlevels == 2


def multiindex_frame_recordings(
    X: pd.DataFrame, source: str = "X"
) -> tuple[list[np.ndarray], list[str], list[str]]:
    """``(recordings (channels, length_i), channel names, ids)`` of a ``pd-multiindex`` frame: the
    recordings in the order their ids (index level 0) first appear, each one's rows in time-point
    order (level 1; stable), the columns as the channels; ``source`` names the frame in errors.

    Raises:
        DataError: a column holding a value that is not a number (named with its row's index).
    """
    for name in X.columns:
        column = X[name]
        bad = np.flatnonzero((pd.to_numeric(column, errors="coerce").isna() & column.notna()).to_numpy())
        if len(bad):
            raise DataError(
                f"{source} (multi-index DataFrame): column {name!r} holds {column.iloc[bad[0]]!r} at index "
                f"{X.index[bad[0]]!r} ({len(bad)} such row(s)), not a number; every column is read as a "
                f"channel: drop the others (X.drop(columns=[{name!r}]))."
            )
    numbers = X.apply(pd.to_numeric, errors="coerce")
    values, ids = [], []
    for key, group in numbers.groupby(level=0, sort=False):
        values.append(group.droplevel(0).sort_index(kind="stable").to_numpy(dtype=np.float64).T)
        ids.append(str(key))
    return values, [str(c) for c in X.columns], ids
