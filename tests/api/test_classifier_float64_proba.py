"""Random features give float64 scores and probabilities, as scikit-learn's classifiers do, and a
recording's do not depend on which others share the call: they were float32, and float32 matrix
products round by the batch's size (one recording alone differed from the same in a batch by ~1e-7)."""

from __future__ import annotations

import numpy as np
import pytest

from ssm_ts import SSMClassifier
from ssm_ts.models import random_feature_classifier
from ssm_ts.pipelines.sensor import read_ts


@pytest.fixture(scope="module")
def fitted(shared_data):
    folder = shared_data / "classification/BasicMotions"
    train, test = read_ts(folder / "BasicMotions_TRAIN.ts"), read_ts(folder / "BasicMotions_TEST.ts")
    model = SSMClassifier(method="random_features", n_kernels=100).fit(train.values, train.labels)
    return model, test.values


def test_probabilities_and_scores_are_float64(fitted):
    model, X = fitted
    proba, scores = model.predict_proba(X), model.decision_function(X)
    assert proba.dtype == np.float64 and scores.dtype == np.float64
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=0, atol=1e-12)


def test_a_recording_scores_the_same_alone_and_in_a_batch(fitted, monkeypatch):
    model, X = fitted
    monkeypatch.setattr(random_feature_classifier, "DECISION_ROWS", 7)  # blocks of the float64 copy
    whole = model.predict_proba(X)
    alone = np.concatenate([model.predict_proba(X[i : i + 1]) for i in range(0, len(X), 5)])
    np.testing.assert_allclose(alone, whole[::5], rtol=1e-12, atol=1e-15)
    assert (model.predict(X) == model.classes_[whole.argmax(axis=1)]).all()


@pytest.fixture(scope="module")
def encoder(shared_data):
    folder = shared_data / "classification/BasicMotions"
    train, test = read_ts(folder / "BasicMotions_TRAIN.ts"), read_ts(folder / "BasicMotions_TEST.ts")
    options = {"d_model": 8, "n_layers": 1, "d_state": 8, "dropout": 0.0, "max_epochs": 1}
    return SSMClassifier(**options).fit(train.values, train.labels), test.values


def test_encoder_probabilities_are_the_float64_softmax_of_its_logits(encoder):
    """The encoder's probabilities were a float32 softmax cast to float64 (off by up to ~1e-7), and
    its scores the log of those clipped at 1e-12; both now come from the logits in float64."""
    import torch

    from ssm_ts.pipelines.sensor import pad_batch

    model, X = encoder
    x, mask = pad_batch(X)
    with torch.no_grad():
        logits = model.task_(torch.from_numpy(x), torch.from_numpy(mask)).double().numpy()
    log_proba = logits - logits.max(1, keepdims=True)
    log_proba -= np.log(np.exp(log_proba).sum(1, keepdims=True))
    proba, scores = model.predict_proba(X), model.decision_function(X)
    assert proba.dtype == np.float64 and scores.dtype == np.float64
    np.testing.assert_allclose(proba, np.exp(log_proba), rtol=1e-13, atol=0)
    np.testing.assert_allclose(scores, log_proba, rtol=1e-13, atol=1e-13)
    best = model.classes_[proba.argmax(axis=1)]
    assert (model.predict(X) == best).all() and (model.classes_[scores.argmax(axis=1)] == best).all()
