"""The header: column names given twice, and header rows repeated among the data, are errors that
name them, not a series renamed ``OT.1``, a traceback, or a column of text that is no time column.

``pandas.read_csv`` renames a repeated header name (``date,OT,OT`` reads as ``OT`` and ``OT.1``), so
a forecast would silently carry a column the file never named; a DataFrame with two columns of one
name makes ``frame[name]`` a DataFrame, which no column check expects. Files exported in parts and
joined one after another repeat the header line, which turns every column into text.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ssm_ts.errors import DataError

from ..csv_files import read_csv_file

if TYPE_CHECKING:
    from .reader import Table

_RENAMED = re.compile(r"(.+)\.\d+")  # how pandas renames the second 'OT' of a header: 'OT.1'


def check_unique_names(
    frame: pd.DataFrame, name: str, path: Path | None, options: Mapping[str, Any], labels: list | None = None
) -> None:
    """Every column of ``frame`` (names stripped) is named once in the table it was read from.

    ``name`` names the table in the error; ``path`` is the CSV ``frame`` was read from with the read
    ``options`` (``None`` for a DataFrame), whose header is read again when pandas may have renamed
    a repeated name; ``labels``: a DataFrame's column labels before they became text.

    Raises:
        DataError: naming the repeated names, their 1-based column numbers and the fix.
    """
    columns = [str(c) for c in frame.columns]
    if path is not None and _any_renamed(columns):
        columns = _header_as_written(path, options) or columns
    repeated = _repeated_names(columns)
    if not repeated:
        return
    listed = "; ".join(f"{c!r} (columns {' and '.join(map(str, at))})" for c, at in repeated.items())
    fix = (
        "give each column its own name in the header row (pandas reads a repeated name as 'name.1')"
        if path is not None
        else "give each column its own name (df.columns = [...]), or drop the copies "
        "(df.loc[:, ~df.columns.duplicated()])"
    )
    labels = [c for c in (labels or []) if str(c).strip() in repeated]
    if path is None and len(set(labels)) > len(repeated):  # 1 and "1": no copies to drop
        shown = ", ".join(f"{c!r} ({type(c).__name__})" for c in labels[:4])
        fix = (
            f"labels that differ only in type ({shown}) are one name here, as columns are named by their "
            "text: give each column its own name (df.columns = [...])"
        )
    raise DataError(
        f"{name} names {'a column' if len(repeated) == 1 else 'columns'} more than once, counting columns from 1: "
        f"{listed}; {fix}."
    )


def _repeated_names(columns: list[str]) -> dict[str, list[int]]:
    """Each name given more than once in ``columns``, in the order of its first column, with its 1-based
    column numbers: one pass over the names (each name counted in the whole list took 3 s at
    20,000 columns)."""
    counts = Counter(columns)
    repeated: dict[str, list[int]] = {}
    for number, column in enumerate(columns, start=1):
        if counts[column] > 1:
            repeated.setdefault(column, []).append(number)
    return repeated


def _any_renamed(columns: list[str]) -> bool:
    """Some column may be pandas' rename of a repeated name (``OT.1`` beside ``OT``): the names looked up
    in a set, not each in the list."""
    names = set(columns)
    return any((match := _RENAMED.fullmatch(c)) is not None and match.group(1) in names for c in columns)


def _header_as_written(path: Path, options: Mapping[str, Any]) -> list[str] | None:
    """The header row's names as the file writes them (stripped), read with ``options``; ``None`` when
    the user named the columns (``names=``) or there is no header row."""
    header = options.get("header", 0)
    if options.get("names") is not None or header is None:
        return None
    kept = {k: v for k, v in options.items() if k not in ("header", "nrows", "skipfooter")}
    rows = read_csv_file(path, read_options={**kept, "header": None, "nrows": header + 1})
    return [str(c).replace("\ufeff", "").strip() for c in rows.iloc[header]]


def check_no_header_rows(table: Table) -> None:
    """No data row of ``table`` repeats its header (every cell its column's name).

    Raises:
        DataError: naming those rows (and CSV lines) and the fix.
    """
    frame = table.frame
    if not all(pd.api.types.is_object_dtype(c) or pd.api.types.is_string_dtype(c) for _, c in frame.items()):
        return  # a number column: no row of it holds a name (a repeated header makes every column text)
    same = np.ones(len(frame), dtype=bool)
    for index, name in enumerate(frame.columns):
        cells = frame.iloc[:, index].astype(str).str.replace("\ufeff", "", regex=False).str.strip()
        same &= (cells == name).to_numpy()  # a joined file's own byte-order mark may lead its header
    rows = np.flatnonzero(same)
    if rows.size:
        shown = ", ".join(frame.columns[:4]) + (", ..." if frame.columns.size > 4 else "")
        raise DataError(
            f"{table.name}: {table.rows_text(rows)} repeat{'' if rows.size > 1 else 's'} the header row ({shown}), "
            "as files exported in parts and joined one after another do: delete those lines."
        )
