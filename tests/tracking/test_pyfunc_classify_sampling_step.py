"""The classifier's MLflow pyfunc warns, as ``SSMClassifier.predict`` and ``ssm-ts classify predict``
do, when a long DataFrame's times show recordings sampled at another step than the training ones and
``params={"rate": r}`` does not make up for it.

``classify fit`` on GunPoint (UCR) written as a long CSV with times every 0.02 logs a pyfunc whose
export keeps that step; the TEST split at twice the rate (times every 0.01) without a rate warns,
naming both steps and ``params={"rate": 0.5}``; with that rate it is quiet. Before, the pyfunc used the
times only to sort the rows, and answered without a word (measured: 0.81 of the labels kept without
the rate, accuracy 0.80; 1.00 kept with it, accuracy 0.99; on every other TEST recording, as here:
0.81 and 1.00).
Arrays (no times) predict as before."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from ssm_ts.pipelines.sensor import SamplingStepWarning
from tests.cli.test_classify_cli import load_logged_model
from tests.cli.test_classify_sampling_step import TWICE, every_other, fit_at_50hz
from tests.pipelines.test_sensor_sampling_step import long_frame, twice_the_rate


@pytest.fixture(scope="module")
def gunpoint(gunpoint_ucr, tmp_path_factory):
    """``(the pyfunc a fit on the 50 Hz long CSV logged, its export folder, TEST, TEST at twice the rate)``."""
    train, test = gunpoint_ucr[0], every_other(gunpoint_ucr[1])
    workdir = tmp_path_factory.mktemp("gunpoint_step_pyfunc")
    _, uri, run_id = fit_at_50hz(train, workdir)
    export = next((workdir / "out").rglob("export"))
    return load_logged_model(uri, run_id), export, test, twice_the_rate(test)


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
    # rows sorted by id as text (rec0, rec1, rec10, ...) and time: recordings come back in that order
    untimed = _quiet(loaded.predict, frame.sort_values(["id", "time"]).drop(columns="time"))
    probabilities = ["p_1", "p_2"]
    assert timed["id"].tolist() == [f"rec{i}" for i in range(len(twice))]  # the input's order of ids
    np.testing.assert_allclose(
        untimed.set_index("id").loc[timed["id"], probabilities], timed[probabilities], atol=1e-9
    )
    np.testing.assert_allclose(by_array[probabilities], timed[probabilities], atol=1e-9)
