"""Lightning hooks that make a resumed fit train the model an uninterrupted fit trains."""

from __future__ import annotations

from typing import Any

from lightning.pytorch.trainer.states import TrainerFn

from ssm_ts.pipelines.sampling import GlobalGenerators, TrainingRandomness
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


class ResumedGlobalGenerators:
    """A LightningModule mix-in (list it before ``pl.LightningModule``) for a task whose training draws
    from the global generators (dropout, a loader's worker seed): every checkpoint keeps their states
    (:class:`~ssm_ts.pipelines.sampling.GlobalGenerators`), and a fit resumed from one sets them again,
    so its epochs draw what an uninterrupted fit drew. A fresh fit draws exactly what it did without.

    The states are set in ``on_load_checkpoint`` of a fit: after the model is built (its initial
    weights drew from them) and before the resumed epoch's training loader makes its iterator (whose
    worker seed is the first draw after an epoch's checkpoint in an uninterrupted fit too; Lightning
    makes it before ``on_train_start``, which would be one draw late); the sanity check between them
    leaves the generators as it found them (Lightning isolates it). Not in validate, test or predict,
    nor in ``load_from_checkpoint``: those leave a user's generators alone.

    Under DDP saving gathers every rank's states (a collective), so ``trainer.save_checkpoint`` must
    run on every rank, as Lightning requires anyway (it ends in a barrier): one called on rank 0 alone
    waits for the other ranks for ever.
    """

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        super().on_save_checkpoint(checkpoint)  # type: ignore[misc]
        trainer = self._trainer  # type: ignore[attr-defined]
        if trainer is not None:
            GlobalGenerators.save(checkpoint, trainer.strategy.root_device, trainer.world_size)

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        super().on_load_checkpoint(checkpoint)  # type: ignore[misc]
        trainer = self._trainer  # type: ignore[attr-defined]
        if trainer is not None and trainer.state.fn == TrainerFn.FITTING:
            GlobalGenerators.load(checkpoint, trainer.strategy.root_device, trainer.world_size,
                                  trainer.global_rank)  # fmt: skip
