"""``SSMClassifier.predict_log_proba`` is computed in log space (the log-softmax of the encoder's logits
or of the ridge class scores): finite where ``predict_proba`` underflows to 0, and equal to
``log(predict_proba)`` wherever that is finite."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ssm_ts import SSMClassifier


def _recordings(n_classes: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    y = np.arange(12) % n_classes
    X = rng.normal(size=(12, 2, 40)).astype(np.float32)
    X[:, 0] += y[:, None]  # the class shifts channel 0
    return X, y


def _check_log_space(clf: SSMClassifier, X: np.ndarray) -> np.ndarray:
    log_proba = clf.predict_log_proba(X)
    proba = clf.predict_proba(X)
    assert log_proba.dtype == np.float64 and log_proba.shape == proba.shape
    assert np.isfinite(log_proba).all()
    assert (proba == 0).any()  # the case: probabilities that underflow
    finite = proba > 0
    np.testing.assert_allclose(log_proba[finite], np.log(proba[finite]), rtol=0, atol=0)
    np.testing.assert_allclose(np.logaddexp.reduce(log_proba, axis=1), 0, atol=1e-12)
    assert (clf.classes_[log_proba.argmax(axis=1)] == clf.predict(X)).all()
    return log_proba


def test_random_features_log_proba_is_finite_for_a_recording_far_outside_training():
    """A recording in other units (1e6 times the training range, milli-g read as g) gives ridge scores
    about 1e5 apart: predict_proba is exactly 0 and 1, and its log was -inf."""
    X, y = _recordings()
    clf = SSMClassifier(method="random_features", n_kernels=50).fit(X, y)
    log_proba = _check_log_space(clf, X[:3] * 1e6)
    assert log_proba.min() < -1000  # the log-softmax itself, not a clipped log


@pytest.mark.parametrize("n_classes", [2, 3])
def test_encoder_log_proba_and_decision_function_are_exact_for_confident_logits(n_classes):
    """An encoder whose logits are thousands apart: the log-softmax is finite, and decision_function
    (the log-probabilities; for two classes their difference) is no longer clipped at log(tiny) ~ -708."""
    X, y = _recordings(n_classes)
    clf = SSMClassifier(max_epochs=1, d_model=8, n_layers=1, d_state=8, batch_size=12).fit(X, y)
    head = clf.task_.net.head
    with torch.no_grad():  # a very confident model: logits 0, -2000, (+2000) for every recording
        head.weight.zero_()
        head.bias.copy_(torch.tensor([0.0, -2000.0, 2000.0][:n_classes]))
    log_proba = _check_log_space(clf, X[:2])
    expected = np.array([0.0, -2000.0, 2000.0][:n_classes])
    expected = expected - np.logaddexp.reduce(expected)
    np.testing.assert_allclose(log_proba, np.tile(expected, (2, 1)), atol=1e-9)
    decision = clf.decision_function(X[:2])
    if n_classes == 2:
        np.testing.assert_allclose(decision, [-2000.0, -2000.0], atol=1e-9)
    else:
        np.testing.assert_allclose(decision, log_proba, atol=1e-12)
