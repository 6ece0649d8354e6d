"""Path settings (``--out``, ``--data.path``, ...) read as a shell reads a path, also from a YAML config, where
no shell expands them: ``~`` is the home folder and ``$NAME`` / ``${NAME}`` an environment variable, with the
shell's (and docker-compose's) defaults: ``${NAME:-default}`` (unset or empty), ``${NAME-default}`` (unset),
``${NAME:+other}`` / ``${NAME+other}`` and ``${NAME:?message}`` / ``${NAME?message}`` (an error naming the
setting); ``$$`` is a ``$`` (docker-compose's escape: a new folder ``runs/price$$usd``); the shell's other
``${...}`` forms (``${NAME:=word}``, ``${#NAME}``, ``${NAME/x/y}``, ``${NAME%x}``) are an error naming the
forms read. Used by the CLI's commands and by ``ssm-ts forecast tune`` (whose parser sits below the CLI)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from ssm_ts.errors import ConfigError

# settings that name a file or folder; each use's parser has some of them
PATH_SETTINGS = ("out", "ckpt_path", "futr_path", "data.path", "data.root", "data.static_path")

_NAME = re.compile(r"\w+", re.ASCII)  # as the shell (and os.path.expandvars) reads a name: `$ü` is kept
# the inside of ${...}: NAME, then an optional [:]- / [:]+ / [:]? and its word (which may hold ${...})
_BRACED = re.compile(r"(\w+)(?:(:?)([-+?])(.*))?", re.ASCII | re.DOTALL)


def expand_path(value: str, setting: str) -> str:
    """``value`` with a leading ``~`` and its ``$NAME`` / ``${NAME}`` / ``${NAME:-default}`` ... variables
    expanded, as a shell would; a value that is an existing path as written is kept (a file named
    ``$x.csv``); ``$$`` is one ``$``, as docker-compose reads it (the shell's process id means nothing in a
    path). A ``$`` that starts no variable (``a$``, ``${``, ``$ü``) is kept as written.

    Raises:
        ConfigError: a variable it names is not set and has no default, or a ``${NAME:?message}``
            one is not set (or empty), naming it and the setting; or a ``${...}`` in another of the
            shell's forms (``${A:=b}``, ``${#A}``, ``${A/x/y}``, ``${A%x}``), naming it and the forms read.
    """
    home = os.path.expanduser(value) if value.startswith("~") else value
    if "$" not in value or Path(home).exists():  # ~/prices$usd.csv: a file of that name at home
        return home
    expanded = _substitute(value, value, setting)
    return os.path.expanduser(expanded) if expanded.startswith("~") else expanded


def _substitute(text: str, value: str, setting: str) -> str:
    """``text`` (``value`` or a default word inside it) with its variables replaced, left to right."""
    out, at = [], 0
    while (dollar := text.find("$", at)) >= 0:
        out.append(text[at:dollar])
        if text.startswith("$", dollar + 1):  # $$: a $ (it read $$HOME as $ and the home folder)
            out.append("$")
            at = dollar + 2
            continue
        name = _NAME.match(text, dollar + 1)
        end = _closing_brace(text, dollar + 1)
        braced = _BRACED.fullmatch(text, dollar + 2, end) if end is not None else None
        if name:
            out.append(_variable(name[0], value, setting))
            at = name.end()
        elif braced:
            out.append(_braced(*braced.groups(), value, setting))
            at = end + 1
        elif end is not None:  # ${A:=b}, ${#A}, ${A/x/y}, ${A%x}: else "file not found: ${A:=b}/x.csv"
            raise ConfigError(_unsupported(text[dollar : end + 1], value, setting))
        else:
            out.append("$")
            at = dollar + 1
    out.append(text[at:])
    return "".join(out)


_FORMS = "$NAME, ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:+x}, ${NAME:?message}, $$ (a $)"
_ASSIGNED = re.compile(r"\$\{(\w+):?=(.*)\}", re.ASCII | re.DOTALL)  # ${NAME:=word}, ${NAME=word}


def _unsupported(form: str, value: str, setting: str) -> str:
    """The error of a shell form a path does not read (``${A:=b}``, ``${#A}``, ``${A/x/y}``, ``${A%x}``)."""
    assigned = _ASSIGNED.fullmatch(form)
    instead = f" (for a default: ${{{assigned[1]}:-{assigned[2]}}})" if assigned else ""
    return (
        f"{setting} {value}: {form} is not a form read in a path{instead}; the forms read are "
        f"{_FORMS}. Write it in one of them, or the path out"
    )


def _closing_brace(text: str, at: int) -> int | None:
    """Where the ``}`` closing the ``{`` at ``text[at]`` is, or None: as in the shell, only a ``${`` inside
    opens a pair to skip (``${A:-${B}}``); a plain ``{`` does not (``${A:-a{b}`` is ``a{b``)."""
    if not text.startswith("{", at):
        return None
    depth, index = 1, at + 1
    while index < len(text):
        if text.startswith("$$", index):  # an escaped $, not the start of a ${
            index += 2
            continue
        if text.startswith("${", index):
            depth, index = depth + 1, index + 2
            continue
        if text[index] == "}":
            depth -= 1
            if depth == 0:
                return index
        index += 1
    return None


def _braced(
    name: str, colon: str | None, operator: str | None, word: str | None, value: str, setting: str
) -> str:
    """The value of ``${NAME}``, ``${NAME:-word}``, ``${NAME+word}``, ``${NAME:?word}``... as the shell
    gives it: with the colon an empty variable counts as unset; the word is expanded only when used."""
    if operator is None:
        return _variable(name, value, setting)
    current = os.environ.get(name)
    missing = current is None or (colon == ":" and current == "")
    if operator == "-":
        return _substitute(word, value, setting) if missing else current
    if operator == "+":
        return "" if missing else _substitute(word, value, setting)
    if missing:  # operator "?"
        state = "not set" if current is None else "empty"
        said = f" (the config says: {_substitute(word, value, setting)})" if word else ""
        raise ConfigError(
            f"{setting} {value}: the environment variable {name} is {state}{said}; set it "
            f"(export {name}=...) or write the path out"
        )
    return current


def _variable(name: str, value: str, setting: str) -> str:
    """The environment variable ``name`` of ``$NAME`` / ``${NAME}``; unset: an error naming it."""
    if name not in os.environ:
        # $DATA_v2 reads the variable DATA_v2, as the shell does: the set DATA's brace form is the fix
        prefix = next((name[:n] for n in range(len(name) - 1, 0, -1) if name[:n] in os.environ), None)
        meant = f" ({prefix} is set: write ${{{prefix}}}{name[len(prefix) :]} for it)" if prefix else ""
        raise ConfigError(
            f"{setting} {value}: the environment variable {name} is not set{meant}; set it "
            f"(export {name}=...), give it a default (${{{name}:-...}}) or write the path out (a $ in a "
            "name as $$, or as written where that path exists: given from the folder the command runs in)"
        )
    return os.environ[name]


def expand_path_settings(config: Any) -> None:
    """Expand each of :data:`PATH_SETTINGS` a command's parsed ``config`` (a jsonargparse Namespace)
    holds as a string, in place (:func:`expand_path`)."""
    for setting in PATH_SETTINGS:
        value = config.get(setting) if setting in config else None
        if isinstance(value, str):
            expanded = expand_path(value, setting)
            if expanded != value:
                config[setting] = expanded
