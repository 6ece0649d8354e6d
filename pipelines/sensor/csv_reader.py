"""The CSV readers: a long CSV (one row per recording and time step) or a folder of one CSV per
recording with a labels file. Their errors name the file line of a bad cell, and the read options
that keep text pandas reads as missing by default (``NA``, ``None``)."""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ssm_ts.errors import DataError

from ..csv_files import csv_data_line_numbers, number_hint, read_csv_file
from ..csv_options import ReadOptions, check_read_options, date_options
from ..na_markers import default_na_markers, keep_text_hint
from .column_roles import (
    saved_index_columns,
    saved_time_index,
    time_like_columns,
    warn_saved_index,
    warn_saved_time_index,
    warn_time_like_channels,
)
from .frame_times import numbered_text_out_of_order
from .labels import warn_of_case_only_classes
from .read_checks import existing_file, existing_path
from .sampling_step import Step, file_step, parse_times, recording_step
from .series import NanPolicy, SeriesSet, channel_order, make_series_set
from .time_gaps import place_gaps, warn_of_gaps


def _some_columns(columns: Any, shown: int = 12) -> str:
    """The column names for a message, the first few of a wide table only (a row of 150 time steps)."""
    names = [str(c) for c in columns]
    if len(names) <= shown:
        return str(names)
    return f"{names[:shown]} ... ({len(names)} columns)"


# files a folder may hold that a reader reads one at a time (a UEA/UCR problem folder holds a pair)
_SINGLE_FILE_SUFFIXES = (".ts", ".arff", ".npy", ".npz")


def _no_csv_files_error(folder: Path) -> DataError:
    """Why ``folder`` gave no recording CSV; for a folder of ``.ts``/``.arff``/NumPy files (a UEA/UCR
    problem folder), the files and how to read them, as a folder is read as one CSV per recording."""
    from .readers import archive_train_file  # (readers imports this module)

    found = sorted(p.name for p in folder.iterdir() if p.suffix.lower() in _SINGLE_FILE_SUFFIXES)
    problems = sorted(p.name for p in folder.iterdir() if p.is_dir() and archive_train_file(p))
    if not found and problems:  # the archive's root (Univariate_ts/, a data home's classification/)
        listed = ", ".join(problems[:6]) + (f" and {len(problems) - 6} more" if len(problems) > 6 else "")
        train = archive_train_file(folder / problems[0])  # its name as found: the call runs pasted
        return DataError(
            f"{folder}: no recording CSV files found; it holds UCR/UEA problem folders ({listed}): pass one "
            f"of them, ssm-ts classify --data.path {folder / problems[0]} (its TRAIN and TEST files), or in "
            f"Python read_series({str(train)!r})."
        )
    if not found:
        return DataError(f"{folder}: no recording CSV files found.")
    listed = ", ".join(found[:6]) + (f" and {len(found) - 6} more" if len(found) > 6 else "")
    example = next((name for name in found if "_TRAIN." in name.upper()), found[0])
    return DataError(
        f"{folder}: no recording CSV files found; a folder is read as one CSV per recording, and this one "
        f"holds {listed}. Read one file at a time: read_series(folder / {example!r}) (a UEA/UCR problem "
        "folder's TRAIN and TEST files: find_archive_split(folder); ssm-ts classify --data.path takes the "
        "folder itself)."
    )


def _require_columns(frame: pd.DataFrame, columns: list[str], where: str, hint: str = "") -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(
            f"{where}: no column(s) {missing}; the columns are {_some_columns(frame.columns)}.{hint}"
        )


def _names_channels(columns: list) -> bool:
    """Whether a header names channels (``acc_x, acc_y, acc_z``: a recording's rows are time steps), not
    time steps (``0, 1, ...`` as ``DataFrame(X).to_csv()`` writes them, or a first row of data read as
    the header: numbers and a label): at least two names and half of them are no numbers."""

    def is_number(name: str) -> bool:
        try:
            float(name)
        except ValueError:
            return False
        return True

    # a headerless UCR file's first row is read as the header: its label (walk) and numbers
    named = [c for c in columns if not str(c).startswith("Unnamed: ") and not is_number(str(c))]
    return len(named) >= 2 and 2 * len(named) >= len(columns)


def _missing_id_hint(frame: pd.DataFrame, id_col: str, label_col: str | None, time_col: str | None) -> str:
    """For a CSV without the id column: how to read it. One that looks like one recording per row (no
    time column, several value columns, none named as a channel) as recordings; else a long CSV whose recording column has
    another name: rename it."""
    values = [c for c in frame.columns if c != label_col]
    if time_col is not None or len(values) < 3 or _names_channels(values):
        one_recording = (  # no label column: as the files of a folder of recordings are
            ""
            if label_col is not None
            else " If the file is one recording (a row per time step, as in a folder of recording CSVs), "
            "ssm-ts classify predict --data.path FILE classifies it as it is (read_csv_recording(path) in "
            "Python); to fit on such files, put it in a folder of its own with the other recordings' CSVs "
            "and a labels.csv (columns file, label): --data.path FOLDER (read_csv_folder(FOLDER) in Python)."
        )
        return (
            f" A long CSV names each row's recording in a column {id_col!r}: rename yours to {id_col!r} (in "
            "Python, read_csv_long(path, id_col='<its name>') reads it as it is)." + one_recording
        )
    if label_col is not None:
        read, y, X = "pd.read_csv(path)", f"frame[{label_col!r}]", f"frame.drop(columns=[{label_col!r}])"
    else:  # no header: the labels are usually the first column
        read, y, X = "pd.read_csv(path, header=None)", "frame[0]", "frame.drop(columns=[0])"
    return (
        " It looks like one recording per row (a label column, then one column per time step, as the UCR "
        "archive's CSV/TSV files and DataFrame(X).to_csv() hold them), but CSVs are read long: one row per "
        "recording and time step, with columns id, time (optional), one per channel "
        f"and label. Read it with pandas: frame = {read}; X = {X}.to_numpy(float)[:, None, :] (n, 1 channel, "
        f"length); y = {y}.to_numpy(str); then SSMClassifier().fit(X, y), or np.savez('data.npz', X=X, y=y) "
        "for ssm-ts classify --data.path data.npz."
    )


# the columns a reader reads when the file holds them (and skips when not), and the fix for a named one absent
NAMED_COLUMNS = {
    "label_col": (
        "label",
        "Name the label column: label_col='<its name>' (a file without labels: leave label_col out).",
    ),
    "time_col": (
        "time",
        "Name the time column: time_col='<its name>' (without times, the rows are read in file order).",
    ),
}


def named_columns(label_col: str | None, time_col: str | None, labelled: bool = True) -> dict[str, Any]:
    """The column settings of :func:`read_csv_long` / :func:`read_csv_folder` for a user's ``label_col``
    and ``time_col`` (``None``: the reader's default): ``{"label_col", "time_col", "required"}``, the
    ``required`` ones those named otherwise than the defaults, which the file must then hold (a label
    column only where the data is ``labelled``: a file to classify may lack it)."""
    given = {"label_col": label_col, "time_col": time_col}
    settings: dict[str, Any] = {k: NAMED_COLUMNS[k][0] if v is None else v for k, v in given.items()}
    settings["required"] = tuple(
        k
        for k, v in given.items()
        if v is not None and v != NAMED_COLUMNS[k][0] and (labelled or k != "label_col")
    )
    return settings


def _require_named(
    frame: pd.DataFrame, named: dict[str, str | None], required: tuple[str, ...], where: str
) -> None:
    """A :class:`DataError` for a column the caller named (``required``: keys of ``named``, such as
    ``label_col``) that ``frame`` lacks: the file, the column, the columns found and the fix."""
    for setting in required:
        column = named[setting]
        if column is not None:
            _require_columns(frame, [column], where, " " + NAMED_COLUMNS[setting][1])


RowNamer = Callable[[list[int]], str]


def _check_no_text_labels(
    frame: pd.DataFrame, channels: list[str], id_col: str, label_col: str, path: Path
) -> None:
    """In a CSV without a ``label_col`` column: a text column holding one value per recording is
    most likely its classes under another name (``activity``); an error says so, not that its
    text is not a number."""
    for c in channels:
        if pd.api.types.is_numeric_dtype(frame[c]) or pd.to_numeric(frame[c], errors="coerce").notna().all():
            continue
        if (frame.groupby(id_col, sort=False)[c].nunique(dropna=False) == 1).all():
            raise DataError(
                f"{path}: column {c!r} holds text ({frame[c].iloc[0]!r}, ...), one value per recording, and "
                f"there is no {label_col!r} column: if {c!r} holds the recordings' classes, rename it to "
                f"{label_col!r} (in Python, read_csv_long(path, label_col={c!r})); else leave it out "
                "(read_csv_long(path, channels=[...])): channels are numbers."
            )


def _row_namer(path: Path, options: ReadOptions, n_rows: int, listed: bool = False) -> RowNamer:
    """A function naming data rows (positions in the frame read from ``path``) by their file line:
    ``line 27`` (``listed``: ``line(s) [2, 3]``; skipped, blank and comment lines counted, header =
    line 1 by default), or ``data row 25`` (0-based) where lines and rows do not pair up (a quoted
    field across lines). It reads the file again: call it for error messages only."""

    def name(positions: list[int]) -> str:
        lines = csv_data_line_numbers(path, options, n_rows)
        word, numbers = ("data row", positions) if lines is None else ("line", [lines[p] for p in positions])
        return f"{word}(s) {numbers}" if listed else f"{word} {numbers[0]}"

    return name


def _numeric(
    frame: pd.DataFrame, columns: list[str], where: str | Callable[[int], str], name_rows: RowNamer
) -> np.ndarray:
    """``frame[columns]`` as float64 ``(rows, columns)``; a cell that is not a number is named by its
    file line (``frame``'s index holds each row's position in the file's frame, whatever the sorting)
    and ``where`` (or ``where(row)``, the row's position in ``frame``: the recording it belongs to).
    Columns pandas read as numbers are taken as they are (no conversion, no check); of the others', the
    cell named is the first in the frame (the file's first recording with one, in a long CSV)."""
    converted, bad = {}, {}
    for c in columns:
        if pd.api.types.is_numeric_dtype(frame[c]):
            continue
        converted[c] = pd.to_numeric(frame[c], errors="coerce")
        rows = np.flatnonzero((converted[c].isna() & frame[c].notna()).to_numpy())
        if len(rows):
            bad[c] = rows
    if bad:
        c = min(bad, key=lambda name: bad[name][0])  # the first row (ties: the first column)
        first, value = int(bad[c][0]), frame[c].iloc[bad[c][0]]
        # counted over the frame: the whole file, which may hold more recordings than ``where(row)``'s
        within = "" if isinstance(where, str) else " in the file"
        more = f" ({len(bad[c])} such cells{within})" if len(bad[c]) > 1 else ""
        place = where if isinstance(where, str) else where(first)
        raise DataError(
            f"{place}: column {c!r} holds {value!r} on {name_rows([int(frame.index[first])])}{more}, "
            f"not a number{number_hint(value)}."
        )
    return frame[columns].assign(**converted).to_numpy(dtype=np.float64)


def _read_csv(
    path: Path, text_columns: tuple[str | None, ...] = (), read_options: ReadOptions | None = None
) -> pd.DataFrame:
    """The CSV as a DataFrame (as users export it: see :mod:`ssm_ts.pipelines.csv_files`, with the
    user's ``read_options``); ``text_columns`` (ids, labels) are read as strings, so an empty cell
    cannot turn ``1, 2`` into floats ``1.0, 2.0``, without surrounding spaces (as the ``.ts`` and
    ``.arff`` readers read labels): a spreadsheet's ``walk `` was a class of its own beside ``walk``.
    A cell of spaces alone is empty (missing)."""
    dtype = {c: str for c in text_columns if c is not None}
    frame = read_csv_file(path, dtype=dtype, read_options=read_options)
    if frame.empty:
        raise DataError(f"{path}: the CSV has no rows.")
    for column in dtype:
        if column in frame.columns:
            stripped = frame[column].str.strip()
            frame[column] = stripped.mask(stripped == "")
    return frame


def _check_text_times(
    frame: pd.DataFrame, time_col: str, times: np.ndarray | None, options: ReadOptions, path: Path
) -> None:
    """A time column of step names with a number each whose text order is not their numbers' (``t1``,
    ..., ``t10``: ``t10`` sorts before ``t2``) is a DataError naming the file, column, a line and the
    conversion: the rows are sorted as text, so the steps were read out of order. Other text (``t001``,
    zero-padded, sorts right) is read as before, in text order and without a step."""
    if times is not None or date_options(options):  # with date options _sorted_by_time names a bad date
        return
    cells = frame[time_col].dropna().astype(str)
    if not numbered_text_out_of_order(pd.Index(cells.unique())):
        return  # text order is time order, or no order can be told
    raise DataError(
        f"{path}: column {time_col!r} holds step names ({cells.iloc[0]!r} on line {int(cells.index[0]) + 2}, ...) "
        "that sort as text ('t10' before 't2'), so the steps would be read out of order. Write the times as "
        f"numbers, e.g. import pandas as pd; df = pd.read_csv({str(path)!r}); df[{time_col!r}] = "
        f'df[{time_col!r}].str.extract(r"(\\d+)", expand=False).astype(int); df.to_csv({str(path)!r}, index=False)'
    )


def _sorted_by_time(frame: pd.DataFrame, time_col: str, dates: dict[str, Any], where: str) -> pd.DataFrame:
    """``frame`` in time order: by the values as they are, or, with ``dayfirst``/``date_format``
    from the read options, by the dates they spell (text such as ``13.07.2016`` sorts wrong)."""
    if not dates:
        return frame.sort_values(time_col, kind="stable")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas warns when dayfirst meets a format
        times = pd.to_datetime(
            frame[time_col],
            format=dates.get("date_format"),
            dayfirst=dates.get("dayfirst", False),
            errors="coerce",
        )
    bad = np.flatnonzero((times.isna() & frame[time_col].notna()).to_numpy())
    if len(bad):
        value, line = frame[time_col].iloc[bad[0]], int(frame.index[bad[0]]) + 2
        raise DataError(
            f"{where}: column {time_col!r} holds {value!r} (line {line}, {len(bad)} such row(s)), which does not "
            f"read as a date with read_options {dates}; fix those cells or the option."
        )
    return frame.iloc[np.argsort(times.to_numpy(), kind="stable")]


def _check_repeated_times(
    frame: pd.DataFrame, time_col: str, times: np.ndarray, id_col: str | None, path: Path, name_rows: RowNamer
) -> None:
    """A :class:`DataError` when a recording's times (of ``id_col`` in a long CSV; ``None``: the file
    is one recording) repeat and, in file order, go back: two recordings under one id, or rows written
    twice. Sorted by time, their rows were read as consecutive steps (a recording twice as long, its
    values interleaved). Times that repeat in file order (rounded time stamps: ``12:00:01`` on 50
    rows) keep their file order and are no error. ``times``: ``frame[time_col]`` parsed
    (:func:`parse_times`); ``name_rows`` lists file lines."""
    numbers = pd.Series(times.astype(np.int64) if times.dtype.kind == "M" else times, dtype=np.float64)
    numbers[pd.isna(times)] = np.nan
    keys = pd.DataFrame({"time": numbers, "id": frame[id_col].to_numpy() if id_col is not None else 0})
    repeated = keys.duplicated(keep=False).to_numpy() & numbers.notna().to_numpy()
    if not repeated.any():
        return
    went_back = keys.groupby("id", sort=False)["time"].diff().lt(0).groupby(keys["id"], sort=False).any()
    rows = np.flatnonzero(repeated & keys["id"].map(went_back).to_numpy(dtype=bool))
    if not len(rows):
        return
    first = int(rows[0])
    rec_id = keys["id"].iloc[first]
    in_recording = repeated & (keys["id"] == rec_id).to_numpy()
    same = np.flatnonzero(in_recording & (numbers == numbers.iloc[first]).to_numpy())
    value = frame[time_col].iloc[first]
    value = value.item() if isinstance(value, np.generic) else value  # 0, not np.int64(0)
    # one recording's file: several recordings one after another (a long CSV without its id column)?
    where, shared = (
        str(path),
        "If the file holds several recordings, name each row's recording in a column 'id' (a long CSV); if",
    )
    fix = f"frame.drop_duplicates({time_col!r})"
    if id_col is not None:
        where = f"{path}, recording {rec_id!r}"
        shared = f"If two recordings share the id {rec_id!r}, give each its own; if"
        fix = f"frame.drop_duplicates([{id_col!r}, {time_col!r}])"
    raise DataError(
        f"{where}: time {value!r} occurs on {len(same)} rows, {name_rows([int(i) for i in same[:10]])} "
        f"({numbers[in_recording].nunique()} repeated time(s), out of order); a recording needs one row "
        f"per time step. {shared} the rows are repeats, keep one (pandas: {fix})."
    )


def _missing_cells(frame: pd.DataFrame, column: str, path: Path, options: ReadOptions, fix: str) -> None:
    """A :class:`DataError` naming the file lines where ``column`` (ids, labels) is empty; where the
    cells hold text pandas reads as missing by default (``NA``, ``None``), it names that text and the
    read options that keep it."""
    empty = np.flatnonzero(frame[column].isna().to_numpy())
    if not len(empty):
        return
    name_rows = _row_namer(path, options, len(frame), listed=True)
    markers = default_na_markers(path, options, column, empty)
    if not markers:
        raise DataError(
            f"{path}: column {column!r} is empty on {len(empty)} row(s), "
            f"{name_rows([int(i) for i in empty[:10]])}; {fix}"
        )
    held = " and ".join(f"{text!r} on {count} row(s)" for text, count in markers.items())
    really_empty = len(empty) - sum(markers.values())
    also = f" It is also empty on {really_empty} row(s); {fix}" if really_empty else ""
    raise DataError(
        f"{path}: column {column!r} holds {held}, {name_rows([int(i) for i in empty[:10]])}, which pandas "
        f"reads as missing by default. If {'these are values' if len(markers) > 1 else 'it is a value'} "
        f"of {column!r}, not gaps, {keep_text_hint(options)}: only empty cells (and "
        f"your own na_values) are then missing.{also}"
    )


_READ_FILLING_GAPS = (
    "read with read_series(path, nan_policy='interpolate') (or 'zero'; ssm-ts classify: --data.nan_policy "
    "interpolate)"
)


def _file_lines(name_rows: RowNamer, order: np.ndarray) -> Callable[[int, int], str]:
    """Names the file lines of a recording's sorted steps ``i`` and ``j`` (``order``: their positions in
    the file's frame), for a gap's warning."""
    return lambda i, j: name_rows([int(order[i]), int(order[j])])


def read_csv_long(
    path: str | os.PathLike,
    *,
    id_col: str = "id",
    label_col: str | None = "label",
    time_col: str | None = "time",
    channels: list[str] | None = None,
    nan_policy: NanPolicy = "error",
    read_options: ReadOptions | None = None,
    required: tuple[str, ...] | None = None,
) -> SeriesSet:
    """A long CSV: one row per (recording, time step) with columns ``id_col``, optional ``time_col``
    (rows are sorted by it), the channel columns (default: every other column) and ``label_col``
    (constant within a recording; ``None`` for unlabelled data). The channel columns' names are kept
    as ``channel_names`` (a model fitted on them matches other files' columns by name). Ids and labels are read as text;
    an empty id or label cell is an error naming its line, and a label such as ``NA`` or ``None``
    (which pandas reads as missing by default) is named with the read options that keep it:
    ``{"keep_default_na": False, "na_values": [""]}``. A cell that is not a number is named by its line.

    ``read_options``: ``pandas.read_csv`` settings for a file the reader cannot work out by itself
    (``{"sep": "|", "skiprows": 2, "na_values": ["-999"]}``; keys: :mod:`ssm_ts.pipelines.csv_options`);
    ``dayfirst``/``date_format`` order the rows by the dates of ``time_col``.

    The times give ``sampling_step``: the median step between a recording's times (numbers in their
    units, dates as a ``Timedelta``), the file's being the median over recordings; recordings at another
    step are named in a :class:`~.sampling_step.SamplingStepWarning` (see :func:`~.sampling_step.file_step`).
    A gap in a recording's times (a jump of 1.5 steps or more: samples lost) is named in a
    :class:`~.time_gaps.TimeGapWarning` under ``nan_policy="error"``; ``"interpolate"`` and ``"zero"``
    insert the missing steps and fill them.

    ``required``: which of ``"label_col"`` and ``"time_col"`` the file must hold, else a :class:`DataError`
    names the file, the column, the columns found and the fix (``None``: those named otherwise than the
    defaults ``label`` and ``time``, :func:`named_columns`); a ``label_col`` or ``time_col`` not required
    that the file lacks is not read."""
    options = check_read_options(read_options)
    path = existing_file(path)
    if required is None:
        required = named_columns(label_col, time_col)["required"]
    frame = _read_csv(path, (id_col, label_col), options)
    _require_named(frame, {"label_col": label_col, "time_col": time_col}, required, str(path))
    time_name, time_col = time_col, time_col if time_col in frame.columns else None
    if time_name is not None and time_col is None:  # an index of dates saved by df.to_csv(path)
        time_col = saved_time_index(frame, date_options(options))
        if time_col is not None:
            read_as = f"read_csv_long(path, time_col={time_col!r})"
            warn_saved_time_index(time_col, str(path), time_name, read_as)
    label_name, label_col = label_col, label_col if label_col in frame.columns else None
    _require_columns(frame, [id_col], str(path), _missing_id_hint(frame, id_col, label_col, time_col))
    _missing_cells(frame, id_col, path, options, "every row needs the id of its recording.")
    if label_col is not None:
        _missing_cells(
            frame,
            label_col,
            path,
            options,
            f"every row needs its recording's label (or drop column {label_col!r}).",
        )
    if not channels:  # channels named by the caller are read as named, an Unnamed: 0 too
        index = saved_index_columns(frame, frame[id_col])
        if index:
            warn_saved_index(index, str(path), "name the channels: read_csv_long(path, channels=[...])")
            frame = frame.drop(columns=index)
    unnamed_times = time_like_columns([c for c in frame.columns if c not in (id_col, label_col)])
    if not channels and time_name is not None and time_col is None and unnamed_times:
        read_as = f"read_csv_long(path, time_col={unnamed_times[0]!r})"
        warn_time_like_channels(unnamed_times, str(path), time_name, read_as)
    channels = channels or [c for c in frame.columns if c not in (id_col, label_col, time_col)]
    _require_columns(frame, channels, str(path))
    if not channels:
        raise DataError(f"{path}: no channel columns besides {id_col!r}, {label_col!r}, {time_col!r}.")
    if label_col is None and label_name is not None:
        _check_no_text_labels(frame, channels, id_col, label_name, path)
    values, labels, ids, steps = [], [], [], []
    # the times read once for the whole file (numbers or dates), for each recording's sampling step
    times = parse_times(frame[time_col], date_options(options)) if time_col is not None else None
    if time_col is not None:
        _check_text_times(frame, time_col, times, options, path)
    if times is not None:
        _check_repeated_times(
            frame, time_col, times, id_col, path, _row_namer(path, options, len(frame), True)
        )
    grouped = frame.groupby(id_col, sort=False)
    name_rows = _row_namer(path, options, len(frame))
    # converted once for the file, not once a recording (3,000 recordings took 10 s, pandas' read 0.07 s)
    numbers = _numeric(
        frame, channels, lambda row: f"{path}, recording {frame[id_col].iloc[row]!r}", name_rows
    )
    gapped: list[tuple[str, str]] = []  # (recording, its first gap): warned of under nan_policy "error"
    for rec_id, group in grouped:
        where = f"{path}, recording {rec_id!r}"
        if time_col is not None:
            group = _sorted_by_time(group, time_col, date_options(options), where)
        steps.append(None if times is None else recording_step(times[grouped.indices[rec_id]]))
        recording = numbers[frame.index.get_indexer(group.index)].T
        if times is not None:
            order = group.index.to_numpy()
            recording, gap = place_gaps(
                recording,
                times[order],
                group[time_col].tolist(),
                nan_policy,
                _file_lines(_row_namer(path, options, len(frame), listed=True), order),
                where,
            )
            if gap is not None:
                gapped.append((f"recording {rec_id!r}", gap))
        values.append(recording)
        ids.append(str(rec_id))
        if label_col is not None:
            distinct = group[label_col].unique()
            if len(distinct) != 1:
                raise DataError(
                    f"{where}: column {label_col!r} holds {len(distinct)} different labels {list(distinct)[:5]}; "
                    "a recording needs exactly one label."
                )
            labels.append(distinct[0])
    warn_of_gaps(str(path), gapped, _READ_FILLING_GAPS)
    if label_col is not None:
        warn_of_case_only_classes(labels, str(path), label_col)
    return make_series_set(
        values,
        labels if label_col else None,
        nan_policy=nan_policy,
        source=str(path),
        ids=ids,
        sampling_step=file_step(steps, ids, str(path)),
        channel_names=channels,
    )


DEFAULT_LABELS_FILE = "labels.csv"


def _dropped_zeros_hint(unlabelled: list[str], listed: list[str], file_col: str) -> str:
    """For files without a label (``007.csv``) that a labels file lists as the same number (``7``): a
    spreadsheet read the names as numbers and dropped their leading zeros. Empty when none is so.
    (Matching them by number instead could pick the wrong file where ``7.csv`` and ``007.csv`` both are.)"""
    numbers: dict[int, str] = {}
    for name in listed:
        stem = Path(name).stem if Path(name).suffix.lower() == ".csv" else name
        if stem.isdecimal():
            numbers.setdefault(int(stem), name)
    pairs = [
        (numbers[int(Path(name).stem)], name)
        for name in unlabelled
        if Path(name).stem.isdecimal() and int(Path(name).stem) in numbers
    ]
    if not pairs:
        return ""
    shown = ", ".join(f"{text!r} for {name}" for text, name in pairs[:3])
    return (
        f"its column {file_col!r} names them as numbers without their leading zeros ({shown}), as a "
        f"spreadsheet rewrites such names: write them in full, {pairs[0][1]!r} (in Excel, format the "
        "column as Text before typing them)."
    )


def _recording_files(folder: Path, labels_file: str | os.PathLike | None) -> list[Path]:
    """The recording CSVs of ``folder``, sorted: every visible file ending in ``.csv`` in any case
    (spreadsheets on Windows save ``WALK_01.CSV``; a case-sensitive match dropped those recordings
    silently), but the labels file. Hidden files are left out: macOS writes ``._walk_01.csv``
    (binary metadata, no CSV) beside ``walk_01.csv`` on shared drives, as the audio folders skip them."""
    labels_name = None if labels_file is None else Path(labels_file).name
    return sorted(
        p
        for p in folder.iterdir()
        if p.suffix.lower() == ".csv" and not p.name.startswith(".") and p.name != labels_name and p.is_file()
    )


def _read_recording_files(
    files: list[Path],
    source: str,
    *,
    time_col: str | None,
    nan_policy: NanPolicy,
    options: ReadOptions,
    channel_names: list[str] | None = None,
    fix: str = "",
    reader: str = "read_csv_folder(folder",
    required: tuple[str, ...] = (),
) -> tuple[list[np.ndarray], list[Step], list[str]]:
    """Recording CSVs ``files`` (rows = time steps, columns = channels, optional ``time_col``), read
    as :func:`read_csv_folder` reads its files: ``(values (channels, length_i) each, sampling steps,
    channel names)``. The channels are ``channel_names`` (a model's fitted channels: every file needs
    exactly those columns, in any order; ``fix`` ends the error naming a file's missing and extra
    ones), else the first file's columns (the others need the same). ``source`` (a folder, or the
    one file) names the recordings in the warnings of gaps, saved indexes and time-like channels, and
    ``reader`` (the call up to its first argument) the call that reads them otherwise. ``required``
    holding ``"time_col"``: every file needs that column (see :func:`named_columns`)."""

    def files_of(found: dict[str, Any]) -> str:  # the files a warning is about, within ``source``
        if len(files) == 1:
            return source
        shown = ", ".join(list(found)[:3]) + (", ..." if len(found) > 3 else "")
        return f"{source} ({len(found)} of its {len(files)} files: {shown})"

    values, steps = [], []
    gapped: list[tuple[str, str]] = []  # (file, its first gap): warned of under nan_policy "error"
    names = None if channel_names is None else [str(c) for c in channel_names]  # every file in their order
    indexed: dict[str, list[str]] = {}  # file -> its saved pandas index columns, left out of the channels
    dated: dict[str, str] = {}  # file -> its saved index of dates, read as its times (no time_col column)
    for file in files:
        frame = _read_csv(file, read_options=options)
        index = saved_index_columns(frame)
        if index:
            indexed[file.name] = index
            frame = frame.drop(columns=index)
        _require_named(
            frame, {"time_col": time_col}, tuple(k for k in required if k == "time_col"), str(file)
        )
        file_time = time_col if time_col in frame.columns else None
        if time_col is not None and file_time is None:  # an index of dates saved by df.to_csv(path)
            file_time = saved_time_index(frame, date_options(options))
            if file_time is not None:
                dated[file.name] = file_time
        has_time = file_time is not None
        times = parse_times(frame[file_time], date_options(options)) if has_time else None
        if has_time:
            _check_text_times(frame, file_time, times, options, file)
        if times is not None:
            _check_repeated_times(
                frame, file_time, times, None, file, _row_namer(file, options, len(frame), True)
            )
        steps.append(recording_step(times))
        cells = None  # the time cells in time order, for the gaps
        if has_time:
            frame = _sorted_by_time(frame, file_time, date_options(options), str(file))
            cells = frame[file_time]
            frame = frame.drop(columns=[file_time])
        columns = [str(c) for c in frame.columns]
        if names is None:
            names = columns
            unnamed_times = time_like_columns(names) if time_col is not None and not has_time else []
            if unnamed_times:
                read_as = f"{reader}, time_col={unnamed_times[0]!r})"
                where = source if len(files) == 1 else f"{source} ({file.name})"
                warn_time_like_channels(unnamed_times, where, time_col, read_as)
        elif channel_names is not None:  # a model's channels: the file's missing and extra ones named
            channel_order(columns, names, str(file), fix)
        elif sorted(columns) != sorted(names):
            raise DataError(
                f"{file}: channel columns {columns}, but {files[0].name} has {names}; every recording "
                "needs the same channel columns (in any order)."
            )
        name_rows = _row_namer(file, options, len(frame))
        # by name: a file with its columns in another order is read in the first file's order
        recording = _numeric(frame.set_axis(columns, axis=1), names, str(file), name_rows).T
        if times is not None:
            order = frame.index.to_numpy()
            recording, gap = place_gaps(
                recording,
                times[order],
                cells.tolist(),
                nan_policy,
                _file_lines(_row_namer(file, options, len(frame), listed=True), order),
                str(file),
            )
            if gap is not None:
                gapped.append((file.name, gap))
        values.append(recording)
    folder = reader.startswith("read_csv_folder(")
    gaps_fix = _READ_FILLING_GAPS.replace(*(("path", "folder") if folder else ("read_series(path", reader)))
    warn_of_gaps(source, gapped, gaps_fix)
    if dated:
        column = next(iter(dated.values()))
        warn_saved_time_index(column, files_of(dated), time_col, f"{reader}, time_col={column!r})")
    if indexed:
        warn_saved_index(
            sorted({column for index in indexed.values() for column in index}),
            files_of(indexed),
            "give the column a header in each file to read it as a channel",
        )
    return values, steps, names


def read_csv_folder(
    folder: str | os.PathLike,
    labels_file: str | os.PathLike | None = DEFAULT_LABELS_FILE,
    *,
    file_col: str = "file",
    label_col: str = "label",
    time_col: str | None = "time",
    nan_policy: NanPolicy = "error",
    read_options: ReadOptions | None = None,
    required: tuple[str, ...] | None = None,
) -> SeriesSet:
    """One CSV per recording (rows = time steps, columns = channels, optional ``time_col``) in
    ``folder``, with a labels CSV (columns ``file_col``, ``label_col``) naming each file's class.
    ``read_options`` (as in :func:`read_csv_long`) read every CSV there, the labels file too; the
    ``time_col`` of the files gives ``sampling_step`` as there. The first file's columns name the
    channels (``channel_names``); the other files need the same columns, in any order (read by name).
    Gaps in a file's times are warned of, or filled under ``nan_policy``, as in :func:`read_csv_long`.
    A folder without the default ``labels.csv`` is read unlabelled (recordings to classify); a
    ``labels_file`` named otherwise must exist. ``required`` (as in :func:`read_csv_long`): ``"time_col"``,
    every file needs that column; ``"label_col"``, a labels file with that column."""
    options = check_read_options(read_options)
    if required is None:
        required = named_columns(label_col, time_col)["required"]
    folder = existing_path(folder)
    if not folder.is_dir():  # else "no recording CSV files found" in a file
        raise DataError(
            f"{folder} is a file, not a folder of recording CSVs (one per recording); read a long CSV (a row "
            "per recording and time step) with format 'csv' (read_csv_long), or pass the folder it is in."
        )
    if labels_file == DEFAULT_LABELS_FILE and not (folder / labels_file).exists():
        labels_file = None  # new recordings to classify: the default labels file is optional
    files = _recording_files(folder, labels_file)
    if not files:
        raise _no_csv_files_error(folder)
    if labels_file is None and "label_col" in required:
        raise DataError(
            f"{folder}: no {DEFAULT_LABELS_FILE} to read the labels of column {label_col!r} from; a folder of "
            f"recording CSVs is labelled by a labels file (columns {file_col!r}, {label_col!r}): add "
            f"{DEFAULT_LABELS_FILE}, or leave label_col out."
        )
    label_of = None
    if labels_file is not None:
        labels_path = Path(labels_file) if Path(labels_file).is_absolute() else folder / labels_file
        table = _read_csv(existing_path(labels_path), (file_col, label_col), options)
        _require_columns(
            table,
            [file_col, label_col],
            str(labels_path),
            f" A labels file names each recording's CSV in a column {file_col!r} and its class in "
            f"{label_col!r}: rename yours (in Python, read_csv_folder(folder, file_col=..., label_col=...)).",
        )
        # an empty (or 'NA') label would otherwise become the class 'nan'
        _missing_cells(
            table, file_col, labels_path, options, "every row needs the name of a recording's CSV."
        )
        _missing_cells(table, label_col, labels_path, options, "every file needs its label.")
        # a file named with or without its .csv: 'walk_01' labels walk_01.csv
        listed = {Path(str(f)).name: lab for f, lab in zip(table[file_col], table[label_col], strict=True)}
        label_of = {p.name: listed.get(p.name, listed.get(p.stem)) for p in files}
        unlabelled = [name for name, label in label_of.items() if label is None]
        if unlabelled:
            raise DataError(
                f"{labels_path}: no label for {len(unlabelled)} file(s) {unlabelled[:5]}; "
                + (_dropped_zeros_hint(unlabelled, list(listed), file_col) or "add rows for them.")
            )
    values, steps, names = _read_recording_files(
        files, str(folder), time_col=time_col, nan_policy=nan_policy, options=options, required=required
    )
    labels = [label_of[p.name] for p in files] if label_of is not None else None
    if labels is not None:
        warn_of_case_only_classes(labels, str(labels_path), label_col)
    return _files_series_set(files, values, labels, steps, names, str(folder), nan_policy)


def _files_series_set(
    files: list[Path],
    values: list[np.ndarray],
    labels: list | None,
    steps: list[Step],
    names: list[str],
    source: str,
    nan_policy: NanPolicy,
) -> SeriesSet:
    """What :func:`_read_recording_files` read of ``files`` as a :class:`SeriesSet`, each recording's
    id its file's name and its sampling step the files' one."""
    ids = [p.name for p in files]
    return make_series_set(
        values,
        labels,
        nan_policy=nan_policy,
        source=source,
        ids=ids,
        sampling_step=file_step(steps, ids, source),
        channel_names=names,
    )
