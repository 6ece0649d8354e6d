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


def warn_of_label_columns(X: Any, y: Any, stacklevel: int | None) -> None:
    """Warn when a column of a wide DataFrame ``X`` holds exactly the labels ``y`` (``df["label"]``
    left in ``X``): read as a time step, it hands the model the answer, and its score means nothing.
    ``stacklevel``: as :func:`warnings.warn`'s, counted from the caller; ``None``: the user's line."""
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
            stacklevel=user_stack_level() if stacklevel is None else stacklevel + 1,
        )
