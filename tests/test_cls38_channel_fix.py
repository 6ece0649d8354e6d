"""Recordings whose channel names are not the fitted ones: ``SSMClassifier``'s error named both sets and
ended "...their order does not matter); pass recordings with the fitted channels.", which says again what
is wrong. It now gives the line to run: the rename of channels written another way (``acc_x`` for
``accx``), the drop of extra ones, or the channels the model needs."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from ssm_ts import SSMClassifier
from ssm_ts.errors import DataError
from ssm_ts.pipelines.sensor import read_series

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


# each line run as the message prints it: a list was told X.rename(...), a SeriesSet X.rename or X.drop (rev38d)
def run_the_fix(model: SSMClassifier, X):
    """The line after 'rename them: ' or 'leave the others out: ' in the error for ``X``, run on ``X``;
    returns ``X`` afterwards (an expression's value, or ``X`` as a statement left it)."""
    with pytest.raises(DataError) as err:
        model.predict(X)
    line = re.search(r"(?:rename them|leave the others out): (.*)\.$", str(err.value)).group(1)
    scope = {"X": X}
    try:
        return eval(line, scope)  # an expression: X.rename(...), [x.rename(...) for x in X]
    except SyntaxError:
        exec(line, scope)  # a statement: X.channel_names = [...]
        return scope["X"]


def test_a_list_of_frames_gets_a_rename_that_runs_on_a_list(fitted):
    model, X = fitted
    renamed = run_the_fix(model, frames(X, ["acc_x", "acc_y", "gyrx"]))
    assert list(model.predict(renamed)) == list(model.predict(frames(X, CHANNELS)))


def test_a_list_of_frames_gets_a_drop_that_runs_on_a_list(fitted):
    model, X = fitted
    dropped = run_the_fix(model, [x.assign(battery=1.0) for x in frames(X, CHANNELS)])
    assert list(model.predict(dropped)) == list(model.predict(frames(X, CHANNELS)))


def test_a_series_set_read_from_a_file_gets_a_rename_that_runs_on_it(fitted, tmp_path):
    model, X = fitted
    rows = [
        frame.assign(id=i, time=np.arange(30))
        for i, frame in enumerate(frames(X, ["acc_x", "acc_y", "gyrx"]))
    ]
    pd.concat(rows).to_csv(tmp_path / "long.csv", index=False)
    renamed = run_the_fix(model, read_series(tmp_path / "long.csv"))
    assert list(model.predict(renamed)) == list(model.predict(frames(X, CHANNELS)))
