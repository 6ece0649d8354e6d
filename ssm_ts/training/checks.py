"""Checks of the training settings every front end takes (learning rate, EMA decay), made before a fit
starts so that a bad value is named, not refused deep in the optimizer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from ssm_ts.errors import ConfigError


def check_ema_decay(decay: Any, name: str = "decay") -> float:
    """``decay`` as a float strictly between 0 and 1, else a :class:`ConfigError` naming ``name``."""
    if isinstance(decay, bool) or not isinstance(decay, (int, float)) or not 0.0 < float(decay) < 1.0:
        raise ConfigError(
            f"{name} must be a number strictly between 0 and 1, got {decay!r}; use e.g. 0.99 (an average "
            f"over roughly the last 100 optimizer steps), or leave it unset for no weight averaging."
        )
    return float(decay)


# The largest learning rate torch can train with in float32: AdamW, every ssm-ts task's optimizer, takes
# a first step of lr / (1 - beta1) = 10 x lr, and a step beyond float32's largest number is refused deep in
# the optimizer ("value cannot be converted to type float without overflow").
MAX_LEARNING_RATE = float(torch.finfo(torch.float32).max) * (1 - 0.9)


def check_learning_rate(
    lr: Any,
    name: str = "lr",
    *,
    cli_option: str | None = None,
    default_from: Callable[..., Any] | None = None,
) -> None:
    """A :class:`ConfigError` naming ``name`` unless ``lr`` is a number above 0 and at most
    :data:`MAX_LEARNING_RATE` (a NaN, a negative or an overflowing rate fails only once training starts).

    Args:
        lr: the learning rate given.
        name: the setting's name, as the caller's signature spells it (``"lr"``).
        cli_option: the command line's option for it (``"--model.lr"``), named beside ``name``.
        default_from: the caller (a class or function) whose ``name`` parameter's default the message
            quotes (``type(self)``), so it is the default that caller really has.
    """
    import numbers

    if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not 0.0 < float(lr) <= MAX_LEARNING_RATE:
        setting = f"{name} (CLI: {cli_option})" if cli_option else name
        default = _parameter_default(default_from, name) if default_from is not None else None
        raise ConfigError(
            f"{setting} must be a number above 0 and at most {MAX_LEARNING_RATE:.3g} (AdamW's first step, "
            f"10 x {name}, must fit in float32), got {lr!r}; learning rates are usually between 1e-4 and "
            f"1e-1{f' (default {default:g})' if default is not None else ''}."
        )


def _parameter_default(func: Callable[..., Any], name: str) -> float | None:
    """The default of ``func``'s parameter ``name`` when it is a number, else ``None``."""
    import inspect
    import numbers

    try:
        parameter = inspect.signature(func).parameters.get(name)
    except (TypeError, ValueError):  # no signature to read (a builtin)
        return None
    default = parameter.default if parameter is not None else None
    return float(default) if isinstance(default, numbers.Real) and not isinstance(default, bool) else None
