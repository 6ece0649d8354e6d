"""Check a model registry name (``register_as``) before a fit starts, so a bad one fails in a second.

Without the check, MLflow refuses the name only when it registers the logged model, after training:
``Invalid model name 'co2/v1'. Names cannot contain '/' or ':'``.
"""

from __future__ import annotations

import posixpath
import re

from ssm_ts.errors import ConfigError

# MLflow's rule for registered model names, mirrored from mlflow.utils.validation._validate_model_name
# (MLflow 3.x; private, and the '/' and ':' refusal came in with MLflow 2.x, so not reused): the name
# is not blank, holds no '/' or ':', and does not resolve to another path (".", "..", "..x").
# tests/test_audit3_register_as.py checks this mirror against MLflow's own function.
FORBIDDEN_CHARACTERS = ("/", ":")
RULE = "a registered model name must not be blank, contain '/' or ':', or start with '..' (or be '.')"


def registry_name_problem(name: str) -> str | None:
    """Why MLflow's model registry would refuse ``name``; ``None`` when it takes it."""
    if not name.strip():
        return "it is blank"
    bad = [c for c in FORBIDDEN_CHARACTERS if c in name]
    if bad:
        return f"it contains {' and '.join(repr(c) for c in bad)}"
    normal = posixpath.normpath(name)
    if normal != name or normal == "." or normal.startswith(("..", "/")):
        return "it reads as a relative path"
    return None


def check_register_as(name: object, setting: str = "register_as") -> None:
    """Raise :class:`ConfigError` when MLflow's model registry would refuse ``name`` (``None``: no
    registration, fine): naming ``setting`` as the caller takes it (``register_as``,
    ``--register_as``), the name, MLflow's rule and a name that works."""
    if name is None:
        return
    if not isinstance(name, str):
        raise ConfigError(
            f"{setting} must be a model name (text) such as 'co2-v1', got {type(name).__name__} {name!r}."
        )
    problem = registry_name_problem(name)
    if problem is None:
        return
    raise ConfigError(
        f"{setting} {name!r} is not a name MLflow's model registry takes ({problem}): {RULE}. Use e.g. "
        f"{_example(name)!r}; MLflow numbers the versions itself (register the same name again for version 2)."
    )


def _example(name: str) -> str:
    """A name the registry takes, close to ``name`` (``co2/v1`` -> ``co2-v1``)."""
    example = re.sub(r"[/:]+", "-", name).strip(" -.")
    return example if example and registry_name_problem(example) is None else "my-model"
