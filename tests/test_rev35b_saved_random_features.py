"""A random-features ``SSMClassifier`` pickled before the kernels kept their training length (a
``RandomSSMKernels`` without ``length`` in its state) still loads and predicts: each recording is then
padded to its own length, so its scores are, to the bit, those it gets alone, in any batch of
recordings of unequal length (padded to the batch's longest, they moved by float32 rounding)."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from ssm_ts import SSMClassifier

pytestmark = pytest.mark.usefixtures("single_thread")


def _recordings(rng: np.random.Generator, n: int, low: int, high: int) -> list[np.ndarray]:
    return [rng.standard_normal((2, int(length))).astype(np.float32) for length in rng.integers(low, high, n)]


def test_a_model_pickled_before_the_training_length_predicts_each_recording_as_alone():
    rng = np.random.default_rng(0)
    X, y = _recordings(rng, 24, 30, 90), np.arange(24) % 3
    for x, label in zip(X, y, strict=True):
        x[0] += label
    model = SSMClassifier(method="random_features", n_kernels=30, random_state=0).fit(X, y)
    vars(model.features_.kernels_).pop("length", None)  # as pickled before the field existed
    loaded = pickle.loads(pickle.dumps(model))
    # the field's default (None): each recording padded to its own length
    assert getattr(loaded.features_.kernels_, "length", None) is None
    test = _recordings(rng, 12, 10, 140)  # shorter and longer than the training recordings
    batch = loaded.decision_function(test)
    alone = np.stack([loaded.decision_function([x])[0] for x in test])
    assert np.array_equal(batch, alone)
    assert np.array_equal(loaded.predict(test), loaded.classes_[batch.argmax(axis=1)])
