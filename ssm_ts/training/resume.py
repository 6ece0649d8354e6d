"""What makes a resumed fit follow the settings it is given, not the ones its checkpoint holds:
the ``EarlyStopping`` patience (:class:`KeepGivenPatience`) and the cosine schedule's length
(:func:`cosine_follows_max_epochs`); and a resume of a fit that early stopping ended trains nothing
more (:class:`KeepEarlyStop`)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import lightning.pytorch as pl
import torch
from lightning.pytorch.callbacks import (
    Callback,
    Checkpoint,
    EarlyStopping,
)

from ssm_ts.user_stack_level import user_stack_level


def keep_given_patience(callbacks: list[Callback]) -> None:
    """Make each ``EarlyStopping`` of ``callbacks`` (a LightningCLI trainer's list, from a config's or the
    command line's ``trainer.callbacks``: Lightning's class or a user's subclass) keep the ``patience``
    it was given when a fit resumes, as the Python API's front ends do: Lightning restores the
    checkpoint's patience with its count of epochs without improvement, so ``fit --ckpt_path last``
    given more patience silently stopped with the old one. Adds a :class:`KeepGivenPatience` to
    ``callbacks`` (in place, before the checkpoint callbacks, where Lightning keeps the others); the
    stoppers stay the class given, with their own stopping rule. A :class:`KeepEarlyStop` beside it ends
    a resume of a fit they had stopped."""
    stoppers = [c for c in callbacks if isinstance(c, EarlyStopping)]
    if stoppers:
        at = next((i for i, c in enumerate(callbacks) if isinstance(c, Checkpoint)), len(callbacks))
        callbacks[at:at] = [KeepGivenPatience(stoppers), KeepEarlyStop()]


class KeepGivenPatience(Callback):
    """Makes a resumed fit's ``EarlyStopping`` callbacks (a user's, Lightning's class or a subclass, in a
    front end's ``trainer_options`` or the CLI's ``trainer.callbacks``) keep the ``patience`` they were
    given, as :class:`~ssm_ts.api.resumable.ResumableEarlyStopping` does: Lightning's
    ``EarlyStopping.load_state_dict`` restores the checkpoint's patience with its count of epochs without
    improvement and best score, so a resume given more patience stopped with the old one. Before the
    callbacks' states are restored, the loaded checkpoint's (in memory, not the file) patience of each
    stopper becomes the given one; the count and the best score are restored as saved. The stoppers stay
    the class the user gave, so what a fit reports (``callbacks_``) and its other callbacks see is what
    the user passed, and a subclass keeps its own stopping rule. Holds no state."""

    def __init__(self, stoppers: Sequence[EarlyStopping]) -> None:
        self.stoppers = list(stoppers)

    def on_load_checkpoint(
        self, trainer: pl.Trainer, pl_module: pl.LightningModule, checkpoint: dict[str, Any]
    ) -> None:
        # Lightning calls every callback's on_load_checkpoint before any callback's load_state_dict
        states = checkpoint.get("callbacks") or {}
        for stopper in self.stoppers:
            for key in (stopper.state_key, stopper._legacy_state_key):
                if isinstance(states.get(key), dict) and "patience" in states[key]:
                    states[key] = {**states[key], "patience": stopper.patience}


class KeepEarlyStop(Callback):
    """Ends a resumed fit before its first batch when one of its ``EarlyStopping`` callbacks (ssm-ts's,
    a user's, any subclass) had already stopped it: its restored count of validations without
    improvement has reached the patience given now. Lightning checks early stopping only after a
    validation, so such a resume trained one more epoch, and the fit ended one epoch past the
    uninterrupted one. With more patience given (kept on resume: :class:`KeepGivenPatience`), the fit
    trains on. One warning says why nothing was trained. Holds no state."""

    def on_train_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        # the callbacks' and loops' states are restored by now; a fresh fit's count is 0
        if trainer.ckpt_path is None or not getattr(trainer.fit_loop, "_can_stop_early", True):
            return  # min_epochs / min_steps not reached: Lightning trains on, as the uninterrupted fit did
        for stopper in trainer.early_stopping_callbacks:
            if 0 < stopper.wait_count and stopper.patience <= stopper.wait_count:
                trainer.should_stop = True
                if trainer.is_global_zero:
                    warnings.warn(
                        _stopped_early_note(stopper, trainer.current_epoch - 1),
                        UserWarning,
                        stacklevel=user_stack_level(),
                    )
                return


def _stopped_early_note(stopper: EarlyStopping, epoch: int) -> str:
    return (
        f"the fit already stopped early at epoch {epoch}: {stopper.monitor} has not improved in "
        f"{stopper.wait_count} validation(s), which reaches the patience given ({stopper.patience}), so the "
        "resume trains nothing more. To train on, resume with a larger patience (the count so far is kept); "
        "a larger max_epochs alone does not."
    )


def cosine_follows_max_epochs(trainer: pl.Trainer) -> None:
    """Make a resumed fit's ``CosineAnnealingLR`` (``T_max`` = ``max_epochs``, stepped each epoch) follow
    this fit's ``max_epochs``; call it from the task's ``on_train_start``. The checkpoint's scheduler,
    restored over the one ``configure_optimizers`` built, holds the first fit's ``T_max``: a fit resumed
    with more epochs (a setting that may change on resume) trained its first added epoch at a learning
    rate of 0 and the next ones at a rising one (cosine past its end). The rate of the epoch it resumes
    at becomes the one a fit of ``max_epochs`` has there; with the same ``max_epochs`` nothing changes."""
    epochs = trainer.max_epochs
    if not epochs or epochs < 1:
        return
    for config in trainer.lr_scheduler_configs:
        schedule = config.scheduler
        if not isinstance(schedule, torch.optim.lr_scheduler.CosineAnnealingLR) or schedule.T_max == epochs:
            continue
        schedule.T_max = epochs
        progress = (1 + math.cos(math.pi * schedule.last_epoch / epochs)) / 2  # the closed form
        rates = [schedule.eta_min + (base - schedule.eta_min) * progress for base in schedule.base_lrs]
        for group, rate in zip(schedule.optimizer.param_groups, rates, strict=True):
            group["lr"] = rate
        schedule._last_lr = rates  # what get_last_lr() reports (LearningRateMonitor)


def _epoch_progress(checkpoint: dict[str, Any]) -> dict[str, Any]:
    loops = (checkpoint.get("loops") or {}).get("fit_loop") or {}
    return (loops.get("epoch_progress") or {}).get("current") or {}


def check_resumed_max_epochs(max_epochs: int | None, checkpoint: dict[str, Any], ckpt_path: Any) -> None:
    """A fit resuming ``checkpoint`` (at ``ckpt_path``) with a ``max_epochs`` Lightning refuses, below the
    epoch the checkpoint's fit reached: a :class:`~ssm_ts.errors.ConfigError` naming both and the fix.
    Lightning raised ``MisconfigurationException: You restored a checkpoint with current_epoch=149 ...``
    under a page of its frames, after the fit's MLflow run had resumed. A ``max_epochs`` Lightning
    takes (the resume trains nothing more when it is reached), ``None`` or -1: nothing."""
    from ssm_ts.errors import ConfigError

    progress = _epoch_progress(checkpoint)
    reached = progress.get("completed")  # Lightning's current_epoch once restored: what it compares
    if max_epochs is None or max_epochs == -1 or not isinstance(reached, int) or reached <= max_epochs:
        return
    trained = max(reached, progress.get("processed") or 0)  # the epoch a checkpoint's validation saved counts
    raise ConfigError(
        f"max_epochs={max_epochs} is below the {trained} epochs the checkpoint this fit resumes ({ckpt_path}) "
        f"has trained already: resume with max_epochs above {trained} to train on (the command line: "
        f"--trainer.max_epochs {trained + 1} or more), or fit from scratch into another out folder."
    )


def refuse_fewer_max_epochs(trainer: pl.Trainer, checkpoint: dict[str, Any]) -> None:
    """:func:`check_resumed_max_epochs` of a fit as it restores ``checkpoint``, before Lightning restores
    its loops (and refuses there); nothing in validate, test or predict."""
    from lightning.pytorch.trainer.states import TrainerFn

    if trainer.state.fn == TrainerFn.FITTING:
        check_resumed_max_epochs(trainer.max_epochs, checkpoint, trainer.ckpt_path)


def warn_of_spent_max_time(trainer: pl.Trainer) -> None:
    """One warning when a resumed fit's ``max_time`` is used up already, so the resume trains nothing:
    Lightning's ``Timer`` counts the time trained before the resume too (its state is restored) and
    ends such a fit at its start, saying nothing (the fit "succeeded" untrained). Call it from
    ``on_fit_start``, once the callbacks' states are restored."""
    from datetime import timedelta

    from lightning.pytorch.callbacks import Timer

    if trainer.ckpt_path is None or not trainer.is_global_zero:
        return
    for timer in trainer.callbacks:
        remaining = timer.time_remaining() if isinstance(timer, Timer) else None
        if remaining is not None and remaining <= 0:
            spent = timedelta(seconds=round(timer.time_elapsed()))
            warnings.warn(
                f"max_time {timedelta(seconds=round(timer._duration or 0))} is used up already: the fit this "
                f"resumes trained for {spent}, and max_time counts the time trained before a resume too, so "
                "the resume trains nothing more. To train on, resume with a larger max_time (the command "
                "line: --trainer.max_time DD:HH:MM:SS).",
                UserWarning,
                stacklevel=user_stack_level(),
            )
            return
