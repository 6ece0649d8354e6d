"""Which use (forecast, audio, classify) wrote a checkpoint, over the CLI's uses (:data:`USES`, a use a
test adds included): :mod:`ssm_ts.tasks.checkpoint_use` does the work, where ``audio generate`` (and
``WaveformGenerator.load``) use it as well."""

from __future__ import annotations

from typing import Any

from ssm_ts.cli.uses import USES
from ssm_ts.tasks import checkpoint_use as by_tasks


def use_tasks() -> dict[str, str]:
    """Each use's task class as ``"module:attribute"``: the three of ssm-ts, and any use added to USES."""
    return {use: spec.task for use, spec in USES.items()}


def task_settings(use: str) -> frozenset[str]:
    """The settings (``__init__`` parameters) of ``use``'s task class: what its checkpoints' hyper_parameters hold."""
    return by_tasks.task_settings(use, use_tasks())


def checkpoint_use(hparams: dict[str, Any]) -> str | None:
    """The use whose task alone takes the most of ``hparams``' settings (a checkpoint's hyper_parameters),
    or ``None`` when no use has one of its own there (settings every use shares, or none)."""
    return by_tasks.checkpoint_use(hparams, use_tasks())


def check_checkpoint_use(checkpoint: dict[str, Any], use: str, command: str, path: str) -> None:
    """:func:`ssm_ts.tasks.checkpoint_use.check_checkpoint_use` for ``ssm-ts USE COMMAND --ckpt_path PATH``."""
    by_tasks.check_checkpoint_use(checkpoint, use, command, path, use_tasks())
