"""Which use (forecast, audio, classify) wrote a checkpoint, told from its model's settings: a
checkpoint of another use is refused with a message naming the command that reads it, before
Lightning parses its hyperparameters (a raw "Parser key model.model ... Got value" otherwise)."""

from __future__ import annotations

import inspect
from typing import Any

from ssm_ts.cli.uses import USES, load_target
from ssm_ts.errors import CheckpointError


def task_settings(use: str) -> frozenset[str]:
    """The settings (``__init__`` parameters) of ``use``'s task class: what its checkpoints' hyper_parameters hold."""
    task = load_target(USES[use].task)
    return frozenset(name for name in inspect.signature(task.__init__).parameters if name != "self")


def checkpoint_use(hparams: dict[str, Any]) -> str | None:
    """The use whose task alone takes the most of ``hparams``' settings (a checkpoint's hyper_parameters),
    or ``None`` when no use has one of its own there (settings every use shares, or none)."""
    settings = {use: task_settings(use) for use in USES}
    own_counts = {}
    for use, names in settings.items():
        others = frozenset().union(*(s for u, s in settings.items() if u != use))
        own_counts[use] = len((hparams.keys() & names) - others)
    best = max(own_counts, key=own_counts.get)
    tied = [use for use, count in own_counts.items() if count == own_counts[best]]
    return best if own_counts[best] and len(tied) == 1 else None


def check_checkpoint_use(checkpoint: dict[str, Any], use: str, command: str, path: str) -> None:
    """Refuse a checkpoint (read by :func:`ssm_ts.export.load_checkpoint`) that another use wrote, for
    ``ssm-ts USE COMMAND --ckpt_path PATH``. Settings ``use``'s task takes all pass without further
    checks (only the other uses' task classes are imported when one does not)."""
    hparams = checkpoint.get("hyper_parameters")
    if not isinstance(hparams, dict):
        return
    names = [key for key in hparams if not key.startswith("_")]
    if set(names) <= task_settings(use):
        return
    owner = checkpoint_use(hparams)
    if owner is None or owner == use:
        return
    listed = ", ".join(names[:8]) + (", ..." if len(names) > 8 else "")
    article = "an" if use[0] in "aeiou" else "a"
    verb = "Resume" if command == "fit" else "Read"
    raise CheckpointError(
        f"{path} is not {article} {use} model's checkpoint: 'ssm-ts {owner} fit' wrote it (its settings are "
        f"{listed}). {verb} it with ssm-ts {owner} {command} --ckpt_path {path}, or pass a checkpoint "
        f"written by 'ssm-ts {use} fit'"
    )
