"""The checks of the optimizer settings every task takes (forecast, audio, classify), made when a task or
front end is built: ``lr_schedule`` (the tasks' ``configure_optimizers`` take anything but ``"none"`` as the
cosine schedule, so an unknown name such as ``"linear"`` would train with the cosine one without a word)
and ``weight_decay`` (torch takes a negative one without a word)."""

from __future__ import annotations

import numbers
from typing import Any

from ssm_ts.errors import ConfigError

# "cosine": cosine annealing over the fit's max_epochs; "none": the learning rate stays lr
LR_SCHEDULES = ("cosine", "none")


def check_lr_schedule(lr_schedule: Any) -> None:
    """A :class:`ConfigError` naming the setting, the value and the choices unless ``lr_schedule`` is
    one of :data:`LR_SCHEDULES`."""
    if not isinstance(lr_schedule, str) or lr_schedule not in LR_SCHEDULES:
        raise ConfigError(
            f"lr_schedule must be 'cosine' or 'none' (CLI: --model.lr_schedule), got {lr_schedule!r}"
        )


def check_weight_decay(weight_decay: Any) -> None:
    """A :class:`ConfigError` unless ``weight_decay`` is a finite number >= 0 (torch takes a negative
    one from a parameter group without a word, and it then pushes the weights away from zero)."""
    if (
        isinstance(weight_decay, bool)
        or not isinstance(weight_decay, numbers.Real)
        or not (0.0 <= float(weight_decay) < float("inf"))
    ):
        raise ConfigError(
            f"weight_decay (CLI: --model.weight_decay) must be a number >= 0 (0 turns it off), got {weight_decay!r}."
        )
