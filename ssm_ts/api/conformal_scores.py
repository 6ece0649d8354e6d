"""Moved to :mod:`ssm_ts.tasks.conformal_scores` (a CLI fit's task scores its validation windows too);
the names stay importable from here, and pickles naming ``ssm_ts.api.conformal_scores.ConformalScores``
still load."""

from ssm_ts.tasks.conformal_scores import (
    ConformalScores,
    band_for,
    compute_scores,
    learned_bands,
    method_scores,
    score_kinds,
)

__all__ = ["ConformalScores", "band_for", "compute_scores", "learned_bands", "method_scores", "score_kinds"]
