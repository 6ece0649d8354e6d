"""Recordings whose channel names are not the fitted ones: ``SSMClassifier``'s error named both sets and
ended "...their order does not matter); pass recordings with the fitted channels.", which says again what
is wrong. It now gives the line to run: the rename of channels written another way (``acc_x`` for
``accx``), the drop of extra ones, or the channels the model needs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ssm_ts import SSMClassifier
from ssm_ts.errors import DataError

CHANNELS = ["accx", "accy", "gyrx"]


def frames(X: np.ndarray, names: list[str]) -> list[pd.DataFrame]:
    return [pd.DataFrame(x.T, columns=names) for x in X]


@pytest.fixture(scope="module")
def fitted():
    X = np.random.default_rng(0).normal(size=(6, 3, 30))
    model = SSMClassifier(max_epochs=1, d_model=4, d_state=4, n_layers=1, val_fraction=0, random_state=0)
    return model.fit(frames(X, CHANNELS), ["a", "b"] * 3), X


def test_channels_under_other_names_get_the_rename(fitted):
    model, X = fitted
    with pytest.raises(DataError, match=r"no channel.*rename them: \[x\.rename") as err:
        model.predict(frames(X, ["acc_x", "acc_y", "gyrx"]))
    assert "[x.rename(columns={'acc_x': 'accx', 'acc_y': 'accy'}) for x in X]" in str(err.value)
    renamed = [
        x.rename(columns={"acc_x": "accx", "acc_y": "accy"}) for x in frames(X, ["acc_x", "acc_y", "gyrx"])
    ]
    assert list(model.predict(renamed)) == list(model.predict(frames(X, CHANNELS)))  # the line it gives works


def test_an_extra_channel_gets_the_drop(fitted):
    model, X = fitted
    extra = [x.assign(battery=1.0) for x in frames(X, CHANNELS)]
    with pytest.raises(
        DataError, match=r"leave the others out: \[x\.drop\(columns=\[.battery.\]\) for x in X\]"
    ):
        model.predict(extra)


def test_a_missing_channel_is_named_as_needed(fitted):
    model, X = fitted
    with pytest.raises(DataError, match=r"the model needs \['gyrx'\]: give recordings that have them\.$"):
        model.predict(frames(X[:, :2], ["accx", "accy"]))
