"""``SSMClassifier.predict(X[0])``, one recording ``(channels, length)`` of a multichannel model: a 2-D
array is ``(n, length)`` (scikit-learn's one-channel layout), so it was read as 6 recordings of one
channel and the error said only "X has 1 channels but the classifier was fitted on 6". It now says
how to pass one recording."""

from __future__ import annotations

import numpy as np
import pytest

from ssm_ts import SSMClassifier
from ssm_ts.errors import DataError
from ssm_ts.pipelines.sensor import read_series


@pytest.fixture(scope="module")
def fitted(shared_data) -> tuple[SSMClassifier, np.ndarray]:
    train = read_series(shared_data / "classification" / "BasicMotions" / "BasicMotions_TRAIN.ts")
    X = np.stack(train.values)  # (40, 6, 100)
    return SSMClassifier(method="random_features", n_kernels=20).fit(X, train.labels), X


def test_one_recording_as_a_2d_array_is_told_to_add_an_axis(fitted):
    clf, X = fitted
    with pytest.raises(DataError, match="X has 1 channel but the classifier was fitted on 6") as err:
        clf.predict(X[0])
    assert "if it is one recording of 6 channels, pass X[None] (shape (1, channels, length))" in str(
        err.value
    )
    assert clf.predict(X[0][None]).shape == (1,)  # the fix it names


def test_a_2d_array_of_another_count_gets_no_such_hint(fitted):
    clf, X = fitted
    with pytest.raises(DataError, match="X has 1 channel ") as err:
        clf.predict(X[:4, 0])  # (4, 100): four one-channel recordings, not one recording
    assert "X[None]" not in str(err.value)
