"""Lightning hooks that make a resumed fit train the model an uninterrupted fit trains."""

from __future__ import annotations

from typing import Any

from ssm_ts.pipelines.sampling import TrainingRandomness
from ssm_ts.training import cosine_follows_max_epochs


class SeededTrainingHooks:
    """A LightningModule mix-in (list it before ``pl.LightningModule``): the cosine schedule follows a
    resume's ``max_epochs``, and each training batch's dropout is drawn from ``(seed, epoch, batch,
    rank)`` (:class:`~ssm_ts.pipelines.sampling.TrainingRandomness`, whose seed checkpoints keep).
    The task sets ``self.randomness = TrainingRandomness()`` in ``__init__``."""

    randomness: TrainingRandomness

    def on_train_start(self) -> None:
        cosine_follows_max_epochs(self.trainer)  # a resume with more max_epochs: the new schedule
        self.randomness.start()

    def on_train_batch_start(self, batch: Any, batch_idx: int) -> None:
        # dropout of (seed, epoch, batch): a resumed fit trains with the masks an uninterrupted fit has
        self.randomness.batch(self.current_epoch, batch_idx, self.global_rank)

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        self.randomness.save(checkpoint)

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        self.randomness.load(checkpoint)
