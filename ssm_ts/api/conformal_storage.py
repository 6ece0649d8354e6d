"""Moved to :mod:`ssm_ts.tasks.conformal_storage` (a CLI fit's task keeps its scores in its checkpoint);
the names stay importable from here."""

from ssm_ts.tasks.conformal_storage import (
    CHECKPOINT_KEY,
    SCORES_FILE,
    load_scores,
    save_scores,
    scores_from_checkpoint,
    scores_to_checkpoint,
)

__all__ = [
    "CHECKPOINT_KEY",
    "SCORES_FILE",
    "load_scores",
    "save_scores",
    "scores_from_checkpoint",
    "scores_to_checkpoint",
]
