"""The note of a fit that ended before any validation: a smoke fit (``max_steps`` within the first epoch)
or one with validation off. Its best checkpoint on a validation metric was never written, and Lightning
only hinted to log that metric (``Did you call log('val_loss', value)``), which no ssm-ts user writes."""

from __future__ import annotations

import lightning.pytorch as pl


def validation_ran(trainer: pl.Trainer) -> bool:
    """Whether the fit's validation loop has run on a batch (Lightning's own flag; if a later Lightning
    lacks it, taken as run, so that Lightning's own checks stay in force)."""
    return bool(getattr(trainer.fit_loop.epoch_loop.val_loop, "_has_run", True))


def no_validation_note(trainer: pl.Trainer, monitor: str) -> str:
    """One line: no validation ran in the fit of ``trainer``, why, and which weights the fit kept."""
    return (
        f"no validation ran in this fit ({_why_not_validated(trainer)}), so {monitor} was never measured: "
        "no best-*.ckpt was written, and the fitted model is the last step's weights (last.ckpt)."
    )


def _why_not_validated(trainer: pl.Trainer) -> str:
    epochs = trainer.fit_loop.epoch_progress.current.started  # the epoch it stopped in, counted from 1
    if trainer.limit_val_batches == 0:
        return "limit_val_batches=0"
    if sum(trainer.num_val_batches) == 0:
        return "the validation split has no batches"
    if trainer.max_steps not in (None, -1) and trainer.global_step >= trainer.max_steps:
        return f"it reached max_steps={trainer.max_steps} in epoch {epochs}, before that epoch's validation"
    if trainer.check_val_every_n_epoch and trainer.check_val_every_n_epoch > epochs:
        return f"check_val_every_n_epoch={trainer.check_val_every_n_epoch}, and it trained {epochs} epoch(s)"
    return f"it stopped in epoch {epochs}, before that epoch's validation"
