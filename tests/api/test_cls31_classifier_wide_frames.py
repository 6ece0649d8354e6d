"""A wide DataFrame ``X`` (a row per recording, a column per time step) that keeps the table's other
columns: a text id is named with the fix (it was "recording 0: values are not numeric ('r0')"), and a
column holding the labels y warns (read as a time step it handed the model the answer: GunPoint
scored 1.0 on its own training rows whatever the series held)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from ssm_ts import SSMClassifier
from ssm_ts.errors import DataError


@pytest.fixture(scope="module")
def table(gunpoint_ucr):
    """GunPoint TRAIN's first 20 recordings as a DataFrame of 150 step columns, and their labels."""
    train = gunpoint_ucr[0].subset(range(20))
    return pd.DataFrame(np.stack(train.values)[:, 0]), train.labels


def small():
    return SSMClassifier(method="random_features", n_kernels=8)


def test_a_text_id_column_is_named(table):
    X, y = table
    with pytest.raises(DataError) as caught:
        small().fit(X.assign(id=[f"r{i}" for i in range(len(X))]), y)
    assert str(caught.value) == (
        "X (DataFrame): column 'id' holds 'r0' (row 0), not a number; every column of a DataFrame X is read as "
        "a time step (a row per recording): drop the columns that are not, X.drop(columns=['id'])."
    )


@pytest.mark.parametrize("kind", [str, int])
def test_a_column_of_the_labels_warns(table, kind):
    X, y = table
    labelled = X.assign(label=y.astype(kind))
    with pytest.warns(UserWarning, match=r"column\(s\) \['label'\] hold the labels y") as caught:
        small().fit(labelled, y)
    assert caught[0].filename == __file__  # the line that called fit
    assert "Drop them: fit(X.drop(columns=['label']), y)." in str(caught[0].message)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        small().fit(labelled.drop(columns=["label"]), y)  # the fix, as written: no warning
