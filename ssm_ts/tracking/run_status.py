"""An MLflow run's status tells what happened to its fit, whatever went wrong and when: the run ended
FAILED or KILLED (:func:`end_run`), and why, in its :data:`STOP_TAG` tag (:func:`keep_stop_reason`).

Lightning ends the run itself: FINISHED when ``trainer.fit`` returns, FAILED when it raises. The logging
after training (best checkpoint, resolved config, pyfunc model) runs in a run already marked FINISHED, so
a failure there (a full disk, a lost server) left a FINISHED run without its model:
:func:`run_failed_on_error` marks it FAILED. (A call that Ctrl-C or an error stops while it trains:
:mod:`ssm_ts.tracking.interruptible_call`.)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ssm_ts.errors import SSMTSError, TrainingError
from ssm_ts.tracking.quick_requests import quick_requests

STOP_TAG = "ssm_ts.stopped_by"  # the error (or Ctrl-C) that ended a FAILED or KILLED run's fit
_TAG_CHARS = 8000  # MLflow keeps at most 8000 characters of a tag's value


def end_run(logger: Any, status: str) -> None:
    """Set ``logger``'s run (a Lightning ``MLFlowLogger``) to ``status``; best effort and within seconds
    (:func:`quick_requests`), since the store may be what failed, and the error that brought us here is
    the one to report. A Lightning logger that has not started its run yet (a Ctrl-C before anything was
    logged) is left so: reading its ``run_id`` would start a run only to end it."""
    run_id = started_run_id(logger)  # a logger that started no run yet: none to start and end
    if not run_id:
        return
    try:
        with quick_requests():
            logger.experiment.set_terminated(run_id, status)
    except Exception:  # noqa: BLE001 (the store itself may be down)
        pass


def stored_status(logger: Any) -> str | None:
    """The status of ``logger``'s run as its store has it now, asked within seconds
    (:func:`quick_requests`); ``None`` when the store does not answer (a server gone) or the logger has
    started no run (:func:`started_run_id`: reading its ``run_id`` would start one, left RUNNING)."""
    run_id = started_run_id(logger)
    if not run_id:
        return None
    try:
        with quick_requests():
            return logger.experiment.get_run(run_id).info.status
    except Exception:  # noqa: BLE001 (the store may be what failed)
        return None


@contextmanager
def run_failed_on_error(logger: Any, checkpoint: str | None, next_step: str) -> Iterator[None]:
    """Around the logging after training: an error marks the run FAILED (Ctrl-C: KILLED), and one
    that is not already an ssm-ts error becomes a :class:`TrainingError` naming the run, where the
    checkpoint is and what to do next (``next_step``, e.g. "rerun with --ckpt_path last ...").
    Without a logger (no MLflow) errors pass unchanged."""
    if logger is None:
        yield
        return
    try:
        yield
    except KeyboardInterrupt:
        keep_stop_reason(logger, "Ctrl-C (KeyboardInterrupt) (after training)")
        end_run(logger, "KILLED")
        raise
    except Exception as err:
        # the run says why it failed, as one stopped during training does (STOP_TAG)
        keep_stop_reason(logger, f"{type(err).__name__}: {err} (after training)")
        end_run(logger, "FAILED")
        if isinstance(err, SSMTSError):
            raise
        run_id = getattr(logger, "run_id", None)
        where = f"; the trained checkpoint is {checkpoint}" if checkpoint else ""
        raise TrainingError(
            f"training finished, but what follows it (evaluation, export, logging to MLflow run "
            f"{run_id}) failed ({type(err).__name__}: {err}){where}. The run is marked FAILED; fix the "
            f"cause (disk space, the tracking server), then {next_step}."
        ) from err


def keep_stop_reason(logger: Any, reason: str) -> None:
    """Tag ``logger``'s run (a Lightning ``MLFlowLogger``) with ``reason``, the error that stopped its
    call (``"ValueError: ... (epoch 1, step 7)"``), as :data:`STOP_TAG`: MLflow keeps only a status, so
    a FAILED run found later (``mlflow.search_runs``, the UI) did not say why. Best effort and within
    seconds, as :func:`end_run`."""
    run_id = started_run_id(logger)
    if not run_id or not hasattr(logger, "experiment"):
        return
    try:
        with quick_requests():
            logger.experiment.set_tag(run_id, STOP_TAG, reason[:_TAG_CHARS])
    except Exception:  # noqa: BLE001 (the store itself may be down)
        pass


def started_run_id(logger: Any) -> str | None:
    """The id of ``logger``'s run if it has started one: a Lightning ``MLFlowLogger``'s ``run_id`` starts the
    run when it has none yet (a call that failed before logging anything), as its ``finalize`` does not."""
    if logger is None or getattr(logger, "_initialized", True) is False:
        return None
    run_id = getattr(logger, "run_id", None)
    return run_id if isinstance(run_id, str) else None


def started_run_ids(loggers: list[Any]) -> list[str]:
    """The MLflow run ids of ``loggers`` that have started a run."""
    return [run_id for run_id in map(started_run_id, loggers) if run_id]


_MOVED = ("Terminated", "call_interruptibly", "interrupted_by_ctrl_c")  # to interruptible_call


def __getattr__(name: str) -> Any:
    """``from ssm_ts.tracking.run_status import Terminated`` (the error a fit that SIGTERM stops raises, a
    ``KeyboardInterrupt``) as before these moved to :mod:`ssm_ts.tracking.interruptible_call`, which
    imports this module (so they are read from it only when asked for)."""
    if name in _MOVED:
        from ssm_ts.tracking import interruptible_call

        return getattr(interruptible_call, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
