"""Which use (forecast, audio, classify) a ``--config`` file is for, told from its ``model:`` and ``data:``
settings (or their ``class_path``): a config of another use, a forecast config given to ``ssm-ts classify
fit`` (renamed or not), is refused naming the command that runs it, instead of jsonargparse's error about
the first key or value the use does not take. Below the CLI so that the api's commands (``forecast tune``,
``audio generate``) refuse one with the same message; ``ssm_ts.cli.config_use`` checks over the CLI's uses."""

from __future__ import annotations

import ast
import functools
import importlib.util
import sys
from collections.abc import Mapping
from importlib.machinery import ModuleSpec
from pathlib import Path
from typing import Any

from ssm_ts.errors import ConfigError
from ssm_ts.tasks.checkpoint_use import USE_TASKS, init_settings, use_with_most_own

# each use's data module as "module:attribute" (the CLI's uses name theirs from here); imported when asked
USE_DATAMODULES: dict[str, str] = {
    "forecast": "ssm_ts.pipelines.forecasting:ForecastDataModule",
    "audio": "ssm_ts.pipelines.audio:AudioDataModule",
    "classify": "ssm_ts.pipelines.sensor:SensorDataModule",
}


# the config sections that tell a use: its task's and its data module's settings
SECTIONS = ("model", "data")
# each use's classes by config section: {use: {"model": task, "data": data module}}, "module:attribute"
USE_SECTIONS: dict[str, dict[str, str]] = {
    use: {"model": USE_TASKS[use], "data": USE_DATAMODULES[use]} for use in USE_TASKS
}
Uses = Mapping[str, Mapping[str, str]]


def section_class(spec_target: str) -> str:
    """A ``"module:attribute"`` class as a config's ``class_path`` names it (``module.attribute``)."""
    return spec_target.replace(":", ".")


def use_settings(use: str, uses: Uses = USE_SECTIONS) -> frozenset[str]:
    """``use``'s config settings (its classes in ``uses``): ``model.NAME`` for its task's, ``data.NAME`` for
    its data module's."""
    return frozenset(
        f"{section}.{name}" for section in SECTIONS for name in declared_settings(uses[use][section])
    )


@functools.cache
def declared_settings(target: str) -> frozenset[str]:
    """:func:`~ssm_ts.tasks.checkpoint_use.init_settings` of ``target`` (``"module:attribute"``), read from its
    module's source where the class defines ``__init__`` there, so that no class is imported: the tasks
    import Lightning (several seconds), and ``forecast tune`` checks its config before it parses, loading
    jsonargparse only. A class imported already, or one whose ``__init__`` the source does not show
    (inherited, decorated), is inspected as imported."""
    module, _, attribute = target.partition(":")
    found = None if module in sys.modules else _source_init_parameters(module, attribute)
    return init_settings(target) if found is None else found


def _source_init_parameters(module: str, attribute: str, hops: int = 0) -> frozenset[str] | None:
    """The ``__init__`` parameters (without ``self``) of class ``attribute`` as ``module``'s source defines it,
    following ``from .x import attribute`` re-exports; ``None`` where the source does not show them for
    certain: the name's last binding there is no plain class statement or ``from`` import (an assignment, a
    ``*`` import after it, one inside ``if``/``try``), so that the class is imported and inspected instead."""
    parsed = None if hops > 4 else _parsed_source(module)
    if parsed is None:
        return None
    tree, package = parsed
    binding = _last_binding(tree.body, attribute, "*")  # a later `from x import *` may rebind it
    if isinstance(binding, ast.ClassDef):
        return None if binding.decorator_list or binding.keywords else _init_parameters(binding)
    try:
        followed = _defined_in(tree, binding, attribute, package)
    except (ImportError, ValueError):  # a relative import past the top-level package
        return None
    found = (_source_init_parameters(source, name, hops + 1) for source, name in followed)
    return next((settings for settings in found if settings is not None), None)


def _parsed_source(module: str) -> tuple[ast.Module, str] | None:
    """``module``'s source parsed, found without running it, and the package its relative imports are
    read from; ``None`` where it has no readable Python source."""
    spec = _unexecuted_spec(module)
    if spec is None or not str(spec.origin or "").endswith(".py"):
        return None
    try:
        tree = ast.parse(Path(str(spec.origin)).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return None
    return tree, module if spec.submodule_search_locations is not None else module.rpartition(".")[0]


def _defined_in(
    tree: ast.Module, binding: ast.stmt | None, attribute: str, package: str
) -> list[tuple[str, str]]:
    """Where a module (``tree``, in ``package``) that defines no class ``attribute`` itself takes it from, as
    ``(module, name)``: the module of a ``from .x import attribute [as name]`` (its last ``binding``), or,
    where nothing binds it, the modules a module-level ``__getattr__`` loads at first use (SensorDataModule's);
    none for any other binding (an assignment, a ``*`` import), whose class is imported instead."""
    if isinstance(binding, ast.ImportFrom) and binding.module is not None and not _binds(binding, "*"):
        alias = next(a for a in binding.names if (a.asname or a.name) == attribute)
        return [(importlib.util.resolve_name("." * binding.level + binding.module, package), alias.name)]
    if binding is not None:
        return []
    return [
        (f"{importlib.util.resolve_name('.' * n.level, package)}.{alias.name}", attribute)
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and node.name == "__getattr__"
        for n in ast.walk(node)
        if isinstance(n, ast.ImportFrom) and n.module is None
        for alias in n.names
    ]


def _last_binding(statements: list[ast.stmt], *names: str) -> ast.stmt | None:
    """The last of ``statements`` that binds one of ``names`` (a class or function statement, an import,
    an assignment, ``del``, or a compound statement binding it inside), or ``None`` where none does."""
    return next((node for node in reversed(statements) if any(_binds(node, n) for n in names)), None)


def _binds(node: ast.stmt, name: str) -> bool:
    """Whether statement ``node`` binds ``name`` (``"*"``: a ``from x import *``) anywhere in it."""
    for inner in ast.walk(node):
        if isinstance(inner, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and inner.name == name:
            return True
        if isinstance(inner, ast.Name) and inner.id == name and not isinstance(inner.ctx, ast.Load):
            return True
        if isinstance(inner, ast.alias) and (inner.asname or inner.name.partition(".")[0]) == name:
            return True
    return False


def _init_parameters(node: ast.ClassDef) -> frozenset[str] | None:
    """The parameters of the ``__init__`` a class statement defines, as :func:`inspect.signature` names
    them (``*args``/``**kwargs`` included), without ``self``; ``None`` when it defines none, decorates it
    or binds ``__init__`` last otherwise (an assignment, a definition inside ``if``)."""
    item = _last_binding(node.body, "__init__")
    if not isinstance(item, ast.FunctionDef) or item.decorator_list:
        return None
    arguments = item.args
    named = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
    named += [a for a in (arguments.vararg, arguments.kwarg) if a is not None]
    return frozenset(a.arg for a in named if a.arg != "self")


def _unexecuted_spec(name: str) -> ModuleSpec | None:
    """Module ``name``'s spec, found without running it or its packages' ``__init__`` (which may import
    the class's heavy dependencies: ssm_ts.pipelines.forecasting imports its data module)."""
    if name in sys.modules:
        return sys.modules[name].__spec__
    parent = name.rpartition(".")[0]
    path = None
    if parent:
        parent_spec = _unexecuted_spec(parent)
        if parent_spec is None or parent_spec.submodule_search_locations is None:
            return None
        path = list(parent_spec.submodule_search_locations)
    for finder in sys.meta_path:
        find_spec = getattr(finder, "find_spec", None)
        spec = find_spec(name, path) if find_spec is not None else None
        if spec is not None:
            return spec
    return None


def option_uses(key: str, use: str, uses: Uses = USE_SECTIONS) -> list[str]:
    """The other uses that take option ``key`` (``model.lookback``; a nested ``model.model_options.x`` as
    its ``model.model_options``) where ``use`` does not: an option of another use given to ``use``."""
    setting = ".".join(key.split(".")[:2])
    if use not in uses or setting in use_settings(use, uses):
        return []
    return [other for other in uses if other != use and setting in use_settings(other, uses)]


def config_settings(content: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """``(settings, class paths)`` of a config: ``model.NAME`` / ``data.NAME`` for each key of its
    ``model:`` and ``data:`` mappings (a ``class_path``'s ``init_args`` included), and ``{section: class
    path}`` where one is named. A section given as a file name or a value is not looked into."""
    names: list[str] = []
    classes: dict[str, str] = {}
    for section in SECTIONS:
        values = content.get(section)
        if not isinstance(values, dict):
            continue
        if isinstance(values.get("class_path"), str):
            classes[section] = values["class_path"]
            values = values.get("init_args") if isinstance(values.get("init_args"), dict) else {}
        names += [f"{section}.{key}" for key in values if isinstance(key, str)]
    return names, classes


def class_path_use(classes: dict[str, str], uses: Uses = USE_SECTIONS) -> str | None:
    """The use whose task or data module a config's ``class_path`` names (in full, or its class's name)."""
    for use, sections in uses.items():
        targets = {section: section_class(sections[section]) for section in SECTIONS}
        for section, named in classes.items():
            if named == targets[section] or named == targets[section].rsplit(".", 1)[-1]:
                return use
    return None


def model_name(content: dict[str, Any]) -> str | None:
    """What a config's ``model:`` is, for a message: its ``class_path``, its ``model`` (``spacetime``,
    ``s4d1d``) or its ``preset`` (audio's ``small``); ``None`` when it names none of them."""
    model = content.get("model")
    if not isinstance(model, dict):
        return None
    settings = model.get("init_args") if isinstance(model.get("init_args"), dict) else model
    for named in (model.get("class_path"), settings.get("model")):
        if isinstance(named, str):
            return named
    preset = settings.get("preset")
    return f"the preset {preset}" if isinstance(preset, str) else None


def check_config_use(
    value: str, content: dict[str, Any], use: str, command: str, uses: Uses = USE_SECTIONS
) -> None:
    """Refuse a ``--config value`` (its YAML ``content``) written for another use of ``uses`` than ``use``; ``command``
    is the one to run it with (``fit``, or ``tune`` for a search config). A config whose settings ``use``
    all takes passes without further checks; one that names settings of no use, or of several alike, is
    left to the parser's own error.

    Raises:
        ConfigError: naming the use the config is for, what tells it, and the command to run it with.
    """
    names, classes = config_settings(content)
    own = use_settings(use, uses)
    named = class_path_use(classes, uses)
    if named is None and set(names) <= own:
        return
    owner = named or use_with_most_own(names, {u: use_settings(u, uses) for u in uses})
    if owner is None or owner == use:
        return
    foreign = [name for name in names if name not in own and name in use_settings(owner, uses)]
    listed = ", ".join(foreign[:6]) + (", ..." if len(foreign) > 6 else "")
    model = model_name(content)
    reasons = [f"its model is {model}"] if model else []
    reasons += [f"its data: is {classes['data']}"] if "data" in classes else []
    reasons += [f"ssm-ts {use} takes none of {listed}"] if foreign else []
    raise ConfigError(
        f"--config {value} is a config for ssm-ts {owner}, not ssm-ts {use} ({'; '.join(reasons)}): run it "
        f"with ssm-ts {owner} {command} --config {value}, or pass a config for {use} (ssm-ts configs list "
        "shows the shipped ones)"
    )


def config_values(args: list[str]) -> list[str]:
    """The values of ``--config X``, ``--config=X`` and ``-c X`` in ``args``, in order."""
    values = [b for a, b in zip(args, args[1:], strict=False) if a in ("--config", "-c")]
    return values + [a.split("=", 1)[1] for a in args if a.startswith("--config=")]


def config_contents(args: list[str]) -> list[tuple[str, dict[str, Any]]]:
    """``(value, YAML mapping)`` of each ``--config`` (or ``-c``) file in ``args``, read with the loader
    jsonargparse reads it with (libyaml's, which takes a tab before a comment); files the parser cannot
    read, YAML given inline and files holding no mapping are left to its own checks."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    contents = []
    for value in config_values(args):
        if not Path(value).is_file():  # a pipe (/dev/stdin, <(...)) is read once, by the parser
            continue
        try:
            content = yaml.load(Path(value).read_text(encoding="utf-8-sig"), Loader=loader)
        except (OSError, UnicodeDecodeError, yaml.YAMLError):  # a UTF-16 file: cli.main's own check names it
            continue
        if isinstance(content, dict):
            contents.append((value, content))
    return contents


def is_search_config(content: dict[str, Any]) -> bool:
    """Whether a config is a hyperparameter search's (``ssm-ts forecast tune``): it has a top-level ``space``."""
    return "space" in content


def command_for(content: dict[str, Any], command: str) -> str:
    """The command that runs a config (its YAML ``content``) of another use: ``tune`` for a search config,
    else ``command``."""
    return "tune" if is_search_config(content) else command


def refuse_other_use_configs(args: list[str], use: str, command: str, uses: Uses = USE_SECTIONS) -> None:
    """Refuse each ``--config`` file of ``args`` written for another use of ``uses`` than ``use``
    (:func:`check_config_use`); the message names ``command`` to run it with (:func:`command_for`)."""
    for value, content in config_contents(args):
        check_config_use(value, content, use, command_for(content, command), uses)
