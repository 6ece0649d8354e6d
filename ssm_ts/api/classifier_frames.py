"""Wide DataFrames given to :class:`~ssm_ts.api.classifier.SSMClassifier` as ``X`` (a row per recording,
a column per time step), checked for the columns a table of recordings often keeps beside its
time steps: a text id (named, with how to drop it) and the class labels themselves (read as a time
step, the model is scored on the answer: a warning names the column)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from ssm_ts.errors import DataError
from ssm_ts.user_stack_level import user_stack_level


def _is_wide_frame(X: Any) -> bool:
    """A plain 2-D DataFrame ``(n, length)``: not sktime's nested or multi-index layouts."""
    from ssm_ts.pipelines.sensor.nested import is_multiindex_frame, is_nested_frame

    return isinstance(X, pd.DataFrame) and not is_nested_frame(X) and not is_multiindex_frame(X)


# columns that name the recording of each row in a long table (a row per recording and time step)
_ID_COLUMNS = ("id", "unique_id", "instance", "instances", "case", "case_id", "recording", "series_id")
_LABEL_COLUMNS = ("label", "labels", "class", "class_vals", "target", "y")
_PD_LONG = ["index", "time_index", "column", "value"]  # sktime's pd-long


def check_long_frame(X: Any) -> None:
    """A long DataFrame ``X``, a row per recording and time step (an ``id`` column that repeats,
    sktime's ``pd-long``), is a :class:`DataError` with the line that indexes it as sktime's
    ``pd-multiindex``: read as a wide frame each row was a recording of one channel."""
    if not _is_wide_frame(X):
        return
    columns = [str(c) for c in X.columns]
    if sorted(columns) == sorted(_PD_LONG):
        raise DataError(
            "X (DataFrame) has sktime's pd-long columns (index, time_index, column, value): a row per "
            "recording, time point and channel. Pass it as sktime's pd-multiindex, a row per recording and "
            "time point: X.pivot(index=['index', 'time_index'], columns='column', values='value')."
        )
    ids = [c for c in X.columns if str(c).lower() in _ID_COLUMNS and X[c].duplicated().any()]
    if not ids:
        return
    rec = ids[0]
    rest = [c for c in X.columns if c != rec]
    times = [
        c for c in rest if "time" in str(c).lower() or str(c).lower() in ("t", "ds", "step", "timepoints")
    ]
    labels = [c for c in rest if str(c).lower() in _LABEL_COLUMNS]
    frame = f"X.drop(columns=[{labels[0]!r}])" if labels else "X"
    index = f"[{rec!r}, {times[0]!r}]" if times else f"[{rec!r}, X.groupby({rec!r}).cumcount()]"
    # the labels first: the second line replaces X
    y = f"y = X.groupby({rec!r}, sort=False)[{labels[0]!r}].first().to_numpy(); " if labels else ""
    raise DataError(
        f"X (DataFrame): column {rec!r} repeats, a long table (a row per recording and time step), but a "
        "DataFrame X without a MultiIndex is read as a row per recording and a column per time step. Index "
        f"it by recording and time (sktime's pd-multiindex, a column per channel): {y}X = {frame}.set_index({index}). "
        f"If it is a row per recording already ({rec!r} a subject's id), drop it: X.drop(columns=[{rec!r}])."
    )


def check_one_recording_frame(X: Any, fitted: Any) -> None:
    """A DataFrame ``X`` whose columns are the fitted channels ``fitted`` (``feature_names_in_``) is one
    recording, a row per time point: a :class:`DataError` saying how to pass it. Read as a wide frame it
    was a row per recording, each of one channel ("X has 1 channels", with a transpose that does not apply).
    So is a Series indexed by them, one row of a nested frame (``nested.iloc[0]``)."""
    if fitted is None or len(fitted) < 2:
        return
    names = sorted(str(c) for c in fitted)
    if isinstance(X, pd.Series) and sorted(str(c) for c in X.index) == names:  # nested.iloc[0]
        raise DataError(
            f"X is a pd.Series indexed by the fitted channels {list(fitted)}: one row of a nested DataFrame? "
            "A Series is read as recordings of one channel, a cell each. Pass rows as a DataFrame, "
            "nested.iloc[[i]] (one row: X.to_frame().T)."
        )
    if not _is_wide_frame(X) or sorted(str(c) for c in X.columns) != names:
        return
    raise DataError(
        f"X (DataFrame) has the fitted channels {list(fitted)} as its columns: one recording, a row per time "
        "point? A DataFrame X without a MultiIndex is read as a row per recording and a column per time step. "
        "Pass it as a list of one DataFrame, predict([X]) (sktime's df-list; several: a list of DataFrames), or "
        "several in one frame indexed by (recording, time point) (sktime's pd-multiindex)."
    )


def check_column_levels(X: Any) -> None:
    """A wide DataFrame ``X`` with 2-level columns (channel, time point) is a :class:`DataError` with the
    line that makes it sktime's ``pd-multiindex``: read as a column per time step, its channels were
    joined end to end into one channel."""
    if not _is_wide_frame(X) or not isinstance(X.columns, pd.MultiIndex) or X.columns.nlevels != 2:
        return
    shown = [tuple(c) for c in X.columns[:3]]
    raise DataError(
        f"X (DataFrame) has 2-level columns ({shown}, ...); a DataFrame X is read as a row per recording and a "
        "column per time step, so its channels would be joined end to end into one. If the levels are "
        "(channel, time point), pass X.stack(level=1); if (time point, channel), X.stack(level=0): sktime's "
        "pd-multiindex, a row per recording and time point, a column per channel."
    )


def check_wide_frame(X: Any) -> None:
    """A column of a wide DataFrame ``X`` holding text that is no number (an id, a label) is a
    :class:`DataError` naming it: it was "recording 0: values are not numeric ('r0')"."""
    if not _is_wide_frame(X):
        return
    for column in X.columns:
        values = X[column]
        if pd.api.types.is_numeric_dtype(values):  # a float or int column holds numbers (or NaN)
            continue
        bad = (pd.to_numeric(values, errors="coerce").isna() & values.notna()).to_numpy()
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise DataError(
                f"X (DataFrame): column {column!r} holds {values.iloc[row]!r} (row {X.index[row]!r}), not a "
                "number; every column of a DataFrame X is read as a time step (a row per recording): drop "
                f"the columns that are not, X.drop(columns=[{column!r}])."
            )


def _multiindex_label_columns(X: pd.DataFrame, y: Any) -> list[Any]:
    """The columns of a ``pd-multiindex`` frame ``X`` that are constant over each recording's rows and
    equal to its label in ``y`` (numbers: a text column is an error of its own)."""
    from ssm_ts.pipelines.sensor.nested import is_multiindex_frame

    if not is_multiindex_frame(X) or np.ndim(y) != 1:
        return []
    levels = list(range(X.index.nlevels - 1))
    grouped = X.groupby(level=levels if len(levels) > 1 else 0, sort=False)  # recordings as read
    labels = pd.to_numeric(pd.Series(np.asarray(y)), errors="coerce").to_numpy(dtype=np.float64)
    if grouped.ngroups != len(labels) or np.isnan(labels).any() or len(np.unique(labels)) < 2:
        return []
    found = []
    for column in X.columns:
        if not pd.api.types.is_numeric_dtype(X[column]) or (grouped[column].nunique() > 1).any():
            continue
        if (grouped[column].first().to_numpy(dtype=np.float64) == labels).all():
            found.append(column)
    return found


def warn_of_label_columns(X: Any, y: Any, stacklevel: int | None) -> None:
    """Warn when a column of a wide DataFrame ``X`` holds exactly the labels ``y`` (``df["label"]``
    left in ``X``), or a channel of a ``pd-multiindex`` frame holds each recording's label on all its
    rows: read as a time step or a channel, it hands the model the answer, and its score means
    nothing. ``stacklevel``: as :func:`warnings.warn`'s, counted from the caller; ``None``: the user's line."""
    level = user_stack_level() if stacklevel is None else stacklevel + 1
    channels = _multiindex_label_columns(X, y)
    if channels:
        warnings.warn(
            f"X (multi-index DataFrame): column(s) {channels} hold each recording's label y on all its rows, "
            "and every column is read as a channel: the model is given each recording's class, so its "
            "predictions and scores say nothing about new recordings. Drop them: "
            f"fit(X.drop(columns={channels}), y).",
            UserWarning,
            stacklevel=level,
        )
    if not _is_wide_frame(X) or np.ndim(y) != 1 or len(y) != len(X) or len(X) < 2:
        return
    labels = pd.Series(np.asarray(y))
    if labels.nunique() < 2:
        return
    numbers = pd.to_numeric(labels, errors="coerce").to_numpy(dtype=np.float64)
    found: list[Any] = []
    if not np.isnan(numbers).any():  # numeric labels (or text of numbers): one comparison for all columns
        numeric = all(pd.api.types.is_numeric_dtype(kind) for kind in X.dtypes)
        table = (X if numeric else X.apply(pd.to_numeric, errors="coerce")).to_numpy(dtype=np.float64)
        found = [X.columns[i] for i in np.flatnonzero((table == numbers[:, None]).all(axis=0))]
    text = labels.astype(str).to_numpy()
    for column in X.columns:
        if (
            not pd.api.types.is_numeric_dtype(X[column])
            and column not in found
            and (X[column].astype(str).to_numpy() == text).all()
        ):
            found.append(column)
    if found:
        warnings.warn(
            f"X (DataFrame): column(s) {found} hold the labels y, and every column of X is read as a time "
            "step: the model is given each recording's class, so its predictions and scores say nothing "
            f"about new recordings. Drop them: fit(X.drop(columns={found}), y).",
            UserWarning,
            stacklevel=level,
        )
