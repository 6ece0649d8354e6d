"""Lightning hooks that make a resumed fit train the model an uninterrupted fit trains."""

from __future__ import annotations

from typing import Any

from lightning.pytorch.trainer.states import TrainerFn

from ssm_ts.pipelines.sampling import GLOBAL_STATES_KEY, GlobalGenerators, TrainingRandomness, resumed_batches
from ssm_ts.training import cosine_follows_max_epochs
from ssm_ts.training.mid_epoch import stops_after_this_batch
from ssm_ts.training.save_arrivals import WAIT_S, check_every_rank_saves


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

    A checkpoint written when ``max_steps``, ``max_time`` or a SIGTERM stopped a fit mid-epoch keeps the states its
    last batch left (the validation after it draws), and a fit resumed from it sets them again in
    ``on_train_start``: the resumed epoch's training loader made its iterator (a draw) after they were
    set, while an uninterrupted fit went on to the next batch at once.

    Under DDP saving gathers every rank's states (a collective), so ``trainer.save_checkpoint`` must
    run on every rank, as Lightning requires anyway (it ends in a barrier): one called on rank 0 alone
    waits for the other ranks for ever.
    """

    # this process's states as the batch after which this fit stops mid-epoch left them; None: no such stop
    _states_at_stop: dict[str, Any] | None = None

    def on_train_batch_end(self, outputs: Any, batch: Any, batch_idx: int) -> None:
        super().on_train_batch_end(outputs, batch, batch_idx)  # type: ignore[misc]
        trainer = self._trainer  # type: ignore[attr-defined]
        # the checkpoints written after this batch resume at the next one, and keep these states: the
        # validation at the stop draws since (last.ckpt, written in the callbacks' turn before this
        # hook, takes the same states as they are now)
        if stops_after_this_batch(trainer):
            self._states_at_stop = GlobalGenerators.collect(trainer.strategy.root_device)

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        super().on_save_checkpoint(checkpoint)  # type: ignore[misc]
        trainer = self._trainer  # type: ignore[attr-defined]
        if trainer is not None and "callbacks" not in checkpoint:
            # a weights-only save: Lightning skips the callbacks' hooks, so the checkpoint callback's
            # check that every rank saves (before the gather below) runs here
            wait_s = getattr(trainer.checkpoint_callback, "save_wait_s", WAIT_S)
            check_every_rank_saves(trainer, wait_s)
        if trainer is not None:
            GlobalGenerators.save(checkpoint, trainer.strategy.root_device, trainer.world_size,
                                  self._states_at_stop)  # fmt: skip

    _resumed_generators: dict[str, Any] | None = None  # the checkpoint's states, kept until training starts

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        super().on_load_checkpoint(checkpoint)  # type: ignore[misc]
        trainer = self._trainer  # type: ignore[attr-defined]
        if trainer is not None and trainer.state.fn == TrainerFn.FITTING:
            self._resumed_generators = {GLOBAL_STATES_KEY: checkpoint.get(GLOBAL_STATES_KEY)}
            self._set_generators(self._resumed_generators)

    def on_train_start(self) -> None:
        super().on_train_start()  # type: ignore[misc]
        self._states_at_stop = None  # an earlier fit's stop, when this module is fitted again
        saved, self._resumed_generators = self._resumed_generators, None
        if saved is not None and resumed_batches(self):  # mid-epoch: as the checkpoint's batch left them
            self._set_generators(saved)

    def _set_generators(self, checkpoint: dict[str, Any]) -> None:
        trainer = self._trainer  # type: ignore[attr-defined]
        GlobalGenerators.load(
            checkpoint, trainer.strategy.root_device, trainer.world_size, trainer.global_rank
        )
