"""An MLflow run's status tells what happened to its fit, whatever went wrong and when.

Lightning ends the run itself: FINISHED when ``trainer.fit`` returns, FAILED when it raises. Two
cases it gets wrong are handled here. The logging after training (best checkpoint, resolved
config, pyfunc model) runs in a run already marked FINISHED, so a failure there (a full disk, a
lost server) left a FINISHED run without its model; and Ctrl-C becomes FAILED, with a
``SystemExit(1)`` that ends a Python session, and Ctrl-C ignored from then on.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from ssm_ts.errors import SSMTSError, TrainingError
from ssm_ts.tracking.quick_requests import quick_requests


def end_run(logger: Any, status: str) -> None:
    """Set ``logger``'s run (a Lightning ``MLFlowLogger``) to ``status``; best effort and within seconds
    (:func:`quick_requests`), since the store may be what failed, and the error that brought us here is
    the one to report."""
    run_id = getattr(logger, "run_id", None) if logger is not None else None
    if not run_id:
        return
    try:
        with quick_requests():
            logger.experiment.set_terminated(run_id, status)
    except Exception:  # noqa: BLE001 (the store itself may be down)
        pass


def stored_status(logger: Any) -> str | None:
    """The status of ``logger``'s run as its store has it now, asked within seconds
    (:func:`quick_requests`); ``None`` when the store does not answer (a server gone)."""
    try:
        with quick_requests():
            return logger.experiment.get_run(logger.run_id).info.status
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
        end_run(logger, "KILLED")
        raise
    except SSMTSError:
        end_run(logger, "FAILED")
        raise
    except Exception as err:
        end_run(logger, "FAILED")
        run_id = getattr(logger, "run_id", None)
        where = f"; the trained checkpoint is {checkpoint}" if checkpoint else ""
        raise TrainingError(
            f"training finished, but what follows it (evaluation, export, logging to MLflow run "
            f"{run_id}) failed ({type(err).__name__}: {err}){where}. The run is marked FAILED; fix the "
            f"cause (disk space, the tracking server), then {next_step}."
        ) from err


class Terminated(KeyboardInterrupt):
    """A fit (or validate, test, predict) stopped by SIGTERM: ``kill``, a scheduler's preemption, ``docker
    stop``. Lightning stops at the next batch with its ``SIGTERMException``, a ``SystemExit`` without a
    code, so the command exited 0, as a success, saying nothing, its run FAILED. It is a
    ``KeyboardInterrupt``, as Ctrl-C is, so whatever handles Ctrl-C (the run KILLED, the resume command
    printed) handles it too; the command then exits 143 (128 + SIGTERM), as the shell's convention."""


def interrupted_by_ctrl_c(error: BaseException) -> bool:
    """Whether ``error`` is Lightning's ``SystemExit(1)`` for a Ctrl-C (or a KeyboardInterrupt)."""
    if isinstance(error, KeyboardInterrupt):
        return True
    return isinstance(error, SystemExit) and isinstance(error.__context__, KeyboardInterrupt)


def call_interruptibly(
    call: Callable[..., Any], loggers: list[Any], *args: Any, interrupted: str = "interrupted", **kwargs: Any
) -> Any:
    """``call(*args, **kwargs)`` (a ``Trainer.fit``, ``validate``, ``test`` or ``predict``) where Ctrl-C
    behaves as in Python: it raises ``KeyboardInterrupt("<interrupted>")`` (Lightning raises
    ``SystemExit(1)``, which ends a REPL), the Ctrl-C handler is restored (Lightning leaves Ctrl-C
    ignored) and the loggers' runs are KILLED, not FAILED. SIGTERM raises :class:`Terminated` so."""
    from lightning.pytorch.utilities.exceptions import SIGTERMException

    on_ctrl_c = signal.getsignal(signal.SIGINT)
    try:
        return call(*args, **kwargs)
    except SystemExit as exit_:
        terminated = isinstance(exit_, SIGTERMException)
        if not (terminated or interrupted_by_ctrl_c(exit_)):
            raise
        for logger in loggers:
            end_run(logger, "KILLED")
        raise (Terminated if terminated else KeyboardInterrupt)(interrupted) from None
    finally:
        if on_ctrl_c is not None and threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, on_ctrl_c)
