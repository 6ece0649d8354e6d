"""The UCR/UEA ``.ts`` reader (sktime/aeon format): the header's declarations checked against every
case, class labels or a regression file's targets, and time-stamped values put on one regular grid."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ssm_ts.errors import DataError

from .read_checks import case_array, existing_file, no_data_line, parse_numbers, text_encoding
from .sampling_step import Step
from .series import NanPolicy, SeriesSet, make_series_set
from .ts_header import (
    TsHeader,
    check_case_ends_in_label,
    check_declared_label,
    check_ts_dimensions,
    check_ts_lengths,
    check_undeclared_label,
    read_ts_header_line,
    unquoted,
)

# a .ts read of an ARFF file ('%' starts an ARFF comment; a .ts comment starts with '#')
_ARFF_HINT = (
    " It looks like an ARFF file ('%' starts its comments, '#' a .ts file's): read it with read_arff(path), "
    "or read_series(path) for a .arff name (ssm-ts classify: --data.format arff, or leave --data.format out)."
)
_STAMPED_VALUE = re.compile(r"\(([^(),]*),([^()]*)\)")


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
    return [t.strip() for t, _ in pairs], parse_numbers(",".join(v for _, v in pairs), where)


def _stamp_numbers(stamps: list[str], where: str) -> tuple[np.ndarray, bool]:
    """``(stamps, whether they are dates)``: numbers as float64, dates and times as int64 nanoseconds
    (exact: as float seconds since 1970 a 10 ms step was off by 2e-5 of a step, off the grid)."""
    try:
        return np.array([float(t) for t in stamps]), False
    except ValueError:
        pass
    times = pd.to_datetime(pd.Series(stamps), errors="coerce", format="mixed")
    if times.isna().any():
        bad = stamps[int(np.flatnonzero(times.isna().to_numpy())[0])]
        raise DataError(f"{where}: the time stamp {bad!r} is neither a number nor a date and time.")
    return times.to_numpy().astype("datetime64[ns]").astype(np.int64), True


def _stamped_cases(
    cases: list[list[tuple[list[str], np.ndarray]]], lines: list[int], path: Path
) -> tuple[list[np.ndarray], Step]:
    """Time-stamped cases -> ``(channels, length)`` arrays on one regular time grid: the file's
    smallest step between stamps; a stamp with no value (a gap, or a time only another channel of the
    case has) is missing (NaN, for ``nan_policy``). Stamps off that grid are an error. Also returns
    that step (a ``Timedelta`` for dates; ``None`` when no case has two times)."""
    stamped, kinds = [], set()
    for case, (channels, line) in enumerate(zip(cases, lines, strict=True)):
        where = f"{path}, line {line} (case {case})"
        times = []
        for stamps, _ in channels:
            numbers, is_date = _stamp_numbers(stamps, where)
            times.append(numbers)
            kinds.add(is_date)
            if len(kinds) > 1:  # nanoseconds and numbers in their own units cannot share one grid
                raise DataError(
                    f"{where}: time stamps that are numbers and time stamps that are dates in one file; "
                    "write them all one way."
                )
        for t in times:
            if len(np.unique(t)) != len(t):
                raise DataError(
                    f"{where}: a time stamp occurs twice in one dimension; keep one value per time."
                )
        stamped.append((times, [values for _, values in channels], where))
    dated = True in kinds
    steps = [np.diff(np.sort(t)) for times, _, _ in stamped for t in times]
    positive = np.concatenate(steps) if steps else np.array([])
    step = positive[positive > 0].min() if (positive > 0).any() else 1  # nanoseconds for dates
    grid_step: Step = None
    if (positive > 0).any():
        # 12 digits: decimal stamps (0.07 = 0.07000000000000001) give steps such as 0.009999999999998
        grid_step = pd.Timedelta(nanoseconds=int(step)) if dated else float(f"{step:.12g}")
    shown = f"{int(step) / 1e9:g} s" if dated else f"{step:g}"
    out = []
    for times, values, where in stamped:
        start = min(t.min() for t in times)
        positions = [(t - start) / float(step) for t in times]  # differences first: exact for dates
        off = [p for p in positions if np.abs(p - np.round(p)).max() > 1e-6]
        if off:
            raise DataError(
                f"{where}: time stamps off the regular step {shown} (the smallest in the file); resample "
                "the recordings to a regular step first."
            )
        length = int(max(np.round(p).max() for p in positions)) + 1
        n_values = max(len(v) for v in values)
        if length > 100 * n_values + 1000:
            raise DataError(
                f"{where}: {n_values} values spread over {length} steps of {shown}: the stamps leave more "
                "gaps than values; check them (or resample the recordings to their own step)."
            )
        case = np.full((len(values), length), np.nan)
        for c, (p, v) in enumerate(zip(positions, values, strict=True)):
            case[c, np.round(p).astype(np.int64)] = v
        out.append(case)
    return out, grid_step


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
    path = existing_file(path)
    header, in_data = TsHeader(), False
    values, labels, targets, lines = [], [], [], []
    stamped: list[list[tuple[list[str], np.ndarray]]] = []  # time-stamped cases, put on a grid at the end
    # UTF-8 (its byte-order mark dropped), else Windows-1252; "replace": its 5 undefined bytes
    with open(path, encoding=text_encoding(path), errors="replace") as handle:
        for line_no, raw in enumerate(handle, start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            if not in_data:
                if line.lower().startswith("@data"):
                    in_data = True
                elif line.startswith("@"):
                    read_ts_header_line(header, line, f"{path}, line {line_no}")
                else:
                    arff = line.startswith("%") or Path(path).suffix.lower() == ".arff"
                    raise DataError(
                        f"{path}, line {line_no}: expected a '@' header or '@data' before values."
                        + (_ARFF_HINT if arff else "")
                    )
                continue
            where = f"{path}, line {line_no}"
            if header.labels and header.target:
                raise DataError(
                    f"{path}: the header declares both @classLabel true and @targetLabel true; keep one."
                )
            fields = _split_case(line, header.timestamps)
            if header.labels:
                check_case_ends_in_label(header, fields, where, len(lines))
            if header.labels or header.target:
                if len(fields) < 2:
                    raise DataError(f"{where}: no ':'-separated numeric target at the end of the line.")
                label = unquoted(fields.pop())
                if header.target:
                    targets.append(_ts_target(label, where))
                else:
                    check_declared_label(header, label, where)
                    labels.append(label)
            first = len(stamped[0]) if stamped else (values[0].shape[0] if values else None)
            check_undeclared_label(header, fields, where, len(lines))
            check_ts_dimensions(header, len(fields), first, where, len(lines))
            if header.timestamps:
                stamped.append([_stamped_values(f, where) for f in fields])
            else:
                values.append(
                    case_array([parse_numbers(f, where) for f in fields], where, f"case {len(values)}")
                )
            lines.append(line_no)
    if not in_data:
        raise no_data_line(path, "a .ts")
    if header.target:
        raise _regression_error(path, targets)
    step: Step = None
    if header.timestamps:
        values, step = _stamped_cases(stamped, lines, path)
    check_ts_lengths(header, values, lines, path)
    ids = [f"case {i}" for i in range(len(values))]
    return make_series_set(
        values,
        labels if header.labels else None,
        nan_policy=nan_policy,
        source=str(path),
        ids=ids,
        sampling_step=step,
    )
