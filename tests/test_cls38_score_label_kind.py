"""``score`` with labels of another kind than the fit's: a model fitted on a ``.ts`` file's labels (text,
``"1"`` and ``"2"``) scored against integer labels (a UCR TSV read with pandas), or the reverse. It
predicted every recording and then failed inside scikit-learn with "Mix of label input types (string and
number)", which names neither the model's classes nor the conversion. It now says both, before predicting."""

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


def test_numbers_against_text_classes_name_astype_str(gunpoint):
    train, test = gunpoint
    model = fitted(train, train.labels)  # "1", "2"
    y = test.labels.astype(int)
    with pytest.raises(
        DataError, match=r"y holds number labels \[1, 2\] but the classifier was fitted on text"
    ) as err:
        model.score(test.values, y)
    assert "model.score(X, np.asarray(y).astype(str))" in str(err.value)
    assert model.score(test.values, np.asarray(y).astype(str)) == model.score(test)  # the line it gives works


def test_a_series_set_against_number_classes_names_its_labels(gunpoint):
    train, test = gunpoint
    model = fitted(train, train.labels.astype(int))
    with pytest.raises(DataError, match=r"X \(a SeriesSet\) holds text labels \['1', '2'\]") as err:
        model.score(test)
    line = "model.score(X, np.asarray(X.labels).astype('int64'))"
    assert line in str(err.value)
    assert model.score(test.values, np.asarray(test.labels).astype("int64")) > 0.5


def test_class_codes_against_names_name_classes_indexing(gunpoint):
    train, test = gunpoint
    names = np.where(train.labels == "1", "gun", "point")
    model = fitted(train, names)
    with pytest.raises(DataError, match=r"model\.classes_\[np\.asarray\(y, dtype=int\)\]"):
        model.score(test.values, (test.labels == "2").astype(int))


def test_labels_of_the_fits_kind_score_as_before(gunpoint):
    train, test = gunpoint
    model = fitted(train, train.labels.astype(int))
    assert model.score(test.values, test.labels.astype(float)) == model.score(
        test.values, test.labels.astype(int)
    )


# a fit on bools against 'True'/'False' was told astype('bool'), which reads 'False' as True; labels
# neither text nor numbers (None among numbers, bytes) crashed the check with a TypeError (rev38d)
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
