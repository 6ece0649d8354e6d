"""Which use (forecast, audio, classify) a ``--config`` file is for, over the CLI's uses (:data:`USES`, which
a test's fake use joins). The detection and its message are :mod:`ssm_ts.tasks.config_use`'s (below the
CLI, so that the api's ``forecast tune`` and ``audio generate`` give the same message); these bind it to
:data:`USES`."""

from __future__ import annotations

from typing import Any

from ssm_ts.cli.uses import USES
from ssm_ts.tasks import config_use as below
from ssm_ts.tasks.config_use import SECTIONS, config_settings, model_name, section_class

__all__ = [
    "SECTIONS",
    "check_config_use",
    "class_path_use",
    "cli_uses",
    "config_settings",
    "model_name",
    "option_uses",
    "section_class",
    "use_settings",
]


def cli_uses() -> dict[str, dict[str, str]]:
    """The CLI's uses as :mod:`ssm_ts.tasks.config_use` takes them: ``{use: {"model": task, "data": data
    module}}``, each ``"module:attribute"``."""
    return {use: {"model": spec.task, "data": spec.datamodule} for use, spec in USES.items()}


def use_settings(use: str) -> frozenset[str]:
    """``use``'s config settings: ``model.NAME`` for its task's, ``data.NAME`` for its data module's."""
    return below.use_settings(use, cli_uses())


def option_uses(key: str, use: str) -> list[str]:
    """The other uses that take option ``key`` where ``use`` does not (:func:`ssm_ts.tasks.config_use.option_uses`)."""
    return below.option_uses(key, use, cli_uses())


def class_path_use(classes: dict[str, str]) -> str | None:
    """The use whose task or data module a config's ``class_path`` names (in full, or its class's name)."""
    return below.class_path_use(classes, cli_uses())


def check_config_use(value: str, content: dict[str, Any], use: str, command: str) -> None:
    """Refuse a ``--config value`` written for another use than ``use``
    (:func:`ssm_ts.tasks.config_use.check_config_use`)."""
    below.check_config_use(value, content, use, command, cli_uses())
