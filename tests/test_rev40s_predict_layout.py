"""predict's LayoutWarning for a 2-D X of as many rows as the training recordings had steps (a
recording per column?) warned also for a normal predict: GunPoint's 150 test recordings cropped to 30
steps (or doubled to 300), because the test set has as many recordings as the training ones had steps.
It warns only when X's values also change less down its columns than along its rows, as a recording per
column's do; a shape alone, or values that show neither way (noise), stay silent."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from ssm_ts.api.classifier import SSMClassifier
from ssm_ts.pipelines.sensor import LayoutWarning


@pytest.fixture(scope="module")
def fitted(gunpoint_ucr) -> tuple[SSMClassifier, np.ndarray]:
    """Random features fitted on GunPoint's training recordings (50, 150), and its test ones (150, 150)."""
    train, test = gunpoint_ucr
    X = np.stack(train.values)[:, 0, :]
    model = SSMClassifier(method="random_features", n_kernels=20, random_state=0).fit(X, train.labels)
    return model, np.stack(test.values)[:, 0, :]


def test_recordings_of_another_length_predict_silently(fitted):
    model, X = fitted
    noise = np.random.default_rng(0).normal(size=(150, 40))  # no sign of either layout
    with warnings.catch_warnings():
        warnings.simplefilter("error", LayoutWarning)
        for given in (X[:, :30], X[:, 20:120], np.concatenate([X, X[:, ::-1]], axis=1), noise):
            assert model.predict(given).shape == (150,)


def test_a_recording_per_column_still_warns(fitted):
    model, X = fitted
    with pytest.warns(LayoutWarning, match=r"X has shape \(150, 40\): read as 150 recordings of 40 steps"):
        model.predict(X[:40].T)
    with pytest.warns(LayoutWarning, match=r"X has shape \(150, 1\)"):  # one recording as a column
        model.predict(X[:1].T)
