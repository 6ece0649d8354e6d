"""The learning-rate schedules the tasks know, and the check of a task's ``lr_schedule`` setting: the
tasks' ``configure_optimizers`` take anything but ``"none"`` as the cosine schedule, so an unknown
name (``"linear"``, ``"Cosine"``) would train with the cosine one without a word."""

from __future__ import annotations

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
