"""A long CSV's series ids as the file writes them, where pandas' numbers would lose them.

``pandas.read_csv`` reads an id column of digits as numbers: store codes ``001, 002, 010`` come back
as ``1, 2, 10`` (a ``merge`` with the user's own codes no longer joins), and ``01`` beside ``1``
become one series whose times repeat (the duplicate-times error then advises merging two series).
Such ids are kept as the text the file holds. Ids that read as numbers without loss (``1, 2, 10``)
stay numbers, as neuralforecast users have them (:mod:`.series_ids`).
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from ..csv_files import read_csv_file
from .reader import Table
from .series_ids import numeric_id_dtype

# a code whose leading zero a number drops: "007", "01", "-03" (not "0", "0.5")
_LEADING_ZERO = re.compile(r"[+-]?0\d")


def with_written_ids(table: Table, id_col: str) -> Table:
    """``table`` with its ``id_col`` (a long table's series column) as the CSV's text when reading it
    as numbers lost what the text tells apart: a leading zero (``007``), or two texts of one number
    (``01`` and ``1``, ``1.0`` and ``1``). Otherwise (a DataFrame, text ids, ids such as ``1, 2, 10``)
    ``table`` itself. The file is read a second time, only for a long CSV of numeric ids.

    ``table``: as :func:`~.reader.read_table` read it (its frame ``(n_rows, n_columns)``)."""
    frame = table.frame
    if not table.is_file or id_col not in frame.columns or numeric_id_dtype(frame[id_col]) is None:
        return table
    as_text = read_csv_file(Path(table.name), dtype={id_col: str}, read_options=table.read_options)
    if id_col not in as_text.columns or len(as_text) != len(frame):
        return table  # read otherwise (a header with spaces around the name): keep pandas' numbers
    written = as_text[id_col].str.strip()
    distinct = written.dropna().unique()
    lossy = any(_LEADING_ZERO.match(text) for text in distinct) or len(distinct) > frame[id_col].nunique()
    if not lossy:
        return table
    return dataclasses.replace(table, frame=frame.assign(**{id_col: written.to_numpy()}))
