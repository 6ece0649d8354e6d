"""sktime/aeon DataFrame layouts of recordings, read by ``SSMClassifier`` and the classifier's MLflow
model: ``nested_univ`` (a row per recording, a column per channel, each cell a whole series, a
``pd.Series`` or array), ``pd-multiindex`` (a row per recording and time point, indexed by both,
a column per channel; sktime's ``pd_multiindex_hier`` too, the recording named by every level but
the last) and ``df-list`` (a list of DataFrames, one per recording: a row per time point, a column
per channel)."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from ssm_ts.errors import DataError

from .column_roles import time_like_columns, warn_time_like_channels
from .frame_times import frame_step, index_times, text_times_error, text_times_fix, time_order
from .sampling_step import Step, file_step
from .time_gaps import place_gaps, warn_of_gaps

GAP_FIX = "pass nan_policy='interpolate' (or 'zero')"


class FrameRecordings(NamedTuple):
    """A frame's recordings ``(channels, length_i)``, channel names, ids and sampling step (from its
    time points, as a CSV's from its time column; ``None``: no times, or sample numbers)."""

    values: list[np.ndarray]
    names: list[str]
    ids: list[str]
    step: Step


class _TimedRecordings:
    """Recordings of one frame layout collected in time order: each one's steps sorted by its time points,
    its gaps filled by ``nan_policy`` or kept for one warning of them all, its sampling step kept."""

    def __init__(self, layout: str, nan_policy: str):
        self.layout, self.nan_policy = layout, nan_policy  # layout: "X (nested DataFrame)", in messages
        self.values: list[np.ndarray] = []
        self.steps: list[Step] = []
        self.gapped: list[tuple[str, str]] = []

    def add(
        self, recording: np.ndarray, times: np.ndarray | None, points: Any, name: str, where: str
    ) -> None:
        """``recording (channels, steps)`` in the order given, at ``times`` (numbers; ``None``: untimed,
        kept as given) written as ``points``; ``name`` names it in the gap warning, ``where`` in errors."""
        if times is None:
            self.values.append(recording)
            self.steps.append(None)
            return
        order = time_order(times)
        recording, gap = place_gaps(
            recording[:, order], times[order], list(points[order]), self.nan_policy, source=where
        )
        self.values.append(recording)
        self.steps.append(frame_step(times[order]))
        if gap is not None:
            self.gapped.append((name, gap))

    def finish(self, names: list[str], ids: list[str], gap_fix: str) -> FrameRecordings:
        """The recordings read, after one warning of their gaps (those ``nan_policy`` did not fill)."""
        warn_of_gaps(self.layout, self.gapped, gap_fix)
        return FrameRecordings(self.values, names, ids, file_step(self.steps, ids, self.layout))


def is_nested_frame(X: Any) -> bool:
    """An sktime/aeon ``nested_univ`` DataFrame: a column per channel, each cell a whole series (the
    first row's cells are looked at: a label column before the channels is named by the reader)."""
    if not (hasattr(X, "columns") and hasattr(X, "iloc")) or 0 in X.shape:
        return False
    return any(_is_series(cell) for cell in X.iloc[0])


def nested_frame_recordings(
    X: Any, source: str = "X", nan_policy: str = "error", gap_fix: str = GAP_FIX
) -> tuple[list[np.ndarray], list[str]]:
    """The ``(channels, length_i)`` recordings of a ``nested_univ`` DataFrame and its column names as the
    channel names, as :func:`read_nested_frame` reads them (without ids and sampling step)."""
    values, names, _, _ = read_nested_frame(X, source, nan_policy, gap_fix)
    return values, names


_NESTED_NUMBERED = 'X = X.map(lambda s: s.set_axis(s.index.str.extract(r"(\\d+)", expand=False).astype(int)))'
_NESTED_IN_ORDER = (
    "if each cell's steps are in time order, number them: X = X.map(lambda s: s.reset_index(drop=True))"
)


def _cell_times(row: np.ndarray, where: str) -> tuple[np.ndarray | None, pd.Index | None]:
    """``(times, index)`` of a nested row whose cells are ``pd.Series`` on one index (their time
    points; :func:`~.frame_times.index_times`; :func:`_on_one_index` puts cells on different indexes
    on one), ``(None, None)`` for arrays (read position by position).

    Raises:
        DataError: text time points (``"t1"``), with the line converting them.
    """
    if not all(isinstance(cell, pd.Series) for cell in row):
        return None, None
    index = row[0].index
    times = index_times(index)
    if times is None:  # sorted as text, "t10" before "t2"
        fix = text_times_fix(index, _NESTED_NUMBERED, _NESTED_IN_ORDER)
        raise text_times_error(where, "the index of its cells", index, fix)
    return times, index


def _on_one_index(
    row: np.ndarray, columns: list[str], where: str, nan_policy: str, gap_fix: str
) -> np.ndarray:
    """The cells of one nested row put on the union of their indexes when they are ``pd.Series`` on
    different ones (channels sampled at different time points): each cell's values at its own time
    points, NaN where it has none, as sktime's conversion of the frame to ``pd-multiindex`` places them
    by label. Read position by position, a channel shifted by a step was read a step out of place.
    Other rows as they are, cells on the sample numbers ``0, 1, ...`` of ``pd.Series(array)`` too
    (no times: cells of other lengths are named as such).

    Raises:
        DataError: a cell's index repeating a time point, indexes that do not combine (dates and
            numbers), or, under ``nan_policy="error"``, the time points some channels lack, with
            ``gap_fix`` (the fill that takes them) and the positional reading.
    """
    if not all(isinstance(cell, pd.Series) for cell in row) or all(
        cell.index.equals(row[0].index) for cell in row[1:]
    ):
        return row
    if all(_numbers_samples(cell.index) for cell in row):
        return row  # pd.Series(array): no times, so cells of other lengths are named as such
    row = [cell.set_axis(_snapped(cell.index)) for cell in row]
    if all(cell.index.equals(row[0].index) for cell in row[1:]):
        return _object_row(row)  # apart by float rounding only (0.1 * 3 and 0.3)
    for name, cell in zip(columns, row, strict=True):
        repeated = cell.index[cell.index.duplicated()]
        if len(repeated):
            raise DataError(
                f"{where}: the cell of column {name!r} repeats time point {str(repeated[0])!r} in its index, so the "
                "channels cannot be put on one time axis; give each time point one value (e.g. "
                "X = X.map(lambda s: s.groupby(level=0).mean()))."
            )
    union = row[0].index
    try:
        for cell in row[1:]:
            union = union.union(cell.index)
    except (TypeError, ValueError) as err:
        kinds = {name: type(cell.index).__name__ for name, cell in zip(columns, row, strict=True)}
        raise DataError(
            f"{where}: the cells' indexes are of kinds that do not combine ({kinds}: {err}); give every channel "
            "of a recording an index of one kind (numbers, or dates)."
        ) from err
    if nan_policy == "error":
        lacking = []
        for name, cell in zip(columns, row, strict=True):
            missing = union.difference(cell.index)
            if len(missing):
                more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
                lacking.append(f"column {name!r} has no value at {[str(t) for t in missing[:3]]}{more}")
        raise DataError(
            f"{where}: the cells of columns {columns} are on different time points (their indexes differ): "
            f"{'; '.join(lacking[:3])}. Put on the union of their {len(union)} time points, a channel is missing "
            f"where it has no value: to fill those, {gap_fix}; if the cells are in step and only their labels "
            "differ, read them by position: X = X.map(lambda s: s.reset_index(drop=True))."
        )
    # NaN where a channel has no value: the nan_policy fills it
    return _object_row([cell.reindex(union) for cell in row])


def _numbers_samples(index: pd.Index) -> bool:
    """The default index of ``pd.Series(array)``, ``0, 1, 2, ...``: sample numbers, no times."""
    return isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1


def _object_row(cells: list[pd.Series]) -> np.ndarray:
    """``cells`` as a row of a nested frame's ``to_numpy()``: an object array of series."""
    row = np.empty(len(cells), dtype=object)
    row[:] = cells
    return row


def _snapped(index: pd.Index) -> pd.Index:
    """A float ``index`` rounded to 12 significant digits of its largest time, so that times computed
    apart (``0.1 * 3`` and ``0.3``) meet on one time point; other indexes as they are."""
    if not pd.api.types.is_float_dtype(index.dtype) or not len(index):
        return index
    values = index.to_numpy(dtype=np.float64)
    finite = np.abs(values[np.isfinite(values)])
    largest = float(finite.max()) if finite.size else 0.0
    decimals = 11 - int(np.floor(np.log10(largest))) if largest > 0 else 12
    return pd.Index(np.round(values, decimals), name=index.name)


def read_nested_frame(
    X: Any, source: str = "X", nan_policy: str = "error", gap_fix: str = GAP_FIX
) -> FrameRecordings:
    """The recordings ``(channels, length_i)`` of a ``nested_univ`` DataFrame (row ``i``, a column per
    channel, each cell a series), its column names as the channel names, its index as the ids;
    ``source`` names the frame in errors.

    Cells that are ``pd.Series`` on one index per row (cells on different indexes are put on their
    union first: :func:`_on_one_index`) are read in the order of that index's time points (numbers or
    dates, as a multi-index frame's time level): a time point missing from them is a gap, warned of
    or filled under ``nan_policy`` as :func:`read_multiindex_frame` does, and their median step is the
    sampling step (``None`` for arrays and sample numbers 0, 1, 2, ...).

    Raises:
        DataError: a cell that is not a series of numbers, cells of one row of different lengths (or,
            under ``nan_policy="error"``, on different time points), or text time points (``"t1"``),
            with the line converting them.
    """
    _check_series_columns(X, source)
    read = _TimedRecordings(f"{source} (nested DataFrame)", nan_policy)
    ids = [str(i) for i in X.index]
    columns = [str(c) for c in X.columns]
    for i, row in enumerate(X.to_numpy()):
        where = f"{source} (nested DataFrame), row {i}"
        row = _on_one_index(row, columns, f"{where} ({ids[i]!r})", nan_policy, gap_fix)
        try:
            cells = [np.asarray(cell, dtype=np.float64) for cell in row]
        except (TypeError, ValueError) as err:
            raise DataError(f"{where}: a cell is not a series of numbers ({err}).") from err
        lengths = [len(cell) if cell.ndim == 1 else -1 for cell in cells]
        if len(set(lengths)) != 1 or lengths[0] < 0:
            raise DataError(
                f"{where}: the cells of columns {list(X.columns)} hold series of lengths "
                f"{lengths}; every channel of a recording needs the same number of steps."
            )
        times, index = _cell_times(row, where)
        read.add(np.stack(cells), times, index, f"row {i} ({ids[i]!r})", where)
    return read.finish(columns, ids, gap_fix)


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


def multiindex_frame_recordings(
    X: pd.DataFrame, source: str = "X", nan_policy: str = "error", gap_fix: str = GAP_FIX
) -> tuple[list[np.ndarray], list[str], list[str]]:
    """``(recordings (channels, length_i), channel names, ids)`` of a ``pd-multiindex`` frame, as
    :func:`read_multiindex_frame` reads them (without the sampling step)."""
    return tuple(read_multiindex_frame(X, source, nan_policy, gap_fix)[:3])


def _multiindex_text_fix(X: pd.DataFrame) -> str:
    """The line converting a multi-index frame's text time points (``"t1"``) to numbers."""
    name = X.index.names[-1] or "time"
    recording_levels = list(range(X.index.nlevels - 1))
    numbered = (
        'X.index = X.index.set_levels(X.index.levels[-1].str.extract(r"(\\d+)", expand=False).astype(int), '
        "level=-1)"
    )
    in_order = (
        f"if the rows are in time order, number them: X = X.set_index(X.groupby(level={recording_levels})"
        f".cumcount().rename({name!r}), append=True).droplevel(-2)"
    )
    return text_times_fix(X.index.levels[-1], numbered, in_order)


def read_multiindex_frame(
    X: pd.DataFrame, source: str = "X", nan_policy: str = "error", gap_fix: str = GAP_FIX
) -> FrameRecordings:
    """The recordings of a ``pd-multiindex`` frame: in the order their ids (index level 0; every level
    but the last for a hierarchical frame, joined as ``'a/3'``) first appear, each one's rows in the
    order of its time points (the last level, read as numbers or dates: :func:`~.frame_times.index_times`;
    stable), the columns as the channels; ``source`` names the frame in errors. The sampling step is
    the recordings' median step (:func:`~.sampling_step.file_step`, which warns of recordings at
    another step), ``None`` for sample numbers 0, 1, 2, ... (:func:`~.frame_times.frame_step`).

    Time points that jump by several steps (rows dropped, ``X.dropna()``) are gaps: under
    ``nan_policy`` ``"interpolate"`` or ``"zero"`` the missing steps are inserted as NaN (for the policy
    to fill), under ``"error"`` a :class:`~.time_gaps.TimeGapWarning` names them and ``gap_fix``.

    Raises:
        DataError: a column holding a value that is not a number (named with its row's index), the
            time points in the first level (the levels swapped), or text time points (``"t1"``, which
            sort as text), with the line converting them.
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
    points = X.index.get_level_values(-1)
    times = index_times(points)
    if times is None:  # sorted as text, "t10" before "t2"
        name = X.index.names[-1]
        what = f"the time level {name!r}" if name is not None else "the time level (the last)"
        raise text_times_error(
            f"{source} (multi-index DataFrame)", what, points.unique(), _multiindex_text_fix(X)
        )
    numbers = X.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=np.float64)
    read = _TimedRecordings(f"{source} (multi-index DataFrame)", nan_policy)
    ids: list[str] = []
    recording_levels = list(range(X.index.nlevels - 1))
    by = recording_levels if len(recording_levels) > 1 else 0
    grouped = X.groupby(level=by, sort=False)  # in the order the ids first appear
    for key, rows in grouped.indices.items():
        ids.append(_recording_id(key))
        name = f"recording {ids[-1]!r}"
        read.add(numbers[rows].T, times[rows], points[rows], name, f"{read.layout}, {name}")
    return read.finish([str(c) for c in X.columns], ids, gap_fix)


def is_frame_list(X: Any) -> bool:
    """sktime's ``df-list``: a list (or tuple) of DataFrames, one per recording."""
    return isinstance(X, (list, tuple)) and len(X) > 0 and all(isinstance(x, pd.DataFrame) for x in X)


def frame_list_recordings(X: list[pd.DataFrame], source: str = "X") -> tuple[list[np.ndarray], list[str]]:
    """``(recordings (channels, length_i), channel names)`` of a ``df-list``, as :func:`read_frame_list`
    reads them (without ids and sampling step)."""
    values, names, _, _ = read_frame_list(X, source)
    return values, names


_LIST_NUMBERED = 'X = [x.set_axis(x.index.str.extract(r"(\\d+)", expand=False).astype(int)) for x in X]'
_LIST_IN_ORDER = (
    "if each frame's rows are in time order, number them: X = [x.reset_index(drop=True) for x in X]"
)


def _may_be_clock(frame: pd.DataFrame, name: str) -> bool:
    """Whether column ``name`` of ``frame`` could be its clock: text (dates, read as a channel they
    fail), or numbers or dates that increase at every row. A measurement named as time
    (``reaction_time``) that goes up and down is none."""
    column = next((frame[c] for c in frame.columns if str(c) == name), None)
    if column is None or isinstance(column, pd.DataFrame):
        return False
    if pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column):
        return True
    return bool(column.is_monotonic_increasing and column.is_unique)


def _warn_of_time_columns(X: list[pd.DataFrame], names: list[str], source: str) -> None:
    """Warn when the frames of a ``df-list`` number their rows (``0, 1, ...``, as ``pd.read_csv(path)``
    leaves them) and a column's name says time and its values could be a clock (:func:`_may_be_clock`):
    it is read as a channel, the model learns the clock and the sampling step is lost. Their times
    belong in the index."""
    if not all(isinstance(x.index, pd.RangeIndex) for x in X):
        return
    clock = [c for c in time_like_columns(names) if all(_may_be_clock(x, c) for x in X)]
    if not clock:
        return
    warn_time_like_channels(
        clock,
        f"{source} (a list of DataFrames, sktime's df-list)",
        clock[0],
        "",
        why="a df-list frame's times are its index, and these frames' indexes number their rows",
        how=(
            f"make it the index: X = [x.set_index({clock[0]!r}) for x in X] (or read each CSV with "
            f"pd.read_csv(path, index_col={clock[0]!r}))"
        ),
    )


def read_frame_list(
    X: list[pd.DataFrame], source: str = "X", nan_policy: str = "error", gap_fix: str = GAP_FIX
) -> FrameRecordings:
    """The recordings ``(channels, length_i)`` of a ``df-list``: each DataFrame a row per time point and
    a column per channel, the first one's columns naming the channels (the others are read by name,
    in any column order), ids ``"0"``, ``"1"``, ... Each frame's rows are read in the order of its
    index's time points (numbers or dates), its gaps warned of or filled under ``nan_policy`` and its
    median step the sampling step, as :func:`read_multiindex_frame` reads a recording's.

    Raises:
        DataError: a frame with other columns than the first, a value that is not a number, or text
            time points (``"t1"``), with the line converting them.
    """
    names = [str(c) for c in X[0].columns]
    read = _TimedRecordings(f"{source} (a list of DataFrames, sktime's df-list)", nan_policy)
    _warn_of_time_columns(X, names, source)
    ids = [str(i) for i in range(len(X))]
    for i, frame in enumerate(X):
        where = f"{source} (a list of DataFrames, sktime's df-list): frame {i}"
        columns = [str(c) for c in frame.columns]
        if sorted(columns) != sorted(names):
            raise DataError(
                f"{where} has columns {columns}, frame 0 {names}; every recording needs the same channel "
                "columns (a row per time point)."
            )
        if columns != names:
            frame = frame.set_axis(columns, axis=1)[names]
        numbers = _frame_numbers(frame, names, where)
        times = index_times(frame.index)
        if times is None:  # sorted as text, "t10" before "t2"
            fix = text_times_fix(frame.index, _LIST_NUMBERED, _LIST_IN_ORDER)
            raise text_times_error(where, "the index", frame.index, fix)
        read.add(numbers.T, times, frame.index, f"frame {i}", where)
    return read.finish(names, ids, gap_fix)


def _frame_numbers(frame: pd.DataFrame, names: list[str], where: str) -> np.ndarray:
    """A df-list frame (its columns ``names``, in that order) as float64 ``(rows, channels)``. Columns
    pandas holds as numbers are taken as they are: converting and checking every frame's cells took
    7 s for 3,000 frames of 100 rows; a frame with another column is converted and checked.

    Raises:
        DataError: a cell that is not a number, named by its column and row."""
    if all(pd.api.types.is_numeric_dtype(kind) for kind in frame.dtypes):
        return frame.to_numpy(dtype=np.float64)
    numbers = frame.apply(pd.to_numeric, errors="coerce")
    bad = (numbers.isna() & frame.notna()).to_numpy()
    if bad.any():
        row, col = (int(k) for k in np.argwhere(bad)[0])
        raise DataError(
            f"{where}, column {names[col]!r} holds {frame.iloc[row, col]!r} (row {frame.index[row]!r}), not a "
            "number; every column is read as a channel: drop the others "
            f"([x.drop(columns=[{names[col]!r}]) for x in X])."
        )
    return numbers.to_numpy(dtype=np.float64)
