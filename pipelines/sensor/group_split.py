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
from ssm_ts.rank_zero_warnings import warn_on_rank_zero

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
    every class and whose validation share is nearest ``val_fraction`` is taken. Too few groups for
    ``val_fraction`` (2 groups hold out half) warn, naming the share held out.

    Raises:
        DataError: fewer than two groups, or no fold whose training part holds every class (naming
            the classes found in fewest groups). No random split instead: it would leak.
    """
    labels = require_labels(data)
    codes = check_groups(groups, len(data))
    names = pd.factorize(np.asarray(groups, dtype=object))[1]
    n_groups = int(codes.max()) + 1
    if n_groups < 2:
        raise DataError(
            f"{data.source}: cannot hold out whole groups for validation: every recording is of one group "
            f"({str(names[0])!r}, all {len(data)} recordings). Give each recording its subject or session "
            "(groups=..., or cut the stream with group_col='<subject column>'), or use val_fraction=0 (train "
            "on all, no early stopping on leaked scores)."
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
            f"{data.source}: no split of its {n_groups} groups keeps every class in training ({n_splits} "
            f"folds, val_fraction={val_fraction:g}): {_fewest_groups(labels, codes, names)}. Each "
            "class needs recordings in groups that stay in training: add recordings of those classes from "
            "other subjects or sessions, or use val_fraction=0 (train on all, keep the last epoch)."
        )
    _, train_idx, val_idx = best
    share = len(val_idx) / len(data)
    if share >= 2 * val_fraction:
        warn_on_rank_zero(
            f"{data.source}: val_fraction={val_fraction:g} held out {len(val_idx)} of {len(data)} recordings "
            f"({share:.0%}): whole groups, and with {n_groups} groups no fold is nearer {val_fraction:g}; the "
            f"model trains on {len(train_idx)} recordings. Give more groups (subjects, sessions), or use "
            "val_fraction=0 to train on all of them.",
            UserWarning,
            stacklevel=None,
        )
    return data.subset(np.sort(train_idx)), data.subset(np.sort(val_idx))


def _fewest_groups(labels: np.ndarray, codes: np.ndarray, names: np.ndarray, most: int = 5) -> str:
    """The classes in fewest groups, with their groups: "class 'walk' is in 1 group ('s1'), ..."."""
    frame = pd.DataFrame({"label": labels, "group": codes}).drop_duplicates()
    per_class = frame.groupby("label", sort=True)["group"].apply(list)
    fewest = per_class[per_class.map(len) == per_class.map(len).min()].head(most)
    parts = []
    for label, found in fewest.items():
        listed = ", ".join(repr(str(names[g])) for g in found[:3]) + (", ..." if len(found) > 3 else "")
        parts.append(
            f"class {str(label)!r} is in {len(found)} group{'s' if len(found) > 1 else ''} ({listed})"
        )
    return ", ".join(parts)
