"""The check of settings that take a mapping (``model_options``, ``trainer_options``): a string or a list
there failed deep in the model's construction (Python's "dictionary update sequence element #0 has
length 1") once the data was read."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ssm_ts.errors import ConfigError

_NAME_COLON_VALUE = re.compile(r"(\w+):(\S)")  # YAML's one string: no space after the colon


def require_mapping(value: Any, name: str, example: str = "{'d_model': 32}") -> None:
    """Raise :class:`ConfigError` unless ``value`` is ``None`` or a mapping, naming the setting ``name``,
    the value found and a mapping such as ``example``; a ``"name:value"`` string (YAML's reading of a
    mapping written without the space after its colon) gets that fix too."""
    if value is None or isinstance(value, Mapping):
        return
    hint = ""
    if isinstance(value, str) and (found := _NAME_COLON_VALUE.search(value)):
        hint = f" (in YAML or on the command line, write {{{found[1]}: ...}}: YAML needs a space after the colon)"
    raise ConfigError(f"{name} must be a dict such as {example}, got {type(value).__name__} {value!r}{hint}")
