"""Objects in a front end's ``trainer_options`` (callbacks, a profiler, plugins) as JSON, and back.

A saved model's config, its MLflow params and its ``config.json`` artifact hold only JSON values, so
each object is recorded in LightningCLI's form, ``{"class_path": "lightning.pytorch.callbacks.EarlyStopping",
"init_args": {"monitor": "val_loss", "patience": 2}}`` (the constructor arguments that differ from their
defaults), when that description rebuilds it: :func:`describe` reads the arguments back from the
object's attributes (``patience`` or ``_patience``), builds a fresh object from the description as a
fit would, and keeps the description only when the two hold the same state. An object it cannot
describe (an argument that is no JSON value or is not kept as an attribute, a callback writing to
a list of the caller's) is recorded as ``{"class_path": ..., "not_saved": why}``.

Each fit builds fresh objects (:func:`fit_trainer_options`): callbacks given as objects are deep
copies, so that no state (EarlyStopping's best score) carries over between fits, as are other objects
(a profiler's measurements) when they can be copied, and descriptions
are built by jsonargparse, which checks them against the constructor's signature as LightningCLI
does (a misspelt argument is an error naming it, before training). Descriptions may be given
directly too. A ``not_saved`` one is left out of the fit with a warning. Loading a saved model imports
nothing it names: only a fit (a refit of the loaded model) builds the descriptions, as LightningCLI
builds a config's, and only classes of the kind the Trainer takes there (a Callback subclass).
"""

from __future__ import annotations

import copy
import inspect
import json
import math
import warnings
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

import numpy as np
import torch

from ssm_ts.errors import ConfigError
from ssm_ts.mapping_settings import require_mapping
from ssm_ts.rank_zero_warnings import warn_on_rank_zero

CLASS_PATH = "class_path"
INIT_ARGS = "init_args"
NOT_SAVED = "not_saved"
_DESCRIPTION_KEYS = frozenset({CLASS_PATH, INIT_ARGS, NOT_SAVED})
# Constructor arguments that Lightning's callbacks keep in another form, and how to read them back
# (by the class that keeps them, for its subclasses too); describe() checks the result by rebuilding.
_READ_BACK: dict[str, dict[str, Callable[[Any], Any]]] = {
    # kept negative for mode="min"
    "lightning.pytorch.callbacks.early_stopping.EarlyStopping": {"min_delta": abs},
    # kept in seconds; the constructor takes a timedelta's keyword arguments
    "lightning.pytorch.callbacks.timer.Timer": {
        "duration": lambda s: None if s is None else {"seconds": int(s)} if float(s).is_integer() else s
    },
}


def is_description(value: Any) -> bool:
    """Whether ``value`` is a dict in the ``class_path`` / ``init_args`` (or ``not_saved``) form."""
    return isinstance(value, Mapping) and CLASS_PATH in value and set(value) <= _DESCRIPTION_KEYS


def _callback_type() -> type:
    from lightning.pytorch.callbacks import Callback

    return Callback


def _given_callbacks(options: Mapping[str, Any]) -> list[Any]:
    """``options["callbacks"]`` as a list: one callback (or description) given alone, or none."""
    given = options.get("callbacks") or []
    return [given] if isinstance(given, _callback_type()) or isinstance(given, Mapping) else list(given)


def _is_object(value: Any) -> bool:
    """Whether a trainer option's value is an object JSON cannot hold (not a number, text, list, dict)."""
    return not isinstance(value, (str, int, float, bool, type(None), list, tuple, Mapping))


# Trainer arguments the front ends (Forecaster, WaveformGenerator) pass from settings of their own
FRONT_END_SETTINGS = ("max_epochs", "max_time", "accelerator")


def check_trainer_options(options: Mapping[str, Any] | None) -> None:
    """Refuse (a :class:`ConfigError`) a description in ``options`` that is not one: ``class_path`` not a
    dotted name, ``init_args`` not a dict with text keys, or both ``init_args`` and ``not_saved``; and
    an option the front end sets from its own setting (:data:`FRONT_END_SETTINGS`), which the Trainer
    would be given twice (a ``TypeError`` deep in ``fit``)."""
    require_mapping(options, "trainer_options", "{'limit_train_batches': 50}")
    for key in FRONT_END_SETTINGS:
        if key in (options or {}):
            value = options[key]  # type: ignore[index]
            raise ConfigError(
                f"trainer_options[{key!r}]: {key} is a setting of its own, which ssm-ts gives the Trainer; "
                f"pass {key}={value!r} as that setting (Forecaster({key}={value!r}), "
                f"WaveformGenerator({key}={value!r})), not in trainer_options."
            )
    for key, value in (options or {}).items():
        if key == "callbacks" or isinstance(value, (list, tuple)):
            values = _given_callbacks(options) if key == "callbacks" else value
        else:
            values = [value]
        for item in values:
            if isinstance(item, Mapping) and (CLASS_PATH in item or key == "callbacks"):
                _check_description(item, key)


def _check_description(item: Mapping[str, Any], key: str) -> None:
    where = f"trainer_options[{key!r}] entry {dict(item)!r}"
    fix = (
        "give the object itself, or {'class_path': 'lightning.pytorch.callbacks.EarlyStopping', "
        "'init_args': {'monitor': 'val_loss', 'patience': 2}} (LightningCLI's form)"
    )
    path = item.get(CLASS_PATH)
    if set(item) - _DESCRIPTION_KEYS:
        raise ConfigError(f"{where}: unknown keys {sorted(set(item) - _DESCRIPTION_KEYS)}; {fix}.")
    if not isinstance(path, str) or "." not in path.strip("."):
        raise ConfigError(f"{where}: class_path must be a dotted import path such as "
                          f"'lightning.pytorch.callbacks.EarlyStopping', got {path!r}; {fix}.")  # fmt: skip
    args = item.get(INIT_ARGS)
    if args is not None and not (isinstance(args, Mapping) and all(isinstance(k, str) for k in args)):
        raise ConfigError(
            f"{where}: init_args must be a dict of argument names to values, got {args!r}; {fix}."
        )
    if args is not None and NOT_SAVED in item:
        raise ConfigError(f"{where}: holds both init_args and not_saved; {fix}.")


def json_trainer_options(options: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """``options`` with each object (a callback, a profiler, ...) as its description (:func:`describe`),
    callbacks as a list: JSON values only, as a saved config and MLflow params hold them."""
    if options is None:
        return None
    described = {}
    for key, value in options.items():
        if key == "callbacks" or isinstance(value, (list, tuple)):
            items = _given_callbacks(options) if key == "callbacks" else value
            described[key] = [describe(v, key) if _is_object(v) else v for v in items]
        else:
            described[key] = describe(value, key) if _is_object(value) else value
    return described


def describe(obj: Any, key: str = "callbacks") -> dict[str, Any]:
    """``obj`` (the value of trainer option ``key``, or one of its callbacks) as ``{"class_path",
    "init_args"}``, the constructor arguments that differ from their defaults, when building that
    description gives an object of the same state; else ``{"class_path", "not_saved": why}``."""
    cls = type(obj)
    path = f"{cls.__module__}.{cls.__qualname__}"
    try:
        path = _import_path(cls)
        args = _init_args(obj)
        rebuilt = build({CLASS_PATH: path, INIT_ARGS: args}, key)
        # what two objects built alike already differ in (SimpleProfiler's start time) is no setting
        again = vars(build({CLASS_PATH: path, INIT_ARGS: args}, key))
        differ = sorted(k for k in {*vars(obj), *vars(rebuilt)}
                        if not _same_state(vars(obj).get(k), vars(rebuilt).get(k))
                        and _same_state(vars(rebuilt).get(k), again.get(k)))  # fmt: skip
        if differ:
            raise ValueError(f"an object built from {args} differs in {', '.join(differ[:5])}")
    except Exception as error:  # noqa: BLE001 (any class may refuse: its reason is what gets recorded)
        cause = error.__cause__ if isinstance(error, ConfigError) and error.__cause__ else error
        reason = " ".join(str(cause).split()) or type(cause).__name__
        reason = reason if len(reason) <= 160 else f"{reason[:157]}..."  # a saved config, an MLflow param
        return {CLASS_PATH: path, NOT_SAVED: f"its settings cannot be read back: {reason}"}
    return {CLASS_PATH: path, INIT_ARGS: args}


def _import_path(cls: type) -> str:
    """The shortest dotted path that imports ``cls`` (``lightning.pytorch.callbacks.EarlyStopping``)."""
    import importlib

    parts = cls.__module__.split(".")
    for n in range(1, len(parts) + 1):
        module = importlib.import_module(".".join(parts[:n]))
        if "." not in cls.__qualname__ and getattr(module, cls.__qualname__, None) is cls:
            return f"{'.'.join(parts[:n])}.{cls.__qualname__}"
    if "<locals>" in cls.__qualname__:
        raise ValueError(f"{cls.__qualname__} is defined inside a function and cannot be imported")
    return f"{cls.__module__}.{cls.__qualname__}"


def _init_args(obj: Any) -> dict[str, Any]:
    """The constructor arguments of ``obj`` that differ from their defaults, read back from its
    attributes of the same name (or with a leading underscore), as JSON values."""
    from ssm_ts.tracking.resume_settings import builtin_value

    state = vars(obj)
    read_back = {}
    for base in reversed(type(obj).__mro__):
        read_back.update(_READ_BACK.get(f"{base.__module__}.{base.__qualname__}", {}))
    args = {}
    for name, param in inspect.signature(type(obj)).parameters.items():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        found = [state[n] for n in (name, f"_{name}") if n in state]
        if not found:
            raise ValueError(f"argument {name!r} is not kept as an attribute")
        value = builtin_value(read_back[name](found[0]) if name in read_back else found[0])
        if param.default is not param.empty and _same_state(value, param.default):
            continue
        try:
            args[name] = json.loads(json.dumps(value, allow_nan=False))
        except (TypeError, ValueError) as error:
            raise ValueError(f"argument {name!r} is {type(value).__name__}, no JSON value") from error
    return args


def _same_state(a: Any, b: Any, depth: int = 0) -> bool:
    """Whether two attribute values hold the same state: tensors and arrays by value, containers item
    by item, plain objects by their attributes (a few levels deep), anything else by ``==``; ``0`` and
    ``0.0`` alike, a list and a tuple only at the top (a default compared with a JSON value)."""
    if a is b:
        return True
    if depth > 4:
        return False
    if isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor):
        return a.dtype == b.dtype and a.shape == b.shape and bool(torch.equal(a, b))
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        return np.array_equal(a, b)
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(_same_state(a[k], b[k], depth + 1) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        same_kind = type(a) is type(b) or depth == 0
        return (
            same_kind
            and len(a) == len(b)
            and all(_same_state(x, y, depth + 1) for x, y in zip(a, b, strict=False))
        )
    numbers = (int, float)
    if (
        isinstance(a, numbers)
        and isinstance(b, numbers)
        and not isinstance(a, bool)
        and not isinstance(b, bool)
    ):
        return a == b or (math.isnan(a) and math.isnan(b))
    if type(a) is not type(b):
        return False
    if type(a).__eq__ is object.__eq__ and hasattr(a, "__dict__") and not callable(a):
        return _same_state(vars(a), vars(b), depth + 1)  # a plain object: by its attributes
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 (an __eq__ that cannot answer: not the same)
        return False


@cache
def _parser(key: str):
    """A jsonargparse parser of trainer option ``key`` typed as ``lightning.Trainer`` takes it
    (``callbacks``: a list of :class:`Callback`), which builds a description as LightningCLI does."""
    import typing

    from jsonargparse import ArgumentParser
    from lightning.pytorch import Trainer

    hints = typing.get_type_hints(Trainer.__init__)
    kind = list[_callback_type()] if key == "callbacks" else hints.get(key)
    if kind is None:
        raise ConfigError(f"trainer_options[{key!r}] is no lightning.Trainer argument.")
    parser = ArgumentParser(exit_on_error=False)
    parser.add_argument("--value", type=kind)
    return parser


def build(description: Mapping[str, Any], key: str = "callbacks") -> Any:
    """A new object from a description (``class_path``, ``init_args``) of trainer option ``key``, checked
    by jsonargparse against the class's signature; a :class:`ConfigError` naming what it refused."""
    parser = _parser(key)
    given = {CLASS_PATH: description[CLASS_PATH], INIT_ARGS: dict(description.get(INIT_ARGS) or {})}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            config = parser.parse_object({"value": [given] if key == "callbacks" else given})
            built = (
                parser.instantiate(config)
                if hasattr(parser, "instantiate")
                else parser.instantiate_classes(config)
            )
    except Exception as error:  # noqa: BLE001 (jsonargparse's, or the class's own constructor's)
        detail = " ".join(str(error).split())
        raise ConfigError(
            f"trainer_options[{key!r}] {dict(description)!r} cannot be built: {detail}. Fix the class_path "
            "(an importable class of the kind lightning.Trainer takes there) or its init_args (the "
            "constructor's argument names)."
        ) from error
    return built.value[0] if key == "callbacks" else built.value


def fit_trainer_options(options: Mapping[str, Any] | None, owner: str) -> dict[str, Any]:
    """Trainer options for one fit, with fresh objects: callbacks given as objects deep-copied (other
    objects, a profiler or plugins, too when they can be copied), and descriptions built
    (:func:`build`); a ``not_saved`` description left out with a warning. A :class:`ConfigError`
    (before training) for a callback that cannot be copied or a description that cannot be built.
    ``owner``: the front end, for messages (``"Forecaster"``)."""
    options = dict(options or {})
    for key, value in list(options.items()):
        if key == "callbacks" or isinstance(value, (list, tuple)):
            items = _given_callbacks(options) if key == "callbacks" else value
            options[key] = [v for v in (_fresh(v, key, owner) for v in items) if v is not None]
        elif is_description(value) or _is_object(value):
            options[key] = _fresh(value, key, owner)
            if options[key] is None:
                del options[key]
    return options


def _fresh(value: Any, key: str, owner: str) -> Any:
    if is_description(value):
        if NOT_SAVED in value:
            warn_on_rank_zero(
                f"trainer_options[{key!r}]: {value[CLASS_PATH]} was not saved with this {owner} "
                f"({value[NOT_SAVED]}), so this fit runs without it; to keep it, set the object again in "
                f"{owner.lower()}.settings['trainer_options'] before fitting.",
                stacklevel=None,  # the user's fit call
            )
            return None
        missing = _unimportable(value[CLASS_PATH])
        if missing:  # e.g. a class of the script that fitted a loaded model (``__main__.Mine``)
            warn_on_rank_zero(
                f"trainer_options[{key!r}]: {value[CLASS_PATH]} cannot be imported in this process "
                f"({missing}), so this fit runs without it; to keep it, define the class in an importable "
                f"module (not the script run as __main__) and import it, or set the object again in "
                f"{owner.lower()}.settings['trainer_options'] before fitting.",
                stacklevel=None,  # the user's fit call
            )
            return None
        return build(value, key)
    if key != "callbacks":
        if not _is_object(value):
            return value
        try:  # a profiler shared by two fits reported both fits' measurements in the second one's
            return copy.deepcopy(value)
        except Exception:  # noqa: BLE001 (an object that cannot be copied is shared, as Lightning would)
            return value
    try:
        return copy.deepcopy(value)
    except Exception as error:  # noqa: BLE001 (any object may refuse to be copied)
        raise ConfigError(
            f"trainer_options callback {value!r} cannot be copied ({type(error).__name__}: {error}); "
            "every fit trains with a fresh copy of the callbacks given, so that their state does not "
            "carry over from one fit (or refit, or tuning trial) to the next. Make it copyable "
            "(copy.deepcopy), e.g. by opening files or connections in its setup() hook."
        ) from error


def _unimportable(class_path: str) -> str | None:
    """Why ``class_path`` names no class this process can import, when its module cannot be imported or
    is ``__main__`` (another process's script) without it; else ``None``: a misspelt class of a module
    that imports stays :func:`build`'s error."""
    import importlib

    module, _, name = class_path.rpartition(".")
    try:
        found = importlib.import_module(module)
    except ImportError as error:
        return f"{type(error).__name__}: {error}"
    if module == "__main__" and not hasattr(found, name):
        return f"this process's __main__ has no {name}"
    return None


def logger_callbacks(callbacks: list[Any]) -> list[Any]:
    """The callbacks of ``callbacks`` that only log to the fit's logger (Lightning refuses them in a fit
    without one, at its start): ``LearningRateMonitor``, ``DeviceStatsMonitor``."""
    from lightning.pytorch.callbacks import DeviceStatsMonitor, LearningRateMonitor

    return [c for c in callbacks if isinstance(c, (LearningRateMonitor, DeviceStatsMonitor))]
