"""Split-conformal prediction intervals for ``Forecaster``: calibration scores, levels, intervals.

A fitted forecaster is run over calibration windows it was not trained on (the validation split
after ``fit``, or the last windows of a table given to ``Forecaster.calibrate``, which leaves out the
windows that forecast rows up to the model's last training row, :attr:`ConformalScores.train_end`:
their in-sample errors would make the intervals too narrow). Each window gives, per horizon step and
series, a nonconformity score:

* ``"residual"`` (conformal on the point forecast, neuralforecast's ``conformal_error``):
  ``|y - point|``; the interval of level ``L`` is ``point -/+ Q``.
* ``"cqr"`` (conformalised quantile regression, Romano et al. 2019) for a model fitted with
  ``quantiles``: for a learned band ``[lo, hi]`` (a quantile below 0.5 paired with its mirror
  above), ``max(lo - y, y - hi)``; the interval is ``[lo - Q, hi + Q]``, the learned band widened
  (``Q > 0``) or narrowed (``Q < 0``) to the calibrated coverage.

``Q`` is, per horizon step and series, the ``ceil((n + 1) L / 100)``-th smallest of the ``n``
scores (the finite-sample correction of split conformal prediction). A series with fewer windows
than a level needs (a series of a ragged panel that ends before the validation split has none) gets
NaN bounds for that level and a warning naming it, while the other series keep theirs; a level no
series has enough windows for is refused with the count it needs. The windows of one series overlap and are not
exchangeable, so the guarantee is approximate; coverage on the calibration windows themselves is
at least ``L`` by construction.

Storage: scores are kept as float32, each rounded up to the next float32 (an interval is never
narrower than the float64 scores give), and ``fit`` keeps at most ``calibration_budget`` of them
(windows x horizon steps x series x score kinds; :data:`DEFAULT_SCORE_BUDGET`, 4 bytes each, so
about 17 MB). Validation windows beyond the budget (and beyond :data:`MAX_CALIBRATION_WINDOWS`) are
left out evenly spaced, but never fewer than :data:`MIN_CALIBRATION_WINDOWS` (19, what a 95% interval
needs) are kept. Fewer windows keep the guarantee (coverage at least ``L`` on exchangeable data;
a level needs ``n >= L / (100 - L)`` windows: 99% needs 99), and make the coverage of one
calibration vary more around it: with ``n`` windows it is at most ``L + 100 / (n + 1)`` percent on
average, and spreads about ``100 sqrt(L (100 - L)) / (100 sqrt(n + 2))`` points from one calibration
set to another (95%: 1.5 points at 200 windows, 0.7 at 1000).

Scores are saved beside an export as ``conformal.safetensors`` (tensors, JSON metadata): loading
unpickles nothing and needs no GPU. Files of the first format (float64 scores) load as they are.

The scores are in :mod:`~ssm_ts.tasks.conformal_scores`, the request checks in
:mod:`~ssm_ts.api.conformal_checks`, the series with too few windows in
:mod:`~ssm_ts.api.conformal_shortfalls`, files and checkpoint entries in
:mod:`~ssm_ts.tasks.conformal_storage`, the window budget in :mod:`~ssm_ts.tasks.conformal_budget`
(those three sit below the api: a CLI fit's task scores and stores them too); this module calibrates
the intervals.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ssm_ts.api.conformal_checks import (
    METHODS,
    check_interval_request,
    check_levels,
    check_method,
    check_method_name,
    check_steps_calibrated,
    default_method,
)
from ssm_ts.api.conformal_shortfalls import (
    Shortfall,
    check_some_interval,
    highest_level,
    needed_windows,
    shortfall_message,
    shortfalls,
)
from ssm_ts.tasks.conformal_budget import (
    DEFAULT_SCORE_BUDGET,
    MAX_CALIBRATION_WINDOWS,
    MIN_CALIBRATION_WINDOWS,
    check_budget,
    windows_to_keep,
)
from ssm_ts.tasks.conformal_scores import (
    ConformalScores,
    band_for,
    compute_scores,
    learned_bands,
    method_scores,
    score_kinds,
)
from ssm_ts.tasks.conformal_storage import (
    CHECKPOINT_KEY,
    SCORES_FILE,
    load_scores,
    save_scores,
    scores_from_checkpoint,
    scores_to_checkpoint,
)

# moved to their own modules; the forecaster, the CLI and tests import them from here
__all__ = [
    "CHECKPOINT_KEY",
    "DEFAULT_SCORE_BUDGET",
    "MAX_CALIBRATION_WINDOWS",
    "METHODS",
    "MIN_CALIBRATION_WINDOWS",
    "SCORES_FILE",
    "ConformalScores",
    "Shortfall",
    "band_for",
    "calibrated_offset",
    "check_budget",
    "check_interval_request",
    "check_levels",
    "check_method",
    "check_method_name",
    "check_some_interval",
    "check_steps_calibrated",
    "compute_scores",
    "default_method",
    "highest_level",
    "interval_columns",
    "intervals",
    "learned_bands",
    "load_scores",
    "method_scores",
    "needed_windows",
    "save_scores",
    "score_kinds",
    "scores_from_checkpoint",
    "scores_to_checkpoint",
    "shortfall_message",
    "shortfalls",
    "windows_to_keep",
]


def interval_columns(target: str, level: float) -> tuple[str, str]:
    """``("OT_lo-80", "OT_hi-80")``: neuralforecast's names for the interval of ``level`` percent."""
    return f"{target}_lo-{level:g}", f"{target}_hi-{level:g}"


def calibrated_offset(scores: np.ndarray, level: float, steps: int) -> np.ndarray:
    """``(steps, n_targets)`` the ``ceil((n + 1) level / 100)``-th smallest score of the first
    ``steps`` horizon steps, ``n`` the windows scored at that step and series; NaN where ``n`` is
    too small for ``level`` (see :func:`shortfalls`)."""
    block = scores[:, :steps]
    counts = np.sum(~np.isnan(block), axis=0)  # (steps, n_targets)
    # the rank the corrected quantile needs; the epsilon keeps 5 * 0.8 from rounding up to 5
    ranks = np.ceil((counts + 1) * level / 100 - 1e-9).astype(int)
    ordered = np.sort(block, axis=0)  # NaN sort last: rank k of each column is among its scores
    index = np.clip(ranks - 1, 0, max(len(block) - 1, 0))[None]
    offset = np.take_along_axis(ordered, index, axis=0)[0].astype(np.float64)
    offset[ranks > counts] = np.nan
    return offset


def intervals(
    prediction: np.ndarray,
    scores: ConformalScores,
    levels: Sequence[float],
    quantiles: Sequence[float] | None,
    targets: Sequence[str],
    method: str | None = None,
) -> dict[float, tuple[np.ndarray, np.ndarray]]:
    """``{level: (lower, upper)}`` for ``prediction (..., steps, n_targets, n_quantiles)``, each
    ``(..., steps, n_targets)``; ``steps <= scores.horizon``. NaN for the series and steps with too
    few windows for a level (:func:`shortfalls` names them); a level no series has enough windows for
    is a :class:`DataError` (:func:`check_some_interval`).

    Intervals nest: each level's is widened to hold the smaller levels' (with one band and the
    residual scores they nest already; CQR with a band per level may not, and widening keeps coverage).
    """
    method = default_method(scores, method)
    steps = prediction.shape[-3]
    levels = sorted(levels)
    check_some_interval(shortfalls(scores, levels, targets, steps, method), levels, scores, targets)
    sorted_q = sorted(quantiles or [])
    point = int(np.argmin([abs(q - 0.5) for q in sorted_q])) if sorted_q else 0
    result: dict[float, tuple[np.ndarray, np.ndarray]] = {}
    for level in levels:
        offset = calibrated_offset(method_scores(scores, level, method), level, steps)
        if method == "residual":
            lower, upper = prediction[..., point] - offset, prediction[..., point] + offset
        else:
            lo, hi = scores.bands[band_for(scores, level)]
            lower = prediction[..., sorted_q.index(lo)] - offset
            upper = prediction[..., sorted_q.index(hi)] + offset
            # a negative offset larger than half the band would cross it: meet in the middle
            middle = (lower + upper) / 2
            crossed = lower > upper
            lower, upper = np.where(crossed, middle, lower), np.where(crossed, middle, upper)
        if result:  # widened to the inner level's; a NaN bound (too few windows) stays NaN
            inner_lower, inner_upper = result[max(result)]
            lower = np.where(np.isnan(lower), np.nan, np.fmin(lower, inner_lower))
            upper = np.where(np.isnan(upper), np.nan, np.fmax(upper, inner_upper))
        result[level] = (lower, upper)
    return result
