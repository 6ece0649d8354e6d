"""``SSMClassifier.predict`` of a ``SeriesSet`` whose recordings are ``(length, channels)``: the
channel-count error told it ``X.transpose(0, 2, 1)``, which a ``SeriesSet`` does not have. Its line
now runs on the ``SeriesSet`` given (and one read from a ``.npy`` file may be saved again transposed)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from ssm_ts import SSMClassifier
from ssm_ts.errors import DataError
from ssm_ts.pipelines.sensor import make_series_set, read_numpy


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(8, 3, 20))  # (n, channels, length)
    y = np.array(["a", "b"] * 4)
    return SSMClassifier(method="random_features", n_kernels=20, random_state=0).fit(X, y), X


def _suggested_line(message: str) -> str:
    return re.search(r"pass X with its recordings transposed: (.*?)(?: \(or |\.$)", message).group(1)


def test_a_transposed_series_sets_line_runs_and_predicts(fitted):
    model, X = fitted
    X = make_series_set(X.transpose(0, 2, 1), source="walks")  # 8 recordings of 20 "channels", 3 steps
    with pytest.raises(DataError, match="they look transposed") as err:
        model.predict(X)
    message = str(err.value)
    assert "X.transpose" not in message
    scope = {"X": X}
    exec(_suggested_line(message), scope)  # the line the user is told runs
    assert np.array_equal(model.predict(scope["X"]), model.predict(fitted[1]))
    assert scope["X"].source == "walks"


def test_a_series_set_read_from_a_npy_file_may_be_saved_again(fitted, tmp_path):
    model, X = fitted
    path = tmp_path / "walks.npy"
    np.save(path, X.transpose(0, 2, 1))
    with pytest.raises(DataError) as err:
        model.predict(read_numpy(path))
    message = str(err.value)
    assert f"np.save({str(path)!r}, X.transpose(0, 2, 1)), then read it again" in message
    exec(re.search(r"save the file transposed: (.*?), then read", message).group(1), {"np": np})
    assert np.array_equal(model.predict(read_numpy(path)), model.predict(X))
