"""``score``'s check of the labels' kind against the fit's (ssm_ts.api.classifier_score_labels): a fit on
bools scored against the text ``"True"``/``"False"`` gave the line ``np.asarray(y).astype('bool')``,
which reads every non-empty text, ``"False"`` too, as True (followed, it scored every recording as True);
labels that are neither text nor numbers (``None`` among numbers, bytes) crashed the check itself with a
TypeError from sorting or comparing them, where scikit-learn's own check should answer."""

from __future__ import annotations

import numpy as np
import pytest

from ssm_ts import SSMClassifier
from ssm_ts.errors import DataError


@pytest.fixture(scope="module")
def gunpoint(gunpoint_ucr):
    train, test = gunpoint_ucr
    return train, test.subset(np.arange(30))


def fitted(train, labels) -> SSMClassifier:
    model = SSMClassifier(method="random_features", n_kernels=40, random_state=0)
    return model.fit(np.asarray(train.values), labels)


def test_text_true_false_against_bool_classes_gives_a_comparison_that_works(gunpoint):
    train, test = gunpoint
    model = fitted(train, train.labels == "2")
    y = np.where(test.labels == "2", "True", "False")
    with pytest.raises(DataError, match=r"fitted on number labels \(classes_ \[False, True\]\)") as err:
        model.score(test.values, y)
    assert "model.score(X, np.asarray(y) == 'True')" in str(err.value)
    assert "astype('bool')" not in str(err.value)
    assert model.score(test.values, np.asarray(y) == "True") == model.score(test.values, test.labels == "2")


@pytest.mark.parametrize(
    "labels",
    [
        pytest.param(lambda test: [1] * (len(test) - 1) + [None], id="None among numbers"),
        pytest.param(lambda test: np.asarray(test.labels).astype(bytes), id="bytes"),
    ],
)
def test_labels_neither_text_nor_numbers_are_left_to_scikit_learn(gunpoint, labels):
    train, test = gunpoint
    model = fitted(train, train.labels)
    with pytest.raises((TypeError, ValueError)) as err:  # scikit-learn's refusal
        model.score(test.values, labels(test))
    assert "not supported between instances" not in str(err.value)  # the check's sort or comparison
    assert "sklearn" in err.traceback[-1].path.parts  # raised inside scikit-learn
