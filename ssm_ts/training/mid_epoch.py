"""A checkpoint written when a fit stops in the middle of an epoch (``max_steps``, ``max_time``, a
callback's ``should_stop`` after a training batch) resumes in that epoch, at its next batch.

Lightning ends the stopped epoch as if it were finished (``on_train_epoch_end`` runs, and its loop
state counts the epoch as processed), so the checkpoints written then, in that hook or at the
validation after it, resumed at the next epoch: the rest of the stopped epoch was never trained. Its
loop state records how many batches were trained (``epoch_loop.batch_progress``) and that the epoch
loop stopped before its last batch (``is_last_batch`` false): :func:`resume_mid_epoch` turns it into
the state of an epoch under way, which Lightning continues at the next batch; the training loader
skips the batches trained (:func:`~ssm_ts.pipelines.sampling.skip_resumed_batches`). ssm-ts's
``last.ckpt`` is written earlier, as the stop batch ends (:func:`stops_after_this_batch`), before the
validation at the stop changes the callbacks' states (early stopping's count, the best score)."""

from __future__ import annotations

from typing import Any

import lightning.pytorch as pl


def trained_before_stop(checkpoint: dict[str, Any]) -> int | None:
    """The batches of its last epoch a checkpoint's fit trained, when it stopped that epoch before its
    last batch and counted it as finished (the state :func:`resume_mid_epoch` changes); else ``None``."""
    fit = (checkpoint.get("loops") or {}).get("fit_loop") or {}
    epochs = (fit.get("epoch_progress") or {}).get("total")
    batches = fit.get("epoch_loop.batch_progress")
    if not epochs or not batches:
        return None
    ended = epochs["started"] == epochs["ready"] and epochs["processed"] == epochs["started"]
    done = batches["current"]["processed"]
    return done if ended and not batches["is_last_batch"] and done > 0 else None


def resume_mid_epoch(checkpoint: dict[str, Any], trainer: pl.Trainer) -> None:
    """Make ``checkpoint`` (being saved by ``trainer``'s fit) resume in its epoch, at the next batch, when
    the fit stopped that epoch before its last batch: its epoch is no longer counted as processed."""
    done = trained_before_stop(checkpoint)
    if done is None or done >= trainer.num_training_batches:
        return
    progress = checkpoint["loops"]["fit_loop"]["epoch_progress"]
    for counts in (progress["total"], progress["current"]):
        counts["processed"] -= 1
        counts["completed"] = min(counts["completed"], counts["processed"])


def stops_after_this_batch(trainer: pl.Trainer) -> bool:
    """Whether ``trainer``'s fit stops after the training batch that just ended (in ``on_train_batch_end``,
    after the callbacks': ``max_steps`` reached, or ``should_stop`` set, as ``max_time``'s ``Timer`` does)
    in the middle of its epoch. A stop after the epoch's last batch is no such stop: the epoch ends (its
    validation, its checkpoints) as in a fit that goes on, whose checkpoints resume at the next epoch."""
    if trainer.fit_loop.epoch_loop.batch_progress.is_last_batch:
        return False
    max_steps = trainer.max_steps
    return bool(trainer.should_stop) or (
        max_steps is not None and max_steps >= 0 and trainer.global_step >= max_steps
    )
