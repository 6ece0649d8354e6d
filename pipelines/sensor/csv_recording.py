"""One recording in a CSV file of its own (a row per time step, a column per channel, an optional
``time`` column), as a folder of recording CSVs holds each: ``ssm-ts classify predict --data.path
walk_01.csv`` classifies it, read with the channels the model was fitted on. It is read by the folder
reader's own code (:func:`~.csv_reader.read_csv_folder`), so a file gives the values it gives in a folder."""

from __future__ import annotations

import os
from pathlib import Path

from ..csv_files import read_csv_file
from ..csv_options import ReadOptions, check_read_options
from .csv_reader import _files_series_set, _read_recording_files, named_columns
from .read_checks import existing_file
from .series import NanPolicy, SeriesSet

ID_COL = "id"  # a long CSV's recording column (read_csv_long's default)


def is_one_recording_csv(path: str | os.PathLike, read_options: ReadOptions | None = None) -> bool:
    """Whether ``path`` is a ``.csv`` file without an ``id`` column: one recording, not a long CSV
    (which names each row's recording there). Parses the header and first row only."""
    path = Path(path)
    if path.suffix.lower() != ".csv" or not path.is_file():
        return False
    # the header and one row: skipfooter left out (lines at the end, not the header's), since pandas
    # takes it or nrows, and with it the python engine parsed every row (13 s of a 127 MB file); with
    # nrows the reader reads a large uncompressed file's first 64 KB only (it decoded all 127 MB)
    options = {k: v for k, v in check_read_options(read_options).items() if k != "skipfooter"}
    header = read_csv_file(path, read_options={**options, "nrows": min(1, options.get("nrows", 1))})
    return ID_COL not in header.columns


def read_csv_recording(
    path: str | os.PathLike,
    channel_names: list[str] | None = None,
    *,
    time_col: str | None = "time",
    nan_policy: NanPolicy = "error",
    read_options: ReadOptions | None = None,
) -> SeriesSet:
    """The CSV ``path`` as one unlabelled recording, read as a file of a folder of recording CSVs is:
    a :class:`SeriesSet` of one ``(channels, length)`` recording, its id the file's name.

    ``channel_names`` (a model's fitted channels, e.g. ``clf.feature_names_in_``): the file needs
    exactly those columns besides ``time_col``, in any order; they are read in the fitted order.
    ``None``: its own columns, in file order.

    Raises:
        DataError: a fitted channel missing from the file, or a column the model was not fitted on
            (both named, with the file and the fix); a ``time_col`` named otherwise than ``time`` that
            the file lacks (the ``time`` column is read when there is one).
    """
    options = check_read_options(read_options)
    path = existing_file(path)
    fix = (
        f"the file has no {ID_COL!r} column, so it is read as one recording (a row per time step, a column "
        f"per channel{f', and optionally {time_col!r}' if time_col else ''}): rename or drop its other columns. A long "
        f"CSV of several recordings names each row's recording in a column {ID_COL!r}"
    )
    values, steps, names = _read_recording_files(
        [path],
        str(path),
        time_col=time_col,
        nan_policy=nan_policy,
        options=options,
        channel_names=None if channel_names is None else [str(c) for c in channel_names],
        fix=fix,
        reader="read_csv_recording(path",
        required=named_columns(None, time_col, labelled=False)["required"],
    )
    return _files_series_set([path], values, None, steps, names, str(path), nan_policy)
