"""The Lightning steps of a :class:`~ssm_ts.tasks.classification.ClassificationTask`: the weighted
cross-entropy of each split's batches and its metrics, the closed-form fit at the start of a fit,
the sampling-step checks of test and predict, and the optimizer."""

from __future__ import annotations

import warnings

import torch
from torch.utils.data import DataLoader

from ssm_ts.errors import DataError
from ssm_ts.pipelines.sampling import evaluation_loader, items_in_batch
from ssm_ts.pipelines.sensor import SensorDataModule
from ssm_ts.pipelines.sensor.datamodule import RecordingDataset
from ssm_ts.pipelines.sensor.evaluation_shards import PADDING_LABEL, PaddedRecordings
from ssm_ts.pipelines.sensor.weights import class_weights, recording_weights
from ssm_ts.tasks.classification_closed_form import fit_closed_form
from ssm_ts.tasks.metric_reset import ScoresStartEachEpoch


class ClassificationSteps(ScoresStartEachEpoch):
    """``ClassificationTask`` mix-in (list it before ``pl.LightningModule``): training, validation,
    test and predict steps, the class weights of the loss, and ``configure_optimizers``. The task
    builds ``loss_fn``, ``metrics``, ``loss_means``, ``test_confusion`` and the buffer
    ``class_weights`` ``(n_classes,)`` in ``_build``."""

    def set_class_weights(self, train) -> None:
        """The class weights ``(n_classes,)`` of ``class_weight`` for the training split ``train`` (a
        ``SeriesSet``: its labels, and its recordings' weights if any); clear errors for a label of
        ``class_weight`` not in the training data or a class whose recordings all weigh 0."""
        labels = train.labels
        recording_weights(self.hparams.class_weight, self.classes, labels, train.weights)  # the checks
        weights = class_weights(self.hparams.class_weight, self.classes, labels, train.weights)
        self.class_weights.copy_(torch.as_tensor(weights, dtype=torch.float64))

    def recording_weights(self, y: torch.Tensor, weights: torch.Tensor | None = None) -> torch.Tensor:
        """Each recording's loss weight ``(batch,)``: its class's weight times its own ``weights``."""
        w = self.class_weights.to(self.dtype)[y]
        return w if weights is None else w * weights.to(w.dtype)

    def _step(self, batch, split: str, batch_idx: int | None = None) -> torch.Tensor:
        x, mask, y = batch[:3]
        given = batch[3] if len(batch) > 3 else None  # the recordings' own weights (batch,)
        scored = self._scored_rows(y, split, batch_idx)
        logits = self(x, mask)  # padding too: every process runs its batch through the model
        if scored is not None:
            logits, y = logits[scored], y[scored]
            given = given[scored] if given is not None else None
        losses = self.loss_fn(logits, y)  # (batch,)
        weights = self.recording_weights(y, given).to(losses.dtype)
        # the weighted mean, as scikit-learn's: all weights 1 (or "balanced" on balanced data) is the mean
        loss = (weights * losses).sum() / weights.sum().clamp_min(torch.finfo(losses.dtype).tiny)
        n = len(y)
        mean = self.loss_means[f"{split}_loss"]
        metrics = self.metrics[f"{split}_metrics"]
        if n:  # a batch of padding alone scores nothing (torchmetrics refuses an empty batch)
            mean.update(losses.detach(), weights)
            for metric in metrics.values():
                metric(logits, y)
            if split == "test":
                self.test_confusion.update(logits, y)
        # logged from every batch, also one of padding alone: every process then syncs every metric at
        # the epoch's end (a torchmetrics mean: under DDP every rank monitors the same value, for
        # checkpoints and early stopping)
        self.log(f"{split}_loss", mean, on_step=False, on_epoch=True, prog_bar=split != "train", batch_size=n)
        for name, metric in metrics.items():
            self.log(
                f"{split}_{name}", metric, on_step=False, on_epoch=True, prog_bar=name == "acc", batch_size=n
            )
        return loss

    def _scored_rows(self, y: torch.Tensor, split: str, batch_idx: int | None) -> slice | torch.Tensor | None:
        """Which rows of ``y (batch,)`` to score: ``None`` for all, else an index of ``y`` that leaves out a
        DDP process's padding recordings (:data:`PADDING_LABEL`); a clear error for an unlabelled one.

        An evaluation batch of a ``DataLoader`` of labelled recordings (a ``RecordingDataset`` with
        targets) is told from positions alone: the padding is its ``EvaluationShard``'s tail
        (:func:`~ssm_ts.pipelines.sampling.items_in_batch`), and the data set's targets say on the host
        that every recording has a label. No label is read: on a GPU each read waits for the device, a sync
        per batch. A training batch of such a loader holds no padding. Any other batch (a stand-in trainer,
        another loader) has its labels read."""
        if self._trainer is not None and batch_idx is not None:
            if split == "train":  # no padding: Lightning's or the data module's sampler
                loader = getattr(self._trainer, "train_dataloader", None)
                kept = len(y) if isinstance(loader, DataLoader) else None
            else:
                loader = evaluation_loader(self._trainer, split)
                kept = items_in_batch(loader, batch_idx, len(y))
            if kept is not None and _labelled(loader.dataset):
                return None if kept == len(y) else slice(0, kept)
        if not (y < 0).any():
            return None
        scored = y != PADDING_LABEL
        if (y[scored] < 0).any():
            raise DataError(f"the {split} data has unlabelled recordings; {split} needs labels.")
        return scored

    def training_step(self, batch, batch_idx: int) -> torch.Tensor | None:
        if self.closed_form:  # fitted in on_fit_start; the epoch only logs the training metrics
            with torch.no_grad():
                self._step(batch, "train", batch_idx)
            return None
        return self._step(batch, "train", batch_idx)

    def on_fit_start(self) -> None:
        """Fit a closed-form model on the whole training split (unless a resumed checkpoint holds it)."""
        fit_closed_form(self)

    def on_train_epoch_end(self) -> None:
        if self.closed_form:  # nothing changes after the first epoch: stop whatever max_epochs says
            self.trainer.should_stop = True

    def validation_step(self, batch, batch_idx: int) -> None:
        self._step(batch, "val", batch_idx)

    def test_step(self, batch, batch_idx: int) -> None:
        self._step(batch, "test", batch_idx)

    def split_scores(self, split: str) -> list[torch.nn.Module]:
        """``split``'s metrics, loss mean and (test) confusion matrix, reset as its epoch starts
        (:class:`~ssm_ts.tasks.metric_reset.ScoresStartEachEpoch`): under ``ddp_spawn`` on CPUs they reach
        the processes in memory shared with the launching one, where a validate or test after a fit
        started from the counts the fit left."""
        scores = [self.metrics[f"{split}_metrics"], self.loss_means[f"{split}_loss"]]
        return [*scores, self.test_confusion] if split == "test" else scores

    def on_test_start(self) -> None:
        self._check_sampling_step("test")

    def on_predict_start(self) -> None:
        self._check_sampling_step("predict")

    def _check_sampling_step(self, stage: str) -> None:
        """Warn when the data module's test/predict recordings are sampled at another step than the
        training ones (from the fit, or the checkpoint) and ``rate`` does not make up for it."""
        datamodule = getattr(self.trainer, "datamodule", None)
        if isinstance(datamodule, SensorDataModule):
            datamodule.check_sampling_step(stage, self.hparams.rate)

    def predict_step(self, batch, batch_idx: int) -> torch.Tensor:
        x, mask = batch[0], batch[1]
        return self.predict_proba(x, mask)

    def configure_optimizers(self):
        from ssm_ts.core import ssm_param_groups

        if self.closed_form:  # no trainable parameters; Lightning's notice about that is expected
            warnings.filterwarnings("ignore", message=r".*configure_optimizers` returned `None`")
            return None

        groups = ssm_param_groups(
            self._require_net(), lr=self.hparams.lr, weight_decay=self.hparams.weight_decay
        )
        optimizer = torch.optim.AdamW(groups, lr=self.hparams.lr)
        epochs = self.trainer.max_epochs if self._trainer is not None else None
        if self.hparams.lr_schedule == "none" or not epochs or epochs < 1:
            return optimizer
        schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": schedule, "interval": "epoch"}}


def _labelled(dataset: object) -> bool:
    """Whether every recording of ``dataset`` has a label, told on the host: a ``RecordingDataset`` with
    targets (the data module's; padded for DDP or not). ``False`` for any other data set (unknown)."""
    if isinstance(dataset, PaddedRecordings):
        dataset = dataset.recordings
    return isinstance(dataset, RecordingDataset) and dataset.targets is not None
