"""A row of units under a CSV's header (``time,temp,power`` then ``,°C,kW``), as data loggers and
spreadsheets export them: the first data row, no time and no number in it. The fix skips its line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..csv_files import csv_data_line_numbers
from .reader import Table


def units_row_note(table: Table, time_col: str, bad: np.ndarray) -> str:
    """`` Row 0 looks like the units of the columns ...``: the ``read_options`` that skip it, when the
    only row whose time is no date (``bad``, 0-based rows) is a CSV's first, and its other cells are
    text that is no number (``'°C'``, ``'kW'``); ``""`` otherwise (a user's ``skiprows`` too: merged
    by hand)."""
    if not table.is_file or list(bad) != [0] or "skiprows" in table.read_options:
        return ""
    cells = table.frame.drop(columns=[time_col]).iloc[0].dropna()
    text = [c for c in cells if isinstance(c, str) and c.strip()]
    if not text or len(text) != len(cells) or pd.to_numeric(pd.Series(text), errors="coerce").notna().any():
        return ""
    lines = csv_data_line_numbers(Path(table.name), table.read_options, len(table.frame))
    if lines is None:
        return ""
    skip = [lines[0] - 1]  # read_csv counts lines from 0
    return (
        f" Row 0 looks like the units of the columns ({', '.join(map(repr, text[:4]))}), not data: skip its "
        f"line, read_options={{'skiprows': {skip}}} (CLI: --data.read_options '{{skiprows: {skip}}}')."
    )
