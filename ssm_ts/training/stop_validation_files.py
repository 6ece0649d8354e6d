"""A user's ``ModelCheckpoint`` files that the validation at a stop mid-epoch saved, named in a warning
when a fit resumes from ssm-ts's ``last.ckpt`` of that stop.

That ``last.ckpt`` is written as the stop batch ends, before the validation at the stop, so the callbacks'
states it holds are those of the uninterrupted fit (:class:`~ssm_ts.training.checkpoints.BestAndLastCheckpoint`).
A user's top-k ``ModelCheckpoint`` still saves at that validation, and replaces its former best: the
resumed callback's restored state does not track the file saved (it stays, never replaced nor deleted),
and still names the one replaced, which is gone. ssm-ts removes its own such ``best-*.ckpt``; a user's
files are not removed on a guess (another fit may write to the same folder): the warning names them.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import lightning.pytorch as pl
from lightning.pytorch.callbacks import Callback, ModelCheckpoint

from ssm_ts.checkpoint_times import recorded_save_time
from ssm_ts.user_stack_level import user_stack_level


def tracked_paths(callback: Callback) -> list[str]:
    """The checkpoint files a ``ModelCheckpoint``'s (restored) state names; none for another callback."""
    if not isinstance(callback, ModelCheckpoint):
        return []
    named = [callback.best_model_path, callback.kth_best_model_path, callback.last_model_path]
    return [p for p in [*named, *callback.best_k_models] if p]


def tracked_files(trainer: pl.Trainer) -> set[Path]:
    """The files (resolved) that the restored states of ``trainer``'s checkpoint callbacks name."""
    return {Path(p).resolve() for c in trainer.checkpoint_callbacks for p in tracked_paths(c)}


def saved_after(folder: Path, extension: str, resumed_at: int, step: int) -> list[Path]:
    """The checkpoints (``*extension``) in ``folder`` recording an ssm-ts save time later than
    ``resumed_at`` at global step ``step``: at a stop mid-epoch, those the validation after it saved."""
    found = []
    for path in sorted(folder.glob(f"*{extension}")):
        saved, (saved_step, _) = recorded_save_time(path)
        if saved is not None and saved > resumed_at and saved_step == step:
            found.append(path)
    return found


def warn_of_user_files_saved_at_stop(
    trainer: pl.Trainer, own: ModelCheckpoint, resumed_at: int, step: int
) -> None:
    """One warning for each ``ModelCheckpoint`` of ``trainer`` but ``own`` (ssm-ts's) whose folder holds
    files saved after the resumed checkpoint (saved at ``resumed_at``, global step ``step``) that no
    checkpoint callback's restored state tracks: the files, and those the state names that are gone."""
    if not trainer.is_global_zero:
        return
    tracked = tracked_files(trainer)
    for callback in trainer.checkpoint_callbacks:
        if callback is own or not isinstance(callback, ModelCheckpoint) or not callback.dirpath:
            continue
        folder = Path(callback.dirpath)
        stray = [
            p
            for p in saved_after(folder, callback.FILE_EXTENSION, resumed_at, step)
            if p.resolve() not in tracked
        ]
        if stray:
            gone = sorted({p for p in tracked_paths(callback) if not Path(p).exists()})
            note = _note(type(callback).__name__, folder, stray, gone)
            warnings.warn(note, UserWarning, stacklevel=user_stack_level())  # the user's fit call


def _note(name: str, folder: Path, stray: list[Path], gone: list[str]) -> str:
    one = len(stray) == 1
    replaced = (
        f" That validation replaced {', '.join(Path(p).name for p in gone)}, which the restored state still "
        "names but which is gone."
        if gone
        else ""
    )
    return (
        f"{name}(dirpath={str(folder)!r}): {', '.join(p.name for p in stray)} {'was' if one else 'were'} saved "
        "by the validation at the stop mid-epoch, after the last.ckpt this fit resumes: the callback's "
        f"restored state does not track {'it' if one else 'them'}, so {'it is' if one else 'they are'} never "
        f"replaced nor deleted.{replaced} ssm-ts deletes no file of a user's callback: remove "
        f"{'it' if one else 'them'} if unwanted."
    )
