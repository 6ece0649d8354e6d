"""Finding a fit's checkpoints under an output folder: the newest one (a resume's), ssm-ts's own
only (``--ckpt_path best/last``)."""

from __future__ import annotations

import os
from pathlib import Path

from ssm_ts.checkpoint_times import newest_checkpoint
from ssm_ts.rank_zero_warnings import warn_on_rank_zero

BEST_CHECKPOINT_PREFIX = "best-"  # ``best-epoch=N.ckpt``: the lowest validation loss of a fit


def find_newest_checkpoint(out_dir: str | os.PathLike, pattern: str = "last.ckpt") -> Path | None:
    """The most recently written checkpoint named like ``pattern`` under ``out_dir`` (any run, any folder, a
    user's ModelCheckpoint's too): by default ``last.ckpt``; ``best-*.ckpt`` finds the newest best checkpoint.
    ``None`` when there is none. What a fit resumes is :func:`find_own_checkpoint`'s."""
    candidates = list(Path(out_dir).rglob(pattern)) if Path(out_dir).is_dir() else []
    return newest_checkpoint(candidates)  # by the save time each records, not the file's (a copy's) mtime


# Where a fit into an output folder keeps ssm-ts's own checkpoints (best_checkpoint_callback): the CLI's
# without a logger, ``<out>/checkpoints`` (Lightning's default_root_dir/checkpoints); a fit logged to MLflow,
# ``<out>/<experiment id>/<run id>/checkpoints``; a Python front end's without MLflow, ``<out>/fits/<name>/checkpoints``.
OWN_CHECKPOINT_FOLDERS = ("checkpoints", "*/*/checkpoints")


# A fit's last checkpoint: ``last.ckpt``, or Lightning's ``last-v1.ckpt`` beside one it did not write (a
# second fit into the same folder, a resume from a best checkpoint of the first epoch)
LAST_CHECKPOINT_PATTERNS = ("last.ckpt", "last-v[0-9]*.ckpt")


def find_own_checkpoint(
    out_dir: str | os.PathLike, pattern: str | tuple[str, ...] = LAST_CHECKPOINT_PATTERNS
) -> Path | None:
    """The most recently written checkpoint named like ``pattern`` (or one of them) in ssm-ts's own checkpoint
    folders under ``out_dir`` (:data:`OWN_CHECKPOINT_FOLDERS`, any run); ``None`` when there is none. By default
    a last checkpoint (:data:`LAST_CHECKPOINT_PATTERNS`); one cut short counts with its file's time, and fails
    when loaded, naming the others beside it. A user's
    ``ModelCheckpoint`` files elsewhere under ``out_dir`` (``user_checkpoints/``, a ``dirpath`` of its own)
    are never taken, however recent: a ``last.ckpt`` of one saving by steps is of another step. The one rule
    of ``--ckpt_path best/last``, ``fit(..., resume=True)`` and a tuning trial's rerun."""
    folder, patterns = Path(out_dir), (pattern,) if isinstance(pattern, str) else pattern
    candidates = [
        p
        for where in OWN_CHECKPOINT_FOLDERS
        for name in patterns
        for p in folder.glob(f"{where}/{name}")
        if p.is_file()
    ]
    return newest_checkpoint(candidates)


NAMED_CHECKPOINTS = ("best", "last")  # --ckpt_path values that name a fit's newest checkpoint under --out


def resolve_named_checkpoint(name: str, out_dir: str | os.PathLike) -> Path:
    """``--ckpt_path best`` / ``last`` of validate, test, predict and ``audio generate``: the newest
    ``best-*.ckpt`` / ``last.ckpt`` of ssm-ts's own under ``out_dir`` (the fit's ``--out``; any run, not
    a user's ModelCheckpoint's: :func:`find_own_checkpoint`). A :class:`~ssm_ts.errors.CheckpointError`
    names the folder and what to pass when there is none."""
    from ssm_ts.errors import CheckpointError

    pattern = f"{BEST_CHECKPOINT_PREFIX}*.ckpt" if name == "best" else "last.ckpt"
    found = find_own_checkpoint(out_dir, pattern if name == "best" else LAST_CHECKPOINT_PATTERNS)
    if found is None and name == "best" and find_own_checkpoint(out_dir) is not None:
        # a fit that never validated: no validation split, max_steps in its first epoch, limit_val_batches=0
        raise CheckpointError(
            f"--ckpt_path best: no {pattern} under --out {out_dir}, only last.ckpt: a fit writes its best "
            "checkpoint when it validates, and the fits there never validated (no validation split, such "
            "as --data.val_fraction 0; max_steps within the first epoch; limit_val_batches=0); pass "
            "--ckpt_path last, or the checkpoint's path"
        )
    if found is None:
        raise CheckpointError(
            f"--ckpt_path {name}: no {pattern} under --out {out_dir}; pass the --out of the fit, "
            "or the checkpoint's path"
        )
    if name == "best":
        _warn_if_an_older_fits(found, find_own_checkpoint(out_dir))
    return found


def _warn_if_an_older_fits(best: Path, newest_last: Path | None) -> None:
    """A warning when the newest fit under --out kept no best checkpoint (it never validated), so
    ``best`` is an older fit's: a user who just fitted expects their own model."""
    if newest_last is None or newest_last.parent == best.parent:
        return
    if newest_checkpoint([best, newest_last]) == newest_last:
        # once: under DDP every process resolves --ckpt_path
        warn_on_rank_zero(
            f"--ckpt_path best is {best}, an older fit's: the newest fit under --out ({newest_last.parent}) "
            "kept no best checkpoint, as it never validated. Pass --ckpt_path last for the newest fit's weights.",
            UserWarning,
            stacklevel=3,
        )
