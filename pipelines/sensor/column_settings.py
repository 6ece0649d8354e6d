"""``label_col`` / ``time_col`` given for a file without named columns.

The two settings name a CSV's columns. A UCR/UEA ``.ts`` or ``.arff`` file, a NumPy ``.npy``/``.npz``
file and FSDD audio have none: their labels and times come from the format itself, so a column named
for one of them can change nothing. Ignored, it left the user believing it was used (the labels read
from ``activity``, the rows ordered by ``t``); it is a :class:`~ssm_ts.errors.DataError` naming the
file, its format, the setting and the fix. The defaults (``label``, ``time``; ``time_col=None``: no
time column) are taken as not given: they ask nothing of the file.

An error rather than a warning, also for a value that matches what the format implies (``label_col='y'``
for a ``.npz`` whose labels are its ``y`` array): no value is read, so accepting one would suggest that
another (``label_col='labels'``) picks another array; leaving the setting out is the whole fix.

The data module refuses them for the data a fit reads. To validate, test or predict they are the fit's
(a checkpoint restores them, also with another ``data.path``), checked against its data: a file of
these formats is read without them.
"""

from __future__ import annotations

import os
from pathlib import Path

from ssm_ts.errors import DataError

from .csv_reader import NAMED_COLUMNS

# each format without named columns: what it is, and where its labels and times come from
_FORMATS = {
    "ts": (
        "a UCR/UEA .ts file",
        "each recording's label is the value after its last ':', its times, if any, its '@timeStamps'",
    ),
    "arff": ("a Weka .arff file", "each recording's label is its row's last attribute, the class"),
    "numpy": (
        "a NumPy file",
        "the labels are a .npz archive's 'y' array (a .npy holds none) and the steps are evenly spaced",
    ),
    "fsdd": ("FSDD audio", "the labels are the digits that begin the file names"),
}


NO_COLUMN_FORMATS = tuple(_FORMATS)


def check_no_column_settings(
    path: str | os.PathLike, kind: str, label_col: str | None, time_col: str | None
) -> None:
    """Raise a :class:`DataError` when ``label_col`` or ``time_col`` names a column of ``path``, read as
    ``kind`` (``"ts"``, ``"arff"``, ``"numpy"``, ``"fsdd"``), which has no named columns; the defaults
    (``"label"``, ``"time"``, ``None``) pass. Other kinds (a CSV) always pass."""
    if kind not in _FORMATS:
        return
    given = {"label_col": label_col, "time_col": time_col}
    named = {k: v for k, v in given.items() if v is not None and v != NAMED_COLUMNS[k][0]}
    if not named:
        return
    what, implied = _FORMATS[kind]
    settings = " and ".join(f"{k}={v!r}" for k, v in named.items())
    several = len(named) > 1
    raise DataError(
        f"{Path(path)} is {what} (format {kind!r}), which has no named columns: {implied}. Leave {settings} "
        f"out: {'they name columns' if several else 'it names a column'} of a CSV (a .csv file, or a folder "
        "of them)."
    )
