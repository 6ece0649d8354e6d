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
validation at the stop changes the callbacks' states (early stopping's count, the best score).

SIGTERM (``kill``, a scheduler's preemption, ``docker stop``) is such a stop too: Lightning's handler
only sets ``trainer.received_sigterm``, and its loops raise ``SIGTERMException`` after the batch under
way (:func:`terminated`). Its ``last.ckpt`` is written as that batch ends, so the resume trains none of
the stopped epoch's batches again and loses none."""

from __future__ import annotations

from typing import Any
from weakref import WeakKeyDictionary

import lightning.pytorch as pl
import torch
import torch.distributed as dist


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
    after the callbacks': ``max_steps`` reached, ``should_stop`` set, as ``max_time``'s ``Timer`` does, or
    SIGTERM received) in the middle of its epoch. A stop after the epoch's last batch is no such stop: the
    epoch ends (its validation, its checkpoints) as in a fit that goes on, whose checkpoints resume at the
    next epoch."""
    if trainer.fit_loop.epoch_loop.batch_progress.is_last_batch:
        return False
    # terminated first: under DDP a collective, which every rank must reach. At a batch a validation
    # follows (val_check_interval), the checkpoints of that validation are the stop's: one written
    # before it resumed past it, never running it (its score lost to early stopping and the best
    # checkpoint). It runs whole, or, with batches left at SIGTERM, ends keeping the checkpoints before
    sigterm = terminated(trainer) and not validates_after_this_batch(trainer)
    max_steps = trainer.max_steps
    return (
        sigterm
        or bool(trainer.should_stop)
        or (max_steps is not None and max_steps >= 0 and trainer.global_step >= max_steps)
    )


def validates_after_this_batch(trainer: pl.Trainer) -> bool:
    """Whether a validation of ``trainer``'s fit follows the training batch that just ended, as Lightning's
    loop decides it after the batch (``val_check_interval``, ``check_val_every_n_epoch``)."""
    epoch_loop = trainer.fit_loop.epoch_loop
    return bool(epoch_loop._should_check_val_fx(trainer.fit_loop._data_fetcher))


# per trainer: the training batch (its count of batches processed) whose SIGTERM answer was taken, and it
_SIGTERM_AT: WeakKeyDictionary[pl.Trainer, tuple[int, bool]] = WeakKeyDictionary()


def terminated(trainer: pl.Trainer) -> bool:
    """Whether SIGTERM reached ``trainer``'s fit by the end of the training batch under way: Lightning's
    handler sets ``trainer.received_sigterm``, and the fit raises ``SIGTERMException`` before the next
    batch. Under DDP, whether it reached any rank, on every rank: the ranks save (a collective) or not
    together, and a preempted worker stops the whole fit as the main process does (rank 0's answer
    alone, as Lightning broadcasts it, left a SIGTERM to another rank unheeded). In a process a
    ``ddp_spawn`` fit started, the handler only notes the signal (``pending_sigterm``:
    :mod:`~ssm_ts.training.spawned_sigterm`) and the flag is set here, on every rank at once, so that no
    rank stops before the batch's checkpoint is written, nor in a validation the others go on with.
    Asked once a batch (the checkpoint callback and the module both ask), so both take the same answer
    and DDP reduces once."""
    batch = trainer.fit_loop.epoch_loop.batch_progress.total.processed
    asked = _SIGTERM_AT.get(trainer)
    if asked is not None and asked[0] == batch:
        return asked[1]
    connector = getattr(trainer, "_signal_connector", None)
    # a started process's handler only notes the signal (spawned_sigterm): it counts from here on
    received = bool(
        getattr(trainer, "received_sigterm", False) or getattr(connector, "pending_sigterm", False)
    )
    if trainer.world_size > 1 and dist.is_available() and dist.is_initialized():
        flag = torch.tensor([int(received)], device=trainer.strategy.root_device)
        dist.all_reduce(flag, op=dist.ReduceOp.MAX)  # any rank's
        received = bool(flag.item())
    if received and connector is not None:
        connector.received_sigterm = True
    _SIGTERM_AT[trainer] = (batch, received)
    return received
