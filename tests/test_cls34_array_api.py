"""A ``SeriesSet`` under ``sklearn.set_config(array_api_dispatch=True)``: scikit-learn asks ``X`` for its
array namespace before it splits it; a ``SeriesSet`` had none ("TypeError: SeriesSet is not a supported
array type", raised in ``cross_val_score`` before ``fit`` ran)."""

from __future__ import annotations

import numpy as np
import pytest
import sklearn
import sklearn.utils._array_api as array_api
from sklearn.model_selection import cross_val_score, train_test_split

from ssm_ts import SSMClassifier
from ssm_ts.pipelines.sensor import SeriesSet


@pytest.fixture
def array_api_dispatch(monkeypatch):
    """``array_api_dispatch=True`` in this process: scikit-learn refuses it unless scipy was imported
    with ``SCIPY_ARRAY_API=1``, a guard for scipy's own functions, which these NumPy folds do not use."""
    monkeypatch.setattr(array_api, "_check_array_api_dispatch", lambda dispatch: None)
    with sklearn.config_context(array_api_dispatch=True):
        yield


def test_cross_val_score_splits_a_series_set(gunpoint_ucr, array_api_dispatch):
    train, _ = gunpoint_ucr
    data = train.subset(range(20))
    scores = cross_val_score(SSMClassifier(method="random_features", n_kernels=20), data, data.labels, cv=2)
    assert scores.shape == (2,) and np.all((scores >= 0) & (scores <= 1))


def test_train_test_split_keeps_series_sets(gunpoint_ucr, array_api_dispatch):
    train, _ = gunpoint_ucr
    part, rest = train_test_split(train, test_size=0.2, stratify=train.labels, random_state=0)
    assert isinstance(part, SeriesSet) and isinstance(rest, SeriesSet)
    assert (len(part), len(rest)) == (40, 10)
    assert sorted(part.ids + rest.ids) == sorted(train.ids)
    picked = np.take(train, [3, 1], axis=0)  # how scikit-learn takes a fold under array API dispatch
    assert picked.ids == [train.ids[3], train.ids[1]]
    with pytest.raises(IndexError, match="axis=0"):
        train.take([0], axis=1)
