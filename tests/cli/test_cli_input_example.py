"""The models ``ssm-ts classify fit`` and ``ssm-ts forecast fit`` log carry an input example, so MLflow
does not warn "An input example was not provided when logging the model" on every fit (the sensor
notebook had to filter it), and the stored example is one the logged pyfunc predicts on."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import mlflow
import numpy as np
import pandas as pd
import pytest

from ssm_ts import Forecaster, cli
from ssm_ts.pipelines.sensor import read_ts
from ssm_ts.tasks.classification import load_classifier_export, predict_series
from ssm_ts.tracking.pyfunc_classify import EXAMPLE_VALUES, classifier_input_example
from tests.cli.test_classify_cli import fit_random_features, load_logged_model
from tests.cli.test_forecast_cli_export import ett_fit_args, only_run_id

NO_EXAMPLE = "An input example was not provided"


@contextmanager
def mlflow_messages() -> Iterator[list[str]]:
    """Every warning and every record of MLflow's loggers (which do not propagate to the root logger,
    so pytest's caplog misses them) while the block runs: MLflow's color_warning goes either way."""
    messages: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(record.getMessage())

    handler, logger = Collect(level=logging.DEBUG), logging.getLogger("mlflow")
    logger.addHandler(handler)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield messages
        messages.extend(str(w.message) for w in caught)
    finally:
        logger.removeHandler(handler)


def logged_model(uri: str, run_id: str) -> tuple[mlflow.models.Model, object]:
    """The MLflow metadata of run ``run_id``'s model and its stored input example, loaded as a user would."""
    previous = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(uri)
    try:
        local = mlflow.artifacts.download_artifacts(f"runs:/{run_id}/model")
    finally:
        mlflow.set_tracking_uri(previous)
    metadata = mlflow.models.Model.load(local)
    assert metadata.saved_input_example_info is not None, "the logged model has no input example"
    return metadata, metadata.load_input_example(local)


def test_classify_fit_logs_a_training_recording_as_input_example(shared_data, tmp_path, single_thread):
    folder = shared_data / "classification" / "BasicMotions"
    with mlflow_messages() as messages:
        _, uri, run_id = fit_random_features(folder, tmp_path / "fit")
    assert not [m for m in messages if NO_EXAMPLE in m]
    metadata, example = logged_model(uri, run_id)
    assert [p.name for p in metadata.get_params_schema().params] == [
        "rate",
        "nan_policy",
    ]  # the signature is kept
    # the first training recording (BasicMotions: 6 channels x 100 steps, well within the budget)
    train = read_ts(folder / "BasicMotions_TRAIN.ts")
    assert example.shape == (1, 6, 100)
    assert any(np.allclose(example[0], recording) for recording in train.values)
    predicted = load_logged_model(uri, run_id).predict(example)
    task, _ = load_classifier_export(tmp_path / "fit" / "out" / "export")
    expected = predict_series(task, [example[0]])
    assert list(predicted["id"]) == ["0"] and predicted["predicted"].iloc[0] in task.classes
    np.testing.assert_allclose(predicted[[f"p_{c}" for c in task.classes]].to_numpy(), expected, atol=1e-6)


def test_forecast_fit_logs_the_last_lookback_rows_as_input_example(shared_data, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    uri, args = ett_fit_args(shared_data, tmp_path, rows=600)
    frame = pd.read_csv(tmp_path / "ett.csv")
    with mlflow_messages() as messages:
        assert cli.main(args) == 0
    assert not [m for m in messages if NO_EXAMPLE in m]
    run_id = only_run_id(uri)
    metadata, example = logged_model(uri, run_id)
    assert list(example.columns) == ["date", "HUFL", "OT"] and len(example) == 48
    last = pd.to_datetime(frame["date"].iloc[-48:]).reset_index(drop=True)
    pd.testing.assert_series_equal(pd.to_datetime(example["date"]), last, check_names=False)
    # the signature still declares the params (n, level, interval_method) beside the example
    assert {p.name for p in metadata.get_params_schema().params} == {"n", "level", "interval_method"}
    loaded = load_logged_model(uri, run_id)
    forecast = loaded.predict(example)
    api = Forecaster.load(tmp_path / "out" / "export")
    pd.testing.assert_frame_equal(forecast, api.predict(example))
    assert len(forecast) == 12


@pytest.mark.parametrize(
    ("channels", "length", "steps"),
    [(6, 100, 100), (1, 16_000, EXAMPLE_VALUES), (64, 1_000, EXAMPLE_VALUES // 64), (5_000, 3, 1)],
)
def test_a_long_recording_gives_its_first_steps_as_example(channels, length, steps):
    recording = np.random.default_rng(0).standard_normal((channels, length))
    example = classifier_input_example(recording)
    assert example.shape == (1, channels, steps) and example.size <= max(EXAMPLE_VALUES, channels)
    np.testing.assert_array_equal(example[0], recording[:, :steps])
