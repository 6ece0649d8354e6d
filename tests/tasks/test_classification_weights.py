"""The encoder's weighted cross-entropy (``ClassificationTask(class_weight=...)``, recordings' own
weights), its balanced-accuracy metrics, and class weights kept in checkpoints.

A tiny exact case checks the loss of a batch against ``sum(w_i loss_i) / sum(w_i)``; a fit on an
imbalanced BasicMotions sample checks that the logged validation loss (which picks the best
checkpoint) is the weighted one and that balanced accuracy is scikit-learn's."""

from __future__ import annotations

import mlflow
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from sklearn.metrics import balanced_accuracy_score, f1_score
from sklearn.utils.class_weight import compute_class_weight

from ssm_ts import SSMClassifier
from ssm_ts.errors import ConfigError, DataError
from ssm_ts.export import load_checkpoint
from ssm_ts.pipelines.sensor import SensorDataModule, make_series_set, read_ts, stratified_split
from ssm_ts.tasks.classification import ClassificationTask, predict_series
from ssm_ts.tracking.logger import make_mlflow_logger
from ssm_ts.training import build_trainer

TINY = {"d_model": 8, "n_layers": 1, "d_state": 8, "dropout": 0.0}
CLASSES = ["fall", "sit", "walk"]


def batch_loss(task: ClassificationTask, batch) -> torch.Tensor:
    """The training loss ``_step`` returns for ``batch`` (its logging left out: no trainer here)."""
    task.log = lambda *args, **kwargs: None
    return task._step(batch, "train")


def tiny_batch(weights: list[float] | None = None):
    rng = np.random.default_rng(0)
    x = torch.from_numpy(rng.normal(size=(6, 20, 2)))
    mask = torch.ones(6, 20, dtype=torch.bool)
    y = torch.tensor([0, 1, 2, 2, 2, 1])
    return (x, mask, y) if weights is None else (x, mask, y, torch.tensor(weights, dtype=torch.float64))


def test_batch_loss_is_the_weighted_mean_of_the_cross_entropies():
    task = ClassificationTask(n_channels=2, classes=CLASSES, model_options=TINY, class_weight={"fall": 4.0})
    labels = np.array(["fall", "sit", "walk", "walk", "walk", "sit"])
    task.set_class_weights(make_series_set(np.zeros((6, 2, 5)), labels))
    assert task.class_weights.tolist() == [4.0, 1.0, 1.0]
    batch = tiny_batch([1.0, 2.0, 0.5, 1.0, 0.0, 3.0])
    x, mask, y, own = batch
    losses = F.cross_entropy(task(x, mask), y, reduction="none")
    w = torch.tensor([4.0, 1.0, 1.0], dtype=losses.dtype)[y] * own.to(losses.dtype)
    torch.testing.assert_close(batch_loss(task, batch), (w * losses).sum() / w.sum())
    assert not torch.allclose(batch_loss(task, batch), losses.mean())  # the weights matter here


def test_balanced_on_balanced_labels_is_the_plain_mean():
    task = ClassificationTask(n_channels=2, classes=CLASSES, model_options=TINY, class_weight="balanced")
    task.set_class_weights(make_series_set(np.zeros((6, 2, 5)), ["fall", "sit", "walk"] * 2))
    torch.testing.assert_close(task.class_weights, torch.ones(3, dtype=torch.float64))
    x, mask, y = tiny_batch()
    torch.testing.assert_close(batch_loss(task, (x, mask, y)), F.cross_entropy(task(x, mask), y))


def test_class_weight_errors_name_the_setting():
    with pytest.raises(ConfigError, match="class_weight must be None, 'balanced' or a"):
        ClassificationTask(class_weight="Balanced")
    with pytest.raises(DataError, match=r"class_weight names the class\(es\) \['run'\]"):
        ClassificationTask(n_channels=2, classes=CLASSES, model_options=TINY, class_weight={"run": 2.0})
    task = ClassificationTask(n_channels=2, classes=CLASSES, model_options=TINY, class_weight="balanced")
    with pytest.raises(DataError, match=r"'balanced' needs recordings of every class .* \['sit'\] have none"):
        task.set_class_weights(make_series_set(np.zeros((4, 2, 5)), ["fall", "walk", "walk", "walk"]))


@pytest.fixture(scope="module")
def imbalanced_basicmotions(shared_data) -> tuple:
    """BasicMotions TRAIN with 3 "Standing" recordings of 10 (33 in all), and TEST."""
    folder = shared_data / "classification" / "BasicMotions"
    train, test = read_ts(folder / "BasicMotions_TRAIN.ts"), read_ts(folder / "BasicMotions_TEST.ts")
    keep = [i for i, label in enumerate(train.labels) if label != "Standing"]
    keep += [int(i) for i in np.flatnonzero(train.labels == "Standing")[:3]]
    return train.subset(sorted(keep)), test


def test_fit_logs_the_weighted_val_loss_and_balanced_accuracy(
    imbalanced_basicmotions, tmp_path, single_thread
):
    data, test = imbalanced_basicmotions
    data.weights = np.linspace(0.5, 2.0, len(data))  # recordings' own weights, on top of the classes'
    module = SensorDataModule.from_series(train=data, test=test, val_fraction=0.3, batch_size=8, seed=0)
    task = ClassificationTask(model_options=TINY, lr=5e-3, class_weight="balanced")
    logger = make_mlflow_logger("classify-weights", tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}")
    trainer = build_trainer(max_epochs=2, out_dir=tmp_path, logger=logger, progress=False)
    trainer.fit(task, module)

    # class weights from the training split's labels and weights, as scikit-learn computes them
    train = module.train_set
    classes = np.array(task.classes)
    expected = compute_class_weight("balanced", classes=classes, y=train.labels, sample_weight=train.weights)
    np.testing.assert_allclose(task.class_weights.numpy(), expected)
    assert expected[task.classes.index("Standing")] > 2  # the rare class weighs most
    # the logged validation loss: the weighted mean over the whole validation split, with the final model
    val = module.val_set
    probabilities = predict_series(task, val.values)
    targets = np.array([task.classes.index(label) for label in val.labels])
    losses = -np.log(probabilities[np.arange(len(targets)), targets])
    w = expected[targets] * val.weights
    logged = trainer.callback_metrics
    np.testing.assert_allclose(float(logged["val_loss"]), (w * losses).sum() / w.sum(), rtol=1e-4)
    predicted = probabilities.argmax(1)
    np.testing.assert_allclose(float(logged["val_balanced_acc"]), balanced_accuracy_score(targets, predicted))
    np.testing.assert_allclose(
        float(logged["val_f1"]), f1_score(targets, predicted, average="macro"), rtol=1e-6
    )

    trainer.test(task, module, verbose=False)
    metrics = mlflow.MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}").get_run(logger.run_id).data.metrics
    for split in ("train", "val", "test"):
        assert {f"{split}_loss", f"{split}_acc", f"{split}_balanced_acc", f"{split}_f1"} <= set(metrics)

    # the checkpoint keeps the setting and the weights it trained with
    checkpoint = load_checkpoint(trainer.checkpoint_callback.last_model_path)
    assert checkpoint["hyper_parameters"]["class_weight"] == "balanced"
    np.testing.assert_allclose(checkpoint["state_dict"]["class_weights"].numpy(), expected)
    restored = ClassificationTask(**checkpoint["hyper_parameters"])
    restored.load_state_dict(checkpoint["state_dict"])
    torch.testing.assert_close(restored.class_weights, task.class_weights)
    # checkpoints written before class weights load with weights 1
    older = {k: v for k, v in checkpoint["state_dict"].items() if k != "class_weights"}
    old_task = ClassificationTask(
        **{k: v for k, v in checkpoint["hyper_parameters"].items() if k != "class_weight"}
    )
    old_task.load_state_dict(older)
    assert old_task.class_weights.tolist() == [1.0] * 4


def test_ssm_classifier_encoder_trains_with_weights(imbalanced_basicmotions, single_thread):
    data, test = imbalanced_basicmotions
    model = SSMClassifier(
        **TINY, max_epochs=2, batch_size=8, val_fraction=0.3, class_weight="balanced", random_state=0
    )
    sample_weight = np.where(data.labels == "Walking", 2.0, 1.0)
    model.fit(data.values, data.labels, sample_weight=sample_weight)
    train, _ = stratified_split(data, 0.3, 0)  # the split the encoder trained on (seed 0)
    train_weights = np.where(train.labels == "Walking", 2.0, 1.0)
    expected = compute_class_weight(
        "balanced", classes=model.classes_, y=train.labels, sample_weight=train_weights
    )
    np.testing.assert_allclose(model.task_.class_weights.numpy(), expected)
    assert model.task_.hparams.class_weight == "balanced"
    probabilities = model.predict_proba(test.values)
    assert probabilities.shape == (40, 4) and np.isfinite(probabilities).all()
