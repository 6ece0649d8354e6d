"""A classifier request with another channel count than the model's said "X has 1 channels but the
classifier was fitted on 3; give recordings (channels, length)" for one recording sent as
``(channels, length)`` (exactly what it asked for: a 2-D array is read as ``(n, length)``, one channel
each), and "X has 4 channels ... give recordings (channels, length)" for a long DataFrame with one
column too many. Each now says how the input was read and what to send.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from mlflow.exceptions import MlflowException

from ssm_ts.errors import DataError
from ssm_ts.tasks.classification import ClassificationTask
from ssm_ts.tracking.pyfunc_classify import ClassifierPyfunc

pytestmark = pytest.mark.usefixtures("single_thread")


@pytest.fixture
def classifier() -> ClassifierPyfunc:
    """The classifier pyfunc over an untrained 3-channel encoder (the checks need no fit)."""
    model = ClassifierPyfunc()
    model.task = ClassificationTask(
        n_channels=3, classes=["a", "b"], model_options={"d_model": 8, "n_layers": 1, "d_state": 8}
    ).eval()
    return model


@pytest.fixture
def recording() -> np.ndarray:
    return np.random.default_rng(0).normal(size=(3, 40))


@pytest.mark.parametrize("served", [False, True], ids=["array", 'served {"inputs": [[...], [...], [...]]}'])
def test_one_recording_without_its_batch_axis_names_the_fix(classifier, recording, served):
    given = recording if served else list(recording)
    with pytest.raises(DataError, match=r"read as recordings \(n, length\) of one channel, 3 of them") as err:
        classifier.predict(None, given)
    assert "X[None]" in str(err.value) and '{"inputs": [<recording>]}' in str(err.value)
    assert isinstance(err.value, MlflowException) and err.value.get_http_status_code() == 400
    assert len(classifier.predict(None, recording[None])) == 1  # the fix works


def test_a_long_frame_with_an_extra_column_names_the_columns(classifier, recording):
    frame = pd.DataFrame({"id": "r0", "time": np.arange(40), "subject": 7.0, "x": recording[0], "y": recording[1],
                          "z": recording[2]})  # fmt: skip
    with pytest.raises(DataError, match=r"4 channel columns \['subject', 'x', 'y', 'z'\]") as err:
        classifier.predict(None, frame)
    assert "fitted on 3 channels" in str(err.value)
    assert isinstance(err.value, MlflowException) and err.value.get_http_status_code() == 400
    out = classifier.predict(None, frame.drop(columns="subject"))
    assert out["id"].tolist() == ["r0"]


def test_an_empty_request_says_it_holds_no_recordings(classifier):
    """``{"dataframe_records": []}`` (a frame without rows or columns) asked for an 'id' column."""
    with pytest.raises(DataError, match="the DataFrame has no rows, so no recordings to classify") as err:
        classifier.predict(None, pd.DataFrame())
    assert isinstance(err.value, MlflowException) and err.value.get_http_status_code() == 400
