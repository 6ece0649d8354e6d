"""Conformal nonconformity scores of calibration windows (:class:`ConformalScores`): computed from
forecasts and actuals (``"residual"`` and ``"cqr"``, see :mod:`ssm_ts.api.conformal`), stored as
float32 rounded up, and the score array a method uses for a level."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class ConformalScores:
    """Nonconformity scores of the calibration windows, NaN where a window has no actual (a fill,
    or a series of a ragged panel outside its span).

    Attributes:
        residual: ``(n_windows, horizon, n_targets)`` ``|y - point|`` (float32, rounded up; float64 when
            loaded from a file of the first format).
        cqr: ``(n_bands, n_windows, horizon, n_targets)`` ``max(lo - y, y - hi)`` per learned band,
            or ``None`` for a point model.
        bands: the ``(lo, hi)`` quantile levels of each band, outermost first.
        source: what the windows were (for messages), e.g. ``"the validation split (850 windows)"``.
        notes: per series without any scored window, why (e.g. ``"it ends at 2016-08-03 07:00:00,
            before the validation split (from 2016-08-05 00:00:00)"``), for the warning that names it.
        train_end: the time of the model's last training row as JSON (an ISO string, or an integer
            step): calibration windows that forecast it or earlier rows are in-sample. ``None``: not
            known (scores written by an older ssm-ts), nothing is checked.
    """

    residual: np.ndarray
    cqr: np.ndarray | None
    bands: tuple[tuple[float, float], ...]
    source: str
    notes: dict[str, str] = field(default_factory=dict)
    train_end: str | int | None = None

    @property
    def n_windows(self) -> int:
        return int(self.residual.shape[0])

    @property
    def horizon(self) -> int:
        return int(self.residual.shape[1])


def learned_bands(quantiles: Sequence[float] | None) -> tuple[tuple[float, float], ...]:
    """The central bands of sorted ``quantiles``: the i-th lowest level below 0.5 paired with the
    i-th highest above it (outermost first), e.g. ``[0.05, 0.1, 0.5, 0.9, 0.95]`` ->
    ``((0.05, 0.95), (0.1, 0.9))``."""
    levels = sorted(quantiles or [])
    low = [q for q in levels if q < 0.5]
    high = [q for q in reversed(levels) if q > 0.5]
    return tuple(zip(low, high, strict=False))


def score_kinds(quantiles: Sequence[float] | None) -> int:
    """Score arrays a model stores: the residual, and one CQR array per learned band."""
    return 1 + len(learned_bands(quantiles))


def _float32_up(values: np.ndarray) -> np.ndarray:
    """``values`` as float32, each rounded up to the next float32 where the cast rounded it down: a
    stored score is never below its float64 value, so an interval is never narrower (NaN kept)."""
    stored = values.astype(np.float32)
    below = stored.astype(np.float64) < values
    stored[below] = np.nextafter(stored[below], np.float32(np.inf))
    return stored


def compute_scores(
    prediction: np.ndarray,
    actual: np.ndarray,
    quantiles: Sequence[float] | None,
    source: str,
    notes: dict[str, str] | None = None,
    train_end: str | int | None = None,
) -> ConformalScores:
    """Scores of ``prediction (n_windows, horizon, n_targets, n_quantiles)`` (original units, the
    quantile axis sorted as the model's ``quantiles``) against ``actual (n_windows, horizon, n_targets)``
    (NaN: not scored), as float32 rounded up; ``notes``: why a series has no scored window;
    ``train_end``: the model's last training time (:class:`ConformalScores`)."""
    levels = sorted(quantiles or [])
    point = int(np.argmin([abs(q - 0.5) for q in levels])) if levels else 0
    residual = np.abs(actual - prediction[..., point])
    bands = learned_bands(levels)
    cqr = None
    if bands:
        cqr = np.stack(
            [
                np.maximum(
                    prediction[..., levels.index(lo)] - actual, actual - prediction[..., levels.index(hi)]
                )
                for lo, hi in bands
            ]
        )
    cqr = None if cqr is None else _float32_up(cqr)
    return ConformalScores(_float32_up(residual), cqr, bands, source, dict(notes or {}), train_end)


def band_for(scores: ConformalScores, level: float) -> int:
    """Index of the learned band whose nominal coverage is closest to ``level`` percent."""
    return int(np.argmin([abs(100 * (hi - lo) - level) for lo, hi in scores.bands]))


def method_scores(scores: ConformalScores, level: float, method: str) -> np.ndarray:
    """``(n_windows, horizon, n_targets)``: the score array ``method`` uses for ``level``."""
    return scores.residual if method == "residual" else scores.cqr[band_for(scores, level)]
