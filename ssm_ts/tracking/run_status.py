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
from pathlib import Path
from typing import Any

from ssm_ts.errors import SSMTSError, TrainingError
from ssm_ts.tracking.quick_requests import quick_requests


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
        where = _kept_checkpoint(call, loggers)
        for logger in loggers:
            end_run(logger, "KILLED")
            keep_stop_reason(
                logger, f"{'SIGTERM' if terminated else 'Ctrl-C'} ({stop.__name__}){_when(call)}"
            )
        runs = ", ".join(_run_ids(loggers))
        run = f"; MLflow run {runs}, marked KILLED" if runs else ""
        if where:
            raise stop(f"{interrupted} ({where}{run})") from None
        if nothing_kept and getattr(call, "__name__", "") == "fit":  # nothing to resume
            raise stop(f"{nothing_kept} ({run[2:]})" if run else nothing_kept) from None
        raise stop(interrupted) from None
    except Exception as error:  # Lightning marks the runs FAILED; the error itself is kept in them here
        for logger in loggers:
            keep_stop_reason(logger, f"{_error_text(error)}{_when(call)}")
        _note_failed_runs(error, call, loggers, resume_hint)
        raise
    finally:
        if on_ctrl_c is not None and threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, on_ctrl_c)


STOP_TAG = "ssm_ts.stopped_by"  # the error (or Ctrl-C) that ended a FAILED or KILLED run's fit
_TAG_CHARS = 8000  # MLflow keeps at most 8000 characters of a tag's value
_ERROR_CHARS = 5000  # of an error's text in the tag, leaving room for when it stopped


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


def _shortened(text: str) -> str:
    """``text`` cut to :data:`_ERROR_CHARS` characters (``" ..."`` marks a cut): a long error (a whole
    table in its message) kept whole in the tag lost the epoch and step after it."""
    return text if len(text) <= _ERROR_CHARS else f"{text[:_ERROR_CHARS]} ..."


def started_run_id(logger: Any) -> str | None:
    """The id of ``logger``'s run if it has started one: a Lightning ``MLFlowLogger``'s ``run_id`` starts the
    run when it has none yet (a call that failed before logging anything), as its ``finalize`` does not."""
    if logger is None or getattr(logger, "_initialized", True) is False:
        return None
    run_id = getattr(logger, "run_id", None)
    return run_id if isinstance(run_id, str) else None


def _run_ids(loggers: list[Any]) -> list[str]:
    """The MLflow run ids of ``loggers`` that have started a run."""
    return [run_id for run_id in map(started_run_id, loggers) if run_id]


def _error_text(error: BaseException) -> str:
    """``"ValueError: bad row"`` of ``error``, shortened (:func:`_shortened`). An error of a process that
    ``ddp_spawn`` started reaches this one as torch's ``ProcessRaisedException``, the process's whole
    traceback as its text: the error at its end, and which process raised it."""
    text = str(error)
    if type(error).__name__ == "ProcessRaisedException":
        lines = text.strip().splitlines()
        starts = [i for i, line in enumerate(lines) if line.startswith("Traceback")]
        if starts:
            told = [line for line in lines[starts[-1] + 1 :] if line and not line.startswith(" ")]
            process = lines[0].strip(" -:").removesuffix(" terminated with the following error")
            return f"{_shortened(chr(10).join(told))} (in started {process.lower()})"
    return f"{type(error).__name__}: {_shortened(text)}"


def _trained_in_started_processes(call: Callable[..., Any]) -> bool:
    """Whether the ``Trainer`` whose method ``call`` is runs it in processes it starts (``ddp_spawn``):
    this process's trainer then keeps neither their epoch and step nor their checkpoints' paths."""
    from lightning.pytorch.strategies.launchers.multiprocessing import _MultiProcessingLauncher

    strategy = getattr(getattr(call, "__self__", None), "strategy", None)
    return isinstance(getattr(strategy, "launcher", None), _MultiProcessingLauncher)


def _when(call: Callable[..., Any]) -> str:
    """`` (epoch E, step S)`` of the ``Trainer`` whose method ``call`` is, else ``""`` (also when it ran in
    started processes, whose counters this one's trainer does not follow: it said epoch 0, step 0)."""
    if _trained_in_started_processes(call):
        return ""
    trainer = getattr(call, "__self__", None)
    epoch, step = getattr(trainer, "current_epoch", None), getattr(trainer, "global_step", None)
    return f" (epoch {epoch}, step {step})" if isinstance(epoch, int) and isinstance(step, int) else ""


def _kept_checkpoint(call: Callable[..., Any], loggers: list[Any]) -> str:
    """The ``last.ckpt`` a ``Trainer.fit`` (``call``) wrote before it stopped, preferring one in its MLflow
    run's own folder (``.../<run id>/checkpoints``), else the checkpoint a resumed fit started from; ``""``
    when there is none (a fresh fit stopped before its first checkpoint). A fit in started processes
    (``ddp_spawn``) tells this process's trainer none of its paths: the ``last.ckpt`` in each checkpoint
    callback's folder is theirs (the note said it wrote none)."""
    trainer = getattr(call, "__self__", None)
    if getattr(call, "__name__", "") != "fit" or trainer is None:
        return ""
    callbacks = getattr(trainer, "checkpoint_callbacks", [])
    written = [
        path
        for path in (getattr(c, "last_model_path", "") for c in callbacks)
        if isinstance(path, str) and path and Path(path).is_file()
    ]
    if not written and _trained_in_started_processes(call):  # theirs: the last.ckpt in each callback's folder
        written = [
            str(path)
            for path in (_last_in_folder(c) for c in callbacks)
            if path is not None and path.is_file()
        ]
    runs = _run_ids(loggers)
    own = [path for path in written if any(run_id in Path(path).parts for run_id in runs)]
    resumed = getattr(trainer, "ckpt_path", None)  # a resume that stopped before writing one: its start
    if not written and isinstance(resumed, str) and Path(resumed).is_file():
        return resumed
    return (own or written or [""])[0]


def _last_in_folder(callback: Any) -> Path | None:
    """``<dirpath>/last.ckpt`` of a ``ModelCheckpoint`` whose folder is set, else ``None``."""
    folder = getattr(callback, "dirpath", None)
    name = getattr(callback, "CHECKPOINT_NAME_LAST", None)
    if not folder or not isinstance(name, str):
        return None
    return Path(folder) / f"{name}{getattr(callback, 'FILE_EXTENSION', '.ckpt')}"


def _note_failed_runs(
    error: Exception, call: Callable[..., Any], loggers: list[Any], resume_hint: str | None = None
) -> None:
    """Add to ``error`` (shown under its traceback) which MLflow run it marked FAILED, that the error is
    kept in the run's :data:`STOP_TAG` tag, and, for a fit, the checkpoint kept and how to resume from
    it into the same run. Python 3.10 has no notes: the tag alone then."""
    runs = _run_ids(loggers)
    if not runs or not hasattr(error, "add_note"):
        return
    note = f"ssm-ts: MLflow run {', '.join(runs)} is marked FAILED; its tag {STOP_TAG} keeps this error."
    if getattr(call, "__name__", "") == "fit":
        where = _kept_checkpoint(call, loggers)
        how = resume_hint or (
            "ssm-ts: rerun the command with --ckpt_path last; Python: fit(..., resume=True), same out_dir"
        )
        note += (
            f" The fit's last checkpoint is kept: {where}. Fix the cause, then resume into the same run ({how})."
            if where
            else " It wrote no checkpoint (it stopped before its first): fix the cause and fit again."
        )
    error.add_note(note)
