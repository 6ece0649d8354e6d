"""The line SSMClassifier's channel-name error gives (f5ddfb6) runs on the X the user gave: a list of
DataFrames was told ``X.rename(columns={...})`` (a list has no ``rename``: AttributeError), and a
``SeriesSet`` read from a file ``X.rename`` or ``X.drop`` (it has neither). Each line is run here as
the message prints it, and the model then predicts."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from ssm_ts import SSMClassifier
from ssm_ts.errors import DataError
from ssm_ts.pipelines.sensor import read_series

CHANNELS = ["accx", "accy", "gyrx"]
OTHER_NAMES = ["acc_x", "acc_y", "gyrx"]


def frames(X: np.ndarray, names: list[str]) -> list[pd.DataFrame]:
    return [pd.DataFrame(x.T, columns=names) for x in X]


@pytest.fixture(scope="module")
def fitted():
    X = np.random.default_rng(0).normal(size=(6, 3, 30))
    model = SSMClassifier(method="random_features", n_kernels=20, random_state=0)
    return model.fit(frames(X, CHANNELS), ["a", "b"] * 3), X


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
    renamed = run_the_fix(model, frames(X, OTHER_NAMES))
    assert list(model.predict(renamed)) == list(model.predict(frames(X, CHANNELS)))


def test_a_list_of_frames_gets_a_drop_that_runs_on_a_list(fitted):
    model, X = fitted
    dropped = run_the_fix(model, [x.assign(battery=1.0) for x in frames(X, CHANNELS)])
    assert list(model.predict(dropped)) == list(model.predict(frames(X, CHANNELS)))


def test_a_series_set_read_from_a_file_gets_a_rename_that_runs_on_it(fitted, tmp_path):
    model, X = fitted
    rows = [frame.assign(id=i, time=np.arange(30)) for i, frame in enumerate(frames(X, OTHER_NAMES))]
    pd.concat(rows).to_csv(tmp_path / "long.csv", index=False)
    renamed = run_the_fix(model, read_series(tmp_path / "long.csv"))
    assert list(model.predict(renamed)) == list(model.predict(frames(X, CHANNELS)))
