"""Text that pandas reads as missing by default (``NA``, ``None``, ``null``, ``N/A``, ...): which cells of
a CSV column held it, and the read options that keep it as text. For error messages about empty ids,
labels or series names that were really written there."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from ssm_ts.errors import DataError

from .csv_files import read_csv_file
from .csv_options import ReadOptions


def default_na_markers(path: Path, options: ReadOptions, column: str, rows: np.ndarray) -> dict[str, int]:
    """The text of ``column`` at data ``rows`` read as missing only by pandas' default markers and how
    often each occurs, first seen first; ``{}`` when the user turned those markers off, or the file
    cannot be read again row for row. Reads the file again: for error messages only."""
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


def keep_text_options(options: ReadOptions) -> dict[str, Any]:
    """The read options that keep ``NA``/``None`` text: pandas' default markers off, an empty cell
    (and the user's own ``na_values``) still missing."""
    own = options.get("na_values")
    own = [own] if isinstance(own, str) else list(own) if isinstance(own, list | tuple) else []
    return {"keep_default_na": False, "na_values": ["", *own]}


def keep_text_hint(options: ReadOptions) -> str:
    """``add read_options={...} (CLI: --data.read_options '{...}')``: how to keep that text."""
    keep = keep_text_options(options)
    return (
        f"add read_options={keep!r} (CLI: --data.read_options "
        f"'{{keep_default_na: false, na_values: {json.dumps(keep['na_values'])}}}')"
    )
