"""Each recording's group (subject or session) in a folder of recording CSVs, from a column of its
labels file (``file, label, subject``), so that ``ssm-ts classify fit --data.group_col subject`` holds
out whole subjects there as it does for a stream's windows; and the warning of a fit that splits such
a folder at random though its labels file has a column that may name the subjects."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from ssm_ts.errors import ConfigError, DataError

from ..csv_options import check_read_options
from .csv_reader import DEFAULT_LABELS_FILE, _missing_cells, _read_csv


def read_folder_groups(
    folder: str | os.PathLike,
    ids: list[str],
    group_col: str,
    *,
    file_col: str = "file",
    read_options: dict | None = None,
) -> np.ndarray:
    """The group of each recording ``(len(ids),)`` as text: column ``group_col`` of ``folder``'s
    ``labels.csv`` on the row naming its CSV (``ids`` are the files' names, as ``read_csv_folder``
    gives them; a row may name a file with or without ``.csv``). A folder without ``labels.csv``, a
    labels file without the column, or a file whose cell is empty is an error naming the fix."""
    options = check_read_options(read_options)
    path = Path(folder) / DEFAULT_LABELS_FILE
    if not Path(folder).is_dir():
        raise ConfigError(
            f"data.group_col={group_col!r} names the subject column of a stream (with data.window) or of a "
            f"folder's {DEFAULT_LABELS_FILE}; {folder} is neither: add --data.window N to cut a stream, or "
            "leave data.group_col out."
        )
    if not path.exists():
        raise DataError(
            f"{folder}: data.group_col={group_col!r} is read from {DEFAULT_LABELS_FILE} beside the recordings, "
            f"which this folder lacks; add it with columns {file_col}, label, {group_col}."
        )
    table = _read_csv(path, (file_col, group_col), options)
    if group_col not in table.columns:
        raise DataError(
            f"{path}: no column {group_col!r} (data.group_col) among {[str(c) for c in table.columns]}; add "
            f"each recording's subject or session as a column {group_col!r}, or name the column that holds it."
        )
    _missing_cells(table, group_col, path, options, "every recording needs its group (subject or session).")
    listed = {Path(str(f)).name: g for f, g in zip(table[file_col], table[group_col], strict=True)}
    groups = [listed.get(name, listed.get(Path(name).stem)) for name in ids]
    return np.asarray(groups, dtype=object)


def warn_of_unused_group_columns(
    folder: str | os.PathLike, val_fraction: float, read_options: dict | None
) -> None:
    """Warn (:class:`~ssm_ts.leaky_validation.LeakyValidationWarning`) when a fit holds out
    ``val_fraction`` of the recordings of ``folder`` at random though its ``labels.csv`` has columns
    beside ``file`` and ``label`` that group the recordings (``subject``, ``session``; not notes or
    a value per recording: :func:`_may_name_groups`): if one names each recording's subject,
    the subject's other recordings train the model that validates on it, and the validation scores
    (and the best epoch they pick) are optimistic."""
    from ssm_ts.leaky_validation import LeakyValidationWarning
    from ssm_ts.rank_zero_warnings import warn_on_rank_zero

    path = Path(folder) / DEFAULT_LABELS_FILE
    if val_fraction <= 0 or not path.is_file():
        return
    table = _read_csv(path, (), check_read_options(read_options))
    extra = [
        str(c)
        for c in table.columns
        if str(c) not in ("file", "label") and not str(c).startswith("Unnamed: ")
    ]
    extra = [c for c in extra if _may_name_groups(table, c)]
    if extra:
        warn_on_rank_zero(
            f"{path}: column(s) {extra} beside file and label, but data.val_fraction={val_fraction:g} holds "
            "out recordings at random. If one names each recording's subject or session, pass it as "
            f"--data.group_col {extra[0]} to hold out whole ones: recordings of a subject in both parts "
            "make the validation scores optimistic.",
            LeakyValidationWarning,
        )


def _may_name_groups(table: pd.DataFrame, column: str) -> bool:
    """Whether ``column`` of a labels table could name each recording's subject or session: some value
    names two or more recordings, not every recording has the same one, and it is not the label under
    another name (one value per label). A column of notes, durations or ids (a value per recording), a
    constant one or one of fractional numbers is no grouping: warning of it would be a false alarm."""
    rows = table[table[column].notna()]
    values = rows[column]
    if pd.api.types.is_float_dtype(values) and not (values % 1 == 0).all():
        return False
    counts = values.astype(str).value_counts()
    if len(counts) < 2 or counts.max() < 2:
        return False
    if "label" in rows.columns:  # the label's own name or code: each value on one label only
        pairs = pd.DataFrame({"label": rows["label"].astype(str), "value": values.astype(str)})
        pairs = pairs.drop_duplicates()
        if len(pairs) == len(counts) == pairs["label"].nunique():
            return False
    return True
