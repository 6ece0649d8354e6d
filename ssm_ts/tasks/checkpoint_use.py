"""Which use (forecast, audio, classify) wrote a checkpoint, told from its model's settings: a checkpoint of
another use is refused with a message naming the use that wrote it and the command that reads it, before a
task is built from settings it does not take (a raw "Parser key model.model ... Got value" in LightningCLI,
"its settings are ..." in ``audio generate`` otherwise)."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Iterable, Mapping
from typing import Any

from ssm_ts.errors import CheckpointError

# each use's task class as "module:attribute" (the CLI's uses name theirs from here); imported when asked
USE_TASKS: dict[str, str] = {
    "forecast": "ssm_ts.tasks.forecasting:ForecastingTask",
    "audio": "ssm_ts.tasks.waveform:WaveformTask",
    "classify": "ssm_ts.tasks.classification:ClassificationTask",
}
# the commands every use has: a command only one use has (audio generate) is named as another use's predict
SHARED_COMMANDS = ("fit", "validate", "test", "predict")


def init_settings(target: str) -> frozenset[str]:
    """The ``__init__`` parameters of the class ``target`` (``"module:attribute"``) names, without ``self``."""
    module, _, attribute = target.partition(":")
    cls = getattr(importlib.import_module(module), attribute)
    return frozenset(name for name in inspect.signature(cls.__init__).parameters if name != "self")


def task_settings(use: str, tasks: Mapping[str, str] = USE_TASKS) -> frozenset[str]:
    """The settings (``__init__`` parameters) of ``use``'s task class (named in ``tasks``, each use's): what
    its checkpoints' hyper_parameters hold."""
    return init_settings(tasks[use])


def use_with_most_own(names: Iterable[str], settings: Mapping[str, frozenset[str]]) -> str | None:
    """The use (a key of ``settings``, each use's settings) whose settings alone hold the most of ``names``,
    or ``None`` when no use has one of its own there (settings every use shares, or none) or two tie."""
    given = frozenset(names)
    own_counts = {}
    for use, taken in settings.items():
        others = frozenset().union(*(s for u, s in settings.items() if u != use))
        own_counts[use] = len((given & taken) - others)
    best = max(own_counts, key=own_counts.get)
    tied = [use for use, count in own_counts.items() if count == own_counts[best]]
    return best if own_counts[best] and len(tied) == 1 else None


def checkpoint_use(hparams: dict[str, Any], tasks: Mapping[str, str] = USE_TASKS) -> str | None:
    """The use (of ``tasks``, each use's task class) whose task alone takes the most of ``hparams``'
    settings (a checkpoint's hyper_parameters), or ``None`` when no use has one of its own there (settings
    every use shares, or none)."""
    return use_with_most_own(hparams, {use: task_settings(use, tasks) for use in tasks})


def counterpart_command(command: str) -> str:
    """The command of the use that wrote a checkpoint to run instead of another use's ``command``: the same
    one when every use has it, else ``predict`` (for an audio ``generate`` given a forecaster's checkpoint)."""
    return command if command in SHARED_COMMANDS else "predict"


def check_checkpoint_use(
    checkpoint: dict[str, Any], use: str, command: str, path: str, tasks: Mapping[str, str] = USE_TASKS
) -> None:
    """Refuse a checkpoint (read by :func:`ssm_ts.export.load_checkpoint`) that another use of ``tasks``
    (each use's task class) wrote, for ``ssm-ts USE COMMAND --ckpt_path PATH``. Settings ``use``'s task
    takes all pass without further checks (only the other uses' task classes are imported when one does
    not).

    Raises:
        CheckpointError: naming the use that wrote it and its command that reads it.
    """
    hparams = checkpoint.get("hyper_parameters")
    if not isinstance(hparams, dict):
        return
    names = [key for key in hparams if not key.startswith("_")]
    if set(names) <= task_settings(use, tasks):
        return
    owner = checkpoint_use(hparams, tasks)
    if owner is None or owner == use:
        return
    listed = ", ".join(names[:8]) + (", ..." if len(names) > 8 else "")
    article = "an" if use[0] in "aeiou" else "a"
    verb = "Resume" if command == "fit" else "Read"
    raise CheckpointError(
        f"{path} is not {article} {use} model's checkpoint: 'ssm-ts {owner} fit' wrote it (its settings are "
        f"{listed}). {verb} it with ssm-ts {owner} {counterpart_command(command)} --ckpt_path {path}, or pass a "
        f"checkpoint written by 'ssm-ts {use} fit'"
    )
