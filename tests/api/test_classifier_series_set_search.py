"""A ``SeriesSet`` as a reader returns it goes straight into scikit-learn's model selection.

``GridSearchCV(clf, grid).fit(data, data.labels)`` failed inside scikit-learn ("Input should have at
least 1 dimension ... got scalar array(SeriesSet(...))"): it could not index the set. Now it indexes
it as a sequence of recordings, equal lengths or not.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV, cross_val_score

from ssm_ts import SSMClassifier
from ssm_ts.errors import DataError
from ssm_ts.pipelines.sensor import SeriesSet, read_ts

TINY = {"method": "random_features", "n_kernels": 20}


@pytest.fixture(scope="module")
def basicmotions(shared_data) -> tuple[SeriesSet, SeriesSet]:
    folder = shared_data / "classification/BasicMotions"
    return read_ts(folder / "BasicMotions_TRAIN.ts"), read_ts(folder / "BasicMotions_TEST.ts")


def test_grid_search_takes_the_series_set_a_reader_returns(basicmotions):
    train, test = basicmotions
    search = GridSearchCV(SSMClassifier(**TINY), {"n_kernels": [10, 20]}, cv=2).fit(train, train.labels)
    assert search.score(test, test.labels) > 0.5
    # the same folds as the stacked array (n, channels, length): the same scores
    stacked = cross_val_score(SSMClassifier(**TINY), np.stack(train.values), train.labels, cv=2)
    found = [search.cv_results_[f"split{i}_test_score"][1] for i in range(2)]  # n_kernels=20
    assert found == stacked.tolist()


def test_cross_val_score_takes_recordings_of_unequal_length(shared_data):
    vowels = read_ts(shared_data / "classification/JapaneseVowels/JapaneseVowels_TRAIN.ts")
    assert len(set(vowels.lengths.tolist())) > 1
    vowels = vowels[::3]  # every third recording, each class kept
    scores = cross_val_score(SSMClassifier(**TINY), vowels, vowels.labels, cv=2)
    assert scores.shape == (2,) and scores.min() > 0.3


def test_indexing_a_series_set(basicmotions):
    train, _ = basicmotions
    assert train[3] is train.values[3] and train[-1] is train.values[-1]
    picked = train[np.array([0, 12, 39])]
    assert isinstance(picked, SeriesSet) and picked.ids == ["case 0", "case 12", "case 39"]
    assert picked.labels.tolist() == [train.labels[0], train.labels[12], train.labels[39]]
    assert train[1:3].ids == ["case 1", "case 2"]
    mask = train.labels == train.labels[0]
    assert train[mask].labels.tolist() == train.labels[mask].tolist()
    with pytest.raises(IndexError, match="boolean mask of shape"):
        train[mask[:5]]
    with pytest.raises(IndexError):
        train[40]


def test_a_search_without_y_says_to_pass_the_labels(basicmotions):
    train, _ = basicmotions
    search = GridSearchCV(SSMClassifier(**TINY), {"n_kernels": [10]}, cv=2, error_score="raise")
    with pytest.raises(DataError, match=r"search.fit\(data, data.labels\)"):
        search.fit(train)
