"""``SSMClassifier`` keeps the training recordings' sampling step and warns when ``predict`` meets
recordings sampled at another step without the matching ``rate``.

GunPoint (UCR) as a long CSV with times every 0.02 (50 Hz), and its TEST split at twice the rate with
times every 0.01. Before, ``fit`` refused the ``SeriesSet`` a reader returns (only its ``.values``
went in, without the times), and ``predict`` at twice the rate kept 0.71 of the labels without a word
(0.99 with ``rate=0.5``; accuracy 1.00 at 50 Hz). The tests predict every other TEST recording (75):
0.77 kept without the rate, 0.99 with it."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest

from ssm_ts import SSMClassifier
from ssm_ts.errors import DataError
from ssm_ts.pipelines.sensor import SamplingStepWarning, read_csv_long, read_series
from tests.cli.test_classify_sampling_step import TWICE, every_other
from tests.pipelines.test_sensor_sampling_step import twice_the_rate, write_long_csv


@pytest.fixture(scope="module")
def gunpoint_csv(gunpoint_ucr, tmp_path_factory):
    """``(train at 0.02, TEST at 0.02, TEST at twice the rate (0.01))``, each read back from a long CSV."""
    train, test = gunpoint_ucr[0], every_other(gunpoint_ucr[1])
    workdir = tmp_path_factory.mktemp("gunpoint_step")
    return (
        read_series(write_long_csv(workdir / "train.csv", train, 0.02)),
        read_series(write_long_csv(workdir / "test.csv", test, 0.02)),
        read_series(write_long_csv(workdir / "twice.csv", test, 0.01, values=twice_the_rate(test))),
    )


@pytest.fixture(scope="module")
def fitted(gunpoint_csv):
    train, _, _ = gunpoint_csv
    model = SSMClassifier(method="random_features", n_kernels=1000, shift_fraction=0.5, random_state=0)
    return model.fit(train)  # a SeriesSet: its labels are y


def test_predict_warns_at_twice_the_rate_and_names_the_rate(fitted, gunpoint_csv, single_thread):
    _, test, twice = gunpoint_csv
    assert fitted.sampling_step_ == 0.02
    with warnings.catch_warnings():
        warnings.simplefilter("error", SamplingStepWarning)
        original = fitted.predict(test)  # same step: nothing to say
        at_twice = fitted.predict(twice, rate=0.5)  # the matching rate: nothing to say
    assert (at_twice == original).mean() >= 0.97

    with pytest.warns(SamplingStepWarning, match=TWICE + r".*pass predict\(X, rate=0\.5\)") as record:
        without = fitted.predict(twice)
    assert str(twice.source) in str(record[0].message)
    assert (without == original).mean() < 0.9  # measured 0.77 (0.71 on all 150): what the warning is about
    for method in (fitted.predict_proba, fitted.decision_function):
        with pytest.warns(SamplingStepWarning, match=TWICE):
            method(twice)
    with pytest.warns(
        SamplingStepWarning, match=r"rate 0\.25 was given, .*makes the rate 0\.5 .*rate=0\.5\)"
    ):
        fitted.predict(twice, rate=0.25)


def test_recordings_without_times_behave_as_before(fitted, gunpoint_csv, single_thread):
    train, test, twice = gunpoint_csv
    with warnings.catch_warnings():
        warnings.simplefilter("error", SamplingStepWarning)
        arrays = fitted.predict(np.stack(twice.values))  # arrays carry no step
        np.testing.assert_array_equal(fitted.predict(twice.values), arrays)
        on_arrays = SSMClassifier(method="random_features", n_kernels=200, random_state=0)
        on_arrays.fit(np.stack(train.values), train.labels)
        assert on_arrays.sampling_step_ is None
        on_arrays.predict(twice)  # fitted without times: nothing to compare
    with pytest.warns(SamplingStepWarning):
        np.testing.assert_array_equal(fitted.predict(twice), arrays)  # the warning changes no label


def test_the_step_survives_pickling(fitted, gunpoint_csv, single_thread):
    _, _, twice = gunpoint_csv
    loaded = pickle.loads(pickle.dumps(fitted))
    assert loaded.sampling_step_ == 0.02
    with pytest.warns(SamplingStepWarning, match=TWICE):
        loaded.predict(twice)
    del loaded.__dict__["sampling_step_"]  # pickled before the step existed: no check, no error
    with warnings.catch_warnings():
        warnings.simplefilter("error", SamplingStepWarning)
        loaded.predict(twice)


def test_encoder_fit_on_a_series_set_keeps_its_step(gunpoint_csv, tmp_path, single_thread):
    train, _, twice = gunpoint_csv
    model = SSMClassifier(d_model=8, n_layers=1, d_state=8, max_epochs=1, random_state=0).fit(train)
    assert model.sampling_step_ == 0.02
    with pytest.warns(SamplingStepWarning, match=TWICE + r".*predict\(X, rate=0\.5\)"):
        model.predict_proba(twice)
    with warnings.catch_warnings():
        warnings.simplefilter("error", SamplingStepWarning)
        model.predict(twice, rate=0.5)

    # a SeriesSet without labels needs y
    unlabelled = tmp_path / "unlabelled.csv"
    values = np.concatenate([v[0] for v in train.values[:4]])
    times = np.tile(np.arange(150) * 0.02, 4)
    pd.DataFrame({"id": np.repeat(range(4), 150), "time": times, "x": values}).to_csv(unlabelled, index=False)
    with pytest.raises(
        DataError, match=r"unlabelled.csv: the recordings have no labels; pass them as fit\(X, y\)"
    ):
        SSMClassifier(method="random_features", n_kernels=50).fit(read_csv_long(unlabelled))
