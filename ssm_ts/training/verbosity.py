"""Quiet or verbose Lightning and MLflow output, and whether a fit shows a progress bar."""

from __future__ import annotations

import importlib.abc
import importlib.util
import logging
import os
import sys
import warnings

# Loggers whose chatter the default hides and verbose output shows, with the level kept when quiet:
# Lightning's banners and tips, MLflow's store set-up lines and signature hints, "Experiment ... not
# found. Creating it."
QUIET_LEVELS = {
    "lightning": logging.WARNING,
    "lightning.pytorch": logging.WARNING,
    "lightning.fabric": logging.WARNING,
    "lightning.pytorch.loggers.mlflow": logging.ERROR,
    "mlflow": logging.ERROR,
}
_chosen = {"verbose": False}  # the process's choice (set_verbosity): quiet unless verbose was chosen


def set_verbosity(verbose: bool) -> None:
    """Quiet (the default of every fit, API or CLI) or verbose Lightning and MLflow output, for the
    rest of the process: every later fit applies this choice (:func:`apply_chosen_verbosity`).

    Quiet hides Lightning's tips, MLflow's store set-up lines and its artifact download bars;
    ``verbose`` shows them all again, in the same process too. MLflow is not imported here (seconds,
    for a fit that logs nothing): its level waits for its import (:class:`_LevelOnMlflowImport`).
    """
    _chosen["verbose"] = verbose
    levels = dict.fromkeys(QUIET_LEVELS, logging.INFO) if verbose else QUIET_LEVELS
    if verbose:  # a quiet fit earlier in the process hid Lightning's hints
        _hints("default")
    else:
        quiet_lightning()
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
    if "mlflow" not in sys.modules and _LEVEL_ON_MLFLOW_IMPORT not in sys.meta_path:
        sys.meta_path.insert(0, _LEVEL_ON_MLFLOW_IMPORT)
    if not verbose:
        os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")


def apply_chosen_verbosity() -> None:
    """Set the levels of the process's choice again (quiet unless :func:`set_verbosity` chose verbose),
    as each fit does before it makes its MLflow logger and its trainer: a library imported since (MLflow
    on a first logging fit, Lightning) or the user's own code may have changed them."""
    set_verbosity(_chosen["verbose"])


def verbose_chosen() -> bool:
    """Whether :func:`set_verbosity` chose verbose output for this process (quiet by default)."""
    return _chosen["verbose"]


class _LevelOnMlflowImport(importlib.abc.MetaPathFinder):
    """Sets the "mlflow" logger's chosen level (quiet: ERROR, verbose: INFO) as MLflow's import ends,
    wherever it is imported (ssm-ts's tracking, Lightning's MLflow logger, the user's code): that import
    sets the level from ``MLFLOW_LOGGING_LEVEL`` (INFO without it), undoing the one set before. It finds
    MLflow as Python would and leaves ``sys.meta_path`` once that import has run (a look-up alone, as
    ``importlib.util.find_spec("mlflow")``, leaves it in place). The environment is left alone, so
    processes started later (``mlflow ui``) keep the user's level."""

    def __init__(self) -> None:
        self._finding = False

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> object:
        if fullname != "mlflow" or self._finding:
            return None
        self._finding = True  # the look-up below asks every finder, this one too
        try:
            spec = importlib.util.find_spec(fullname)
        finally:
            self._finding = False
        loader = getattr(spec, "loader", None)
        run_import = getattr(loader, "exec_module", None)
        if run_import is None:
            return spec

        def exec_module(module: object) -> None:
            run_import(module)
            if self in sys.meta_path:
                sys.meta_path.remove(self)
            level = logging.INFO if verbose_chosen() else QUIET_LEVELS["mlflow"]
            logging.getLogger("mlflow").setLevel(level)

        try:
            loader.exec_module = exec_module  # this look-up's loader only (a new one each time)
        except AttributeError:  # a loader that keeps no attributes: the next fit sets the level
            pass
        return spec


_LEVEL_ON_MLFLOW_IMPORT = _LevelOnMlflowImport()


# Lightning's hints that quiet hides (message patterns): verbose shows them again
QUIET_WARNINGS = (
    ".*does not have many workers.*",
    ".*The number of training batches.*",
    ".*Checkpoint directory .* exists and is not empty.*",
    ".*LeafSpec.*is deprecated.*",
    ".*The dirpath has changed from.*",
    # a fit resumed mid-epoch: ssm-ts's training loaders skip the batches trained (skip_resumed_batches)
    ".*resuming from a checkpoint that ended before the epoch ended.*",
)


def quiet_lightning() -> None:
    """Silence Lightning's informational chatter (device banners, tips, data-loader hints)."""
    for name in ("lightning.pytorch", "lightning.fabric", "lightning"):
        logging.getLogger(name).setLevel(logging.WARNING)
    _hints("ignore")


def _hints(action: str) -> None:
    """Lightning's hints (:data:`QUIET_WARNINGS`) hidden (``"ignore"``) or shown again (``"default"``,
    Python's own action for them): a filter for the same message replaces the one before, so choosing
    quiet and verbose in turn keeps one filter a hint."""
    for message in QUIET_WARNINGS:
        warnings.filterwarnings(action, message=message)


def progress_wanted() -> bool:
    """Progress bars only on an interactive terminal (not in CI logs or pytest)."""
    return sys.stderr.isatty() and not os.environ.get("CI")
