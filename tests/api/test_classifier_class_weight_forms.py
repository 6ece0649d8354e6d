"""``class_weight`` given as an array or list of weights (scikit-learn takes a dict or
``"balanced"``, and so does ssm-ts): a :class:`ConfigError` naming the accepted forms and the dict the
weights may mean by the classes' order. An array was compared with ``"balanced"`` first and raised
NumPy's "The truth value of an array with more than one element is ambiguous"."""

from __future__ import annotations

import numpy as np
import pytest

from ssm_ts import SSMClassifier
from ssm_ts.errors import ConfigError
from ssm_ts.tasks.classification import ClassificationTask

FORMS = r"class_weight must be None, 'balanced' or a \{label: weight\} dict, got "


@pytest.mark.parametrize("method", ["random_features", "encoder"])
@pytest.mark.parametrize("weights", [np.array([1.0, 2.0]), [1.0, 2.0], (1, 2)])
def test_weights_without_labels_are_a_config_error_naming_the_forms(gunpoint_ucr, method, weights):
    train, _ = gunpoint_ucr  # labels "1" and "2"
    model = SSMClassifier(method=method, class_weight=weights, max_epochs=1)
    with pytest.raises(ConfigError, match=FORMS) as err:
        model.fit(np.stack(train.values), train.labels)
    message = str(err.value)
    assert "a list or array has no labels" in message, message
    assert "e.g. {'1': 1" in message and "'2': 2" in message, message  # the dict by class order
    assert not hasattr(model, "classes_")  # refused before anything was fitted


def test_the_task_refuses_them_before_keeping_them_as_hyperparameters():
    with pytest.raises(ConfigError, match=FORMS + r"array\(\[1\., 2\.\]\); a list or array has no labels"):
        ClassificationTask(class_weight=np.array([1.0, 2.0]))
    # with its classes known, the dict it may mean
    with pytest.raises(ConfigError, match=r"e.g. \{'a': 1.0, 'b': 2.0\}"):
        ClassificationTask(class_weight=[1.0, 2.0], n_channels=1, classes=["a", "b"])
    with pytest.raises(ConfigError, match=FORMS + "'Balanced'$"):  # no hint for a misspelt name
        ClassificationTask(class_weight="Balanced")
    for accepted in (None, "balanced", {"a": 2.0}):
        assert ClassificationTask(class_weight=accepted).hparams.class_weight == accepted
