"""Labels of mixed kinds (numbers and text in one ``y``, as an object column read from a spreadsheet)
get a DataError naming the kinds and the fix, not numpy's TypeError from sorting them; a
missing label (None, pd.NA, NaN) among text labels is named as missing, by recording."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ssm_ts import SSMClassifier
from ssm_ts.errors import DataError


def test_numbers_and_text_in_one_y_name_the_mix(gunpoint_ucr):
    train, _ = gunpoint_ucr
    # GunPoint's labels "1"/"2" with the first class typed as the integer 1 in some rows
    y = np.array(
        [1 if (label == "1" and i % 2) else label for i, label in enumerate(train.labels)], dtype=object
    )
    with pytest.raises(DataError, match=r"y mixes labels of different kinds \(int, str\)") as err:
        SSMClassifier(method="random_features", n_kernels=100).fit(train.values, y)
    assert "y.astype(str)" in str(err.value)


@pytest.mark.parametrize("missing", [None, pd.NA, np.nan])
def test_a_missing_label_among_text_is_named_as_missing(gunpoint_ucr, missing):
    train, _ = gunpoint_ucr
    y = train.labels.astype(object)
    y[[3, 17]] = missing
    with pytest.raises(DataError, match=r"y: recordings \[3, 17\] have no label"):
        SSMClassifier(method="random_features", n_kernels=100).fit(train.values, y)


def test_labels_of_one_kind_keep_their_type(gunpoint_ucr):
    train, test = gunpoint_ucr
    for y in (train.labels.astype(int), train.labels == "1", train.labels.astype(object)):
        model = SSMClassifier(method="random_features", n_kernels=100, random_state=0).fit(train.values, y)
        predicted = model.predict(test.values[:5])
        assert predicted.dtype == np.asarray(y).dtype and set(predicted) <= set(y)
        proba = model.predict_proba(test.values[:5])
        np.testing.assert_array_equal(model.classes_[proba.argmax(axis=1)], predicted)
