"""sktime/aeon DataFrame layouts of recordings, read by ``SSMClassifier`` and the classifier's MLflow
model: ``nested_univ`` (a row per recording, a column per channel, each cell a whole series, a
``pd.Series`` or array), ``pd-multiindex`` (a row per recording and time point, indexed by both,
a column per channel; sktime's ``pd_multiindex_hier`` too, the recording named by every level but
the last) and ``df-list`` (a list of DataFrames, one per recording: a row per time point, a column
per channel)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ssm_ts.errors import DataError

from .sampling_step import parse_times
from .time_gaps import place_gaps, warn_of_gaps


def is_nested_frame(X: Any) -> bool:
    """An sktime/aeon ``nested_univ`` DataFrame: a column per channel, each cell a whole series (the
    first row's cells are looked at: a label column before the channels is named by the reader)."""
    if not (hasattr(X, "columns") and hasattr(X, "iloc")) or 0 in X.shape:
        return False
    return any(_is_series(cell) for cell in X.iloc[0])


def nested_frame_recordings(X: Any, source: str = "X") -> tuple[list[np.ndarray], list[str]]:
    """The ``(channels, length_i)`` recordings of a ``nested_univ`` DataFrame (row ``i``, a column per
    channel, each cell a series) and its column names as the channel names; ``source`` names the
    frame in errors."""
    _check_series_columns(X, source)
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


def _is_series(cell: Any) -> bool:
    return hasattr(cell, "__len__") and not isinstance(cell, (str, bytes))


def _check_series_columns(X: Any, source: str) -> None:
    """A column of a nested frame whose cells are single values, not series (the class column
    sktime's ``load_from_tsfile(..., return_separate_X_and_y=False)`` adds, an id), is a DataError
    naming it and how to take it out of ``X``."""
    for name in X.columns:
        column = X[name]
        single = [i for i, cell in enumerate(column) if not _is_series(cell)]
        if not single:
            continue
        row = single[0]
        if len(single) < len(column):  # a channel with cells missing (None, NaN), not a column of labels
            raise DataError(
                f"{source} (nested DataFrame): column {name!r} holds {column.iloc[row]!r}, not a series, on "
                f"{len(single)} row(s), {[X.index[i] for i in single[:10]]}; every recording needs a series in "
                "every channel: drop those rows, or give them a series of NaN of the recording's length "
                "(filled by nan_policy)."
            )
        raise DataError(
            f"{source} (nested DataFrame): column {name!r} holds {column.iloc[row]!r} (row {X.index[row]!r}), a "
            "single value, not a series; every column of a nested DataFrame is a channel, a series per cell. "
            f"If it holds the labels, pass them as y: y = X[{name!r}].to_numpy(); X = X.drop(columns=[{name!r}]) "
            f"(else drop it: X.drop(columns=[{name!r}]))."
        )


def is_multiindex_frame(X: Any) -> bool:
    """sktime's ``pd-multiindex`` DataFrame: a row index of 2 levels (recording, time point), or more
    (``pd_multiindex_hier``: the recording named by every level but the last, the time point), a
    column per channel."""
    return isinstance(X, pd.DataFrame) and isinstance(X.index, pd.MultiIndex) and X.index.nlevels >= 2


def _time_like(level: pd.Index) -> bool:
    """An index level of times: dates, durations or periods, or named as times (``time``, ``timepoints``)."""
    kinds = (pd.DatetimeIndex, pd.TimedeltaIndex, pd.PeriodIndex)
    name = str(level.name or "").lower()
    return isinstance(level, kinds) or "time" in name or "date" in name or name in ("ds", "t", "step")


def _check_recording_first(X: pd.DataFrame, source: str) -> None:
    """A ``pd-multiindex`` frame indexed (time point, recording), the other way round, is a DataError
    with the swap: read as it is, each time point was a recording."""
    first, last = X.index.levels[0], X.index.levels[-1]
    if X.index.nlevels == 2 and _time_like(first) and not _time_like(last):
        names = [str(n) for n in X.index.names]
        raise DataError(
            f"{source} (multi-index DataFrame): the first index level {names[0]!r} holds time points and the "
            f"second {names[1]!r} the recordings; the recording comes first (sktime's pd-multiindex: "
            "(instance, time point)). Swap them: X.swaplevel().sort_index()."
        )


def _recording_id(key: Any) -> str:
    """A recording's id from its index key: ``'3'``, or ``'a/3'`` for a hierarchical one."""
    return "/".join(str(k) for k in key) if isinstance(key, tuple) else str(key)


GAP_FIX = "pass nan_policy='interpolate' (or 'zero')"


def multiindex_frame_recordings(
    X: pd.DataFrame, source: str = "X", nan_policy: str = "error", gap_fix: str = GAP_FIX
) -> tuple[list[np.ndarray], list[str], list[str]]:
    """``(recordings (channels, length_i), channel names, ids)`` of a ``pd-multiindex`` frame: the
    recordings in the order their ids (index level 0; every level but the last for a hierarchical
    frame, joined as ``'a/3'``) first appear, each one's rows in time-point order (the last level;
    stable), the columns as the channels; ``source`` names the frame in errors.

    Time points that jump by several steps (rows dropped, ``X.dropna()``) are gaps: under
    ``nan_policy`` ``"interpolate"`` or ``"zero"`` the missing steps are inserted as NaN (for the policy
    to fill), under ``"error"`` a :class:`~.time_gaps.TimeGapWarning` names them and ``gap_fix``.

    Raises:
        DataError: a column holding a value that is not a number (named with its row's index), or
            the time points in the first level (the levels swapped).
    """
    _check_recording_first(X, source)
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
    recording_levels = list(range(X.index.nlevels - 1))
    by = recording_levels if len(recording_levels) > 1 else 0
    gapped: list[tuple[str, str]] = []
    for key, group in numbers.groupby(level=by, sort=False):
        rows = group.droplevel(recording_levels).sort_index(kind="stable")
        cells = rows.index.to_series()
        ids.append(_recording_id(key))
        recording, gap = place_gaps(
            rows.to_numpy(dtype=np.float64).T,
            parse_times(cells),
            list(cells),
            nan_policy,
            source=f"{source} (multi-index DataFrame), recording {ids[-1]!r}",
        )
        values.append(recording)
        if gap is not None:
            gapped.append((f"recording {ids[-1]!r}", gap))
    warn_of_gaps(f"{source} (multi-index DataFrame)", gapped, gap_fix)
    return values, [str(c) for c in X.columns], ids


def is_frame_list(X: Any) -> bool:
    """sktime's ``df-list``: a list (or tuple) of DataFrames, one per recording."""
    return isinstance(X, (list, tuple)) and len(X) > 0 and all(isinstance(x, pd.DataFrame) for x in X)


def frame_list_recordings(X: list[pd.DataFrame], source: str = "X") -> tuple[list[np.ndarray], list[str]]:
    """``(recordings (channels, length_i), channel names)`` of a ``df-list``: each DataFrame a row per
    time point (in its row order) and a column per channel, the first one's columns naming the
    channels; the others are read by name, in any column order.

    Raises:
        DataError: a frame with other columns than the first, or a value that is not a number.
    """
    names = [str(c) for c in X[0].columns]
    values = []
    for i, frame in enumerate(X):
        columns = [str(c) for c in frame.columns]
        if sorted(columns) != sorted(names):
            raise DataError(
                f"{source} (a list of DataFrames, sktime's df-list): frame {i} has columns {columns}, frame 0 "
                f"{names}; every recording needs the same channel columns (a row per time point)."
            )
        frame = frame.set_axis(columns, axis=1)[names]
        numbers = frame.apply(pd.to_numeric, errors="coerce")
        bad = (numbers.isna() & frame.notna()).to_numpy()
        if bad.any():
            row, col = (int(k) for k in np.argwhere(bad)[0])
            raise DataError(
                f"{source} (a list of DataFrames, sktime's df-list): frame {i}, column {names[col]!r} holds "
                f"{frame.iloc[row, col]!r} (row {frame.index[row]!r}), not a number; every column is read as a "
                f"channel: drop the others ([x.drop(columns=[{names[col]!r}]) for x in X])."
            )
        values.append(numbers.to_numpy(dtype=np.float64).T)
    return values, names
