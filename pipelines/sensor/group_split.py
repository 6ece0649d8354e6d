"""A validation split that holds out whole groups (subjects, sessions): windows cut from one stream
overlap and share their subject's gait and device, so a split of windows at random puts near copies
of each validation window in training and early stopping picks its epoch on leaked scores."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedGroupKFold

from ssm_ts.errors import DataError

from .series import SeriesSet, require_labels


def check_groups(groups: Any, n: int) -> np.ndarray:
    """``groups`` ``(n,)`` as integer codes ``(n,)``, one per recording; a DataError for another length
    or a missing value (NaN, None)."""
    values = np.asarray(groups, dtype=object)
    if values.ndim != 1 or len(values) != n:
        raise DataError(
            f"groups has shape {values.shape} but X has {n} recordings; give one group (subject or "
            "session) per recording: groups=w.groups for windows w = sliding_windows(...)."
        )
    codes, _ = pd.factorize(values, use_na_sentinel=True)
    missing = np.flatnonzero(codes < 0)
    if len(missing):
        raise DataError(
            f"groups: recordings {missing[:10].tolist()} have no group (NaN or None); give every recording "
            "its subject or session, or drop those recordings from X, y and groups."
        )
    return codes


def group_split(
    data: SeriesSet, val_fraction: float, seed: int, groups: np.ndarray
) -> tuple[SeriesSet, SeriesSet]:
    """``(train, validation)``: whole groups held out, about ``val_fraction`` of the recordings,
    stratified by class as far as whole groups allow (scikit-learn's ``StratifiedGroupKFold``).

    ``groups`` ``(len(data),)``: each recording's group. Of the folds, the one whose training part has
    every class and whose validation share is nearest ``val_fraction`` is taken.

    Raises:
        DataError: fewer than two groups, or no fold whose training part holds every class.
    """
    labels = require_labels(data)
    codes = check_groups(groups, len(data))
    n_groups = int(codes.max()) + 1
    if n_groups < 2:
        raise DataError(
            f"{data.source}: cannot hold out whole groups for validation: every recording is of one group. "
            "Cut the stream with group_col='<subject column>', or use val_fraction=0 (train on all, no "
            "early stopping on leaked scores)."
        )
    n_splits = min(n_groups, max(2, round(1 / val_fraction)))
    folds = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    classes = np.unique(labels)
    best: tuple[float, np.ndarray, np.ndarray] | None = None
    with warnings.catch_warnings():  # "least populated class has only k members": groups, not classes
        warnings.simplefilter("ignore", UserWarning)
        splits = list(folds.split(np.zeros(len(data)), labels, codes))
    for train_idx, val_idx in splits:
        if len(np.unique(labels[train_idx])) < len(classes):
            continue  # a class seen only in validation: the model could not learn it
        distance = abs(len(val_idx) / len(data) - val_fraction)
        if best is None or distance < best[0]:
            best = (distance, train_idx, val_idx)
    if best is None:
        raise DataError(
            f"{data.source}: no split of its {n_groups} groups keeps every class in training (each class "
            "must occur in at least two groups); add groups, or use val_fraction=0."
        )
    return data.subset(np.sort(best[1])), data.subset(np.sort(best[2]))
