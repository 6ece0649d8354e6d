"""ClassificationTask on real BasicMotions: it learns, its checkpoint carries scaler and classes, and
predictions become a CSV; a confusion matrix is logged to MLflow."""

from __future__ import annotations

import mlflow
import numpy as np
import pandas as pd
import pytest
import torch

from ssm_ts.errors import ConfigError, DataError
from ssm_ts.export import load_checkpoint
from ssm_ts.pipelines.sensor import SensorDataModule, make_series_set
from ssm_ts.tasks.classification import ClassificationTask, load_classifier_export, save_classifier_export
from ssm_ts.tracking.logger import make_mlflow_logger
from ssm_ts.training import build_trainer

OPTIONS = {"d_model": 32, "n_layers": 2, "d_state": 32, "dropout": 0.0}


@pytest.fixture(scope="module")
def fitted(shared_data, tmp_path_factory):
    out = tmp_path_factory.mktemp("fit")
    torch.manual_seed(0)
    dm = SensorDataModule(
        path=str(shared_data / "classification/BasicMotions"), val_fraction=0.2, batch_size=16
    )
    task = ClassificationTask(model_options=OPTIONS, lr=5e-3)
    logger = make_mlflow_logger("classify-test", tracking_uri=f"sqlite:///{out / 'mlflow.db'}")
    trainer = build_trainer(max_epochs=12, out_dir=out, logger=logger, progress=False)
    trainer.fit(task, dm)
    return task, dm, trainer, out, logger


def test_learns_basicmotions_far_above_chance(fitted):
    task, dm, trainer, _, _ = fitted
    result = trainer.test(task, dm, verbose=False)[0]
    assert result["test_acc"] >= 0.85  # chance is 0.25
    assert 0.0 <= result["test_f1"] <= 1.0
    assert task.classes == ["Badminton", "Running", "Standing", "Walking"]
    torch.testing.assert_close(task.scaler_mean, torch.tensor(dm.scaler.mean, dtype=torch.float64))


def test_confusion_matrices_logged(fitted):
    _, _, _, out, logger = fitted
    client = mlflow.MlflowClient(tracking_uri=f"sqlite:///{out / 'mlflow.db'}")
    names = {a.path for a in client.list_artifacts(logger.run_id, "plots")}
    assert {"plots/confusion_matrix_val.png", "plots/confusion_matrix_test.png"} <= names
    assert "val_acc" in client.get_run(logger.run_id).data.metrics


def test_checkpoint_rebuilds_and_predicts_csv(fitted, shared_data, tmp_path):
    task, _, trainer, out, _ = fitted
    ckpt = load_checkpoint(trainer.checkpoint_callback.last_model_path)  # weights_only
    assert ckpt["hyper_parameters"]["classes"] == task.classes
    restored = ClassificationTask(**ckpt["hyper_parameters"])
    restored.load_state_dict(ckpt["state_dict"])
    dm = SensorDataModule(path=str(shared_data / "classification/BasicMotions/BasicMotions_TEST.ts"))
    predictions = build_trainer(max_epochs=1, out_dir=tmp_path, progress=False).predict(restored, dm)
    (path,) = restored.write_predictions(predictions, dm, tmp_path)
    frame = pd.read_csv(path)
    assert list(frame.columns[:2]) == ["id", "predicted"] and len(frame) == 40
    assert (frame["predicted"] == frame["label"]).mean() >= 0.85
    probs = frame[[f"p_{c}" for c in task.classes]].to_numpy()
    assert abs(probs.sum(1) - 1).max() < 1e-5


def test_export_round_trip(fitted, tmp_path):
    task, dm, _, _, _ = fitted
    save_classifier_export(tmp_path / "export", task)
    loaded, _ = load_classifier_export(tmp_path / "export")
    x, mask, _ = next(iter(dm.val_dataloader()))
    task.eval()
    torch.testing.assert_close(loaded(x, mask), task(x, mask))


def test_wrong_channels_and_missing_build_are_clear(shared_data, tmp_path):
    task = ClassificationTask(n_channels=3, classes=["a", "b"], model_options=OPTIONS)
    dm = SensorDataModule(path=str(shared_data / "classification/BasicMotions/BasicMotions_TEST.ts"))
    with pytest.raises(DataError, match=r"BasicMotions_TEST.ts: 6 channels, but the model was trained on 3"):
        build_trainer(max_epochs=1, out_dir=tmp_path, progress=False).predict(task, dm)
    with pytest.raises(ConfigError, match="not built yet"):
        ClassificationTask()(torch.zeros(1, 4, 2))
    with pytest.raises(DataError, match="at least 2 classes"):
        ClassificationTask(n_channels=1, classes=["a"])


def test_unlabelled_validation_is_an_error(tmp_path):
    train = make_series_set(torch.randn(8, 1, 6).numpy(), ["a", "b"] * 4)
    dm = SensorDataModule.from_series(train=train, val_fraction=0.25)
    dm.setup("fit")
    dm.val_set.labels = None
    task = ClassificationTask(model_options=OPTIONS)
    with pytest.raises(DataError, match="val data has unlabelled recordings"):
        build_trainer(max_epochs=1, out_dir=tmp_path, progress=False).fit(task, dm)


def test_predicted_probabilities_sum_to_one_in_float64():
    # scikit-learn's log_loss warns unless rows sum to 1 within ~1.5e-8; a float32 softmax gives ~1e-7
    import numpy as np

    from ssm_ts.tasks.classification import predict_series

    torch.manual_seed(0)
    task = ClassificationTask(n_channels=2, classes=[str(i) for i in range(7)], model_options=OPTIONS)
    values = list(np.random.default_rng(0).normal(size=(200, 2, 12)) * 5)
    probabilities = predict_series(task, values)
    assert probabilities.dtype == np.float64
    assert np.abs(probabilities.sum(1) - 1).max() < 1e-12


def test_inputs_are_scaled_in_float64_before_the_model_dtype():
    """A channel at 1e8 varying by 5: float32 holds 1e8 only to the nearest 8, so casting the raw
    batch before the scaler lost the signal."""
    from ssm_ts.pipelines.sensor import ChannelScaler, pad_batch

    wave = 1e8 + 5 * np.sin(np.arange(40) / 3)
    x, mask = pad_batch([wave[None, :], wave[None, :30]])
    assert x.dtype == np.float64
    task = ClassificationTask(model_options=OPTIONS)
    task._build(1, ["a", "b"])
    task.set_scaler(ChannelScaler([1e8], [5 / np.sqrt(2)]))
    scaled = task.scale_inputs(torch.from_numpy(x))
    assert scaled.dtype == torch.float32
    expected = (wave - 1e8) / (5 / np.sqrt(2))
    np.testing.assert_allclose(scaled[0, :, 0].numpy(), expected, rtol=0, atol=1e-6)


def test_random_features_task_predicts_as_the_classifier(shared_data, tmp_path):
    """The CLI's route (SensorDataModule -> ClassificationTask -> predict_series) and
    SSMClassifier(method="random_features") share kernels, scaler and ridge; with raw values cast to
    float32 before scaling their probabilities differed by up to 0.004 (threshold features flipped)."""
    from ssm_ts import SSMClassifier
    from ssm_ts.pipelines.sensor import read_ts
    from ssm_ts.tasks.classification import predict_series

    folder = shared_data / "classification/BasicMotions"
    train, test = read_ts(folder / "BasicMotions_TRAIN.ts"), read_ts(folder / "BasicMotions_TEST.ts")
    dm = SensorDataModule.from_series(train=train, val_fraction=0, batch_size=16, seed=0)
    task = ClassificationTask(model="random_features", model_options={"n_kernels": 300, "seed": 0})
    trainer = build_trainer(
        max_epochs=1, out_dir=tmp_path, progress=False, monitor="train_loss", limit_val_batches=0
    )
    trainer.fit(task, dm)
    api = SSMClassifier(method="random_features", n_kernels=300, random_state=0).fit(
        train.values, train.labels
    )
    np.testing.assert_allclose(
        predict_series(task, test.values), api.predict_proba(test.values), rtol=0, atol=1e-6
    )
