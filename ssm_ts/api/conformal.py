"""Split-conformal prediction intervals for ``Forecaster``: calibration scores, levels, intervals.

A fitted forecaster is run over calibration windows it was not trained on (the validation split
after ``fit``, or the last windows of a table given to ``Forecaster.calibrate``). Each window gives,
per horizon step and series, a nonconformity score:

* ``"residual"`` (conformal on the point forecast, neuralforecast's ``conformal_error``):
  ``|y - point|``; the interval of level ``L`` is ``point -/+ Q``.
* ``"cqr"`` (conformalised quantile regression, Romano et al. 2019) for a model fitted with
  ``quantiles``: for a learned band ``[lo, hi]`` (a quantile below 0.5 paired with its mirror
  above), ``max(lo - y, y - hi)``; the interval is ``[lo - Q, hi + Q]``, the learned band widened
  (``Q > 0``) or narrowed (``Q < 0``) to the calibrated coverage.

``Q`` is, per horizon step and series, the ``ceil((n + 1) L / 100)``-th smallest of the ``n``
scores (the finite-sample correction of split conformal prediction); a level that needs more than
``n`` windows is refused with the count it needs. The windows of one series overlap and are not
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
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file

from ssm_ts.errors import CheckpointError, ConfigError, DataError

SCORES_FILE = "conformal.safetensors"
METHODS = ("residual", "cqr")
_FORMAT = "2"  # 1: float64 scores; 2: float32, rounded up
_READABLE_FORMATS = ("1", "2")
# calibration windows kept by fit: enough for 99% intervals, a bounded forward pass
MAX_CALIBRATION_WINDOWS = 1000
# the least windows fit keeps whatever the budget: a 95% interval needs 19
MIN_CALIBRATION_WINDOWS = 19
# score values fit stores at most (windows x horizon x series x score kinds), 4 bytes each: ~17 MB
DEFAULT_SCORE_BUDGET = 2**22


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
    """

    residual: np.ndarray
    cqr: np.ndarray | None
    bands: tuple[tuple[float, float], ...]
    source: str

    @property
    def n_windows(self) -> int:
        return int(self.residual.shape[0])

    @property
    def horizon(self) -> int:
        return int(self.residual.shape[1])


def interval_columns(target: str, level: float) -> tuple[str, str]:
    """``("OT_lo-80", "OT_hi-80")``: neuralforecast's names for the interval of ``level`` percent."""
    return f"{target}_lo-{level:g}", f"{target}_hi-{level:g}"


def check_levels(level: Any) -> list[float]:
    """``level`` (a number or a list of numbers, percent in ``[1, 100)``) as sorted, distinct floats; a
    clear error for anything else (a fraction such as ``0.9`` is refused with the percent it means)."""
    levels = list(level) if isinstance(level, (list, tuple, np.ndarray)) else [level]
    if not levels:
        raise ConfigError("level=[] asks for no interval; give levels in percent, e.g. level=[80, 95].")
    checked = []
    for value in levels:
        ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
        if ok and 0 < float(value) < 1:  # darts and sklearn users write coverages as fractions
            raise ConfigError(
                f"level={level!r}: {value!r} looks like a fraction, and levels are coverages in percent: "
                f"write {100 * float(value):g} for a {100 * float(value):g}% interval (levels below 1% are refused)."
            )
        if not ok or not 0 < float(value) < 100:
            raise ConfigError(
                f"level={level!r}: {value!r} is not a coverage in percent strictly between 0 and 100; "
                "give e.g. level=[80, 95] for 80% and 95% intervals."
            )
        checked.append(float(value))
    return sorted(set(checked))


def learned_bands(quantiles: Sequence[float] | None) -> tuple[tuple[float, float], ...]:
    """The central bands of sorted ``quantiles``: the i-th lowest level below 0.5 paired with the
    i-th highest above it (outermost first), e.g. ``[0.05, 0.1, 0.5, 0.9, 0.95]`` ->
    ``((0.05, 0.95), (0.1, 0.9))``."""
    levels = sorted(quantiles or [])
    low = [q for q in levels if q < 0.5]
    high = [q for q in reversed(levels) if q > 0.5]
    return tuple(zip(low, high, strict=False))


def check_budget(budget: Any) -> int:
    """``budget`` (``Forecaster(calibration_budget=...)``) as an int, or a clear error."""
    if isinstance(budget, bool) or not isinstance(budget, (int, np.integer)) or budget < 1:
        raise ConfigError(
            f"calibration_budget must be a whole number of scores >= 1, got {budget!r}; the default "
            f"{DEFAULT_SCORE_BUDGET} keeps at most that many calibration scores (4 bytes each) with the model."
        )
    return int(budget)


def score_kinds(quantiles: Sequence[float] | None) -> int:
    """Score arrays a model stores: the residual, and one CQR array per learned band."""
    return 1 + len(learned_bands(quantiles))


def windows_to_keep(available: int, per_window: int, budget: int) -> int:
    """How many of ``available`` calibration windows ``fit`` scores and keeps: as many as ``budget``
    score values hold at ``per_window`` values each (horizon x series x score kinds), at most
    :data:`MAX_CALIBRATION_WINDOWS`, at least :data:`MIN_CALIBRATION_WINDOWS` (or all there are)."""
    fitting = max(budget // max(per_window, 1), MIN_CALIBRATION_WINDOWS)
    return int(min(available, MAX_CALIBRATION_WINDOWS, fitting))


def _float32_up(values: np.ndarray) -> np.ndarray:
    """``values`` as float32, each rounded up to the next float32 where the cast rounded it down: a
    stored score is never below its float64 value, so an interval is never narrower (NaN kept)."""
    stored = values.astype(np.float32)
    below = stored.astype(np.float64) < values
    stored[below] = np.nextafter(stored[below], np.float32(np.inf))
    return stored


def compute_scores(
    prediction: np.ndarray, actual: np.ndarray, quantiles: Sequence[float] | None, source: str
) -> ConformalScores:
    """Scores of ``prediction (n_windows, horizon, n_targets, n_quantiles)`` (original units, the
    quantile axis sorted as the model's ``quantiles``) against ``actual (n_windows, horizon, n_targets)``
    (NaN: not scored), as float32 rounded up."""
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
    return ConformalScores(_float32_up(residual), None if cqr is None else _float32_up(cqr), bands, source)


def default_method(scores: ConformalScores, method: str | None) -> str:
    """``method`` checked, or the default: ``"cqr"`` with learned bands, else ``"residual"``."""
    if method is None:
        return "cqr" if scores.bands else "residual"
    if method not in METHODS:
        raise ConfigError(f"interval_method={method!r} is not one of {list(METHODS)}.")
    if method == "cqr" and not scores.bands:
        raise ConfigError(
            "interval_method='cqr' widens learned quantile bands, and this model has none (fitted without "
            "quantiles, or with only 0.5); use interval_method='residual', or refit with e.g. quantiles=[0.1, 0.9]."
        )
    return method


def band_for(scores: ConformalScores, level: float) -> int:
    """Index of the learned band whose nominal coverage is closest to ``level`` percent."""
    return int(np.argmin([abs(100 * (hi - lo) - level) for lo, hi in scores.bands]))


def calibrated_offset(
    scores: np.ndarray, level: float, source: str, targets: Sequence[str], steps: int
) -> np.ndarray:
    """``(steps, n_targets)`` the ``ceil((n + 1) level / 100)``-th smallest score of the first
    ``steps`` horizon steps, ``n`` the windows scored at that step and series.

    Raises:
        DataError: some step and series has too few windows for ``level`` (named, with the fix).
    """
    block = scores[:, :steps]
    counts = np.sum(~np.isnan(block), axis=0)  # (steps, n_targets)
    # the rank the corrected quantile needs; the epsilon keeps 5 * 0.8 from rounding up to 5
    ranks = np.ceil((counts + 1) * level / 100 - 1e-9).astype(int)
    short = ranks > counts
    if short.any():
        step, series = np.unravel_index(np.argmin(np.where(short, counts, np.iinfo(int).max)), counts.shape)
        n = int(counts[step, series])
        needed = math.ceil(level / (100 - level) - 1e-9)  # the least n with ceil((n+1)L/100) <= n
        most = math.floor(100 * n / (n + 1) * 1e6) / 1e6 if n else 0
        raise DataError(
            f"level {level:g}% needs at least {needed} calibration windows per horizon step and series, but "
            f"series {targets[series]!r} has {n} at step {step + 1} in {source}. Ask for a level of at most "
            f"{most:g}, or calibrate on more windows: Forecaster.calibrate(data, n_windows={max(needed, 2 * n)}) "
            "on held-out rows, a longer validation split, or a larger Forecaster(calibration_budget=...) "
            "when fit kept fewer windows than the split has."
        )
    ordered = np.sort(block, axis=0)  # NaN sort last: rank k of each column is among its scores
    index = np.maximum(ranks - 1, 0)[None]
    return np.take_along_axis(ordered, index, axis=0)[0]


def intervals(
    prediction: np.ndarray,
    scores: ConformalScores,
    levels: Sequence[float],
    quantiles: Sequence[float] | None,
    targets: Sequence[str],
    method: str | None = None,
) -> dict[float, tuple[np.ndarray, np.ndarray]]:
    """``{level: (lower, upper)}`` for ``prediction (..., steps, n_targets, n_quantiles)``, each
    ``(..., steps, n_targets)``; ``steps <= scores.horizon``.

    Intervals nest: each level's is widened to hold the smaller levels' (with one band and the
    residual scores they nest already; CQR with a band per level may not, and widening keeps coverage).
    """
    method = default_method(scores, method)
    steps = prediction.shape[-3]
    levels = sorted(levels)
    sorted_q = sorted(quantiles or [])
    point = int(np.argmin([abs(q - 0.5) for q in sorted_q])) if sorted_q else 0
    result: dict[float, tuple[np.ndarray, np.ndarray]] = {}
    for level in levels:
        if method == "residual":
            offset = calibrated_offset(scores.residual, level, scores.source, targets, steps)
            lower, upper = prediction[..., point] - offset, prediction[..., point] + offset
        else:
            k = band_for(scores, level)
            lo, hi = scores.bands[k]
            offset = calibrated_offset(scores.cqr[k], level, scores.source, targets, steps)
            lower = prediction[..., sorted_q.index(lo)] - offset
            upper = prediction[..., sorted_q.index(hi)] + offset
            # a negative offset larger than half the band would cross it: meet in the middle
            middle = (lower + upper) / 2
            crossed = lower > upper
            lower, upper = np.where(crossed, middle, lower), np.where(crossed, middle, upper)
        if result:
            inner_lower, inner_upper = result[max(result)]
            lower, upper = np.fmin(lower, inner_lower), np.fmax(upper, inner_upper)
        result[level] = (lower, upper)
    return result


def check_steps_calibrated(scores: ConformalScores, n: int) -> None:
    """Intervals exist for the calibrated horizon only: a rollout beyond it has no scores."""
    if n > scores.horizon:
        raise ConfigError(
            f"level= gives conformal intervals for the {scores.horizon} calibrated horizon steps, and n={n} asks "
            f"for more: steps beyond the horizon are rolled out on the model's own forecasts, whose errors "
            f"were never calibrated. Ask for n <= {scores.horizon} with level=, or leave level out for n={n}."
        )


# ------------------------------------------------------------ persistence


def save_scores(directory: str | os.PathLike, scores: ConformalScores, targets: Sequence[str]) -> Path:
    """Write ``conformal.safetensors`` into ``directory`` (an export being written)."""
    # as computed: float32 (rounded up), or float64 as loaded from a first-format file
    tensors = {"residual": torch.from_numpy(np.ascontiguousarray(scores.residual))}
    if scores.cqr is not None:
        tensors["cqr"] = torch.from_numpy(np.ascontiguousarray(scores.cqr))
    metadata = {
        "format": _FORMAT if scores.residual.dtype == np.float32 else "1",
        "bands": json.dumps([list(band) for band in scores.bands]),
        "source": scores.source,
        "targets": json.dumps(list(targets)),
    }
    path = Path(directory) / SCORES_FILE
    save_file(tensors, str(path), metadata=metadata)
    return path


def load_scores(directory: str | os.PathLike, horizon: int, targets: Sequence[str]) -> ConformalScores | None:
    """The scores saved in export ``directory``, or ``None`` when it holds none (not calibrated).

    Raises:
        CheckpointError: the file is unreadable or does not fit the model (horizon, series).
    """
    path = Path(directory) / SCORES_FILE
    if not path.is_file():
        return None
    try:
        with safe_open(str(path), framework="pt", device="cpu") as f:
            metadata = f.metadata() or {}
            tensors = {name: f.get_tensor(name).numpy() for name in f.keys()}  # noqa: SIM118
        bands = tuple(tuple(float(q) for q in band) for band in json.loads(metadata["bands"]))
        saved_targets = json.loads(metadata["targets"])
        residual = tensors["residual"]
    except (SafetensorError, OSError, KeyError, json.JSONDecodeError) as err:
        raise CheckpointError(
            f"cannot read the conformal calibration {path}: {err}; save the model again"
        ) from err
    if metadata.get("format") not in _READABLE_FORMATS:
        raise CheckpointError(
            f"the conformal calibration {path} has format {metadata.get('format')}, and this ssm-ts reads "
            f"{list(_READABLE_FORMATS)}: it was written by a newer ssm-ts; upgrade, or calibrate and save again."
        )
    if residual.ndim != 3 or residual.shape[1] != horizon or saved_targets != list(targets):
        raise CheckpointError(
            f"the conformal calibration {path} is for {residual.shape[1:]} (horizon, series) {saved_targets[:5]}, "
            f"not this model's horizon {horizon} and series {list(targets)[:5]}; calibrate and save the model again."
        )
    return ConformalScores(residual, tensors.get("cqr"), bands, metadata.get("source", str(path)))  # type: ignore[arg-type]
