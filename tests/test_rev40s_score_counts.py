"""``score`` counts the labels before predicting (sens40), after the checks of X's layout that predict
makes: one recording given as a 2-D ``(channels, length)`` array or as a DataFrame of the fitted
channels was told "1 labels for 2 recordings" where predict names the fix (``X[None]``, ``[X]``). A
column-vector ``y`` and ``sample_weight`` are counted too: their count errors came after predicting
every recording. A pandas ``y`` with its own index, or a list of text, scores as an array does."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ssm_ts.api.classifier import SSMClassifier
from ssm_ts.errors import DataError


def _fast() -> SSMClassifier:
    return SSMClassifier(method="random_features", n_kernels=20, random_state=0)


@pytest.fixture(scope="module")
def two_channels(gunpoint_ucr) -> tuple[np.ndarray, np.ndarray]:
    """GunPoint's training recordings and their negation as two channels ``(50, 2, 150)``, labels."""
    train, _ = gunpoint_ucr
    X = np.stack(train.values)[:, 0, :]
    return np.stack([X, -X], axis=1), np.asarray(train.labels)


@pytest.fixture
def no_prediction(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("score predicted before checking its inputs")

    monkeypatch.setattr(SSMClassifier, "predict_proba", refuse)
    return monkeypatch


def test_one_recording_is_named_before_the_label_count(two_channels):
    X, y = two_channels
    model = _fast().fit(X, y)
    with pytest.raises(DataError, match=r"one recording of 2 channels, pass X\[None\]"):
        model.score(X[0], y[:1])
    named = _fast().fit([pd.DataFrame(x.T, columns=["a", "b"]) for x in X], y)
    with pytest.raises(
        DataError, match=r"has the fitted channels \['a', 'b'\] as its columns: one recording"
    ):
        named.score(pd.DataFrame(X[0].T, columns=["a", "b"]), y[:1])


def test_a_column_y_and_sample_weight_are_counted_before_predicting(two_channels, no_prediction):
    X, y = two_channels
    model = _fast().fit(X, y)
    with pytest.raises(DataError, match=r"^X/y: 10 labels for 50 recordings; give exactly one label"):
        model.score(X, y[:10, None])
    with pytest.raises(DataError, match=r"^sample_weight: 10 weights for 50 recordings; give one weight"):
        model.score(X, y, sample_weight=np.ones(10))
    no_prediction.undo()
    expected = model.score(X, y)
    assert model.score(X, pd.Series(y, index=np.arange(50) + 1000)) == expected
    assert model.score(X, list(y)) == model.score(X, y[:, None]) == expected
    assert model.score(X, y, sample_weight=np.ones(50)) == expected
