"""A ``class_weight`` dict that weighs every class of ``y`` may name a label ``y`` lacks, as
scikit-learn's ``compute_class_weight`` allows: a cross-validation fold (``GroupKFold`` by subject)
whose training part has no recording of a rare class fits, for both methods. Every such fit failed
("class_weight names the class(es) ['fall'] that are not in the training labels"), and
``cross_val_score`` gave NaN for those folds. A dict that leaves a class of ``y`` out and names a
label ``y`` lacks (a typo) is still an error, which now shows the dict that weighs every class."""

from __future__ import annotations

import ast
import re

import numpy as np
import pytest
from sklearn.model_selection import GroupKFold, cross_val_score

from ssm_ts import SSMClassifier
from ssm_ts.errors import DataError

WEIGHTS = {"fall": 8.0, "walk": 1.0, "sit": 1.0}


def _subjects():
    """Three subjects x (walk, sit) x 2 recordings, and two falls, both of subject 0."""
    rng = np.random.default_rng(0)
    y = np.array(["walk", "sit"] * 6 + ["fall", "fall"])
    groups = np.r_[np.repeat([0, 1, 2], 4), [0, 0]]
    X = rng.normal(size=(len(y), 2, 30)).astype(np.float32)
    X[y == "walk", 0] += 2.0
    X[y == "fall", 1, 10:15] += 6.0
    return X, y, groups


def test_cross_validation_by_subject_with_a_rare_class_fits_every_fold():
    X, y, groups = _subjects()
    clf = SSMClassifier(method="random_features", n_kernels=20, class_weight=WEIGHTS)
    scores = cross_val_score(clf, X, y, groups=groups, cv=GroupKFold(3), error_score="raise")
    assert np.isfinite(scores).all()


def test_a_label_y_lacks_weighs_nothing_when_every_class_has_a_weight():
    X, y, _ = _subjects()
    keep = y != "fall"
    full = SSMClassifier(method="random_features", n_kernels=20, class_weight=WEIGHTS).fit(X[keep], y[keep])
    own = {"walk": 1.0, "sit": 1.0}
    alone = SSMClassifier(method="random_features", n_kernels=20, class_weight=own).fit(X[keep], y[keep])
    assert list(full.classes_) == ["sit", "walk"]
    np.testing.assert_array_equal(full.decision_function(X), alone.decision_function(X))
    encoder = SSMClassifier(
        max_epochs=1, d_model=8, n_layers=1, d_state=8, class_weight={**WEIGHTS, "sit": 3.0}
    )
    encoder.fit(X[keep], y[keep])
    assert encoder.task_.class_weights.tolist() == [3.0, 1.0]  # sit, walk


def test_a_typo_with_a_class_left_out_is_an_error_that_shows_the_full_dict():
    X, y, _ = _subjects()
    clf = SSMClassifier(method="random_features", n_kernels=20, class_weight={"Fall": 8.0})
    with pytest.raises(DataError) as err:
        clf.fit(X, y)
    message = str(err.value)
    assert (
        "names the class(es) ['Fall'] that are not in the training labels ['fall', 'sit', 'walk']" in message
    )
    assert "gives no weight to ['fall', 'sit', 'walk']" in message
    # the typo's weight goes to the class it means (a key of its own would leave fall at 1, silently)
    assert "'Fall' is most likely 'fall'" in message
    suggested = re.search(r"\(class_weight=(\{.*?\})", message).group(1)
    assert suggested == "{'fall': 8.0, 'sit': 1, 'walk': 1}"
    fixed = SSMClassifier(method="random_features", n_kernels=20, class_weight=ast.literal_eval(suggested))
    fixed.fit(X, y)  # the fix runs


def test_a_class_a_fold_lacks_is_not_taken_for_a_typo():
    X, y, _ = _subjects()
    keep = y != "fall"
    clf = SSMClassifier(method="random_features", n_kernels=20, class_weight={"fall": 8.0})
    with pytest.raises(DataError) as err:
        clf.fit(X[keep], y[keep])
    assert "most likely" not in str(err.value)
    assert "class_weight={'sit': 1, 'walk': 1, 'fall': 8.0}" in str(err.value)
