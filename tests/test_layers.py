"""Imports point down only (DESIGN.md, "Layers"): every module of the package, parsed with ``ast`` (imports
inside functions and ``TYPE_CHECKING`` blocks count), imports its own layer and the layers below it, and
nothing above, except the few lazy imports of :data:`ALLOWED_UPWARD`, each with its reason.

Only ``import`` statements are checked: the CLI's ``"module:attribute"`` targets (``ssm_ts.cli.uses``) and
the lazy names of ``ssm_ts/__init__.py`` are strings that name modules above them on purpose."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# the installed package names and their folders, as pyproject.toml's [tool.setuptools.package-dir] maps them
PACKAGE_FOLDERS = {"ssm_ts": "ssm_ts", "ssm_ts.kernels": "kernels", "ssm_ts.pipelines": "pipelines"}

# Each module's layer: the longest dotted prefix of its name found here. A new module outside these
# (a new top-level module of ssm_ts, a new sub-package) fails test_every_module_has_a_layer.
LAYER_OF = {
    "ssm_ts.__main__": "entry",
    "ssm_ts.cli": "cli",
    "ssm_ts.api": "api",
    "ssm_ts.evaluation": "evaluation",
    "ssm_ts.evaluation_frame": "evaluation",
    "ssm_ts.evaluation_metrics": "evaluation",
    "ssm_ts.evaluation_scales": "evaluation",
    "ssm_ts.evaluation_tables": "evaluation",
    "ssm_ts.tasks": "tasks",
    "ssm_ts.models": "models",
    "ssm_ts.core": "core",
    "ssm_ts.kernels": "kernels",
    "ssm_ts.pipelines": "pipelines",
    "ssm_ts.tracking": "tracking",
    "ssm_ts.training": "training",
    # the shared ground every layer may use: errors, atomic writes, file and checkpoint helpers, data homes
    "ssm_ts": "base",  # __init__ sets __version__ and names the front lazily (strings, not imports)
    "ssm_ts.atomic": "base",
    "ssm_ts.checkpoint_times": "base",
    "ssm_ts.data_fetch": "base",
    "ssm_ts.datasets": "base",
    "ssm_ts.errors": "base",
    "ssm_ts.export": "base",
    "ssm_ts.packaged_configs": "base",
}

# The layers each layer sits on directly; it may import those and everything below them.
SITS_ON = {
    "base": set(),
    "kernels": {"base"},
    "core": {"kernels"},
    "models": {"core"},
    # LightningDataModules and file readers: never models ("models never read files", nor the reverse)
    "pipelines": {"base"},
    # Trainer construction, callbacks, checkpoint lookup: used by tasks, api and cli
    "training": {"base"},
    # MLflow setup, run folders, request checks and the pyfunc code files the tasks log: beside pipelines,
    # below the tasks that use them (the pyfunc wrappers' lazy imports of what they wrap are allowed below)
    "tracking": {"pipelines"},
    "evaluation": {"pipelines"},  # ssm_ts.evaluate: scores backtest tables
    "tasks": {"models", "pipelines", "training", "tracking"},
    "api": {"tasks", "evaluation"},  # Forecaster, WaveformGenerator, SSMClassifier over tasks + pipelines
    "cli": {"api"},  # `ssm-ts forecast tune` and `audio generate` are the api's; the rest over tasks
    "entry": {"cli"},  # python -m ssm_ts
}

# (importing module, imported module): reason. Each must stay inside a function (so importing the lower
# module never loads the upper one) and still be in the code (test_each_allowed_upward_import_is_used).
ALLOWED_UPWARD = {
    ("ssm_ts.tracking.pyfunc_forecast", "ssm_ts.api.forecaster"): (
        "the MLflow pyfunc wraps the api's Forecaster: load_context builds it when MLflow loads the model"
    ),
    ("ssm_ts.tracking.pyfunc_audio", "ssm_ts.api.waveform"): (
        "the MLflow pyfunc wraps the api's WaveformGenerator: load_context builds it"
    ),
    ("ssm_ts.tracking.pyfunc_classify", "ssm_ts.tasks.classification"): (
        "the MLflow pyfunc wraps a classifier export: load_context loads it and predict runs it"
    ),
    ("ssm_ts.tracking.pyfunc_classify", "ssm_ts.models.random_ssm_features"): (
        "the MLflow pyfunc checks a request's rate as the wrapped model does"
    ),
}


def layer_of(module: str) -> str | None:
    """The layer of the dotted ``module``: its longest prefix in :data:`LAYER_OF`."""
    parts = module.split(".")
    for end in range(len(parts), 0, -1):
        layer = LAYER_OF.get(".".join(parts[:end]))
        if layer is not None:
            return layer
    return None


def may_import(layer: str) -> set[str]:
    """``layer`` and every layer below it."""
    seen, todo = {layer}, [layer]
    while todo:
        for lower in SITS_ON[todo.pop()]:
            if lower not in seen:
                seen.add(lower)
                todo.append(lower)
    return seen


def package_modules() -> dict[str, Path]:
    """Every module of the installed package: dotted name -> source file."""
    modules = {}
    for package, folder in PACKAGE_FOLDERS.items():
        for path in sorted((REPO / folder).rglob("*.py")):
            parts = list(path.relative_to(REPO / folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join([package, *parts])] = path
    return modules


MODULES = package_modules()


def imported_modules(module: str, source: str, is_package: bool = False) -> Iterator[tuple[str, int, bool]]:
    """``(imported module, line, inside a function)`` of every ``import`` in ``source``; ``from a import b``
    gives ``a.b`` when that is a module of the package, else ``a``; relative imports are resolved."""

    def walk(node: ast.AST, in_function: bool) -> Iterator[tuple[str, int, bool]]:
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield alias.name, child.lineno, in_function
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = module.split(".")[: len(module.split(".")) - (0 if is_package else 1)]
                    anchor = anchor[: len(anchor) - (child.level - 1)]
                    base = ".".join(anchor + ([child.module] if child.module else []))
                names = (f"{base}.{alias.name}" for alias in child.names)
                for target in dict.fromkeys(name if name in MODULES else base for name in names):
                    yield target, child.lineno, in_function
            yield from walk(child, nested)

    yield from walk(ast.parse(source), False)


def upward_imports(module: str, source: str, is_package: bool = False) -> list[str]:
    """The imports of ``module`` (its ``source``) that point above its layer, less :data:`ALLOWED_UPWARD`'s
    lazy ones, as ``"module:line imports target (layer -> layer)"``."""
    layer = layer_of(module)
    allowed = may_import(layer)
    found = []
    for target, line, in_function in imported_modules(module, source, is_package):
        target_layer = layer_of(target) if target.split(".")[0] == "ssm_ts" else None
        if target_layer is None or target_layer in allowed:
            continue
        if (module, target) in ALLOWED_UPWARD and in_function:
            continue
        found.append(f"{module}:{line} imports {target} ({layer} -> {target_layer})")
    return found


def test_every_module_has_a_layer():
    assert [name for name in MODULES if layer_of(name) is None] == []
    assert set(LAYER_OF.values()) == set(SITS_ON)


def test_imports_point_down_only():
    found = [
        line
        for name, path in MODULES.items()
        for line in upward_imports(name, path.read_text(encoding="utf-8"), path.name == "__init__.py")
    ]
    assert found == [], "imports that point up a layer (DESIGN.md, Layers):\n" + "\n".join(found)


def test_each_allowed_upward_import_is_used():
    used = {
        (name, target)
        for name, path in MODULES.items()
        for target, _, _ in imported_modules(
            name, path.read_text(encoding="utf-8"), path.name == "__init__.py"
        )
    }
    assert set(ALLOWED_UPWARD) - used == set(), "allowed upward imports no longer in the code: drop them"


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("ssm_ts.core.dplr", "def f():\n    from ssm_ts.models.spacetime import SpaceTime\n"),
        ("ssm_ts.kernels.cauchy", "import ssm_ts.core.base\n"),
        ("ssm_ts.pipelines.forecasting.reader", "from ssm_ts.tasks import forecasting\n"),
        (
            "ssm_ts.tasks.forecast_conformal",
            "if True:\n    from ssm_ts.api.conformal import CHECKPOINT_KEY\n",
        ),
        (
            "ssm_ts.models.linear",
            "from ..pipelines.forecasting import SeriesSpec\n",
        ),  # relative: ssm_ts.pipelines
        ("ssm_ts.api.tune_cli", "def f():\n    from ssm_ts.cli.config_use import config_use\n"),
        # an allowed pair, but at import time: importing the lower module would load the upper one
        (
            "ssm_ts.tracking.pyfunc_audio",
            "from ssm_ts.api.waveform import WaveformGenerator\n",
        ),
    ],
)
def test_a_planted_upward_import_is_caught(module, source):
    (found,) = upward_imports(module, source)
    assert found.startswith(f"{module}:")


def test_downward_and_same_layer_imports_pass():
    assert upward_imports("ssm_ts.cli.fit_outputs", "from ssm_ts.api.forecaster import Forecaster\n") == []
    assert (
        upward_imports("ssm_ts.tasks.forecasting", "from ssm_ts.tasks.conformal_storage import SCORES_FILE\n")
        == []
    )
    assert (
        upward_imports("ssm_ts.kernels.cauchy", "from ssm_ts.errors import ConfigError\nimport torch\n") == []
    )
