"""A training call (a ``Trainer.fit``, ``validate``, ``test`` or ``predict``) that Ctrl-C or SIGTERM stops
as Python's own calls stop (:func:`call_interruptibly`): Lightning turns Ctrl-C into a FAILED run and a
``SystemExit(1)`` that ends a Python session, with Ctrl-C ignored from then on, and SIGTERM into an exit
0. The runs are marked KILLED (an error: FAILED, by Lightning) and what stopped the call is kept in them
(:mod:`ssm_ts.tracking.stopped_call`)."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from typing import Any

from ssm_ts.tracking.run_status import end_run, keep_stop_reason, started_run_ids
from ssm_ts.tracking.stopped_call import error_text, kept_checkpoint, note_failed_runs, stopped_at


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
    call: Callable[..., Any],
    loggers: list[Any],
    *args: Any,
    interrupted: str = "interrupted",
    resume_hint: str | None = None,
    nothing_kept: str | None = None,
    **kwargs: Any,
) -> Any:
    """``call(*args, **kwargs)`` (a ``Trainer.fit``, ``validate``, ``test`` or ``predict``) where Ctrl-C
    behaves as in Python: it raises ``KeyboardInterrupt("<interrupted>")`` (Lightning raises
    ``SystemExit(1)``, which ends a REPL), the Ctrl-C handler is restored (Lightning leaves Ctrl-C
    ignored) and the loggers' runs are KILLED, not FAILED. SIGTERM raises :class:`Terminated` so.
    An error's note names the call that resumes a fit into the same run: ``resume_hint``, the front end's
    own (``"call fit(..., resume=True) on a Forecaster with out_dir='runs'"``), else both front ends'.
    ``nothing_kept``, if given, is Ctrl-C's message for a fit stopped before its first checkpoint."""
    from lightning.pytorch.utilities.exceptions import SIGTERMException

    on_ctrl_c = signal.getsignal(signal.SIGINT)
    try:
        return call(*args, **kwargs)
    except SystemExit as exit_:
        terminated = isinstance(exit_, SIGTERMException)
        if not (terminated or interrupted_by_ctrl_c(exit_)):
            raise
        stop = Terminated if terminated else KeyboardInterrupt
        where = kept_checkpoint(call, loggers)
        for logger in loggers:
            end_run(logger, "KILLED")
            keep_stop_reason(
                logger, f"{'SIGTERM' if terminated else 'Ctrl-C'} ({stop.__name__}){stopped_at(call)}"
            )
        runs = ", ".join(started_run_ids(loggers))
        run = f"; MLflow run {runs}, marked KILLED" if runs else ""
        if where:
            raise stop(f"{interrupted} ({where}{run})") from None
        if nothing_kept and getattr(call, "__name__", "") == "fit":  # nothing to resume
            raise stop(f"{nothing_kept} ({run[2:]})" if run else nothing_kept) from None
        raise stop(interrupted) from None
    except Exception as error:  # Lightning marks the runs FAILED; the error itself is kept in them here
        for logger in loggers:
            keep_stop_reason(logger, f"{error_text(error)}{stopped_at(call)}")
        note_failed_runs(error, call, loggers, resume_hint)
        raise
    finally:
        if on_ctrl_c is not None and threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, on_ctrl_c)
