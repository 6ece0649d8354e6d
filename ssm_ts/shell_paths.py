"""Path settings (``--out``, ``--data.path``, ...) read as a shell reads a path, also from a YAML config,
where no shell expands them: ``~`` is the home folder and ``$NAME`` / ``${NAME}`` an environment
variable. Used by the CLI's commands and by ``ssm-ts forecast tune`` (whose parser sits below the CLI)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from ssm_ts.errors import ConfigError

# settings that name a file or folder; each use's parser has some of them
PATH_SETTINGS = ("out", "ckpt_path", "futr_path", "data.path", "data.root", "data.static_path")

_VARIABLE = re.compile(r"\$(\w+)|\$\{(\w+)\}")


def expand_path(value: str, setting: str) -> str:
    """``value`` with a leading ``~`` and its ``$NAME`` / ``${NAME}`` variables expanded, as a shell
    would; a value that is an existing path as written is kept (a file named ``$x.csv``).

    Raises:
        ConfigError: a variable it names is not set (naming it and the setting).
    """
    home = os.path.expanduser(value) if value.startswith("~") else value
    if "$" in value and not Path(home).exists():  # ~/prices$usd.csv: a file of that name at home
        unset = [a or b for a, b in _VARIABLE.findall(value) if (a or b) not in os.environ]
        if unset:
            raise ConfigError(
                f"{setting} {value}: the environment variable {unset[0]} is not set; set it "
                f"(export {unset[0]}=...) or write the path out (a name with a $ in it is read as written "
                "where that path exists: give it from the folder the command runs in)"
            )
        value = os.path.expandvars(value)
        return os.path.expanduser(value) if value.startswith("~") else value
    return home


def expand_path_settings(config: Any) -> None:
    """Expand each of :data:`PATH_SETTINGS` a command's parsed ``config`` (a jsonargparse Namespace)
    holds as a string, in place (:func:`expand_path`)."""
    for setting in PATH_SETTINGS:
        value = config.get(setting) if setting in config else None
        if isinstance(value, str):
            expanded = expand_path(value, setting)
            if expanded != value:
                config[setting] = expanded
