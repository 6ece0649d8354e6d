"""Settings given as NumPy values (``lr=np.float64(1e-3)``, ``max_epochs=np.int64(2)``, quantiles as an
array) or paths train, and the checkpoints they write load again: the tasks' saved hyperparameters
held the NumPy values, so the fit failed loading its own best checkpoint ("holds objects other than
tensors and plain values", safe loading) and ``last.ckpt`` could not be resumed. Each front end fits,
saves, loads and predicts (national_illness.csv, BasicMotions, the spoken digits)."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
import torch

from ssm_ts import Forecaster, SSMClassifier, WaveformGenerator
from ssm_ts.export import load_checkpoint
from ssm_ts.pipelines.sensor import read_ts

pytestmark = pytest.mark.usefixtures("single_thread")


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # MLflow's store and artifacts in the test's folder


def _loads_each_checkpoint(folder: Path) -> None:
    found = sorted(folder.rglob("*.ckpt"))
    assert any(p.name == "last.ckpt" for p in found)
    for path in found:
        checkpoint = load_checkpoint(path)  # safe loading: tensors and plain values only
        for value in checkpoint["hyper_parameters"].values():
            assert not isinstance(value, (np.generic, np.ndarray, Path))


def test_a_forecaster_with_numpy_settings_fits_saves_loads_predicts_and_resumes(shared_data, tmp_path):
    data = shared_data / "forecasting" / "national_illness.csv"
    settings = dict(
        model="nlinear", lookback=np.int64(24), horizon=np.int32(8), max_epochs=np.int64(1),
        quantiles=np.array([0.1, 0.5, 0.9]), batch_size=np.int64(16), lr=np.float64(1e-3),
        weight_decay=np.float32(0.0), channel_independent=np.bool_(True), patience=np.int64(3),
        fractions=np.array([0.7, 0.1, 0.2]), out_dir=tmp_path / "run",
        trainer_options={"enable_progress_bar": False, "limit_train_batches": np.int64(2)},
    )  # fmt: skip
    fitted = Forecaster(**settings).fit(data, target="OT")
    _loads_each_checkpoint(tmp_path / "run")
    forecast = fitted.predict()
    assert list(forecast.columns[-3:]) == ["OT_q0.1", "OT_q0.5", "OT_q0.9"] and len(forecast) == 8
    fitted.save(tmp_path / "model")
    loaded = Forecaster.load(tmp_path / "model")
    assert np.allclose(loaded.predict()["OT"], forecast["OT"])

    resumed = Forecaster(**{**settings, "max_epochs": np.int64(2)}).fit(data, target="OT", resume=True)
    assert load_checkpoint(next((tmp_path / "run").rglob("last.ckpt")))["global_step"] == 4  # 2 epochs
    assert resumed.run_id_ == fitted.run_id_


def test_an_encoder_classifier_with_numpy_settings_fits_pickles_and_predicts(shared_data):
    folder = shared_data / "classification" / "BasicMotions"
    X, y = read_ts(folder / "BasicMotions_TRAIN.ts"), None
    # val_fraction > 0: the fit reloads its best checkpoint, which failed
    model = SSMClassifier(
        d_model=np.int64(8), n_layers=np.int64(1), d_state=np.int64(8), dropout=np.float64(0.0),
        lr=np.float64(1e-2), weight_decay=np.float32(0.01), max_epochs=np.int64(2), batch_size=np.int64(8),
        val_fraction=np.float64(0.25), random_state=np.int64(0), max_batch_steps=np.int64(4096),
    ).fit(X, y)  # fmt: skip
    assert all(not isinstance(v, np.generic) for v in model.task_.hparams.model_options.values())
    proba = model.predict_proba(X)
    loaded = pickle.loads(pickle.dumps(model))
    assert np.allclose(loaded.predict_proba(X), proba)
    assert set(loaded.predict(X)) <= set(model.classes_)


def test_a_generator_with_numpy_settings_fits_saves_loads_and_generates(shared_data, tmp_path):
    folder = shared_data / "audio" / "espeak-digits"  # a Path
    generator = WaveformGenerator(
        preset="tiny", batch_size=np.int64(4), max_epochs=np.int64(1), lr=np.float64(4e-3),
        weight_decay=np.float32(0.0), seed=np.int64(0), out_dir=tmp_path / "run", log_to_mlflow=False,
        trainer_options={"enable_progress_bar": False},
    ).fit(folder, sample_rate=np.int64(16000), clip_seconds=np.float64(0.02), split="fractions",
          fractions=np.array([0.8, 0.1, 0.1]), bits=np.int64(8), max_files_per_split=np.int64(8))  # fmt: skip
    _loads_each_checkpoint(tmp_path / "run")
    audio = generator.generate(2, 0.005, seed=0)
    generator.save(tmp_path / "model")
    torch.testing.assert_close(WaveformGenerator.load(tmp_path / "model").generate(2, 0.005, seed=0), audio)


def test_only_a_numpy_learning_rate_left_the_best_checkpoint_unloadable(shared_data, tmp_path):
    """The reported case: it trained, then failed loading its own best checkpoint (a CheckpointError)."""
    data = shared_data / "forecasting" / "national_illness.csv"
    fitted = Forecaster(model="nlinear", lookback=24, horizon=8, max_epochs=1, lr=np.float64(1e-3),
                        log_to_mlflow=False, out_dir=str(tmp_path / "run"),
                        trainer_options={"enable_progress_bar": False})  # fmt: skip
    fitted.fit(data, target="OT")
    assert load_checkpoint(fitted.best_checkpoint_)["hyper_parameters"]["lr"] == 1e-3


def test_tasks_built_directly_keep_plain_hyperparameters():
    """Their checkpoints too (a task used with a Lightning Trainer of one's own)."""
    from ssm_ts.tasks.classification import ClassificationTask
    from ssm_ts.tasks.forecasting import ForecastingTask

    forecasting = ForecastingTask(model="nlinear", lookback=np.int64(24), horizon=8, n_channels=1, n_outputs=1,
                                  quantiles=np.array([0.1, 0.9]), lr=np.float64(1e-3))  # fmt: skip
    assert forecasting.hparams.quantiles == [0.1, 0.5, 0.9] and type(forecasting.hparams.lr) is float
    assert type(forecasting.hparams.lookback) is int
    classification = ClassificationTask(model="s4d1d", n_channels=np.int64(3), classes=["a", "b"],
                                        model_options={"d_model": np.int64(8)}, rate=np.float32(1.0))  # fmt: skip
    assert type(classification.hparams.n_channels) is int
    assert type(classification.hparams.model_options["d_model"]) is int
    assert type(classification.hparams.rate) is float
