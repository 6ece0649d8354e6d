"""Each fit's own folder under the output folder, and publishing its results to the shared names.

Fits may share an output folder (``--out``, ``out_dir``), also at the same time. Each writes its
checkpoints, export and config into its own folder, ``<out>/<experiment id>/<run id>/`` (the
layout Lightning gives checkpoints of an MLflow-logged fit), and logs them to its MLflow run from
there; only then is a copy published to ``<out>/export`` (``<out>/config.yaml``, ...). So a run's
logged files are always its own, and the shared names hold the results of the fit that finished
last (last writer wins), each one complete.
"""

from __future__ import annotations

import itertools
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ssm_ts.atomic import atomic_directory, atomic_path

EXPORT_NAME = "export"
UNLOGGED_FOLDER = "fits"  # <out>/fits/<time>-<pid>-<n>: the folder of a fit without MLflow

_COUNTER = itertools.count()


def unique_name() -> str:
    """``<time>-<pid>-<n>``: distinct for every call, across processes and threads."""
    return f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{next(_COUNTER)}"


def run_folder(out_dir: str | os.PathLike, logger: Any = None) -> Path:
    """The folder of the fit logged by ``logger`` (a Lightning ``MLFlowLogger``, whose run this
    creates if needed): ``out_dir/<experiment id>/<run id>``, the same for a resumed run. Without
    a logger, a new folder name ``out_dir/fits/<time>-<pid>-<n>`` on every call."""
    if logger is None:
        return Path(out_dir) / UNLOGGED_FOLDER / unique_name()
    return Path(out_dir) / str(logger.experiment_id) / str(logger.run_id)


def publish_copy(source: str | os.PathLike, target: str | os.PathLike) -> Path:
    """Copy the file or folder ``source`` onto ``target`` atomically: readers see the previous
    version or the new one, whole. Concurrent publishers to one ``target`` all succeed; the last wins."""
    source, target = Path(source), Path(target)
    if source.is_dir():
        with atomic_directory(target) as tmp:
            shutil.copytree(source, tmp, dirs_exist_ok=True)
    else:
        with atomic_path(target) as tmp:
            shutil.copyfile(source, tmp)
    return target


def log_model_and_publish(
    logger: Any,
    out_dir: str | os.PathLike,
    write_model: Callable[[Path], tuple[Any, dict[str, str]]],
    **log_options: Any,
) -> str:
    """Log a fit's model as its run's pyfunc, from the run's own folder; return the model URI.

    ``write_model(export_dir)`` writes the export into ``export_dir`` (in the run folder) and returns
    ``(python_model, artifacts)``, as the tasks' ``mlflow_pyfunc`` do. After logging, the export is
    published to ``out_dir/export``. ``log_options`` go to :func:`~ssm_ts.tracking.logger.log_pyfunc_model`
    (``register_as``, ``input_example``, ``signature``).
    """
    from ssm_ts.tracking.logger import log_pyfunc_model

    export_dir = run_folder(out_dir, logger) / EXPORT_NAME
    python_model, artifacts = write_model(export_dir)
    uri = log_pyfunc_model(logger, python_model, artifacts, **log_options)
    if export_dir.is_dir():
        publish_copy(export_dir, Path(out_dir) / EXPORT_NAME)
    return uri
