"""The callback that stores in a ``Forecaster`` fit's checkpoints the validation metrics their weights
earned (:mod:`ssm_ts.api.forecast_validation_record`); it loads Lightning, which only a fit needs."""

from __future__ import annotations

import uuid
from typing import Any

from lightning.pytorch.callbacks import Callback

from ssm_ts.api.forecast_validation_record import VALIDATION_KEY


class RecordValidation(Callback):
    """Keep the ``val_*`` metrics of each validation of a fit (not the sanity check), with the epoch
    and optimizer step it ran at, and store the latest in every checkpoint saved after it, marked with
    :attr:`fit_id` (one per fit, the same in each process of a spawned one): a resumed fit reports only
    the figures of its own validations."""

    def __init__(self) -> None:
        self.record: dict[str, Any] | None = None
        self.fit_id = uuid.uuid4().hex

    def setup(self, trainer, pl_module, stage: str) -> None:
        # strategy="ddp" runs the user's script once a process, each drawing its own id: rank 0's is the
        # fit's, or rank 1 would not know rank 0's record and validate alone, a collective rank 0 never joins
        if stage == "fit":
            self.fit_id = trainer.strategy.broadcast(self.fit_id, src=0)

    def on_validation_end(self, trainer, pl_module) -> None:
        if trainer.sanity_checking:
            return
        metrics = {k: float(v) for k, v in trainer.callback_metrics.items() if k.startswith("val_")}
        self.record = {
            "fit": self.fit_id,
            "epoch": trainer.current_epoch,
            "global_step": trainer.global_step,
            "metrics": metrics,
        }

    def on_save_checkpoint(self, trainer, pl_module, checkpoint: dict[str, Any]) -> None:
        if self.record is not None:
            checkpoint[VALIDATION_KEY] = self.record


def fit_id(trainer) -> str | None:
    """The :attr:`RecordValidation.fit_id` of ``trainer``'s fit; ``None`` without the callback."""
    return next((c.fit_id for c in trainer.callbacks if isinstance(c, RecordValidation)), None)
