"""Where a training call (a ``Trainer.fit``, ``validate``, ``test`` or ``predict``) stopped, as its MLflow
run's :data:`~ssm_ts.tracking.run_status.STOP_TAG` and its error's note tell it: the epoch and step
(:func:`stopped_at`), the error's text (:func:`error_text`), the ``last.ckpt`` a fit kept
(:func:`kept_checkpoint`) and the note naming the runs marked FAILED (:func:`note_failed_runs`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ssm_ts.tracking.run_status import STOP_TAG, started_run_ids
from ssm_ts.tracking.started_processes import trains_in_started_processes

_ERROR_CHARS = 5000  # of an error's text in the tag, leaving room for when it stopped


def stopped_at(call: Callable[..., Any]) -> str:
    """`` (epoch E, step S)`` of the ``Trainer`` whose method ``call`` is, else ``""`` (also when it ran in
    started processes, whose counters this one's trainer does not follow: it said epoch 0, step 0)."""
    trainer = getattr(call, "__self__", None)
    if trains_in_started_processes(trainer):
        return ""
    epoch, step = getattr(trainer, "current_epoch", None), getattr(trainer, "global_step", None)
    return f" (epoch {epoch}, step {step})" if isinstance(epoch, int) and isinstance(step, int) else ""


def error_text(error: BaseException) -> str:
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


def _shortened(text: str) -> str:
    """``text`` cut to :data:`_ERROR_CHARS` characters (``" ..."`` marks a cut): a long error (a whole
    table in its message) kept whole in the tag lost the epoch and step after it."""
    return text if len(text) <= _ERROR_CHARS else f"{text[:_ERROR_CHARS]} ..."


def kept_checkpoint(call: Callable[..., Any], loggers: list[Any]) -> str:
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
    if not written and trains_in_started_processes(trainer):  # theirs: each callback's folder's last.ckpt
        written = [
            str(path)
            for path in (_last_in_folder(c) for c in callbacks)
            if path is not None and path.is_file()
        ]
    runs = started_run_ids(loggers)
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


def note_failed_runs(
    error: Exception, call: Callable[..., Any], loggers: list[Any], resume_hint: str | None = None
) -> None:
    """Add to ``error`` (shown under its traceback) which MLflow run it marked FAILED, that the error is
    kept in the run's :data:`STOP_TAG` tag, and, for a fit, the checkpoint kept and how to resume from
    it into the same run. Python 3.10 has no notes: the tag alone then."""
    runs = started_run_ids(loggers)
    if not runs or not hasattr(error, "add_note"):
        return
    note = f"ssm-ts: MLflow run {', '.join(runs)} is marked FAILED; its tag {STOP_TAG} keeps this error."
    if getattr(call, "__name__", "") == "fit":
        where = kept_checkpoint(call, loggers)
        how = resume_hint or (
            "ssm-ts: rerun the command with --ckpt_path last; Python: fit(..., resume=True), same out_dir"
        )
        note += (
            f" The fit's last checkpoint is kept: {where}. Fix the cause, then resume into the same run ({how})."
            if where
            else " It wrote no checkpoint (it stopped before its first): fix the cause and fit again."
        )
    error.add_note(note)
