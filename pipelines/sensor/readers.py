"""Readers of labelled multichannel recordings: UCR/UEA ``.ts``, ``.arff``, CSV (long or one file per
recording) and NumPy files. Each returns a checked :class:`SeriesSet` (see :func:`make_series_set`).

One module per format (:mod:`.ts_reader`, :mod:`.arff_reader`, :mod:`.csv_reader`,
:mod:`.numpy_reader`, their shared checks in :mod:`.read_checks`); this one picks the reader by a
file's suffix (:func:`read_series`) and finds a UCR/UEA problem's train and test files.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from ssm_ts.errors import ConfigError, DataError, DataFileNotFoundError

from ..csv_options import ReadOptions
from .arff_reader import read_arff
from .column_settings import check_no_column_settings
from .csv_reader import DEFAULT_LABELS_FILE, read_csv_folder, read_csv_long
from .numpy_reader import read_numpy
from .read_checks import existing_path
from .series import NanPolicy, SeriesSet
from .ts_reader import read_ts

__all__ = [
    "DEFAULT_LABELS_FILE",
    "FORMATS",
    "Format",
    "detect_format",
    "find_archive_split",
    "holds_archive_split",
    "read_arff",
    "read_csv_folder",
    "read_csv_long",
    "read_numpy",
    "read_series",
    "read_ts",
    "suffix_format",
]

Format = Literal["auto", "ts", "arff", "csv", "csv_folder", "numpy"]
FORMATS = ("auto", "ts", "arff", "csv", "csv_folder", "numpy")
_SUFFIX_FORMATS = {".ts": "ts", ".arff": "arff", ".csv": "csv", ".npy": "numpy", ".npz": "numpy"}


def suffix_format(path: str | os.PathLike) -> str | None:
    """The format a file's suffix names (``"ts"``, ``"arff"``, ``"csv"``, ``"numpy"``), ``None`` for another."""
    return _SUFFIX_FORMATS.get(Path(path).suffix.lower())


def detect_format(path: str | os.PathLike) -> str:
    path = existing_path(path)
    if path.is_dir():
        return "csv_folder"
    found = suffix_format(path)
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
    *,
    label_col: str = "label",
    time_col: str | None = "time",
    required: tuple[str, ...] | None = None,
) -> SeriesSet:
    """Read any supported file by suffix (or ``format``); ``read_options``, ``label_col``, ``time_col``
    and ``required`` (the columns the file must hold; ``None``: those named otherwise than the defaults,
    :func:`~.csv_reader.named_columns`) read a CSV (``csv``, ``csv_folder``; see :func:`read_csv_long`).

    Raises:
        DataError: ``label_col`` or ``time_col`` other than the defaults for a ``.ts``, ``.arff`` or
            NumPy file, which has no named columns (:mod:`.column_settings`)."""
    if format not in FORMATS:
        raise DataError(f"unknown format {format!r}; expected one of {FORMATS}")
    kind = detect_format(path) if format == "auto" else format
    if read_options and kind not in ("csv", "csv_folder"):
        raise ConfigError(
            f"read_options {dict(read_options)} read CSV files, but {path} is read as {kind!r}; leave "
            "read_options out, or set format to 'csv' / 'csv_folder' for a CSV."
        )
    check_no_column_settings(path, kind, label_col, time_col)  # a .ts/.arff/NumPy file has no columns
    reader = {
        "ts": read_ts,
        "arff": read_arff,
        "csv": read_csv_long,
        "csv_folder": read_csv_folder,
        "numpy": read_numpy,
    }[kind]
    csv_options = (
        dict(read_options=read_options, label_col=label_col, time_col=time_col, required=required)
        if kind in ("csv", "csv_folder")
        else {}
    )
    return reader(path, nan_policy=nan_policy, **csv_options)


def _split_files(folder: Path, split: str, suffix: str) -> list[Path]:
    """``folder``'s visible files named ``<Name>_<split><suffix>``, in any case (``gunpoint_train.ts``,
    ``GunPoint_TRAIN.TS``: a case-sensitive match read such a folder as one CSV per recording)."""
    ending = f"_{split}{suffix}".upper()
    return sorted(
        p
        for p in folder.iterdir()
        if p.name.upper().endswith(ending) and not p.name.startswith(".") and p.is_file()
    )


def archive_train_file(folder: Path) -> Path | None:
    """``folder``'s UCR/UEA ``<Name>_TRAIN.ts`` file (any case), else its ``_TRAIN.arff``; ``None``: neither."""
    return next((path for suffix in (".ts", ".arff") for path in _split_files(folder, "TRAIN", suffix)), None)


def holds_archive_split(folder: Path) -> bool:
    """Whether ``folder`` holds a UCR/UEA problem's ``<Name>_TRAIN.<suffix>`` file (any case)."""
    return archive_train_file(folder) is not None


def find_archive_split(folder: str | os.PathLike, format: Format = "auto") -> tuple[Path, Path]:
    """``(train, test)`` files of a UCR/UEA problem folder (``<Name>_TRAIN.ts`` / ``_TEST.ts``, or ``.arff``;
    names in any case); ``format`` ``"ts"`` or ``"arff"`` takes that pair alone (a folder may hold both,
    as the archive's do)."""
    folder = existing_path(folder)
    suffixes = {"ts": (".ts",), "arff": (".arff",)}.get(format, (".ts", ".arff"))
    for suffix in suffixes:
        train = _split_files(folder, "TRAIN", suffix)
        test = _split_files(folder, "TEST", suffix)
        if train and test:
            return train[0], test[0]
    pair = " (or .arff)" if len(suffixes) > 1 else ""
    first = suffixes[0]
    raise DataFileNotFoundError(
        f"{folder}: no <Name>_TRAIN{first}/<Name>_TEST{first}{pair} pair; point data.path at a file or a "
        "UCR/UEA folder."
    )
