"""ssm-ts's own checkpoints of a fit: the best one on the validation metric and ``last.ckpt`` of every
epoch (:class:`BestAndLastCheckpoint`, written by :class:`LastCheckpointWriter` after the user's
checkpoint callbacks), and a user's ``ModelCheckpoint`` keyed beside them."""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
import torch
from lightning.pytorch.callbacks import (
    Callback,
    Checkpoint,
    ModelCheckpoint,
)

from ssm_ts.checkpoint_times import SAVED_AT_KEY, record_saved_at, recorded_save_time
from ssm_ts.training.checkpoint_io import remove_abandoned_writes, write_checkpoints_atomically
from ssm_ts.training.checkpoint_lookup import BEST_CHECKPOINT_PREFIX
from ssm_ts.training.mid_epoch import resume_mid_epoch, stops_after_this_batch
from ssm_ts.training.no_validation import no_validation_note, validation_ran
from ssm_ts.training.resume import refuse_fewer_max_epochs, warn_of_spent_max_time
from ssm_ts.training.save_arrivals import WAIT_S, check_every_rank_saves
from ssm_ts.training.stop_validation_files import tracked_files, warn_of_user_files_saved_at_stop
from ssm_ts.user_stack_level import user_stack_level


class BestAndLastCheckpoint(ModelCheckpoint):
    """``ModelCheckpoint`` keeping the best checkpoint (``best-epoch=N.ckpt``) and ``last.ckpt``, whose
    ``last.ckpt`` is written by :class:`LastCheckpointWriter` after every other checkpoint callback.

    Two changes to Lightning's. ``last.ckpt`` is written at every epoch's checkpoint (each validation,
    and each epoch's end not validated: without validation, or between two with
    ``check_val_every_n_epoch``) and after the fit's other checkpoint callbacks have taken the epoch
    in: Lightning 2.6 writes it only when the top-k checkpoint is saved at the same step, so after an
    epoch without a better ``monitor`` it still held the best epoch (a resume repeated the epochs
    since, a crash lost them), and it writes it inside this callback's own turn, so a user's
    ``ModelCheckpoint`` after it was saved in ``last.ckpt`` one epoch behind (its best score and path
    before that epoch). And a fit that takes no optimizer step is saved too: a closed-form model
    (``random_features``) is fitted in ``on_fit_start``, and Lightning skips saving while the global
    step equals the last saved one, which starts at 0, so such a fit had no ``best-*.ckpt``.

    A fit stopped in the middle of an epoch (``max_steps``, ``max_time``: Lightning's ``Timer`` stops
    after a training batch, then validates once more) writes its ``last.ckpt`` as that batch ends, also
    over one of a finished epoch or the one it resumed: a resume continues at the epoch's next batch and
    trains no batch twice (a fit that had a ``last.ckpt`` kept it at such a stop, and its resume trained
    the stopped epoch again from its start). Written before the validation at the stop, which a fit that
    goes on does not run, it holds the early stopping's count and the best score of the validations of
    the uninterrupted fit: with them a resume stopped early at other epochs and kept other best weights.
    The validation still saves the best checkpoint, keeping the one ``last.ckpt`` names (a resume that
    does no better loads it at its end), and every checkpoint written after the stop batch resumes in
    that epoch at its next batch too (:func:`~ssm_ts.training.mid_epoch.resume_mid_epoch`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._last_due = False  # a checkpoint point was reached: LastCheckpointWriter writes last.ckpt
        self._writer = False  # whether the fit has a LastCheckpointWriter (else last.ckpt is written here)
        self._wrote_last = False  # whether this fit has a last.ckpt (written, or the one it resumed)
        self._stop_step = -1  # the global step of a stop mid-epoch: last.ckpt is written as its batch ends
        self._written_at_stop = False  # whether it was (the checkpoints after it in the stop leave it)
        # the save time and global step the checkpoint a fit resumes records
        self._resumed_at: tuple[int, int] | None = None

    def setup(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        if stage == "fit" and trainer.is_global_zero:  # the one process that writes checkpoints
            # before Lightning's setup, which warns of a folder that "exists and is not empty": a killed
            # write's temporary file alone made it warn of a folder holding no checkpoint
            self._remove_abandoned_writes(trainer)
        super().setup(trainer, pl_module, stage)
        # every checkpoint of the fit whole or not at all (a user's callback's too): in each process, as
        # ddp_spawn's run this hook, and in a LightningCLI fit, whose trainer ssm-ts does not build
        write_checkpoints_atomically(trainer.strategy)

    def _remove_abandoned_writes(self, trainer: pl.Trainer) -> None:
        """Remove the temporary files of killed checkpoint writes from this callback's folder (resolved as
        Lightning will: :func:`~ssm_ts.training.user_checkpoints.lightning_checkpoint_folder`) and from the
        folders given to the fit's other ``ModelCheckpoint`` callbacks; a user's callback without a folder
        yet gets its own from Lightning after this."""
        # imported here: user_checkpoints imports this module
        from ssm_ts.training.user_checkpoints import lightning_checkpoint_folder

        # a given dirpath as it is (a Path would make "s3://b/x" "s3:/b/x")
        folders = {
            str(c.dirpath)
            for c in trainer.checkpoint_callbacks
            if isinstance(c, ModelCheckpoint) and c.dirpath
        }
        if not self.dirpath:
            folders.add(str(lightning_checkpoint_folder(self, trainer)))
        for folder in sorted(folders):
            remove_abandoned_writes(folder)

    def on_fit_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        super().on_fit_start(trainer, pl_module)
        warn_of_spent_max_time(trainer)  # a resume Lightning's Timer ends at once, saying nothing
        self._last_due = False
        self._stop_step, self._written_at_stop = -1, False
        # a fit resumed from this folder's last.ckpt has one to keep (a resume continues in its folder)
        own_last = Path(self.dirpath or ".", f"{self.CHECKPOINT_NAME_LAST}{self.FILE_EXTENSION}")
        self._wrote_last = bool(self.dirpath and trainer.ckpt_path) and Path(trainer.ckpt_path).resolve() == (
            own_last.resolve()
        )
        self._writer = any(isinstance(c, LastCheckpointWriter) for c in trainer.callbacks)
        if trainer.global_step == 0:
            self._last_global_step_saved = -1  # Lightning's own counter; -1: nothing saved yet
        resumed_at, self._resumed_at = self._resumed_at, None
        if self._wrote_last and resumed_at is not None:
            self._remove_untracked_best(trainer, resumed_at[0])
            warn_of_user_files_saved_at_stop(trainer, self, *resumed_at)

    def on_load_checkpoint(
        self, trainer: pl.Trainer, pl_module: pl.LightningModule, checkpoint: dict[str, Any]
    ) -> None:
        super().on_load_checkpoint(trainer, pl_module, checkpoint)
        refuse_fewer_max_epochs(trainer, checkpoint)  # before Lightning restores its loops, and refuses deep
        saved_at, step = checkpoint.get(SAVED_AT_KEY), checkpoint.get("global_step")
        self._resumed_at = (saved_at, step) if isinstance(saved_at, int) and isinstance(step, int) else None

    def _remove_untracked_best(self, trainer: pl.Trainer, resumed_at: int) -> None:
        """Remove this folder's best checkpoints that this fit saved after ``last.ckpt`` (at ``resumed_at``),
        which the state restored from it does not track: the one the validation at a stop mid-epoch saved
        (mid-epoch weights). A fit going on from ``last.ckpt`` deletes its former best on beating it
        (top-1); one that never does kept that file, the newest ``best-*.ckpt``, so ``--ckpt_path best``
        loaded it instead of the uninterrupted fit's best. Only ``best-*.ckpt`` files recording an ssm-ts
        save time later than ``resumed_at`` go: an older fit's in the folder and a user's file stay."""
        if not self.dirpath or not str(self.filename or "").startswith(BEST_CHECKPOINT_PREFIX):
            return
        tracked = tracked_files(trainer)
        for path in Path(self.dirpath).glob(f"{BEST_CHECKPOINT_PREFIX}*{self.FILE_EXTENSION}"):
            if path.resolve() in tracked:
                continue
            saved, _ = recorded_save_time(path)
            if saved is not None and saved > resumed_at:
                self._remove_checkpoint(trainer, str(path))

    def _checkpoint_point(self, trainer: pl.Trainer, epoch_end: bool) -> bool:
        """Whether Lightning's hook (``on_train_epoch_end`` when ``epoch_end``, else ``on_validation_end``)
        saves this callback's checkpoints now, as Lightning decides it before saving."""
        return not self._should_skip_saving_checkpoint(trainer) and (
            self._should_save_on_train_epoch_end(trainer) == epoch_end
        )

    def on_train_batch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule, *args: Any) -> None:
        super().on_train_batch_end(trainer, pl_module, *args)
        # after every other callback's turn but the checkpoint callbacks' (the Timer's has set should_stop)
        if stops_after_this_batch(trainer) and not self._should_skip_saving_checkpoint(trainer):
            self._stop_step = trainer.global_step
            self._mark_due(trainer, True)

    def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        # every epoch's end, also one without validation (check_val_every_n_epoch > 1), unless its
        # validation (which runs before this hook) saved the checkpoints at this step already
        due = not self._should_skip_saving_checkpoint(trainer)
        super().on_train_epoch_end(trainer, pl_module)
        self._mark_due(trainer, due)

    def on_validation_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        due = self._checkpoint_point(trainer, epoch_end=False)
        super().on_validation_end(trainer, pl_module)
        self._mark_due(trainer, due)

    def _save_topk_checkpoint(self, trainer: pl.Trainer, monitor_candidates: dict[str, torch.Tensor]) -> None:
        # before any validation there is no best yet: said once at the fit's end (on_train_end), instead
        # of Lightning's warning at every epoch to log the metric (a metric validation logs, once it runs)
        if self.monitor not in monitor_candidates and not validation_ran(trainer):
            return
        super()._save_topk_checkpoint(trainer, monitor_candidates)

    def on_train_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        super().on_train_end(trainer, pl_module)
        # a fit that ended before any validation (a smoke fit's max_steps, validation off) has no best
        unmeasured = self.monitor is not None and self.monitor not in trainer.callback_metrics
        if unmeasured and not self.best_model_path and trainer.is_global_zero:
            # at the user's fit call (Forecaster.fit, trainer.fit); the command line's one line
            warnings.warn(
                no_validation_note(trainer, self.monitor), UserWarning, stacklevel=user_stack_level()
            )

    def _save_last_checkpoint(self, trainer: pl.Trainer, monitor_candidates: dict[str, torch.Tensor]) -> None:
        # Lightning calls this in this callback's turn, before the checkpoint callbacks after it
        self._mark_due(trainer, True)

    def _mark_due(self, trainer: pl.Trainer, due: bool) -> None:
        if self._written_at_stop and self._stop_step == trainer.global_step:  # as the stop batch ended
            due = False
        self._last_due = self._last_due or (due and bool(self.save_last))
        if not self._writer:  # a trainer built without one: written now, as Lightning did before 2.6
            self.save_due_last(trainer)

    def save_due_last(self, trainer: pl.Trainer) -> None:
        """Write ``last.ckpt`` when a checkpoint point was reached since it was last written."""
        if self._last_due:
            self._last_due = False
            saved_step = self._last_global_step_saved
            super()._save_last_checkpoint(trainer, self._monitor_candidates(trainer))
            self._wrote_last = True
            if self._stop_step == trainer.global_step:  # the stop's validation still saves the best one
                self._last_global_step_saved, self._written_at_stop = saved_step, True

    def _should_remove_checkpoint(self, trainer: pl.Trainer, previous: str, current: str) -> bool:
        # the best checkpoint the validation at a stop replaces is the best of the last.ckpt written as
        # the stop batch ended: a resume that does no better than it loads it at its end
        if self._written_at_stop and self._stop_step == trainer.global_step:
            return False
        return super()._should_remove_checkpoint(trainer, previous, current)

    # how long global rank 0 waits at a save for the other DDP ranks (check_every_rank_saves)
    save_wait_s: float = WAIT_S

    def on_save_checkpoint(self, trainer: pl.Trainer, pl_module: Any, checkpoint: dict[str, Any]) -> None:
        # before the save's collectives: a save on rank 0 alone (a user's, under `if trainer.is_global_zero:`)
        # is refused, naming the fix, instead of waiting for the other ranks for ever
        check_every_rank_saves(trainer, self.save_wait_s)
        # every checkpoint of the fit (a user's callback's too) records when it was saved: the newest is
        # found by it (find_newest_checkpoint), as a copy of the folder may rewrite the files' times
        record_saved_at(checkpoint)
        resume_mid_epoch(checkpoint, trainer)  # a fit stopped mid-epoch resumes at the epoch's next batch

    @property
    def state_key(self) -> str:
        """``ModelCheckpoint``'s key, so checkpoints written with either class resume with the other."""
        return super().state_key.replace(type(self).__qualname__, ModelCheckpoint.__qualname__, 1)


def stopped_mid_epoch(trainer: pl.Trainer) -> bool:
    """Whether the fit stops before its epoch's last training batch (``max_time``, a callback's
    ``should_stop`` after a batch), not at an epoch's end (early stopping, a pruner, ``max_epochs``)."""
    return bool(trainer.should_stop) and not trainer.fit_loop.epoch_loop.batch_progress.is_last_batch


class LastCheckpointWriter(Checkpoint):
    """Writes the fit's :class:`BestAndLastCheckpoint`'s due ``last.ckpt``, in the same hook, once every
    checkpoint callback before it has run: Lightning runs the checkpoint callbacks (``Checkpoint``
    subclasses) after all others, in the order given, so placed after the user's callbacks this one
    runs last. Holds no state."""

    def _write(self, trainer: pl.Trainer) -> None:
        for callback in trainer.checkpoint_callbacks:
            if isinstance(callback, BestAndLastCheckpoint):
                callback.save_due_last(trainer)

    def on_train_batch_end(self, trainer: pl.Trainer, *args: Any) -> None:
        self._write(trainer)

    def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._write(trainer)

    def on_validation_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._write(trainer)

    def on_train_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._write(trainer)


def best_checkpoint_callback(
    monitor: str = "val_loss", out_dir: str | os.PathLike | None = None
) -> ModelCheckpoint:
    """Keep the checkpoint with the lowest ``monitor`` (``best-epoch=N.ckpt``) and the last one (``last.ckpt``,
    written by a :class:`LastCheckpointWriter` that the fit's callbacks must hold after the user's).

    Without validation the monitored value never appears and only ``last.ckpt`` is written."""
    return BestAndLastCheckpoint(
        dirpath=None if out_dir is None else Path(out_dir) / "checkpoints",
        filename=BEST_CHECKPOINT_PREFIX + "{epoch}",
        monitor=monitor,
        mode="min",
        save_top_k=1,
        save_last=True,
    )


def ssm_ts_best_checkpoint(trainer: pl.Trainer) -> BestAndLastCheckpoint | None:
    """The fit's own best checkpoint callback: ``trainer.checkpoint_callback`` is the first checkpoint
    callback, which in a LightningCLI fit is a user's ``ModelCheckpoint`` (its callbacks come first)."""
    return next((c for c in trainer.checkpoint_callbacks if isinstance(c, BestAndLastCheckpoint)), None)


@cache
def _own_state_key_class(cls: type[ModelCheckpoint]) -> type[ModelCheckpoint]:
    """``cls`` with a ``state_key`` of its own: Lightning keys a ``ModelCheckpoint``'s state in a checkpoint
    by its monitor, mode and saving frequency only (not its folder), and refuses two with one key.

    The class is named as ``cls`` but is local to this function (its ``__qualname__``): jsonargparse finds
    a callback class given by name (LightningCLI's ``--trainer.callbacks+=ModelCheckpoint``) among every
    subclass of ``Callback`` alive, and refused the name as ambiguous once a fit had made this one."""

    def state_key(self) -> str:
        # Lightning's key starts with the class's __qualname__: the one of ``cls``, as checkpoints hold it
        key = cls.state_key.fget(self).replace(type(self).__qualname__, cls.__qualname__, 1)  # type: ignore[attr-defined]
        return f"{key}[trainer_options]"

    def reduce(self):
        # pickle finds a class by its name, which this one's is not: ddp_spawn sends the callbacks to
        # its started processes ("Can't pickle local object"); rebuild it from ``cls`` there
        return _with_own_state_key, (cls, self.__dict__)

    namespace = {
        "state_key": property(state_key),
        "__reduce__": reduce,
        "__module__": cls.__module__,
        "__qualname__": f"{_own_state_key_class.__name__}.<locals>.{cls.__qualname__}",
    }
    return type(cls.__name__, (cls,), namespace)


def _with_own_state_key(cls: type[ModelCheckpoint], state: dict[str, Any]) -> ModelCheckpoint:
    """A ``cls`` with ``state`` (its ``__dict__``) and the state key of :func:`_own_state_key_class`."""
    callback = cls.__new__(cls)
    callback.__dict__.update(state)
    callback.__class__ = _own_state_key_class(cls)
    return callback


def beside_best(callback: Callback, best: ModelCheckpoint) -> Callback:
    """``callback``, given a state key of its own when it is a ``ModelCheckpoint`` keyed as ssm-ts's ``best``
    (the same monitor and mode): both then keep and resume their own state (files, best score). ssm-ts's
    keeps Lightning's key, so a checkpoint written without the user's one resumes either way."""
    if isinstance(callback, ModelCheckpoint) and callback.state_key == best.state_key:
        callback.__class__ = _own_state_key_class(type(callback))  # a fit's own copy: adds no state
    return callback


def keep_beside_best(callbacks: Any, defaults: Sequence[Callback]) -> None:
    """A LightningCLI fit's ``callbacks`` (its ``trainer.callbacks``: one, a list or ``None``), each
    ``ModelCheckpoint`` keyed as the :class:`BestAndLastCheckpoint` of ``defaults`` (its
    ``trainer_defaults`` callbacks) given a state key of its own (:func:`beside_best`), as the Python API's:
    ``--trainer.callbacks+=ModelCheckpoint --trainer.callbacks.monitor=val_loss`` was refused by
    Lightning ("more than one stateful callback of type BestAndLastCheckpoint")."""
    best = next((c for c in defaults if isinstance(c, BestAndLastCheckpoint)), None)
    given = [callbacks] if isinstance(callbacks, Callback) else list(callbacks or [])
    for callback in given if best is not None else []:
        beside_best(callback, best)
