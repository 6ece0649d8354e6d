"""What every sensor reader checks first: that the path exists (and is a file), and the text of a
case's values (``.ts``, ``.arff``) as numbers of one length per channel."""

from __future__ import annotations

import codecs
import os
from pathlib import Path

import numpy as np

from ssm_ts.errors import DataError, DataFileNotFoundError


def existing_path(path: str | os.PathLike) -> Path:
    path = Path(path).expanduser()  # "~/data.csv", as pandas reads it
    if not path.exists():
        raise DataFileNotFoundError(
            f"data file not found: {path}; check the path (data.path)" + _data_set_name_hint(path)
        )
    return path


def _data_set_name_hint(path: Path) -> str:
    """For a missing ``path`` that is a UCR/UEA data set's bare name (``read_series("BasicMotions")``, as
    ``ssm-ts classify --data.path BasicMotions`` takes it): how to find its files in Python."""
    from ssm_ts.datasets import CLASSIFICATION_FILES

    name = next((known for known in CLASSIFICATION_FILES if known.lower() == str(path).lower()), None)
    if name is None:
        return ""
    return (
        f". {name} is a UCR/UEA data set's name, which ssm-ts classify --data.path {name} reads from the "
        f"data home; in Python, train, test = ssm_ts.datasets.classification_files({name!r}) gives its "
        "files: read_series(train)."
    )


def existing_file(path: str | os.PathLike) -> Path:
    path = existing_path(path)
    if not path.is_file():
        kind = "a folder" if path.is_dir() else "not a regular file"
        raise DataError(f"{path} is {kind}, not a data file; point data.path at a file.")
    return path


def no_data_line(path: Path, kind: str) -> DataError:
    """The error for a ``.ts`` or ``.arff`` file (``kind``: ``"a .ts"``, ``"an .arff"``) that ended
    before its ``@data`` line: an empty file is named empty."""
    if not path.stat().st_size:
        return DataError(
            f"{path}: the file is empty (0 bytes); {kind} file holds a header, an '@data' line and the cases."
        )
    return DataError(f"{path}: no '@data' line; this is not {kind} file.")


def parse_numbers(text: str, where: str) -> np.ndarray:
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


def case_array(channels: list[np.ndarray], where: str, case: str) -> np.ndarray:
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


def text_encoding(path: Path) -> str:
    """The encoding to read the ``.ts`` or ``.arff`` file ``path`` in: ``"utf-8-sig"`` (a byte-order
    mark dropped) when the whole file decodes as UTF-8, else ``"cp1252"``, Windows' legacy encoding
    (Notepad's "ANSI"), as the CSV readers fall back to it. Read as UTF-8 with replacement, such a
    file's class ``débout`` was ``d\ufffdbout``: another class than the ``débout`` of a UTF-8 file."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(1 << 20):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8-sig"
