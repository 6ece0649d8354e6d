"""Rows at the end of a CSV that are no data (a totals row, ``Total,12345.6,...``, or a note such as
``Exported by Logger v2``), as spreadsheets export them: the last data rows, no time in them. The
fix skips them (``skipfooter``), for a file that will be exported again with them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..csv_files import _decode, _raw_bytes, csv_data_line_numbers
from .reader import Table


def footer_rows_note(table: Table, bad: np.ndarray) -> str:
    """`` They are the file's last 1 row (a totals or notes row): ...``: the ``read_options`` that skip
    them, when the rows whose time is no date (``bad``, 0-based rows) are a CSV's last ones; ``""``
    otherwise (a DataFrame, rows elsewhere too, or a ``skipfooter`` of the user's)."""
    count = len(bad)
    if not table.is_file or "skipfooter" in table.read_options or count == 0 or count > 3:
        return ""
    if list(bad) != list(range(len(table.frame) - count, len(table.frame))):
        return ""
    options = {**table.read_options, "skipfooter": _footer_lines(table, count)}
    return (
        f" {'They are' if count > 1 else 'It is'} the file's last {'rows' if count > 1 else 'row'} (a totals or "
        f"notes row, as spreadsheets export): delete {'them' if count > 1 else 'it'}, or skip "
        f"{'them' if count > 1 else 'it'} with read_options={options} (CLI: --data.read_options "
        f"'{_flow_mapping(options)}'); a model keeps its read_options, so give files without such rows to "
        "predict and backtest with read_options of their own."
    )


def _footer_lines(table: Table, count: int) -> int:
    """The ``skipfooter`` that skips the ``count`` last rows of the CSV ``table``: pandas counts the
    file's lines from its end, the blank ones after the rows too (``Total,...`` then an empty line: 2)."""
    path = Path(table.name)
    lines = csv_data_line_numbers(path, table.read_options, len(table.frame))
    if lines is None:
        return count
    options = table.read_options
    text = _decode(path, _raw_bytes(path), options.get("encoding"), options.get("encoding_errors"))
    return len(text.splitlines()) - lines[len(table.frame) - count] + 1


def _flow_mapping(options: dict) -> str:
    """``options`` as a YAML flow mapping for ``--data.read_options '...'`` in a shell: text values in
    double quotes (``sep: ";"``: a bare ``;`` would end the shell command), an apostrophe escaped."""
    shown = (
        f"{key}: {json.dumps(value).replace(chr(39), chr(92) + 'u0027') if isinstance(value, str) else value}"
        for key, value in options.items()
    )
    return "{" + ", ".join(shown) + "}"
