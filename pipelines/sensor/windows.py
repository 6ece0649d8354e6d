"""Sliding windows over continuous sensor streams: one long recording per subject or session (a phone's
accelerometer log, WISDM, PAMAP2) with a label per sample, cut into fixed-length windows to classify,
as aeon's ``SlidingWindowSegmenter`` and tsai's ``SlidingWindow`` do (the UCI-HAR archive is 2.56 s
windows with 50% overlap).

A window never crosses a group (``group_col``: subject, session) nor a gap in the times (a jump of
:data:`~.time_gaps.GAP_STEPS` sampling steps or more, found as the CSV readers find them): each
stretch between gaps is windowed on its own. Its label is the majority label of its samples (ties go
to the tied label that occurs latest in the window), the label of its last sample (``"last"``), or the
one label of a window whose labels never change (``"pure"``: the others are dropped).

Overlapping windows of one subject share samples: a train/test split that puts some in each leaks
(the test scores what the model trained on). Split by ``groups`` (``GroupKFold``,
``cross_val_score(..., groups=groups)``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from ssm_ts.errors import ConfigError, DataError

from ..csv_files import number_hint
from ..csv_options import ReadOptions, check_read_options, date_options
from .column_roles import saved_index_columns, time_like_columns, warn_saved_index, warn_time_like_channels
from .csv_reader import _check_repeated_times, _check_text_times, _missing_cells, _read_csv, _row_namer
from .read_checks import existing_file
from .sampling_step import Step, file_step, parse_times, recording_step
from .series import NAN_POLICIES, NanPolicy
from .time_gaps import find_gaps

LabelRule = Literal["majority", "last", "pure"]
LABEL_RULES = ("majority", "last", "pure")
DEFAULT_TIME_COL = "time"  # used when the table has it, as read_csv_long does


@dataclass(frozen=True)
class StreamWindows:
    """Windows cut from a stream by :func:`sliding_windows`; ``X, y, groups, starts = windows`` unpacks it.

    Attributes:
        X: ``(n_windows, channels, window)`` float32: ``SSMClassifier().fit(X, y)`` takes it as it is.
        y: ``(n_windows,)`` each window's label (see ``label_rule``), ``None`` for an unlabelled stream.
        groups: ``(n_windows,)`` the ``group_col`` value each window comes from (all ``0`` without
            one): pass it to ``GroupKFold`` / ``cross_val_score(..., groups=groups)``.
        starts: ``(n_windows,)`` the time of each window's first sample (numbers, or ``datetime64`` for
            dates); without a time column, the sample's position in its group (0-based).
        ends: ``(n_windows,)`` the time (or position) of each window's last sample.
        channel_names: the channel columns, in the order of ``X``'s channels.
        sampling_step: the median step between samples (as the readers find it), ``None`` without times.
    """

    X: np.ndarray
    y: np.ndarray | None
    groups: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    channel_names: list[str]
    sampling_step: Step = None

    def __iter__(self) -> Iterator[np.ndarray | None]:
        return iter((self.X, self.y, self.groups, self.starts))

    def __len__(self) -> int:
        return len(self.X)


def _whole_number(value: Any, name: str, fix: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ConfigError(f"{name}={value!r}: it must be a whole number of samples above 0; {fix}")
    return int(value)


def _check_arguments(window: Any, step: Any, label_rule: str, nan_policy: str) -> tuple[int, int]:
    window = _whole_number(window, "window", "e.g. window=128 (2.56 s at 50 Hz).")
    step = _whole_number(
        step, "step", f"step={max(window // 2, 1)} overlaps windows by half, step={window} not at all."
    )
    if label_rule not in LABEL_RULES:
        raise ConfigError(f"unknown label_rule {label_rule!r}; expected one of {LABEL_RULES}.")
    if nan_policy not in NAN_POLICIES:
        raise ConfigError(f"unknown nan_policy {nan_policy!r}; expected one of {NAN_POLICIES}.")
    return window, step


class _Table:
    """The stream as a DataFrame (rows by position), where it came from and how to name its rows."""

    def __init__(
        self,
        data: Any,
        text_columns: tuple[str | None, ...],
        index_columns: tuple[str | None, ...],
        read_options: ReadOptions | None,
    ):
        """``text_columns`` of a CSV are read as text; ``index_columns`` of a DataFrame may be levels of
        its index (a frame indexed by its times, or by subject and time as sktime's ``pd-multiindex``)."""
        self.options = check_read_options(read_options)
        if isinstance(data, (str, os.PathLike)):
            self.path: Path | None = existing_file(data)
            self.frame = _read_csv(self.path, text_columns, self.options)  # ids and labels as text
            self.where = str(self.path)
            self.index = None
        elif isinstance(data, pd.DataFrame):
            if self.options:
                raise ConfigError(
                    f"read_options {dict(self.options)} read CSV files; a DataFrame is read as it is: leave them out."
                )
            self.path, self.where = None, "the DataFrame"
            self.index = data.index
            levels = [
                n for n in data.index.names if n is not None and n in index_columns and n not in data.columns
            ]
            self.frame = (data.reset_index(level=levels) if levels else data).reset_index(drop=True)
        else:
            raise DataError(
                f"sliding_windows takes a DataFrame or a CSV path (a row per sample), got {type(data).__name__}. "
                "For an array (channels, length): pd.DataFrame(x.T, columns=['acc_x', ...])."
            )
        if self.frame.empty:
            raise DataError(f"{self.where}: the table has no rows.")

    def rows(self, positions: list[int]) -> str:
        """``line(s) [2, 3]`` of the CSV, or ``row(s) at index [..]`` of the DataFrame."""
        if self.path is not None:
            return _row_namer(self.path, self.options, len(self.frame), listed=True)(positions)
        labels = [
            self.index[p].item() if hasattr(self.index[p], "item") else self.index[p] for p in positions
        ]
        return f"row(s) at index {labels}"

    def missing(self, column: str, fix: str) -> None:
        """A DataError naming the rows where ``column`` is empty (NaN)."""
        if self.path is not None:
            _missing_cells(self.frame, column, self.path, self.options, fix)
            return
        empty = np.flatnonzero(self.frame[column].isna().to_numpy())
        if len(empty):
            raise DataError(
                f"{self.where}: column {column!r} is empty (NaN) on {len(empty)} row(s), "
                f"{self.rows([int(i) for i in empty[:10]])}; {fix}"
            )


def _require(table: _Table, column: str, role: str, fix: str) -> None:
    if column not in table.frame.columns:
        names = [str(c) for c in table.frame.columns]
        raise DataError(f"{table.where}: no {role} column {column!r}; the columns are {names[:20]}. {fix}")


def _channel_values(table: _Table, channels: list[str], roles: str) -> np.ndarray:
    """``(rows, channels)`` float64; a column of text is named with what to pass instead, a stray cell
    that is not a number by its row."""
    frame = table.frame
    matrix = np.empty((len(frame), len(channels)), dtype=np.float64)
    for k, column in enumerate(channels):
        cells = frame[column]
        numbers = pd.to_numeric(cells, errors="coerce") if not pd.api.types.is_bool_dtype(cells) else cells
        bad = np.flatnonzero((pd.isna(numbers) & cells.notna()).to_numpy())
        if len(bad):
            value = cells.iloc[bad[0]]
            where = table.rows([int(bad[0])])
            if len(bad) == cells.notna().sum():  # text throughout: labels or ids, not a channel
                others = [c for c in channels if c != column]
                raise DataError(
                    f"{table.where}: column {column!r} holds text ({value!r} on {where}), not numbers; channels are "
                    f"numbers ({roles}). If it holds the labels, pass label_col={column!r}; if it names the "
                    f"subject or session, group_col={column!r}; else leave it out: channels={others}."
                )
            hint = number_hint(value, None if table.path is not None else column)
            raise DataError(
                f"{table.where}: column {column!r} holds {value!r} on {where} ({len(bad)} such cell(s)), not a "
                f"number{hint}."
            )
        matrix[:, k] = np.asarray(numbers, dtype=np.float64)
    return matrix


def _check_finite(table: _Table, values: np.ndarray, channels: list[str]) -> None:
    """Under ``nan_policy="error"``: a DataError naming the first missing value's column and row."""
    bad = ~np.isfinite(values)
    if not bad.any():
        return
    row, k = (int(i) for i in np.argwhere(bad)[0])
    raise DataError(
        f"{table.where}: column {channels[k]!r} has a missing or non-finite value on {table.rows([row])} "
        f"({int(bad.sum())} such cell(s) in the channels); choose nan_policy='interpolate' (linear in time, "
        "within each stretch without a gap) or 'zero', or clean the data."
    )


def _fill(values: np.ndarray, policy: str, where: str, channels: list[str]) -> np.ndarray:
    """``values`` ``(length, channels)`` of one stretch with its missing values filled by ``policy``."""
    bad = ~np.isfinite(values)
    if not bad.any():
        return values
    values = values.copy()
    if policy == "zero":
        values[bad] = 0.0
        return values
    positions = np.arange(len(values))
    for k in range(values.shape[1]):
        ok = ~bad[:, k]
        if not ok.any():
            raise DataError(
                f"{where}: column {channels[k]!r} has no value at all in a stretch of {len(values)} samples, so "
                "it cannot be interpolated; use nan_policy='zero', or drop those rows."
            )
        values[:, k] = np.interp(positions, positions[ok], values[ok, k])  # ends take the nearest value
    return values


def _window_labels(codes: np.ndarray, window: int, step: int, rule: str) -> tuple[np.ndarray, np.ndarray]:
    """Each window's label code and whether it is kept, for label codes ``(length,)`` of one stretch."""
    views = sliding_window_view(codes, window)[::step]  # (n_windows, window)
    if rule == "last":
        return views[:, -1], np.ones(len(views), dtype=bool)
    if rule == "pure":
        return views[:, 0], (views == views[:, :1]).all(axis=1)
    present = np.unique(views)
    # majority; a tie goes to the tied label whose last sample comes latest (the activity the window ends in)
    order = np.arange(window)
    scores = np.stack(
        [
            (views == c).sum(axis=1) * (window + 1) + np.where(views == c, order, -1).max(axis=1)
            for c in present
        ],
        axis=1,
    )
    return present[scores.argmax(axis=1)], np.ones(len(views), dtype=bool)


def _times_of(table: _Table, time_col: str, group_col: str | None) -> np.ndarray:
    """The time column parsed (float64 numbers or ``datetime64[ns]``), checked: no text, none missing,
    no repeated times out of order within a group."""
    column = table.frame[time_col]
    table.missing(
        time_col, f"every sample needs its time: drop those rows (df.dropna(subset=[{time_col!r}]))."
    )
    times = parse_times(column, date_options(table.options))
    if times is None:
        if table.path is not None:
            _check_text_times(table.frame, time_col, times, table.options, table.path)
        raise DataError(
            f"{table.where}: column {time_col!r} holds {column.iloc[0]!r}, ..., neither numbers nor dates; write "
            "the times as numbers (seconds) or dates, or pass time_col=None to read the rows in their order."
        )
    namer = lambda positions: table.rows(positions)  # noqa: E731
    _check_repeated_times(table.frame, time_col, times, group_col, table.where, namer)
    return times


def _as_given(times: np.ndarray, column: pd.Series) -> np.ndarray:
    """Parsed ``times`` as integers where the column holds integers (sample numbers), else as parsed."""
    if pd.api.types.is_integer_dtype(column.dtype):
        return times.astype(np.int64)
    return times


def sliding_windows(
    data: pd.DataFrame | str | os.PathLike,
    *,
    window: int,
    step: int,
    label_col: str | None = "label",
    group_col: str | None = None,
    time_col: str | None = DEFAULT_TIME_COL,
    channels: list[str] | None = None,
    label_rule: LabelRule = "majority",
    nan_policy: NanPolicy = "error",
    read_options: ReadOptions | None = None,
) -> StreamWindows:
    """Cut a continuous stream (a row per sample) into windows of ``window`` samples, one every ``step``.

    Args:
        data: a DataFrame or a CSV path (read as the sensor CSV readers read one; ``read_options`` as in
            :func:`~.csv_reader.read_csv_long`), with a column per channel, ``label_col`` (a label per
            sample), optional ``group_col`` (subject or session) and ``time_col``.
        window: samples per window (UCI-HAR: 128, 2.56 s at 50 Hz).
        step: samples from one window's start to the next (``window // 2``: 50% overlap).
        label_col: the per-sample label column; ``None`` for a stream to classify (``y`` is ``None``).
        group_col: the recording each row belongs to; windows never span two. ``None``: one recording.
        time_col: the time column (numbers or dates): rows are put in time order within their group and
            windows never cross a gap in the times. Used when the table has it; ``None``: the rows'
            order, no gaps.
        channels: the channel columns, in this order (default: every other column).
        label_rule: ``"majority"`` (ties: the tied label occurring latest in the window), ``"last"`` (the
            window's last sample's label, as an online classifier is scored), or ``"pure"`` (windows
            whose label changes are dropped).
        nan_policy: missing channel values: ``"error"``, ``"interpolate"`` (linear in time, within each
            stretch without a gap) or ``"zero"``.

    Returns:
        :class:`StreamWindows`: ``X (n_windows, channels, window)`` float32, ``y``, ``groups``,
        ``starts`` (and ``ends``, ``channel_names``, ``sampling_step``); ``X, y, groups, starts = ...``.

    Raises:
        ConfigError: ``window`` or ``step`` not a whole number above 0, an unknown ``label_rule`` or
            ``nan_policy``.
        DataError: a missing column, a label, group or time cell that is empty, a channel that is not
            numbers, a missing value under ``nan_policy="error"``, a group shorter than ``window`` (or
            whose stretches between gaps all are), or no pure window.
    """
    window, step = _check_arguments(window, step, label_rule, nan_policy)
    table = _Table(data, (group_col, label_col), (group_col, time_col), read_options)
    frame = table.frame
    unlabelled = " For a stream to classify, pass label_col=None."
    if label_col is not None:
        _require(table, label_col, "label", f"Name the label column: label_col='<its name>'.{unlabelled}")
        table.missing(
            label_col,
            f"every sample needs its label: drop those rows (df = df.dropna(subset=[{label_col!r}]); with a time "
            "column no window then spans them), or label them.",
        )
    if group_col is not None:
        _require(table, group_col, "group", "Name the subject or session column: group_col='<its name>'.")
        table.missing(group_col, f"every sample needs its {group_col!r}: fill or drop those rows.")
    if time_col is not None and time_col not in frame.columns:
        if time_col != DEFAULT_TIME_COL:
            _require(
                table, time_col, "time", "Name the time column, or pass time_col=None (the rows' order)."
            )
        time_col = None
    roles = [c for c in (label_col, group_col, time_col) if c is not None]
    if channels is None:
        channels = [c for c in frame.columns if c not in roles]
        index = saved_index_columns(frame)
        if index:
            warn_saved_index(
                index, table.where, f"name the channels: sliding_windows(..., channels={channels})"
            )
            channels = [c for c in channels if c not in index]
        clock = time_like_columns(channels)
        if time_col is None and clock:
            read_as = f"sliding_windows(data, ..., time_col={clock[0]!r})"
            warn_time_like_channels(clock, table.where, DEFAULT_TIME_COL, read_as)
    for column in channels:
        _require(table, column, "channel", "Pass the channel columns: channels=[...].")
    if not channels:
        raise DataError(f"{table.where}: no channel columns besides {roles}.")
    values = _channel_values(table, list(channels), f"label_col={label_col!r}, group_col={group_col!r}")
    if nan_policy == "error":
        _check_finite(table, values, list(channels))
    times = _times_of(table, time_col, group_col) if time_col is not None else None
    codes, classes = (None, None) if label_col is None else pd.factorize(frame[label_col])
    groups = frame[group_col] if group_col is not None else pd.Series(np.zeros(len(frame), dtype=np.int64))
    group_rows = groups.groupby(groups, sort=False).indices
    parts: dict[str, list[np.ndarray]] = {"X": [], "y": [], "groups": [], "starts": [], "ends": []}
    steps: list[Step] = []
    for group, rows in group_rows.items():
        where = f"{table.where}, {group_col} {group!r}" if group_col is not None else table.where
        if times is not None:
            rows = rows[np.argsort(times[rows], kind="stable")]
            steps.append(recording_step(times[rows]))
            cuts = [gap.after + 1 for gap in find_gaps(times[rows], steps[-1])]
        else:
            cuts = []
        before = len(parts["X"])
        for stretch in np.split(rows, cuts):
            if len(stretch) < window:
                continue  # too short for one window: in no window (as a recording's tail beyond the last)
            block = _fill(values[stretch], nan_policy, where, list(channels))
            first = np.arange(0, len(stretch) - window + 1, step)
            windows = sliding_window_view(block, window, axis=0)[::step]  # (n, channels, window)
            keep = np.ones(len(first), dtype=bool)
            if codes is not None:
                labels, keep = _window_labels(codes[stretch], window, step, label_rule)
                parts["y"].append(labels[keep])
            position = times[stretch] if times is not None else np.arange(len(stretch))
            parts["X"].append(windows[keep].astype(np.float32))
            parts["starts"].append(position[first[keep]])
            parts["ends"].append(position[first[keep] + window - 1])
            parts["groups"].append(np.repeat(groups.iloc[stretch[:1]].to_numpy(), int(keep.sum())))
        if len(parts["X"]) == before:
            longest = max(len(s) for s in np.split(rows, cuts))
            in_stretches = f"; its longest stretch without a gap in the times has {longest}" if cuts else ""
            leave_out = (
                f", or leave it out: df = df[df[{group_col!r}].astype(str) != {str(group)!r}]"
                if group_col is not None
                else ""
            )
            raise DataError(
                f"{where}: no window of {window} samples fits: the recording has {len(rows)} samples"
                f"{in_stretches}. Choose window <= {longest}{leave_out}."
            )
    n_windows = sum(len(x) for x in parts["X"])
    if n_windows == 0:
        raise DataError(
            f"{table.where}: no window of {window} samples has one label throughout (label_rule='pure'); use "
            "label_rule='majority', or a shorter window."
        )
    starts, ends = (np.concatenate(parts[k]) for k in ("starts", "ends"))
    if times is not None:
        starts, ends = _as_given(starts, frame[time_col]), _as_given(ends, frame[time_col])
    step_found = file_step(steps, [str(g) for g in group_rows], table.where) if times is not None else None
    return StreamWindows(
        X=np.concatenate(parts["X"]),
        y=None if classes is None else np.asarray(classes)[np.concatenate(parts["y"])],
        groups=np.concatenate(parts["groups"]),
        starts=starts,
        ends=ends,
        channel_names=[str(c) for c in channels],
        sampling_step=step_found,
    )
