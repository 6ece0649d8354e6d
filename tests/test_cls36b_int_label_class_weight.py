"""For integer labels the ``class_weight`` an error suggests is keyed by the labels themselves
(``{0: 1, 1: 4.0, 2: 1}``), as scikit-learn estimators take it: it was keyed by their text
(``{'0': 1, ...}``), which ``SSMClassifier`` reads but ``LogisticRegression`` refuses, and which is
not what the user's labels are. Text labels keep their quotes."""

from __future__ import annotations

import ast
import re

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from ssm_ts import SSMClassifier
from ssm_ts.errors import ConfigError, DataError


def _recordings():
    """Twelve recordings (2 channels x 20 steps) of the integer classes 0, 1, 2 (np.int64)."""
    rng = np.random.default_rng(0)
    y = np.array([0, 1, 2] * 4, dtype=np.int64)
    X = rng.normal(size=(len(y), 2, 20)).astype(np.float32)
    X[y == 1, 0] += 2.0
    return X, y


def _clf(class_weight) -> SSMClassifier:
    return SSMClassifier(method="random_features", n_kernels=20, class_weight=class_weight)


def test_the_suggested_dict_for_integer_labels_is_keyed_by_the_labels_and_runs_as_pasted():
    X, y = _recordings()
    with pytest.raises(DataError) as err:
        _clf({0: 1.0, 1: 4.0, 5: 2.0}).fit(X, y)  # 2 left out, 5 no label: a typo or a fold's class
    message = str(err.value)
    assert "that are not in the training labels [0, 1, 2], and gives no weight to [2]" in message
    suggested = re.search(r"\(class_weight=(\{.*?\})", message).group(1)
    assert suggested == "{0: 1.0, 1: 4.0, 2: 1, 5: 2.0}"
    pasted = ast.literal_eval(suggested)
    # it weighs as the dict without the label y lacks: 0 and 2 at 1, 1 at 4
    fixed = _clf(pasted).fit(X, y)
    plain = _clf({0: 1.0, 1: 4.0, 2: 1.0}).fit(X, y)
    np.testing.assert_array_equal(fixed.decision_function(X), plain.decision_function(X))
    assert not np.array_equal(fixed.decision_function(X), _clf(None).fit(X, y).decision_function(X))
    # and a scikit-learn estimator takes it too (it refuses text keys for integer labels)
    LogisticRegression(class_weight=pasted).fit(X.reshape(len(y), -1), y)
    with pytest.raises(ValueError):
        LogisticRegression(class_weight={str(k): v for k, v in pasted.items()}).fit(X.reshape(len(y), -1), y)


def test_a_list_of_weights_for_integer_labels_is_shown_as_the_dict_keyed_by_the_labels():
    X, y = _recordings()
    with pytest.raises(ConfigError, match=re.escape("e.g. {0: 1, 1: 4, 2: 1}")):
        _clf([1, 4, 1]).fit(X, y)


def test_text_labels_are_still_shown_quoted():
    X, y = _recordings()
    names = np.array(["walk", "run", "sit"])[y]
    with pytest.raises(DataError) as err:
        _clf({"walk": 2.0, "jog": 3.0}).fit(X, names)
    assert "class_weight={'run': 1, 'sit': 1, 'walk': 2.0, 'jog': 3.0}" in str(err.value)
