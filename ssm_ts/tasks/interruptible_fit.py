"""A ``Trainer.fit`` that a Ctrl-C or a SIGTERM ends cleanly: the MLflow run KILLED, ``last.ckpt``
kept, and under ``ddp_spawn`` every started process stopped with it. Here, in the tasks layer,
because it joins the run status of ``tracking`` with the launcher of ``training``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ssm_ts.tracking.interruptible_call import call_interruptibly
from ssm_ts.training.spawned_sigterm import stop_started_processes_together


def fit_interruptibly(
    fit: Callable[..., Any], loggers: list[Any], *args: Any, resume_hint: str | None = None, **kwargs: Any
) -> Any:
    """``fit(*args, **kwargs)`` (a ``Trainer.fit``) under :func:`call_interruptibly`: Ctrl-C raises
    ``KeyboardInterrupt`` and the run is KILLED; the fit's last.ckpt is kept to resume. ``resume_hint`` is
    the front end's own call that resumes it, as the user runs it (``"call fit(..., resume=True) on a
    Forecaster with out_dir='runs'"``, ``"rerun the same command with --ckpt_path last"``): Ctrl-C's message
    and an error's note name it, where they said only "resume". Ctrl-C before the fit's first checkpoint
    says there is nothing to resume (it said its last.ckpt was kept)."""
    trainer = getattr(fit, "__self__", None)  # a bound Trainer.fit
    if trainer is not None:  # ddp_spawn: a SIGTERM stops every process (Lightning's left them running)
        stop_started_processes_together(trainer)
    message = "fit interrupted; its last.ckpt is kept, " + (
        f"to continue: {resume_hint}" if resume_hint else "resume to continue"
    )
    nothing = "fit interrupted before its first checkpoint: there is nothing to resume, fit again"
    return call_interruptibly(
        fit, loggers, *args, interrupted=message, resume_hint=resume_hint, nothing_kept=nothing, **kwargs
    )
