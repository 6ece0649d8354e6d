"""A 2-D array to classify holding a recording per column, ``(length, n)``, was read silently as
``length`` recordings of ``n`` steps (predict has no labels to count them by): a model fitted on
one-channel recordings of one length warns when X has that many rows, of recordings of another length."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from ssm_ts.api.classifier import SSMClassifier
from ssm_ts.pipelines.sensor import LayoutWarning


@pytest.fixture(scope="module")
def fitted(gunpoint_ucr) -> tuple[SSMClassifier, np.ndarray]:
    """Random features fitted on GunPoint's training recordings (50, 150), and its first 40 test ones."""
    train, test = gunpoint_ucr
    X = np.stack(train.values)[:, 0, :]
    model = SSMClassifier(method="random_features", n_kernels=20, random_state=0).fit(X, train.labels)
    return model, np.stack(test.values)[:40, 0, :]


def test_predict_warns_of_a_recording_per_column(fitted):
    model, X = fitted
    assert model.n_timepoints_ == 150
    with pytest.warns(
        LayoutWarning, match=r"X has shape \(150, 40\): read as 150 recordings of 40 steps"
    ) as caught:
        assert model.predict(X.T).shape == (150,)
    assert "fitted on recordings of 150 steps, as many as X has rows" in str(caught[0].message)
    assert "pass X.T" in str(caught[0].message) and caught[0].filename == __file__


def test_recordings_as_rows_do_not_warn(fitted):
    model, X = fitted
    with warnings.catch_warnings():
        warnings.simplefilter("error", LayoutWarning)
        assert model.predict(X).shape == (40,)
        assert model.predict(X[:, None, :]).shape == (40,)
        assert model.predict(np.tile(X, (4, 1))[:150]).shape == (150,)  # 150 recordings of 150 steps
