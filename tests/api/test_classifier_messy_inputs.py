"""``SSMClassifier`` on messy arrays: labels missing as NaN named by recording (scikit-learn's message
named none, and ended in '..'), and recordings of another channel count told the shape to give."""

from __future__ import annotations

import numpy as np
import pytest

from ssm_ts.api.classifier import SSMClassifier
from ssm_ts.errors import DataError

RNG = np.random.default_rng(0)
X = RNG.normal(size=(12, 3, 20))
Y = np.array([0, 1] * 6)


def small() -> SSMClassifier:
    return SSMClassifier(method="random_features", n_kernels=20)


def test_nan_labels_name_the_recordings_and_how_to_drop_them():
    y = np.array([0.0, 1.0, np.nan] * 4)
    with pytest.raises(
        DataError, match=r"y: recordings \[2, 5, 8, 11\] have no label \(NaN\); label them or remove them"
    ):
        small().fit(X, y)


@pytest.mark.parametrize("shape", [(4, 4, 20), (4, 20)])
def test_another_channel_count_names_the_shape_to_give(shape):
    """'X has 4 channels but the classifier was fitted on 3.' said what was wrong, not what to give."""
    model = small().fit(X, Y)
    with pytest.raises(DataError, match=r"fitted on 3\. Give X \(n, 3, length\): the fitted channels"):
        model.predict(RNG.normal(size=shape))
