"""``SensorDataModule`` over a continuous stream (``ssm-ts classify --data.window``): the CSV cut into
windows by :func:`~.windows.sliding_windows`, as recordings, with each window's group (for a
validation split by group) and its start and end (for ``predictions.csv``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ssm_ts.errors import ConfigError

from ..csv_options import check_read_options
from .csv_reader import _read_csv
from .read_checks import existing_file
from .readers import suffix_format
from .series import SeriesSet, make_series_set
from .windows import StreamWindows, sliding_windows


def check_window_settings(window: int | None, step: int | None, format: str) -> None:
    """``step`` without ``window``, or a stream in another format than a CSV, is a ConfigError."""
    if window is None:
        if step is not None:
            raise ConfigError(f"data.step={step} cuts windows only with data.window: add --data.window N.")
        return
    if format not in ("auto", "csv"):
        raise ConfigError(
            f"data.window cuts a continuous CSV stream into windows; data.format={format!r} is not one: "
            "use --data.format csv, or leave data.window out."
        )


def check_stream_kind(path: str | Path) -> None:
    """A file cut into windows (``window``, ``format="auto"``) whose suffix names recordings (``.ts``,
    ``.arff``, ``.npy``, ``.npz``) is a ConfigError: it was read as a CSV anyway, and failed with advice
    for a CSV (skip its header lines). Other suffixes (``.csv``, ``.txt``) are read as a CSV stream."""
    kind = suffix_format(path)
    if kind not in (None, "csv"):
        raise ConfigError(
            f"data.window cuts a continuous CSV stream into windows, but {path} is read as format {kind!r}, "
            "which holds recordings already: leave data.window out (and data.step), or give the stream's "
            "CSV file."
        )


def read_stream(
    path: str | Path,
    settings: dict[str, Any],
    nan_policy: str,
    read_options: dict[str, Any] | None,
    labelled: bool,
) -> tuple[SeriesSet, StreamWindows, bool]:
    """The windows of the stream CSV ``path`` as a ``SeriesSet`` (ids ``"<group>@<start>"``), the
    ``StreamWindows`` they come from, and whether they have groups (the file has ``group_col``).
    ``settings``: ``window``, ``step`` (``None``: ``window``, no overlap), ``label_col``,
    ``group_col``, ``time_col``, ``label_rule``. Unless ``labelled`` (a stream to predict), a label
    or group column the file lacks is left out rather than an error."""
    label_col, group_col = settings["label_col"], settings["group_col"]
    if not labelled:
        columns = set(_read_csv(existing_file(path), (), check_read_options(read_options)).columns)
        label_col = label_col if label_col in columns else None
        group_col = group_col if group_col in columns else None
    windows = sliding_windows(
        path,
        window=settings["window"],
        step=settings["step"] or settings["window"],
        label_col=label_col,
        group_col=group_col,
        time_col=settings["time_col"],
        label_rule=settings["label_rule"],
        nan_policy=nan_policy,
        read_options=read_options,
    )
    starts = pd.Series(windows.starts).astype(str)
    ids = (
        (pd.Series(windows.groups).astype(str) + "@" + starts).tolist()
        if group_col is not None
        else starts.tolist()
    )
    data = make_series_set(
        windows.X,
        windows.y,
        source=str(path),
        ids=ids,
        sampling_step=windows.sampling_step,
        channel_names=windows.channel_names,
    )
    return data, windows, group_col is not None


def window_spans(windows: StreamWindows, grouped: bool) -> pd.DataFrame:
    """``group`` (when the stream has groups), ``start`` and ``end`` of each window, a row per window."""
    spans = {"start": np.asarray(windows.starts), "end": np.asarray(windows.ends)}
    return pd.DataFrame({"group": windows.groups, **spans} if grouped else spans)
