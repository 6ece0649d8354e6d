"""Quiet or verbose Lightning and MLflow output, and whether a fit shows a progress bar."""

from __future__ import annotations

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


def set_verbosity(verbose: bool) -> None:
    """Quiet (the default of every fit, API or CLI) or verbose Lightning and MLflow output.

    Quiet hides Lightning's tips, MLflow's store set-up lines and its artifact download bars;
    ``verbose`` shows them all again, in the same process too.
    """
    try:
        import mlflow  # noqa: F401  (importing MLflow configures its logger; set levels after that)
    except ImportError:  # a fit that logs nothing runs without MLflow (a GPU image lacks it)
        pass

    if verbose:
        for name in QUIET_LEVELS:
            logging.getLogger(name).setLevel(logging.INFO)
        return
    quiet_lightning()
    for name, level in QUIET_LEVELS.items():
        logging.getLogger(name).setLevel(level)
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")


def quiet_lightning() -> None:
    """Silence Lightning's informational chatter (device banners, tips, data-loader hints)."""
    for name in ("lightning.pytorch", "lightning.fabric", "lightning"):
        logging.getLogger(name).setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", message=".*does not have many workers.*")
    warnings.filterwarnings("ignore", message=".*The number of training batches.*")
    warnings.filterwarnings("ignore", message=".*Checkpoint directory .* exists and is not empty.*")
    warnings.filterwarnings("ignore", message=".*LeafSpec.*is deprecated.*")
    warnings.filterwarnings("ignore", message=".*The dirpath has changed from.*")
    # a fit resumed mid-epoch: ssm-ts's training loaders skip the batches trained (skip_resumed_batches)
    warnings.filterwarnings(
        "ignore", message=".*resuming from a checkpoint that ended before the epoch ended.*"
    )


def progress_wanted() -> bool:
    """Progress bars only on an interactive terminal (not in CI logs or pytest)."""
    return sys.stderr.isatty() and not os.environ.get("CI")
