"""The data path settings of a command (``--data.path``, ``--futr_path``, ...) checked where a reader's
"not found" would not say why (their ``~`` and ``$NAME`` are expanded by :mod:`ssm_ts.shell_paths`).
A relative data path is read from the folder the command runs in, as
LightningCLI reads a ``str`` setting; one found only beside the ``--config`` file that names it is an
error saying so, rather than "file not found" (jsonargparse reads only ``Path``-typed settings from
the config's folder)."""

from __future__ import annotations

import os
import shlex
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ssm_ts.errors import ConfigError

# the data read by a path relative to the working folder (out is written, ckpt_path has its own search)
READ_SETTINGS = ("futr_path", "data.path", "data.root", "data.static_path")


def missing_path_reason(value: str) -> str | None:
    """Why the data path ``value``, which is no file or folder, is missing, where the reader's "not
    found" would not say: a symbolic link whose target is gone, a file taken for a folder
    (``data.csv/x.csv``), or a Windows path (``data\\ett.csv``, ``C:\\data``) on a system whose folders
    are separated by ``/``. ``None`` otherwise."""
    path = Path(value)
    if path.is_symlink():
        return f"it is a symbolic link to {os.readlink(path)}, which does not exist: fix the link or pass its target"
    parent = next((folder for folder in path.parents if folder.is_file()), None)
    if parent is not None:  # data.csv/x.csv, a file's name taken for a folder's
        return f"{parent} is a file, not a folder: pass {parent} itself, or the folder meant"
    if os.sep == "/" and "\\" in value:
        posix = value.replace("\\", "/")
        found = f" ({posix} exists: pass that)" if Path(posix).exists() else ""
        return f"it is written with Windows separators (\\), and on this system folders are separated by /{found}"
    return None


def check_read_paths(config: Any) -> None:
    """Refuse a data path (:data:`READ_SETTINGS`) that is missing for a reason :func:`missing_path_reason`
    names.

    Raises:
        ConfigError: naming the setting, the path and the reason.
    """
    for setting in READ_SETTINGS:
        value = config.get(setting) if setting in config else None
        if isinstance(value, str) and value and not Path(value).exists():
            reason = missing_path_reason(value)
            if reason is not None:
                raise ConfigError(f"{setting} {value}: no such file or folder: {reason}")


def _config_files(config: Any) -> list[Path]:
    """The ``--config`` files a parsed ``config`` was read from (files only: not YAML given inline)."""
    files = []
    for given in config.get("config") or []:
        path = getattr(given, "absolute", None) or getattr(given, "relative", None) or given
        if isinstance(path, str | os.PathLike) and Path(path).is_file():
            files.append(Path(os.path.normpath(path)))  # cwd/../cfgs/run.yaml: cfgs/run.yaml's folder
    return files


def _setting_in(content: Any, setting: str) -> Any:
    for key in setting.split("."):
        if not isinstance(content, dict):
            return None
        content = content.get(key)
    return content


def _configs_setting(files: Iterable[Path], setting: str, value: str) -> list[Path]:
    """Of ``files``, the configs that set ``setting`` to ``value``."""
    import yaml

    found = []
    for file in files:
        try:
            content = yaml.safe_load(file.read_text(encoding="utf-8-sig"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue
        if _setting_in(content, setting) == value:
            found.append(file)
    return found


def check_paths_beside_config(config: Any) -> None:
    """Refuse a relative data path (:data:`READ_SETTINGS`) that a ``--config`` file sets, which is no
    file or folder in the working folder but one beside that config: it would be read from the working
    folder, and the reader's "not found" would not say why.

    Raises:
        ConfigError: naming the setting, the config, the working folder and the path to pass instead.
    """
    files = _config_files(config)
    if not files:
        return
    for setting in READ_SETTINGS:
        value = config.get(setting) if setting in config else None
        if not isinstance(value, str) or not value or Path(value).is_absolute() or Path(value).exists():
            continue
        for file in _configs_setting(files, setting, value):
            beside = Path(os.path.normpath(file.parent / value))
            if beside.exists():
                instead = os.path.relpath(beside, Path.cwd())
                raise ConfigError(
                    f"{setting}: {value} (set in {file}) is read from the folder the command runs in, "
                    f"{Path.cwd()}, which has no {value}; relative paths in a config are not read from "
                    f"the config's folder. The one beside the config is {beside}: pass --{setting} "
                    f"{shlex.quote(instead)} (relative to the working folder), write an absolute path in the config, "
                    f"or run the command from {file.parent}"
                )
