"""Conformal interval requests checked: levels in percent, the interval method for a model's learned
bands, a method without a level, and steps beyond the calibrated horizon (a clear
:class:`~ssm_ts.errors.ConfigError` for each)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ssm_ts.errors import ConfigError

if TYPE_CHECKING:
    from ssm_ts.tasks.conformal_scores import ConformalScores

METHODS = ("residual", "cqr")


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


def check_steps_calibrated(scores: ConformalScores, n: int) -> None:
    """Intervals exist for the calibrated horizon only: a rollout beyond it has no scores."""
    if n > scores.horizon:
        raise ConfigError(
            f"level= gives conformal intervals for the {scores.horizon} calibrated horizon steps, and n={n} asks "
            f"for more: steps beyond the horizon are rolled out on the model's own forecasts, whose errors "
            f"were never calibrated. Ask for n <= {scores.horizon} with level=, or leave level out for n={n}."
        )
