"""Options given before a ``--config`` that sets them: jsonargparse reads arguments left to right, so the
config's value silently wins (``ssm-ts classify fit --data.path my.csv --config basicmotions.yaml`` trained
on BasicMotions). ssm-ts refuses that order instead of training on data or settings the user did not ask for."""

from __future__ import annotations

from typing import Any

from ssm_ts.errors import ConfigError
from ssm_ts.tasks.config_use import config_contents

_MISSING = object()


def config_value(content: Any, key: str) -> Any:
    """The value a config's YAML ``content`` gives dotted ``key`` (``data.path``), looking through a
    section's ``init_args`` and keys written with dots (``space: {model_options.d_model: [8, 16]}``); a
    private sentinel when it gives none."""
    if not isinstance(content, dict):
        return _MISSING
    if key in content:
        return content[key]
    parts = key.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        head = ".".join(parts[:cut])
        if head in content:
            value = config_value(content[head], ".".join(parts[cut:]))
            if value is not _MISSING:
                return value
    return config_value(content["init_args"], key) if "init_args" in content else _MISSING


def _options(args: list[str]) -> list[tuple[int, str, str | None]]:
    """``(position, dotted key, value)`` of each ``--key value`` / ``--key=value`` option in ``args``."""
    options = []
    for position, arg in enumerate(args):
        if not arg.startswith("--") or arg == "--config" or arg.startswith("--config="):
            continue
        key, equals, value = arg[2:].partition("=")
        if not equals:
            following = args[position + 1] if position + 1 < len(args) else None
            value = None if following is None or following.startswith("--") else following
        options.append((position, key, value))
    return options


def _same(option_value: str | None, config_value: Any) -> bool:
    """Whether an option's text means the config's value (then the order changes nothing)."""
    import yaml

    if option_value is None:
        return False
    try:
        return yaml.safe_load(option_value) == config_value
    except yaml.YAMLError:
        return option_value == config_value


def refuse_options_before_config(args: list[str]) -> None:
    """A :class:`ConfigError` for each option of ``args`` that a later ``--config`` file sets to another
    value, naming the option, the config, both values and the fix (put the option after ``--config``)."""
    positions = [i for i, a in enumerate(args) if a == "--config" or a.startswith("--config=")]
    contents = dict(config_contents(args))
    for position, key, value in _options(args):
        for config_position in positions:
            if config_position < position:
                continue
            arg = args[config_position]
            path = arg.split("=", 1)[1] if "=" in arg else args[config_position + 1]
            given = config_value(contents.get(path, {}), key)
            if given is _MISSING or _same(value, given):
                continue
            raise ConfigError(
                f"--{key} {value} comes before --config {path}, which sets {key}: {given!r}; options are "
                f"read left to right, so the config's value would win. Put --{key} after --config {path}."
            )
