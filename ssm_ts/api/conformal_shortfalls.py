"""Series with too few calibration windows for a conformal level: how many a level needs, which
(series, level) pairs fall short, the error when no series has enough, and the warning naming the
others."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ssm_ts.api.conformal_checks import default_method
from ssm_ts.errors import DataError
from ssm_ts.tasks.conformal_scores import ConformalScores, method_scores


def needed_windows(level: float) -> int:
    """The least ``n`` with ``ceil((n + 1) level / 100) <= n``: windows a level needs (80%: 4, 95%: 19)."""
    return math.ceil(level / (100 - level) - 1e-9)


def highest_level(n: int) -> float:
    """The highest level ``n`` windows give (``100 n / (n + 1)``, rounded down to 0.1): 4 -> 80, 12 -> 92.3."""
    return math.floor(1000 * n / (n + 1) + 1e-9) / 10


@dataclass(frozen=True)
class Shortfall:
    """A series with too few calibration windows for a level at some of the asked steps (its
    interval is NaN there): ``windows`` is its fewest windows at any of those steps."""

    series: str
    level: float
    windows: int


def shortfalls(
    scores: ConformalScores,
    levels: Sequence[float],
    targets: Sequence[str],
    steps: int,
    method: str | None = None,
) -> list[Shortfall]:
    """The (series, level) pairs of the first ``steps`` horizon steps without enough windows."""
    method = default_method(scores, method)
    found = []
    for level in sorted(levels):
        counts = np.sum(~np.isnan(method_scores(scores, level, method)[:, :steps]), axis=0).min(axis=0)
        found += [
            Shortfall(targets[j], level, int(n)) for j, n in enumerate(counts) if n < needed_windows(level)
        ]
    return found


def check_some_interval(
    short: Sequence[Shortfall], levels: Sequence[float], scores: ConformalScores, targets: Sequence[str]
) -> None:
    """Refuse a level no series has enough windows for (the calibration itself is too small).

    Raises:
        DataError: the level, the most windows any series has, and the fix.
    """
    for level in sorted(levels):
        counts = {s.series: s.windows for s in short if s.level == level}
        if len(counts) < len(targets):
            continue
        needed = needed_windows(level)
        best = max(counts, key=counts.get)
        n = counts[best]
        lower = f"Ask for a level of at most {highest_level(n):g}, or calibrate" if n else "Calibrate"
        raise DataError(
            f"level {level:g}% needs at least {needed} calibration windows per horizon step and series, and no "
            f"series has that many in {scores.source}: the most is {n} ({best!r}). {lower} on more windows "
            f"the model was not trained on: Forecaster.calibrate(data, n_windows={max(needed, 2 * n)}) on rows "
            "after the training split, a longer validation split, or a larger Forecaster(calibration_budget=...) "
            "when fit kept fewer windows than the split has."
        )


def shortfall_message(short: Sequence[Shortfall], scores: ConformalScores) -> str:
    """One warning for every series left without an interval: the series, why, and the levels it has."""
    parts, too_few = [], False
    for name in dict.fromkeys(s.series for s in short):
        mine = [s for s in short if s.series == name]
        levels = ", ".join(f"{s.level:g}%" for s in mine)
        n = min(s.windows for s in mine)
        if n == 0:
            why = scores.notes.get(name, "none of its windows there has an observed actual")
            parts.append(
                f"{name!r} has no held-out calibration window ({why}), so no {levels} interval: its errors on "
                "the rows it was trained on are too small to calibrate with"
            )
        else:
            too_few = True
            parts.append(
                f"{name!r} has {n} calibration windows, too few for {levels} "
                f"({needed_windows(max(s.level for s in mine))} needed); {n} give levels up to {highest_level(n):g}%"
            )
    advice = (
        " For a series with too few windows, ask for a level it has, or calibrate on more windows the model was "
        "not trained on (Forecaster.calibrate(data, n_windows=...) on rows after the training split)."
        if too_few
        else ""
    )
    return (
        f"conformal intervals left NaN (calibrated on {scores.source}): "
        + "; ".join(parts)
        + ". The other series have theirs."
        + advice
    )
