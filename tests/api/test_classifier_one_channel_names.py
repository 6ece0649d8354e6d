"""A model fitted on one named channel (a long CSV's ``x`` column, as the classification notebook's
GunPoint logger files) predicts an array without scikit-learn's "X does not have valid feature names"
warning, nor does a model fitted on an array predict one named channel with "X has feature names":
with one channel there is no order to get wrong, and the warning only alarmed. Two or more named
channels keep it (tests/api/test_classifier_channel_names.py)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ssm_ts import SSMClassifier


def test_one_named_channel_predicts_arrays_without_a_warning(gunpoint_ucr):
    train, test = gunpoint_ucr
    nested = pd.DataFrame({"x": [pd.Series(v[0]) for v in train.values]})
    model = SSMClassifier(method="random_features", n_kernels=100, random_state=0).fit(nested, train.labels)
    assert model.feature_names_in_.tolist() == ["x"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        predicted = model.predict(np.stack(test.values))
        assert model.score(np.stack(test.values), test.labels) >= 0.9
    unnamed = SSMClassifier(method="random_features", n_kernels=100, random_state=0).fit(
        train.values, train.labels
    )
    np.testing.assert_array_equal(predicted, unnamed.predict(test.values))
    with warnings.catch_warnings():  # nor the other way round: unnamed fit, named recordings
        warnings.simplefilter("error")
        np.testing.assert_array_equal(
            unnamed.predict(pd.DataFrame({"x": [pd.Series(v[0]) for v in test.values]})), predicted
        )
