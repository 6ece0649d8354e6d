"""scikit-learn's splits of a ``SeriesSet`` are ``SeriesSet``s that keep its metadata.

``train_test_split(data, data.labels)`` and the folds of ``GridSearchCV``/``cross_val_score`` were plain
lists of recordings: inside a fold the channel names and the sampling step were lost (only the final
refit on the whole set kept them). ``SeriesSet.shape`` makes scikit-learn index it as an array,
``X[indices, ...]``, which gives the ``SeriesSet`` of those recordings.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV, cross_val_predict, cross_val_score, train_test_split

from ssm_ts import SSMClassifier
from ssm_ts.errors import DataError
from ssm_ts.pipelines.sensor import SeriesSet, make_series_set, read_ts

TINY = {"method": "random_features", "n_kernels": 20}
SEEN: list[tuple[str, SeriesSet]] = []  # (method, X) of every fit and predict of a RecordingSpy


class RecordingSpy(SSMClassifier):
    """An ``SSMClassifier`` that notes the ``X`` each fold gives it (searches here run in one process)."""

    def fit(self, X, y=None, sample_weight=None):
        SEEN.append(("fit", X))
        return super().fit(X, y, sample_weight)

    def predict(self, X, rate: float = 1.0):
        SEEN.append(("predict", X))
        return super().predict(X, rate)


def named(data: SeriesSet) -> SeriesSet:
    """``data`` with channel names and a sampling step (a ``.ts`` file has neither)."""
    names = [f"sensor_{c}" for c in range(data.n_channels)]
    return make_series_set(
        data.values, data.labels, source=data.source, ids=data.ids, sampling_step=0.1, channel_names=names
    )


@pytest.fixture(scope="module")
def motions(shared_data) -> SeriesSet:
    return named(read_ts(shared_data / "classification/BasicMotions/BasicMotions_TRAIN.ts"))


@pytest.fixture(scope="module")
def vowels(shared_data) -> SeriesSet:
    vowels = read_ts(shared_data / "classification/JapaneseVowels/JapaneseVowels_TRAIN.ts")
    return named(vowels[::3])  # every third recording, each class kept


def check_folds(data: SeriesSet, n_splits: int) -> None:
    """Every X the spy saw was a SeriesSet with ``data``'s channel names and step, its labels those
    of its recordings; the fits of the folds hold fewer recordings than ``data``."""
    assert len(SEEN) == 2 * n_splits
    labels = dict(zip(data.ids, data.labels, strict=True))
    for method, X in SEEN:
        assert isinstance(X, SeriesSet), (method, type(X))
        assert X.channel_names == data.channel_names and X.sampling_step == data.sampling_step
        assert X.labels.tolist() == [labels[i] for i in X.ids]
        assert len(X) < len(data)


@pytest.mark.parametrize("name", ["motions", "vowels"])
def test_the_folds_of_cross_val_score_are_series_sets(name, request):
    data = request.getfixturevalue(name)
    SEEN.clear()
    scores = cross_val_score(RecordingSpy(**TINY), data, data.labels, cv=3)
    check_folds(data, 3)
    # the scores of the folds as lists of recordings, as scikit-learn gave them before
    as_lists = cross_val_score(SSMClassifier(**TINY), data.values, data.labels, cv=3)
    assert scores.tolist() == as_lists.tolist()


def test_the_folds_of_a_grid_search_are_series_sets_and_its_refit_the_whole_set(motions):
    SEEN.clear()
    search = GridSearchCV(RecordingSpy(**TINY), {"n_kernels": [20]}, cv=2).fit(motions, motions.labels)
    assert SEEN[-1][1] is motions  # the refit
    del SEEN[-1]
    check_folds(motions, 2)
    assert list(search.best_estimator_.feature_names_in_) == motions.channel_names


def test_train_test_split_of_unequal_lengths_gives_series_sets(vowels):
    train, test, y_train, y_test = train_test_split(
        vowels, vowels.labels, test_size=0.25, stratify=vowels.labels, random_state=0
    )
    for part, y in ((train, y_train), (test, y_test)):
        assert isinstance(part, SeriesSet) and part.channel_names == vowels.channel_names
        assert part.sampling_step == 0.1 and part.labels.tolist() == y.tolist()
    assert sorted(train.ids + test.ids) == sorted(vowels.ids)


def test_a_series_set_indexes_as_an_array_and_stays_a_sequence(motions, vowels):
    assert motions.shape == (40, 6, 100) and vowels.shape == (90, 12, None)
    assert np.asarray(motions).shape == (40, 6, 100)  # still the stacked recordings
    assert len(motions) == 40 and motions[3] is motions.values[3] and motions[3, ...] is motions.values[3]
    picked = motions[np.array([0, 12]), ...]
    assert isinstance(picked, SeriesSet) and picked.ids == ["case 0", "case 12"]
    assert picked.shape == (2, 6, 100)
    again = pickle.loads(pickle.dumps(picked))
    assert again.ids == picked.ids and again.channel_names == motions.channel_names
    assert motions[np.array([], dtype=int)].shape == (0, 0, None)


def test_score_takes_the_labels_of_a_series_set_as_fit_does(motions):
    """``score(data)`` was a DataError asking for ``data.labels`` while ``fit(data)`` took them."""
    train, test = train_test_split(motions, test_size=0.5, stratify=motions.labels, random_state=0)
    # parts split without y keep their labels, and fit and score take them
    model = SSMClassifier(**TINY).fit(train)
    assert model.score(test) == model.score(test, test.labels) > 0.5
    with pytest.raises(DataError, match=r"the recordings have no labels; pass them as score\(X, y\)"):
        model.score(make_series_set(motions.values[:2]))
    with pytest.raises(
        DataError, match=r"needs the true labels y of X, one per recording: model.score\(X, y\)"
    ):
        model.score(np.stack(motions.values[:2]))


def test_a_search_without_y_is_an_error_naming_the_labels_not_nan(motions):
    """Given no ``y``, scikit-learn splits in file order (``KFold``, not stratified): in this file, sorted by
    class, each test fold of ``cv=2`` held two classes its fit never saw. The search gave NaN scores and a
    warning; taking the set's labels in ``score`` would have scored those folds 0.0. Now each fold's
    ``fit`` refuses, so the search raises, naming the fix (given ``y``, the search above scores each fold)."""
    grid = {"n_kernels": [10, 20]}
    with pytest.raises(ValueError, match=r"fits failed(.|\n)*search\.fit\(data, data\.labels\)"):
        GridSearchCV(SSMClassifier(**TINY), grid, cv=2).fit(motions)
    with pytest.raises(ValueError, match=r"cross_val_score\(model, data, data\.labels\)"):
        cross_val_score(SSMClassifier(**TINY), motions, cv=2)
    with pytest.raises(DataError, match=r"not stratified by class"):
        cross_val_predict(SSMClassifier(**TINY), motions, cv=2)


def test_a_series_set_prints_a_summary_not_its_samples(motions, vowels):
    """Its repr was the dataclass's, every sample of every recording (thousands of lines in a notebook)."""
    assert repr(motions) == (
        "SeriesSet(40 recordings of 6 channels, length 100, 4 classes, channel_names=['sensor_0', 'sensor_1', "
        f"'sensor_2', 'sensor_3', 'sensor_4', 'sensor_5'], sampling_step=0.1, source={motions.source!r})"
    )
    assert repr(vowels).startswith("SeriesSet(90 recordings of 12 channels, lengths 10-23, 9 classes")
    assert "channel_names=['sensor_0', " in repr(vowels) and "'sensor_7', ...]" in repr(vowels)
    unlabelled = make_series_set(np.zeros((2, 1, 5)))
    assert repr(unlabelled) == "SeriesSet(2 recordings of 1 channel, length 5, unlabelled, source='array')"
    assert repr(unlabelled[np.array([], dtype=int)]) == "SeriesSet(0 recordings, source='array')"
