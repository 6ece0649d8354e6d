"""Build SSMs by name, with options checked against the class's keyword arguments."""

from __future__ import annotations

import inspect
from typing import Any

from ssm_ts.core.base import SSM
from ssm_ts.errors import ConfigError

_REGISTRY: dict[str, type[SSM]] = {}
_ALIASES = {"s4d": "diagonal", "s4": "dplr"}


def register_ssm(name: str, cls: type[SSM]) -> None:
    """Make ``cls`` buildable as ``build_ssm(name, ...)``."""
    _REGISTRY[name] = cls


def available_ssms() -> list[str]:
    return sorted(_REGISTRY) + sorted(_ALIASES)


def build_ssm(name: str, *, d_model: int, d_state: int = 64, **options: Any) -> SSM:
    """An SSM by name (``"diagonal"``/``"s4d"``, ``"dplr"``/``"s4"``, ``"companion"``, ``"shift"``, ...).

    Raises:
        ConfigError: unknown name, or an option the SSM does not take (the valid ones are listed).
    """
    key = _ALIASES.get(name, name)
    if key not in _REGISTRY:
        raise ConfigError(f"unknown SSM {name!r}; expected one of {available_ssms()}")
    cls = _REGISTRY[key]
    valid = [p for p in inspect.signature(cls.__init__).parameters if p not in ("self", "d_model", "d_state")]
    unknown = sorted(set(options) - set(valid))
    if unknown:
        raise ConfigError(f"{cls.__name__} does not take option(s) {unknown}; valid options: {valid}")
    return cls(d_model=d_model, d_state=d_state, **options)
