"""Rows at the end of a CSV that are no data (a totals row, ``Total,12345.6,...``, or a note such as
``Exported by Logger v2``), as spreadsheets export them: the last data rows, no time in them. The
fix skips them (``skipfooter``), for a file that will be exported again with them."""

from __future__ import annotations

import numpy as np

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
    options = {**table.read_options, "skipfooter": count}
    shown = "{" + ", ".join(f"{k}: {v!r}" for k, v in options.items()) + "}"
    return (
        f" {'They are' if count > 1 else 'It is'} the file's last {'rows' if count > 1 else 'row'} (a totals or "
        f"notes row, as spreadsheets export): delete {'them' if count > 1 else 'it'}, or skip "
        f"{'them' if count > 1 else 'it'} with read_options={options} (CLI: --data.read_options '{shown}'); a "
        "model keeps its read_options, so give files without such rows to predict and backtest with "
        "read_options of their own."
    )
