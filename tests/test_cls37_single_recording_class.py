"""A class of one recording cannot be in both parts of a stratified ``val_fraction`` split. The
fit is an error naming every such class and the fix, as scikit-learn's ``train_test_split(...,
stratify=y)`` names "Classes with too few members". Before, only the first was named ("smallest
class 'b': 1 recording"): a user who added recordings of ``b`` met the same error for ``c``."""

from __future__ import annotations

import numpy as np
import pytest

from ssm_ts import SSMClassifier
from ssm_ts.errors import DataError
from ssm_ts.pipelines.sensor import make_series_set, stratified_split

LABELS = ["a"] * 6 + ["b", "c"]


def test_every_class_of_one_recording_is_named_with_the_fix():
    data = make_series_set(np.ones((8, 1, 4)), LABELS)
    with pytest.raises(DataError) as err:
        stratified_split(data, 0.25, seed=0)
    message = str(err.value)
    assert "classes ['b', 'c']: 1 recording each" in message, message
    assert "add recordings of 'b', 'c', leave those classes out, or use val_fraction=0" in message
    assert "train_test_split(stratify=y)" in message


def test_one_such_class_is_named_as_before():
    data = make_series_set(np.ones((5, 1, 4)), ["a"] * 4 + ["b"])
    with pytest.raises(
        DataError, match=r"smallest class 'b': 1 recording\);.*add recordings of 'b', leave that"
    ):
        stratified_split(data, 0.2, seed=0)


def test_the_encoder_fit_names_them_before_training():
    X = np.random.default_rng(0).normal(size=(8, 2, 16))
    model = SSMClassifier(val_fraction=0.25, max_epochs=1, d_model=8, n_layers=1, batch_size=8)
    with pytest.raises(DataError, match=r"classes \['b', 'c'\]: 1 recording each"):
        model.fit(X, np.array(LABELS))
