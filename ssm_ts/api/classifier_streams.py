"""``SSMClassifier`` given the ``StreamWindows`` of :func:`~ssm_ts.pipelines.sensor.sliding_windows`:
its windows as ``X``, its labels as ``y`` and its groups for the validation split, as a ``SeriesSet``
brings its labels."""

from __future__ import annotations

from typing import Any

import numpy as np

from ssm_ts.leaky_validation import LeakyValidationWarning, overlap_step
from ssm_ts.rank_zero_warnings import warn_on_rank_zero

__all__ = [
    "LeakyValidationWarning",
    "penalty_groups",
    "stream_fit_arguments",
    "stream_recordings",
    "stream_scored",
]


def _is_stream_windows(X: Any) -> bool:
    # by name, not isinstance: importing the sensor pipelines loads Lightning, which arrays do not need
    return type(X).__name__ == "StreamWindows" and hasattr(X, "groups") and hasattr(X, "starts")


def stream_recordings(X: Any) -> Any:
    """``X.X`` for ``StreamWindows``, else ``X`` as it is (for predict and score)."""
    return X.X if _is_stream_windows(X) else X


def stream_scored(X: Any, y: Any) -> tuple[Any, Any]:
    """``(X, y)`` for ``score``: ``StreamWindows`` give their windows, and their labels where ``y`` is
    not given."""
    if not _is_stream_windows(X):
        return X, y
    return X.X, X.y if y is None else y


def stream_fit_arguments(X: Any, y: Any, groups: Any, val_fraction: float) -> tuple[Any, Any, Any]:
    """``(X, y, groups)`` for ``fit``: ``StreamWindows`` give their windows, and their labels and
    groups where ``y`` and ``groups`` are not given. Windows of a single group (cut without
    ``group_col``) cannot be split by group: with ``val_fraction`` > 0 a ``LeakyValidationWarning``
    says so, and the split stays the random one (groups ``None``); with ``val_fraction`` 0 (random
    features: no split) their one group is kept, for :func:`penalty_groups` to warn about. So does
    an array of overlapping windows without ``groups`` (:func:`~ssm_ts.leaky_validation.overlap_step`):
    ``X, y, groups, starts = sliding_windows(...)`` fitted as ``fit(X, y)``."""
    if not _is_stream_windows(X):
        step = overlap_step(X) if groups is None and val_fraction > 0 else None
        if step is not None:
            warn_on_rank_zero(
                f"X looks like overlapping windows of a stream (each window repeats the one before from "
                f"{step} samples on), and without groups val_fraction={val_fraction:g} holds out windows at "
                "random: they overlap training ones, so the validation loss that picks the best epoch is "
                "optimistic. Pass each window's subject or recording, fit(X, y, groups=groups) (X, y, "
                "groups, starts = sliding_windows(...)), or fit with val_fraction=0.",
                LeakyValidationWarning,
                stacklevel=None,
            )
        return X, y, groups
    y = X.y if y is None else y
    if groups is None:
        groups = X.groups
        if len(np.unique(groups)) < 2 and val_fraction > 0:
            warn_on_rank_zero(
                f"the windows are of one recording (no group_col), so val_fraction={val_fraction:g} holds "
                "out windows that overlap, or neighbour, training ones: the validation loss that picks "
                "the best epoch is optimistic. Cut the stream with group_col='<subject column>', pass "
                "groups=..., or fit with val_fraction=0.",
                LeakyValidationWarning,
                stacklevel=None,
            )
            groups = None
    return X.X, y, groups


def penalty_groups(groups: Any, codes: np.ndarray) -> np.ndarray | None:
    """The groups ``codes`` ``(n,)`` (:func:`~ssm_ts.pipelines.sensor.group_split.check_groups` of
    ``groups``) over which the random features choose their ridge penalty, or ``None`` (leave-one-out)
    when every recording is of one group, which warns as the CLI does: there are no groups to hold
    out, and leave-one-out scores each window against its overlapping neighbours. Not an error, so a
    ``LeaveOneGroupOut`` cross-validation over two subjects fits each fold on the one left."""
    if len(np.unique(codes)) > 1:
        return codes
    warn_on_rank_zero(
        f"all {len(codes)} recordings are of one group ({str(np.asarray(groups, dtype=object).ravel()[0])!r}), "
        "so the ridge penalty is chosen by leave-one-out over them: windows of one stream overlap, so "
        "each is scored against its neighbours in the fit and the penalty is chosen on optimistic scores. "
        "Fit on recordings of several subjects or sessions with their groups "
        "(sliding_windows(..., group_col='<subject column>'), or groups=...); in cross-validation, keep "
        "several subjects in each training fold (GroupKFold over 3 or more subjects, not LeaveOneGroupOut "
        "over 2).",
        LeakyValidationWarning,
        stacklevel=None,
    )
    return None
