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
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
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


def check_method_name(method: Any) -> str | None:
    """``method`` (``interval_method=``) if it is ``None`` or one of :data:`METHODS`, else a clear error."""
    if method is None or (isinstance(method, str) and method in METHODS):
        return method
    raise ConfigError(
        f"interval_method={method!r} is not one of {list(METHODS)}: 'residual' puts the calibrated error "
        "around the point forecast, 'cqr' widens the model's learned quantile band (a model fitted with "
        "quantiles); leave it out for the default ('cqr' with quantiles, else 'residual')."
    )


def check_method(method: Any, bands: Sequence[tuple[float, float]]) -> str:
    """``method`` checked for a model with learned ``bands`` (:func:`learned_bands` of its quantiles),
    or the default: ``"cqr"`` with learned bands, else ``"residual"``."""
    if check_method_name(method) is None:
        return "cqr" if bands else "residual"
    if method == "cqr" and not bands:
        raise ConfigError(
            "interval_method='cqr' widens learned quantile bands, and this model has none (fitted without "
            "quantiles, or with only 0.5); use interval_method='residual', or refit with e.g. quantiles=[0.1, 0.9]."
        )
    return method


def default_method(scores: ConformalScores, method: str | None) -> str:
    """``method`` checked against the bands of ``scores``, or the default (:func:`check_method`)."""
    return check_method(method, scores.bands)


def check_interval_request(
    level: Any,
    method: Any,
    bands: Sequence[tuple[float, float]] | None,
    how: str = "level=[80, 95]",
) -> list[float] | None:
    """``level`` as checked levels (``None`` when not given) with ``interval_method`` checked against the
    model's learned ``bands`` (``None``: not known yet, the name alone is checked): an unknown method,
    ``"cqr"`` without bands, and a method given without a level (it would choose nothing: no interval is
    made) are clear errors. ``how``: how the caller passes a level, for the message (the CLI's
    ``--level "[80, 95]"``)."""
    if bands is None:
        check_method_name(method)
    else:
        check_method(method, bands)
    if level is None:
        if method is not None:
            raise ConfigError(
                f"interval_method={method!r} chooses how conformal intervals are made, and no level is "
                f"given, so none would be: pass the coverages too, e.g. {how}, or leave interval_method out."
            )
        return None
    return check_levels(level)


def band_for(scores: ConformalScores, level: float) -> int:
    """Index of the learned band whose nominal coverage is closest to ``level`` percent."""
    return int(np.argmin([abs(100 * (hi - lo) - level) for lo, hi in scores.bands]))


def needed_windows(level: float) -> int:
    """The least ``n`` with ``ceil((n + 1) level / 100) <= n``: windows a level needs (80%: 4, 95%: 19)."""
    return math.ceil(level / (100 - level) - 1e-9)


def highest_level(n: int) -> float:
    """The highest level ``n`` windows give (``100 n / (n + 1)``, rounded down to 0.1): 4 -> 80, 12 -> 92.3."""
    return math.floor(1000 * n / (n + 1) + 1e-9) / 10


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


@dataclass(frozen=True)
class Shortfall:
    """A series with too few calibration windows for a level at some of the asked steps (its
    interval is NaN there): ``windows`` is its fewest windows at any of those steps."""

    series: str
    level: float
    windows: int


def method_scores(scores: ConformalScores, level: float, method: str) -> np.ndarray:
    """``(n_windows, horizon, n_targets)``: the score array ``method`` uses for ``level``."""
    return scores.residual if method == "residual" else scores.cqr[band_for(scores, level)]


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
        "notes": json.dumps(scores.notes),  # readers of format 2 without notes ignore it
        "train_end": json.dumps(scores.train_end),  # likewise
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
        notes = json.loads(metadata.get("notes", "{}"))
        train_end = json.loads(metadata.get("train_end", "null"))  # null: written before it was kept
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
    source = metadata.get("source", str(path))
    return ConformalScores(residual, tensors.get("cqr"), bands, source, notes, train_end)  # type: ignore[arg-type]


# ------------------------------------------------------------ in a CLI checkpoint

CHECKPOINT_KEY = "ssm_ts_conformal"


def scores_to_checkpoint(scores: ConformalScores, targets: Sequence[str]) -> dict[str, Any]:
    """``scores`` as a checkpoint entry: tensors and plain values only (``weights_only`` loading)."""
    return {
        "format": _FORMAT if scores.residual.dtype == np.float32 else "1",
        "residual": torch.from_numpy(np.ascontiguousarray(scores.residual)),
        "cqr": None if scores.cqr is None else torch.from_numpy(np.ascontiguousarray(scores.cqr)),
        "bands": [list(band) for band in scores.bands],
        "source": scores.source,
        "targets": list(targets),
        "notes": dict(scores.notes),
        "train_end": scores.train_end,  # a str, int or None: weights_only loading takes them
    }


def scores_from_checkpoint(entry: dict[str, Any]) -> tuple[ConformalScores, list[str]]:
    """``(scores, their targets)`` of a :func:`scores_to_checkpoint` entry.

    Raises:
        CheckpointError: an entry of a newer format, or one that is not an entry of scores.
    """
    if entry.get("format") not in _READABLE_FORMATS:
        raise CheckpointError(
            f"the checkpoint's conformal calibration has format {entry.get('format')}, and this ssm-ts reads "
            f"{list(_READABLE_FORMATS)}: it was written by a newer ssm-ts; upgrade, or fit again."
        )
    try:
        cqr = entry["cqr"]
        scores = ConformalScores(
            entry["residual"].numpy(),
            None if cqr is None else cqr.numpy(),
            tuple(tuple(float(q) for q in band) for band in entry["bands"]),
            str(entry["source"]),
            dict(entry.get("notes") or {}),
            entry.get("train_end"),
        )
        return scores, list(entry["targets"])
    except (KeyError, AttributeError, TypeError) as err:
        raise CheckpointError(
            f"the checkpoint's conformal calibration is unreadable ({err}); fit again."
        ) from err
