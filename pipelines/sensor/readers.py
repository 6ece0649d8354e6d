"""Readers of labelled multichannel recordings: UCR/UEA ``.ts``, ``.arff``, CSV (long or one file per
recording) and NumPy files. Each returns a checked :class:`SeriesSet` (see :func:`make_series_set`).
"""

from __future__ import annotations

import json
import os
import re
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from ssm_ts.errors import ConfigError, DataError, DataFileNotFoundError

from ..csv_files import csv_data_line_numbers, number_hint, read_csv_file
from ..csv_options import ReadOptions, check_read_options, date_options
from .sampling_step import Step, file_step, parse_times, recording_step
from .series import NanPolicy, SeriesSet, make_series_set

Format = Literal["auto", "ts", "arff", "csv", "csv_folder", "numpy"]
FORMATS = ("auto", "ts", "arff", "csv", "csv_folder", "numpy")
_SUFFIX_FORMATS = {".ts": "ts", ".arff": "arff", ".csv": "csv", ".npy": "numpy", ".npz": "numpy"}


def _existing(path: str | os.PathLike) -> Path:
    path = Path(path).expanduser()  # "~/data.csv", as pandas reads it
    if not path.exists():
        raise DataFileNotFoundError(f"data file not found: {path}; check the path (data.path)")
    return path


def _existing_file(path: str | os.PathLike) -> Path:
    path = _existing(path)
    if not path.is_file():
        kind = "a folder" if path.is_dir() else "not a regular file"
        raise DataError(f"{path} is {kind}, not a data file; point data.path at a file.")
    return path


def _numbers(text: str, where: str) -> np.ndarray:
    """Comma-separated numbers; ``?`` (and empty) are missing (NaN)."""
    parts = [p.strip() for p in text.split(",")]
    try:
        return np.array(
            [np.nan if p in ("?", "", "NaN", "nan") else float(p) for p in parts], dtype=np.float64
        )
    except ValueError as err:
        stamped = " They look time-stamped '(time,value)': declare '@timeStamps true'." if "(" in text else ""
        raise DataError(
            f"{where}: a value is not a number ({err}); every sample must be numeric or '?'.{stamped}"
        ) from err


def _case_array(channels: list[np.ndarray], where: str, case: str) -> np.ndarray:
    """``(channels, length)`` of one case whose channels all have the same length.

    A short channel is not padded: that would turn a ragged case into "missing values", which
    ``nan_policy='interpolate'`` then silently extends."""
    lengths = [len(c) for c in channels]
    if len(set(lengths)) > 1:
        raise DataError(
            f"{where}: channels of different lengths in {case} (lengths {lengths}); every channel of "
            "a case needs the same number of values: pad the short ones with '?' (missing) or trim the long ones."
        )
    return np.stack(channels)


@dataclass
class _TsHeader:
    """What a ``.ts`` header declares (``None``: not declared)."""

    labels: bool = False
    declared_labels: list[str] | None = None
    timestamps: bool = False
    target: bool = False
    dimensions: int | None = None
    univariate: bool | None = None
    equal_length: bool | None = None
    series_length: int | None = None


def _ts_flag(words: list[str], where: str) -> bool:
    value = words[1].lower() if len(words) > 1 else ""
    if value not in ("true", "false"):
        raise DataError(f"{where}: {words[0]} needs 'true' or 'false', found {' '.join(words[1:])!r}.")
    return value == "true"


def _ts_count(words: list[str], where: str) -> int:
    value = words[1] if len(words) > 1 else ""
    if not re.fullmatch(r"[0-9]+", value) or int(value) < 1:
        raise DataError(f"{where}: {words[0]} needs a positive whole number, found {' '.join(words[1:])!r}.")
    return int(value)


_HEADER_TOKEN = re.compile(r'"[^"]*"|\'[^\']*\'|\S+')
_STAMPED_VALUE = re.compile(r"\(([^(),]*),([^()]*)\)")


def _unquoted(text: str) -> str:
    """``text`` without one pair of surrounding quotes (``"walking fast"`` -> ``walking fast``)."""
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


def _split_case(line: str, stamped: bool) -> list[str]:
    """A case's ``:``-separated fields; in a time-stamped file only the colons outside ``( )`` (a
    stamp such as ``2007-01-01 00:01:00`` has its own)."""
    if not stamped:
        return line.split(":")
    fields, depth, start = [], 0, 0
    for i, char in enumerate(line):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == ":" and depth == 0:
            fields.append(line[start:i])
            start = i + 1
    fields.append(line[start:])
    return fields


def _stamped_values(text: str, where: str) -> tuple[list[str], np.ndarray]:
    """One dimension ``(t1,v1),(t2,v2),...`` -> its stamps (text) and values (``?`` is missing)."""
    pairs = _STAMPED_VALUE.findall(text)
    if not pairs or _STAMPED_VALUE.sub("", text).replace(",", "").strip():
        raise DataError(
            f"{where}: expected time-stamped values '(time,value),(time,value),...' "
            f"(the header declares @timeStamps true), found {text.strip()[:60]!r}."
        )
    return [t.strip() for t, _ in pairs], _numbers(",".join(v for _, v in pairs), where)


def _stamp_numbers(stamps: list[str], where: str) -> tuple[np.ndarray, bool]:
    """``(stamps as float64, whether they are dates)``: numbers as they are, dates and times in seconds."""
    try:
        return np.array([float(t) for t in stamps]), False
    except ValueError:
        pass
    times = pd.to_datetime(pd.Series(stamps), errors="coerce", format="mixed")
    if times.isna().any():
        bad = stamps[int(np.flatnonzero(times.isna().to_numpy())[0])]
        raise DataError(f"{where}: the time stamp {bad!r} is neither a number nor a date and time.")
    return times.to_numpy().astype("datetime64[ns]").astype(np.int64) / 1e9, True


def _stamped_cases(
    cases: list[list[tuple[list[str], np.ndarray]]], lines: list[int], path: Path
) -> tuple[list[np.ndarray], Step]:
    """Time-stamped cases -> ``(channels, length)`` arrays on one regular time grid: the file's
    smallest step between stamps; a stamp with no value (a gap, or a time only another channel of the
    case has) is missing (NaN, for ``nan_policy``). Stamps off that grid are an error. Also returns
    that step (a ``Timedelta`` for dates; ``None`` when no case has two times)."""
    stamped, dated = [], False
    for case, (channels, line) in enumerate(zip(cases, lines, strict=True)):
        where = f"{path}, line {line} (case {case})"
        times = []
        for stamps, _ in channels:
            numbers, is_date = _stamp_numbers(stamps, where)
            times.append(numbers)
            dated = dated or is_date
        for t in times:
            if len(np.unique(t)) != len(t):
                raise DataError(
                    f"{where}: a time stamp occurs twice in one dimension; keep one value per time."
                )
        stamped.append((times, [values for _, values in channels], where))
    steps = [np.diff(np.sort(t)) for times, _, _ in stamped for t in times]
    positive = np.concatenate(steps) if steps else np.array([])
    step = float(positive[positive > 0].min()) if (positive > 0).any() else 1.0
    grid_step: Step = None
    if (positive > 0).any():
        grid_step = pd.Timedelta(seconds=step) if dated else step
    out = []
    for times, values, where in stamped:
        start = min(float(t.min()) for t in times)
        positions = [(t - start) / step for t in times]
        off = [p for p in positions if np.abs(p - np.round(p)).max() > 1e-6]
        if off:
            raise DataError(
                f"{where}: time stamps off the regular step {step:g} (the smallest in the file); resample "
                "the recordings to a regular step first."
            )
        length = int(max(np.round(p).max() for p in positions)) + 1
        n_values = max(len(v) for v in values)
        if length > 100 * n_values + 1000:
            raise DataError(
                f"{where}: {n_values} values spread over {length} steps of {step:g}: the stamps leave more "
                "gaps than values; check them (or resample the recordings to their own step)."
            )
        case = np.full((len(values), length), np.nan)
        for c, (p, v) in enumerate(zip(positions, values, strict=True)):
            case[c, np.round(p).astype(np.int64)] = v
        out.append(case)
    return out, grid_step


def _read_ts_header(header: _TsHeader, line: str, where: str) -> None:
    """Record one ``@`` header line in ``header`` (unknown keys such as ``@problemName`` are skipped)."""
    words = line.split()
    key = words[0].lower()
    if key == "@timestamps":
        header.timestamps = _ts_flag(words, where)
    elif key == "@classlabel":
        header.labels = len(words) > 1 and words[1].lower() == "true"
        # a class with spaces is quoted: @classLabel true "walking fast" running
        tokens = [_unquoted(t) for t in _HEADER_TOKEN.findall(line)[2:]]
        header.declared_labels = tokens if header.labels else None
    elif key == "@targetlabel":
        header.target = _ts_flag(words, where)
    elif key == "@dimensions":
        header.dimensions = _ts_count(words, where)
    elif key == "@univariate":
        header.univariate = _ts_flag(words, where)
    elif key == "@equallength":
        header.equal_length = _ts_flag(words, where)
    elif key == "@serieslength":
        header.series_length = _ts_count(words, where)


def _check_ts_dimensions(header: _TsHeader, found: int, first: int | None, where: str, case: int) -> None:
    """A case's dimension count against the header and the first case (``None`` for the first)."""
    if header.dimensions is not None and found != header.dimensions:
        raise DataError(
            f"{where}: case {case} has {found} dimensions but the header declares @dimensions "
            f"{header.dimensions}; fix the case or the header (dimensions are ':'-separated)."
        )
    if header.univariate and found != 1:
        raise DataError(
            f"{where}: case {case} has {found} dimensions but the header declares @univariate true; "
            "set '@univariate false' or fix the case."
        )
    if first is not None and found != first:
        raise DataError(
            f"{where}: {found} dimensions but the first case has {first}; "
            "every case needs the same dimensions (':'-separated)."
        )


def _check_ts_lengths(header: _TsHeader, values: list[np.ndarray], lines: list[int], path: Path) -> None:
    """Case lengths against ``@equalLength true`` and ``@seriesLength``."""
    if header.equal_length is False or not values:
        return
    lengths = [v.shape[1] for v in values]
    if header.series_length is not None:
        expected, what = header.series_length, f"the header declares @seriesLength {header.series_length}"
        fix = "drop @seriesLength and set '@equalLength false'"
    elif header.equal_length:
        expected, what = lengths[0], f"case 0 has {lengths[0]} and the header declares @equalLength true"
        fix = "set '@equalLength false'"
    else:
        return
    bad = [k for k, n in enumerate(lengths) if n != expected]
    if bad:
        k = bad[0]
        raise DataError(
            f"{path}, line {lines[k]} (case {k}): {lengths[k]} time steps but {what} "
            f"({len(bad)} case(s) differ); {fix} in the header, or fix the cases."
        )


def _ts_target(text: str, where: str) -> float:
    try:
        return float(text)
    except ValueError as err:
        raise DataError(
            f"{where}: the target {text!r} is not a number (the header says @targetLabel true)."
        ) from err


def _regression_error(path: Path, targets: list[float]) -> DataError:
    return DataError(
        f"{path}: a regression file (@targetLabel true): the last field of each of its {len(targets)} cases is "
        f"a numeric target (first {targets[:3]}), not a class label, so a classifier cannot use it. Use a "
        "classification file ('@classLabel true <classes>'), or drop the target field and set "
        "'@targetLabel false' to read the series unlabelled."
    )


def read_ts(path: str | os.PathLike, nan_policy: NanPolicy = "error") -> SeriesSet:
    """Read a UCR/UEA ``.ts`` file (sktime/aeon format): equal or unequal lengths, ``?`` for missing.

    Dimensions of a case are separated by ``:``, values by ``,``; with ``@classLabel true`` the last
    field is the label (a class with spaces is quoted in the header: ``"walking fast"``). With
    ``@timeStamps true`` values are ``(time,value)`` pairs (times numbers or dates, as sktime writes
    them) put on one regular grid, the file's smallest step (``sampling_step``; a ``Timedelta`` for
    dates): a gap in the stamps is missing values.
    The header is checked: ``@dimensions``, ``@univariate``, ``@equalLength``
    and ``@seriesLength`` against every case. Every channel of a case must have the same length.
    A regression file (``@targetLabel true``) has numeric targets, not classes: a :class:`DataError`.
    """
    path = _existing_file(path)
    header, in_data = _TsHeader(), False
    values, labels, targets, lines = [], [], [], []
    stamped: list[list[tuple[list[str], np.ndarray]]] = []  # time-stamped cases, put on a grid at the end
    with open(path, encoding="utf-8-sig", errors="replace") as handle:  # -sig: drop a byte-order mark
        for line_no, raw in enumerate(handle, start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            if not in_data:
                if line.lower().startswith("@data"):
                    in_data = True
                elif line.startswith("@"):
                    _read_ts_header(header, line, f"{path}, line {line_no}")
                else:
                    raise DataError(
                        f"{path}, line {line_no}: expected a '@' header or '@data' before values."
                    )
                continue
            where = f"{path}, line {line_no}"
            if header.labels and header.target:
                raise DataError(
                    f"{path}: the header declares both @classLabel true and @targetLabel true; keep one."
                )
            fields = _split_case(line, header.timestamps)
            if header.labels or header.target:
                if len(fields) < 2:
                    kind = "class label" if header.labels else "numeric target"
                    raise DataError(f"{where}: no ':'-separated {kind} at the end of the line.")
                label = _unquoted(fields.pop())
                if header.target:
                    targets.append(_ts_target(label, where))
                elif header.declared_labels and label not in header.declared_labels:
                    quote = (
                        f' A class with spaces is quoted in the header: @classLabel true "{label}" ...'
                        if " " in label
                        else ""
                    )
                    raise DataError(
                        f"{where}: label {label!r} is not among the declared classes {header.declared_labels}."
                        + quote
                    )
                else:
                    labels.append(label)
            first = len(stamped[0]) if stamped else (values[0].shape[0] if values else None)
            _check_ts_dimensions(header, len(fields), first, where, len(lines))
            if header.timestamps:
                stamped.append([_stamped_values(f, where) for f in fields])
            else:
                values.append(_case_array([_numbers(f, where) for f in fields], where, f"case {len(values)}"))
            lines.append(line_no)
    if not in_data:
        raise DataError(f"{path}: no '@data' line; this is not a .ts file.")
    if header.target:
        raise _regression_error(path, targets)
    step: Step = None
    if header.timestamps:
        values, step = _stamped_cases(stamped, lines, path)
    _check_ts_lengths(header, values, lines, path)
    ids = [f"case {i}" for i in range(len(values))]
    return make_series_set(
        values,
        labels if header.labels else None,
        nan_policy=nan_policy,
        source=str(path),
        ids=ids,
        sampling_step=step,
    )


_RELATIONAL_ROW = re.compile(r"^\s*(['\"])(.*)\1\s*,\s*(.*?)\s*$")
_RELATIONAL_UNLABELLED = re.compile(r"^\s*(['\"])(.*)\1\s*$")


_ATTRIBUTE = re.compile(r"^@attribute\s+('[^']*'|\"[^\"]*\"|\S+)\s+(.*)$", re.IGNORECASE)


def _class_attribute(attributes: list[str], path: Path) -> int | None:
    """Index of the nominal (``{a,b,...}``) attribute among the top-level ``attributes`` (types,
    lower case): the class label's field; ``None`` when there is none (unlabelled data)."""
    nominal = [i for i, kind in enumerate(attributes) if kind.startswith("{")]
    if len(nominal) > 1:
        raise DataError(
            f"{path}: {len(nominal)} nominal attributes (fields {nominal}); expected one class attribute."
        )
    return nominal[0] if nominal else None


def read_arff(path: str | os.PathLike, nan_policy: NanPolicy = "error") -> SeriesSet:
    """Read a Weka ``.arff`` time-series file: univariate rows ``v1,...,vL,label`` or the multivariate
    relational form ``'c1_values\\nc2_values',label`` (UEA archive layout); ``?`` is missing.

    The label is the field of the nominal (``{a,b,...}``) attribute; a file that declares none is
    unlabelled (every field is a time step, labels ``None``)."""
    path = _existing_file(path)
    attributes: list[str] = []  # types of the top-level attributes, lower case
    relational_open = False
    in_data = False
    label_index: int | None = None
    values, labels = [], []
    with open(path, encoding="utf-8-sig", errors="replace") as handle:  # -sig: drop a byte-order mark
        for line_no, raw in enumerate(handle, start=1):
            line = raw.strip()
            if not line or line.startswith("%"):
                continue
            if not in_data:
                lower = line.lower()
                match = _ATTRIBUTE.match(line)
                if match is not None and not relational_open:
                    attributes.append(match.group(2).strip().lower())
                    relational_open = attributes[-1].startswith("relational")
                elif lower.startswith("@end"):
                    relational_open = False
                elif lower.startswith("@data"):
                    in_data = True
                    # no declarations at all: the last field, as the UCR files put their class
                    label_index = _class_attribute(attributes, path) if attributes else -1
                continue
            where = f"{path}, line {line_no}"
            relational = bool(attributes) and attributes[0].startswith("relational")
            if relational:
                match = (_RELATIONAL_ROW if label_index is not None else _RELATIONAL_UNLABELLED).match(line)
                if match is None:
                    expected = ",label" if label_index is not None else " (no label: none is declared)"
                    raise DataError(f"{where}: expected 'channel values separated by \\n'{expected}.")
                body = match.group(2)
                label = match.group(3) if label_index is not None else None
                channels = [_numbers(c, where) for c in body.split("\\n")]
                values.append(_case_array(channels, where, f"row {len(values)}"))
            else:
                fields = line.split(",")
                if label_index is not None and label_index >= len(fields):
                    raise DataError(
                        f"{where}: {len(fields)} fields, but the class attribute is field {label_index + 1}."
                    )
                label = fields.pop(label_index) if label_index is not None else None
                values.append(_numbers(",".join(fields), where)[None, :])
            if label is not None:
                labels.append(label.strip().strip("'\""))
    if not in_data:
        raise DataError(f"{path}: no '@data' line; this is not an .arff file.")
    ids = [f"row {i}" for i in range(len(values))]
    return make_series_set(
        values, labels if label_index is not None else None, nan_policy=nan_policy, source=str(path), ids=ids
    )


def _some_columns(columns: Any, shown: int = 12) -> str:
    """The column names for a message, the first few of a wide table only (a row of 150 time steps)."""
    names = [str(c) for c in columns]
    if len(names) <= shown:
        return str(names)
    return f"{names[:shown]} ... ({len(names)} columns)"


def _require_columns(frame: pd.DataFrame, columns: list[str], where: str, hint: str = "") -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(
            f"{where}: no column(s) {missing}; the columns are {_some_columns(frame.columns)}.{hint}"
        )


def _missing_id_hint(frame: pd.DataFrame, id_col: str, label_col: str | None, time_col: str | None) -> str:
    """For a CSV without the id column: how to read it. One that looks like one recording per row (no
    time column, several value columns) as recordings; else a long CSV whose recording column has
    another name: rename it."""
    values = [c for c in frame.columns if c != label_col]
    if time_col is not None or len(values) < 3:
        return (
            f" A long CSV names each row's recording in a column {id_col!r}: rename yours to {id_col!r} (in "
            "Python, read_csv_long(path, id_col='<its name>') reads it as it is)."
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


RowNamer = Callable[[list[int]], str]


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


def _numeric(frame: pd.DataFrame, columns: list[str], where: str, name_rows: RowNamer) -> np.ndarray:
    """``frame[columns]`` as float64; a cell that is not a number is named by its file line
    (``frame``'s index holds each row's position in the file's frame, whatever the sorting)."""
    for c in columns:
        converted = pd.to_numeric(frame[c], errors="coerce")
        bad = np.flatnonzero((converted.isna() & frame[c].notna()).to_numpy())
        if len(bad):
            value = frame[c].iloc[bad[0]]
            more = f" ({len(bad)} such cells)" if len(bad) > 1 else ""
            raise DataError(
                f"{where}: column {c!r} holds {value!r} on {name_rows([int(frame.index[bad[0]])])}{more}, "
                f"not a number{number_hint(value)}."
            )
    return frame[columns].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=np.float64)


def _read_csv(
    path: Path, text_columns: tuple[str | None, ...] = (), read_options: ReadOptions | None = None
) -> pd.DataFrame:
    """The CSV as a DataFrame (as users export it: see :mod:`ssm_ts.pipelines.csv_files`, with the
    user's ``read_options``); ``text_columns`` (ids, labels) are read as strings, so an empty cell
    cannot turn ``1, 2`` into floats ``1.0, 2.0``."""
    dtype = {c: str for c in text_columns if c is not None}
    frame = read_csv_file(path, dtype=dtype, read_options=read_options)
    if frame.empty:
        raise DataError(f"{path}: the CSV has no rows.")
    return frame


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


def _default_na_markers(path: Path, options: ReadOptions, column: str, rows: np.ndarray) -> dict[str, int]:
    """The text of ``column`` at data ``rows`` read as missing only by pandas' default markers (``NA``,
    ``None``, ``null``, ``N/A``, ...) and how often each occurs, first seen first; ``{}`` when the
    user turned those markers off, or the file cannot be read again row for row. Reads the file again:
    for error messages only."""
    if options.get("keep_default_na", True) is False:
        return {}
    try:
        raw = read_csv_file(path, dtype={column: str}, read_options={**options, "keep_default_na": False})
    except DataError:
        return {}
    if column not in raw.columns or len(raw) <= int(rows.max()):
        return {}
    cells = raw[column].iloc[rows]
    return dict(Counter(str(v) for v in cells if isinstance(v, str) and v.strip()))


def _keep_text_options(options: ReadOptions) -> dict[str, Any]:
    """The read options that keep ``NA``/``None`` text: pandas' default markers off, an empty cell
    (and the user's own ``na_values``) still missing."""
    own = options.get("na_values")
    own = [own] if isinstance(own, str) else list(own) if isinstance(own, list | tuple) else []
    return {"keep_default_na": False, "na_values": ["", *own]}


def _missing_cells(frame: pd.DataFrame, column: str, path: Path, options: ReadOptions, fix: str) -> None:
    """A :class:`DataError` naming the file lines where ``column`` (ids, labels) is empty; where the
    cells hold text pandas reads as missing by default (``NA``, ``None``), it names that text and the
    read options that keep it."""
    empty = np.flatnonzero(frame[column].isna().to_numpy())
    if not len(empty):
        return
    name_rows = _row_namer(path, options, len(frame), listed=True)
    markers = _default_na_markers(path, options, column, empty)
    if not markers:
        raise DataError(
            f"{path}: column {column!r} is empty on {len(empty)} row(s), "
            f"{name_rows([int(i) for i in empty[:10]])}; {fix}"
        )
    held = " and ".join(f"{text!r} on {count} row(s)" for text, count in markers.items())
    keep = _keep_text_options(options)
    really_empty = len(empty) - sum(markers.values())
    also = f" It is also empty on {really_empty} row(s); {fix}" if really_empty else ""
    raise DataError(
        f"{path}: column {column!r} holds {held}, {name_rows([int(i) for i in empty[:10]])}, which pandas "
        f"reads as missing by default. If {'these are values' if len(markers) > 1 else 'it is a value'} "
        f"of {column!r}, not gaps, add read_options={keep!r} (CLI: --data.read_options "
        f"'{{keep_default_na: false, na_values: {json.dumps(keep['na_values'])}}}'): only empty cells (and "
        f"your own na_values) are then missing.{also}"
    )


def read_csv_long(
    path: str | os.PathLike,
    *,
    id_col: str = "id",
    label_col: str | None = "label",
    time_col: str | None = "time",
    channels: list[str] | None = None,
    nan_policy: NanPolicy = "error",
    read_options: ReadOptions | None = None,
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
    step are named in a :class:`~.sampling_step.SamplingStepWarning` (see :func:`~.sampling_step.file_step`)."""
    options = check_read_options(read_options)
    path = _existing_file(path)
    frame = _read_csv(path, (id_col, label_col), options)
    time_col = time_col if time_col in frame.columns else None
    label_col = label_col if label_col in frame.columns else None
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
    channels = channels or [c for c in frame.columns if c not in (id_col, label_col, time_col)]
    _require_columns(frame, channels, str(path))
    if not channels:
        raise DataError(f"{path}: no channel columns besides {id_col!r}, {label_col!r}, {time_col!r}.")
    values, labels, ids, steps = [], [], [], []
    # the times read once for the whole file (numbers or dates), for each recording's sampling step
    times = parse_times(frame[time_col], date_options(options)) if time_col is not None else None
    grouped = frame.groupby(id_col, sort=False)
    name_rows = _row_namer(path, options, len(frame))
    for rec_id, group in grouped:
        where = f"{path}, recording {rec_id!r}"
        if time_col is not None:
            group = _sorted_by_time(group, time_col, date_options(options), where)
        steps.append(None if times is None else recording_step(times[grouped.indices[rec_id]]))
        values.append(_numeric(group, channels, where, name_rows).T)
        ids.append(str(rec_id))
        if label_col is not None:
            distinct = group[label_col].unique()
            if len(distinct) != 1:
                raise DataError(
                    f"{where}: column {label_col!r} holds {len(distinct)} different labels {list(distinct)[:5]}; "
                    "a recording needs exactly one label."
                )
            labels.append(distinct[0])
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


def read_csv_folder(
    folder: str | os.PathLike,
    labels_file: str | os.PathLike | None = DEFAULT_LABELS_FILE,
    *,
    file_col: str = "file",
    label_col: str = "label",
    time_col: str | None = "time",
    nan_policy: NanPolicy = "error",
    read_options: ReadOptions | None = None,
) -> SeriesSet:
    """One CSV per recording (rows = time steps, columns = channels, optional ``time_col``) in
    ``folder``, with a labels CSV (columns ``file_col``, ``label_col``) naming each file's class.
    ``read_options`` (as in :func:`read_csv_long`) read every CSV there, the labels file too; the
    ``time_col`` of the files gives ``sampling_step`` as there. The first file's columns name the
    channels (``channel_names``); the other files need the same columns, in any order (read by name).
    A folder without the default ``labels.csv`` is read unlabelled (recordings to classify); a
    ``labels_file`` named otherwise must exist."""
    options = check_read_options(read_options)
    folder = _existing(folder)
    if labels_file == DEFAULT_LABELS_FILE and not (folder / labels_file).exists():
        labels_file = None  # new recordings to classify: the default labels file is optional
    files = sorted(p for p in folder.glob("*.csv") if labels_file is None or p.name != Path(labels_file).name)
    if not files:
        raise DataError(f"{folder}: no recording CSV files found.")
    label_of = None
    if labels_file is not None:
        labels_path = Path(labels_file) if Path(labels_file).is_absolute() else folder / labels_file
        table = _read_csv(_existing(labels_path), (file_col, label_col), options)
        _require_columns(table, [file_col, label_col], str(labels_path))
        # an empty (or 'NA') label would otherwise become the class 'nan'
        _missing_cells(
            table, file_col, labels_path, options, "every row needs the name of a recording's CSV."
        )
        _missing_cells(table, label_col, labels_path, options, "every file needs its label.")
        label_of = {Path(str(f)).name: lab for f, lab in zip(table[file_col], table[label_col], strict=True)}
        unlabelled = [p.name for p in files if p.name not in label_of]
        if unlabelled:
            raise DataError(
                f"{labels_path}: no label for {len(unlabelled)} file(s) {unlabelled[:5]}; add rows for them."
            )
    values, steps = [], []
    names: list[str] | None = None  # the first file's channel columns: every file is read in their order
    for file in files:
        frame = _read_csv(file, read_options=options)
        has_time = time_col in frame.columns
        steps.append(
            recording_step(parse_times(frame[time_col], date_options(options))) if has_time else None
        )
        if has_time:
            frame = _sorted_by_time(frame, time_col, date_options(options), str(file)).drop(
                columns=[time_col]
            )
        columns = [str(c) for c in frame.columns]
        if names is None:
            names = columns
        elif sorted(columns) != sorted(names):
            raise DataError(
                f"{file}: channel columns {columns}, but {files[0].name} has {names}; every recording "
                "needs the same channel columns (in any order)."
            )
        name_rows = _row_namer(file, options, len(frame))
        # by name: a file with its columns in another order is read in the first file's order
        values.append(_numeric(frame.set_axis(columns, axis=1), names, str(file), name_rows).T)
    labels = [label_of[p.name] for p in files] if label_of is not None else None
    ids = [p.name for p in files]
    return make_series_set(
        values,
        labels,
        nan_policy=nan_policy,
        source=str(folder),
        ids=ids,
        sampling_step=file_step(steps, ids, str(folder)),
        channel_names=names,
    )


def _load_array(archive, name: str, path: Path) -> np.ndarray:
    try:
        return archive[name]
    except ValueError as err:  # object arrays need pickle, which is never enabled (unsafe to load)
        raise DataError(
            f"{path}: array {name!r} cannot be read ({err}). Object arrays are not loaded (that would "
            "unpickle); store recordings of unequal length NaN-padded as X (n, channels, max_length) "
            "with their lengths (n,) as 'lengths'."
        ) from err


def _trim_to_lengths(X: np.ndarray, lengths: np.ndarray, path: Path) -> list[np.ndarray]:
    """``X (n, channels, max_length)`` padded -> ``(channels, lengths[i])`` recordings."""
    if X.ndim != 3 or lengths.shape != (X.shape[0],) or lengths.dtype.kind not in "iu":
        raise DataError(
            f"{path}: 'lengths' must hold one integer per recording of X (n, channels, max_length); "
            f"found lengths {lengths.dtype} {lengths.shape}, X {X.shape}."
        )
    bad = np.flatnonzero((lengths < 1) | (lengths > X.shape[-1]))
    if len(bad):
        raise DataError(
            f"{path}: lengths[{int(bad[0])}] = {int(lengths[bad[0]])} is outside 1..{X.shape[-1]} (X's length)."
        )
    return [X[i, :, : int(n)] for i, n in enumerate(lengths)]


def read_numpy(path: str | os.PathLike, nan_policy: NanPolicy = "error") -> SeriesSet:
    """``.npy`` holding ``(n, channels, length)``, or ``.npz`` with ``X`` (that array) and optional
    ``y`` labels ``(n,)`` and ``lengths`` ``(n,)``: recordings of unequal length, NaN-padded at the
    end in ``X`` ``(n, channels, max_length)``, recording ``i`` being ``X[i, :, :lengths[i]]``.
    Nothing is unpickled, so object arrays cannot be read."""
    path = _existing_file(path)
    if path.suffix != ".npz":
        try:
            return make_series_set(
                np.load(path, allow_pickle=False), None, nan_policy=nan_policy, source=str(path)
            )
        except ValueError as err:
            if isinstance(err, DataError):
                raise
            raise DataError(f"{path}: cannot read ({err}); store a plain numeric array.") from err
    with np.load(path, allow_pickle=False) as archive:
        if "X" not in archive:
            raise DataError(
                f"{path}: no array 'X' inside (found {list(archive.keys())}); save the recordings as "
                "np.savez(path, X=..., y=...)."
            )
        X = _load_array(archive, "X", path)
        y = _load_array(archive, "y", path) if "y" in archive else None
        lengths = _load_array(archive, "lengths", path) if "lengths" in archive else None
    values = X if lengths is None else _trim_to_lengths(X, lengths, path)
    return make_series_set(values, y, nan_policy=nan_policy, source=str(path))


def detect_format(path: str | os.PathLike) -> str:
    path = _existing(path)
    if path.is_dir():
        return "csv_folder"
    found = _SUFFIX_FORMATS.get(path.suffix.lower())
    if found is None:
        ucr = (
            " The UCR archive's .tsv files hold one recording per row, the label first, without a header: "
            "frame = pd.read_csv(path, sep='\\t', header=None); X = frame.drop(columns=[0]).to_numpy(float)"
            "[:, None, :]; y = frame[0].to_numpy(str); then SSMClassifier().fit(X, y), or "
            "np.savez('data.npz', X=X, y=y) for ssm-ts classify --data.path data.npz."
            if path.suffix.lower() == ".tsv"
            else ""
        )
        raise DataError(
            f"{path}: cannot tell the format from the suffix {path.suffix!r}; use one of "
            f"{sorted(_SUFFIX_FORMATS)} or set format explicitly.{ucr}"
        )
    return found


def read_series(
    path: str | os.PathLike,
    format: Format = "auto",
    nan_policy: NanPolicy = "error",
    read_options: ReadOptions | None = None,
) -> SeriesSet:
    """Read any supported file by suffix (or ``format``) with default column names; ``read_options``
    read a CSV (``csv``, ``csv_folder``; see :func:`read_csv_long`)."""
    if format not in FORMATS:
        raise DataError(f"unknown format {format!r}; expected one of {FORMATS}")
    kind = detect_format(path) if format == "auto" else format
    if read_options and kind not in ("csv", "csv_folder"):
        raise ConfigError(
            f"read_options {dict(read_options)} read CSV files, but {path} is read as {kind!r}; leave "
            "read_options out, or set format to 'csv' / 'csv_folder' for a CSV."
        )
    reader = {
        "ts": read_ts,
        "arff": read_arff,
        "csv": read_csv_long,
        "csv_folder": read_csv_folder,
        "numpy": read_numpy,
    }[kind]
    csv_options = {"read_options": read_options} if kind in ("csv", "csv_folder") else {}
    return reader(path, nan_policy=nan_policy, **csv_options)


def find_archive_split(folder: str | os.PathLike) -> tuple[Path, Path]:
    """``(train, test)`` files of a UCR/UEA problem folder (``<Name>_TRAIN.ts`` / ``_TEST.ts``, or ``.arff``)."""
    folder = _existing(folder)
    for suffix in (".ts", ".arff"):
        train = sorted(folder.glob(f"*_TRAIN{suffix}"))
        test = sorted(folder.glob(f"*_TEST{suffix}"))
        if train and test:
            return train[0], test[0]
    raise DataFileNotFoundError(
        f"{folder}: no <Name>_TRAIN.ts/<Name>_TEST.ts (or .arff) pair; point data.path at a file or a UCR/UEA folder."
    )
