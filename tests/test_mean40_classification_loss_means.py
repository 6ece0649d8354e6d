"""The classification task's epoch losses (``{split}_loss``) are
:class:`~ssm_ts.tasks.weighted_mean.WeightedMean`: the same sums as
``torchmetrics.MeanMetric`` without its NaN check, which read every batch's losses on the host (on a GPU a
sync per batch) and left a NaN loss out with a warning, so an epoch whose model gave NaN logged a finite
loss. A NaN loss now makes the epoch's loss NaN: ``EarlyStopping`` stops on it and the best checkpoint
stays the last finite epoch's.

Real BasicMotions recordings (UEA), a tiny S4D encoder."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
import torchmetrics
from lightning.pytorch.callbacks import EarlyStopping

from ssm_ts.pipelines.sensor import SensorDataModule, read_ts
from ssm_ts.tasks.classification import ClassificationTask
from ssm_ts.training import build_trainer
from tests.test_eval40_masked_scores_no_sync import HostReads

TINY = {"d_model": 8, "n_layers": 1, "d_state": 8, "dropout": 0.0}


@pytest.fixture(scope="module")
def basicmotions(shared_data):
    """16 training recordings (4 of each class, 5 held out for validation) and 8 test ones."""
    folder = shared_data / "classification" / "BasicMotions"
    train, test = read_ts(folder / "BasicMotions_TRAIN.ts"), read_ts(folder / "BasicMotions_TEST.ts")
    keep = np.concatenate([np.flatnonzero(train.labels == label)[:4] for label in np.unique(train.labels)])
    return train.subset(np.sort(keep)), test.subset(np.arange(0, 40, 5))


def data_module(basicmotions, weighted: bool = False) -> SensorDataModule:
    train, test = basicmotions
    if weighted:  # the recordings' own weights, on top of the balanced class weights
        train = train.subset(np.arange(len(train)))
        train.weights = np.linspace(0.5, 2.0, len(train))
    return SensorDataModule.from_series(train=train, test=test, val_fraction=0.3, batch_size=2, seed=0)


def new_task(weighted: bool = False) -> ClassificationTask:
    torch.manual_seed(0)
    return ClassificationTask(model_options=TINY, class_weight="balanced" if weighted else None)


def _trainer(out: Path, **options):
    return build_trainer(max_epochs=1, out_dir=out, accelerator="cpu", progress=False, **options)


def watched_updates(means: dict) -> tuple[HostReads, dict]:
    """Wraps each metric of ``means`` (split -> WeightedMean): its updates' host reads are recorded, and
    a ``torchmetrics.MeanMetric`` per split (the old metric) is fed the same values and weights."""
    watched, olds = HostReads(), {}
    for split, mean in means.items():
        old = olds[split] = torchmetrics.MeanMetric()
        update = mean.update

        def guarded(value, weight, update=update, old=old):
            with watched:
                update(value, weight)
            old.update(value, weight)

        mean.update = guarded
    return watched, olds


@pytest.mark.parametrize("weighted", [False, True], ids=["plain", "weighted"])
def test_the_loss_update_reads_nothing_on_the_host_and_scores_as_meanmetric(
    basicmotions, weighted, tmp_path, single_thread
):
    data = data_module(basicmotions, weighted)
    task = new_task(weighted)
    trainer = _trainer(tmp_path)
    trainer.fit(task, data)  # builds the model and its class weights
    means = {split: task.loss_means[f"{split}_loss"] for split in ("val", "test")}
    watched, olds = watched_updates(means)
    for mean in means.values():
        mean.update(torch.tensor([1e6]), torch.tensor([1.0]))  # left by an evaluation stopped midway
    olds["val"].reset()  # a new epoch starts from no counts: the task's mean too
    olds["test"].reset()
    watched.calls.clear()
    (val,) = trainer.validate(task, data, verbose=False)
    (test,) = trainer.test(task, data, verbose=False)
    # MeanMetric's NaN check: 2 '__bool__' a batch (nans.any() of the losses and of the weights)
    assert watched.calls == []
    assert float(olds["val"].weight) > 0 and float(olds["test"].weight) > 0
    # the same sums in the same dtype: bit for bit
    assert val["val_loss"] == float(olds["val"].compute())
    assert test["test_loss"] == float(olds["test"].compute())


class NaNLogits:
    """A forward hook of the task: the logits of the ``nth`` call of a validation epoch (``epoch``, or any)
    get a NaN row, as a model that overflows on one recording gives."""

    def __init__(self, nth: int, epoch: int | None = None):
        self.nth, self.epoch, self.calls = nth, epoch, 0

    def __call__(self, task, inputs, logits):
        trainer = task.trainer  # not in the sanity check (its stage is not validating), nor in training
        if not trainer.validating or (self.epoch is not None and trainer.current_epoch != self.epoch):
            return logits
        self.calls += 1
        if self.calls != self.nth:
            return logits
        logits = logits.clone()
        logits[0] = float("nan")
        return logits


def test_a_nan_loss_makes_the_epochs_loss_nan_without_a_warning(basicmotions, tmp_path, single_thread):
    data = data_module(basicmotions)
    task = new_task()
    trainer = _trainer(tmp_path)
    trainer.fit(task, data)
    finite = trainer.validate(task, data, verbose=False)[0]
    task.register_forward_hook(NaNLogits(nth=2))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        (scores,) = trainer.validate(task, data, verbose=False)
    # the old MeanMetric left the batch out: a finite val_loss and "Encountered `nan` values in tensor"
    assert np.isnan(scores["val_loss"]) and np.isfinite(finite["val_loss"])
    assert not [w for w in caught if "nan" in str(w.message).lower()]
    assert np.isfinite(scores["val_acc"])  # a NaN row is still a prediction (argmax)


def test_early_stopping_stops_on_a_nan_val_loss_and_the_best_checkpoint_stays_finite(
    basicmotions, tmp_path, single_thread
):
    data = data_module(basicmotions)
    task = new_task()
    task.register_forward_hook(NaNLogits(nth=1, epoch=1))
    stopper = EarlyStopping(monitor="val_loss", patience=5)
    trainer = build_trainer(
        max_epochs=3, out_dir=tmp_path, accelerator="cpu", progress=False, callbacks=[stopper]
    )
    trainer.fit(task, data)
    assert np.isnan(float(trainer.callback_metrics["val_loss"]))
    assert stopper.stopped_epoch == 1 and trainer.current_epoch == 2  # epoch 2 never trained
    best = trainer.checkpoint_callback
    assert Path(best.best_model_path).name == "best-epoch=0.ckpt" and torch.isfinite(best.best_model_score)
