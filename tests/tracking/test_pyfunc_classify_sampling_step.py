"""The classifier's MLflow pyfunc warns, as ``SSMClassifier.predict`` and ``ssm-ts classify predict``
do, when a long DataFrame's times show recordings sampled at another step than the training ones and
``params={"rate": r}`` does not make up for it.

``classify fit`` on GunPoint (UCR) written as a long CSV with times every 0.02 logs a pyfunc whose
export keeps that step; the TEST split at twice the rate (times every 0.01) without a rate warns,
naming both steps and ``params={"rate": 0.5}``; with that rate it is quiet. Before, the pyfunc used the
times only to sort the rows, and answered without a word (measured: 0.81 of the labels kept without
the rate, accuracy 0.80; 1.00 kept with it, accuracy 0.99).
Arrays (no times) predict as before."""

from __future__ import annotations

import json
import warnings

import mlflow
import numpy as np
import pytest

from ssm_ts.pipelines.sensor import SamplingStepWarning, read_ts
from tests.cli.test_classify_cli import fit_random_features
from tests.pipelines.test_sensor_sampling_step import long_frame, twice_the_rate, write_long_csv

GUNPOINT_OPTIONS = "{n_kernels: 1000, seed: 0, shift_fraction: 0.5}"
TWICE = r"sampled every 0\.01, the training recordings every 0\.02 \(in the units of their time columns\)"


@pytest.fixture(scope="module")
def gunpoint(shared_data, tmp_path_factory):
    """``(the pyfunc a fit on the 50 Hz long CSV logged, its export folder, TEST, TEST at twice the rate)``."""
    folder = shared_data / "classification" / "GunPoint"
    train, test = read_ts(folder / "GunPoint_TRAIN.ts"), read_ts(folder / "GunPoint_TEST.ts")
    workdir = tmp_path_factory.mktemp("gunpoint_step_pyfunc")
    train_csv = write_long_csv(workdir / "train.csv", train, 0.02)
    _, uri, run_id = fit_random_features(train_csv, workdir, "--model.model_options", GUNPOINT_OPTIONS)
    previous = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(uri)
    try:
        loaded = mlflow.pyfunc.load_model(f"runs:/{run_id}/model")
    finally:
        mlflow.set_tracking_uri(previous)
    export = next((workdir / "out").rglob("export"))
    return loaded, export, test, twice_the_rate(test)


def _quiet(predict, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error", SamplingStepWarning)
        return predict(*args, **kwargs)


def test_the_export_keeps_the_training_step(gunpoint):
    _, export, _, _ = gunpoint
    assert json.loads((export / "extras.json").read_text())["fit_sampling_step"] == {
        "value": 0.02,
        "kind": "number",
    }


def test_a_long_frame_at_twice_the_rate_warns_without_the_matching_rate(gunpoint):
    loaded, _, test, twice = gunpoint
    original = _quiet(loaded.predict, long_frame(test, 0.02).drop(columns="label"))
    frame = long_frame(test, 0.01, values=twice).drop(columns="label")
    with_rate = _quiet(loaded.predict, frame, params={"rate": 0.5})
    assert (with_rate["predicted"] == original["predicted"]).mean() >= 0.97

    with pytest.warns(SamplingStepWarning, match=TWICE + r'.*pass params=\{"rate": 0\.5\}') as record:
        without = loaded.predict(frame)  # answered all the same
    assert str(record[0].message).startswith("pyfunc input: ")
    assert (without["predicted"] == original["predicted"]).mean() < 0.9  # what the rate corrects

    with pytest.warns(SamplingStepWarning, match=r"rate 0\.25 was given, .*makes the rate 0\.5"):
        loaded.predict(frame, params={"rate": 0.25})


def test_arrays_and_frames_without_times_predict_as_before(gunpoint):
    loaded, _, test, twice = gunpoint
    by_array = _quiet(loaded.predict, np.stack(twice))  # no times: nothing to check
    frame = long_frame(test, 0.01, values=twice).drop(columns="label")
    with pytest.warns(SamplingStepWarning):
        timed = loaded.predict(frame)
    untimed = _quiet(loaded.predict, frame.sort_values(["id", "time"]).drop(columns="time"))
    probabilities = ["p_1", "p_2"]
    np.testing.assert_allclose(untimed[probabilities], timed[probabilities], atol=1e-9)
    order = [int(i.removeprefix("rec")) for i in timed["id"]]  # rec0, rec1, rec10, ...: sorted as text
    np.testing.assert_allclose(by_array[probabilities].to_numpy()[order], timed[probabilities], atol=1e-9)
