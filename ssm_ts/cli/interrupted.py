"""What ``ssm-ts`` says after Ctrl-C, or after a fit stopped because it could not write its files (a full
disk): the command that resumes the fit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

# a fit ended by Ctrl-C: its --out and its own last.ckpt (None: none written yet); reset by each main call
INTERRUPTED_FIT: dict[str, str | None] = {}


def remember_interrupted_fit(trainer: Any, out: Any, resumed_from: Any, logged_to_mlflow: bool) -> None:
    """Record in INTERRUPTED_FIT what the rerun of a fit ended by Ctrl-C resumes: this fit's own last.ckpt,
    if it wrote one. Else --ckpt_path last would resume another fit's under the same --out, or find none.
    ``resumed_from`` is the checkpoint the fit itself resumed (``None`` for a fresh fit)."""
    from ssm_ts.training import ssm_ts_best_checkpoint

    # The fit's own callback knows what it wrote: without MLflow, <out>/checkpoints/last.ckpt
    # may be an earlier fit's under the same --out.
    own = ssm_ts_best_checkpoint(trainer)
    last = own.last_model_path if own is not None else ""
    best = own.best_model_path if own is not None else ""
    killed = False
    if own is not None and not last:
        from ssm_ts.cli.spawned_fit import (
            started_processes_killed,
            started_processes_own_checkpoints,
            trains_in_started_processes,
        )

        if trains_in_started_processes(trainer):  # ddp_spawn: its processes wrote them, not this one
            last, best = started_processes_own_checkpoints(own, trainer)
            killed = started_processes_killed(trainer)
    INTERRUPTED_FIT.update(
        out=str(out),
        last=last if last and Path(last).is_file() else None,
        best=best or None,
        # its started processes killed, not stopped at a batch's end: the checkpoints are earlier ones
        killed="yes" if killed else None,
        run="yes" if logged_to_mlflow else None,
        # a resume's checkpoint: what a rerun resumes from when this fit wrote none yet
        resumed_from=str(resumed_from) if resumed_from else None,
        # without a logger the rerun needs --trainer.logger false again: else it logs to MLflow
        logger_off="yes" if not trainer.loggers else None,
    )


def interrupted_text(use: str, stopped: str = "interrupted", run_state: str = "is marked KILLED") -> str:
    """What to do after Ctrl-C (``stopped``: what ended the fit; ``run_state``: what became of its MLflow
    run, unless its store did not answer): the command that resumes the fit, when it wrote a last.ckpt."""
    run_state = INTERRUPTED_FIT.get("run_state") or run_state
    if INTERRUPTED_FIT.get("killed"):  # ddp_spawn's processes, stuck: the batch under way is not saved
        stopped += (
            " (its training processes did not stop and were killed, so the batch under way was not saved: "
            "only the checkpoints written before it are kept)"
        )
    out, last = INTERRUPTED_FIT.get("out"), INTERRUPTED_FIT.get("last")
    if out is None:  # not a fit (predict, test, ...), or before it started
        return stopped
    killed = f"its MLflow run {run_state}" if INTERRUPTED_FIT.get("run") else "it logged to no MLflow run"
    off = " --trainer.logger false" if INTERRUPTED_FIT.get("logger_off") else ""  # the default logs to MLflow
    if last is None and INTERRUPTED_FIT.get("resumed_from"):  # its start, in another folder: still there
        return (
            f"{stopped} before the fit wrote a checkpoint of its own: {killed}. Resume it again from the "
            f"checkpoint it started from: ssm-ts {use} fit --ckpt_path {INTERRUPTED_FIT['resumed_from']} "
            f"--out {out}{off}"
        )
    best = INTERRUPTED_FIT.get("best")
    if last is None and best and Path(best).is_file():  # a full disk at its first last.ckpt, the best kept
        return (
            f"{stopped} before the fit wrote its last.ckpt, but its best checkpoint is kept ({best}) and "
            f"{killed}. Resume it{', in the same run,' if INTERRUPTED_FIT.get('run') else ''} from there with: "
            f"ssm-ts {use} fit --ckpt_path {best} --out {out}{off}"
        )
    if last is None:
        return (
            f"{stopped} before the fit wrote its first checkpoint (at the end of its first epoch), so there "
            f"is nothing to resume: {killed}; rerun the fit without --ckpt_path"
        )
    from ssm_ts.training import find_own_checkpoint

    newest = find_own_checkpoint(out)
    resume = f"ssm-ts {use} fit --ckpt_path last --out {out}"
    if newest is None or Path(newest).resolve() != Path(last).resolve():
        resume = f"ssm-ts {use} fit --ckpt_path {last} --out {out}"  # 'last' would pick another fit's
    return (
        f"{stopped}; its checkpoints are kept ({last}) and {killed}. "
        f"Resume it{', in the same run,' if INTERRUPTED_FIT.get('run') else ''} with: {resume}{off}"
    )
