"""Bad requests that served ssm-ts models answered "Encountered an unexpected error" (HTTP 500, the reason
only in the server's log) or answered wrongly: each is now an HTTP 400 naming the problem.

The frames and arrays below are what MLflow's scoring server makes of the JSON requests named.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from mlflow.exceptions import MlflowException

from ssm_ts.errors import DataError
from ssm_ts.tracking.pyfunc_classify import ClassifierPyfunc

pytestmark = pytest.mark.usefixtures("single_thread")


def assert_bad_request(err: pytest.ExceptionInfo) -> None:
    assert isinstance(err.value, MlflowException) and err.value.get_http_status_code() == 400


def test_an_audio_request_with_a_list_for_a_number_is_named(audio):
    """``{"dataframe_records": [{"seconds": [1, 2]}]}``: a ValueError ("truth value of an array")."""
    with pytest.raises(DataError, match=r"request row 0, column 'seconds': \[1, 2\] is not a number") as err:
        audio.predict(None, pd.DataFrame({"seconds": [[1, 2]]}))
    assert_bad_request(err)


def test_an_audio_request_row_without_columns_asks_for_seconds(audio):
    """``{"dataframe_records": [{}]}``: one row, no columns; it was answered with no clips at all."""
    with pytest.raises(DataError, match="needs a 'seconds' column") as err:
        audio.predict(None, pd.DataFrame([{}]))
    assert_bad_request(err)
    empty = audio.predict(None, pd.DataFrame([]))  # {"dataframe_records": []}: still no clips, no error
    assert len(empty) == 0 and list(empty.columns) == ["audio", "sample_rate"]


@pytest.mark.parametrize(
    "given",
    [None, 3.0, np.array(None, dtype=object), np.array(3)],
    ids=["None", "a number", 'served {"inputs": null}', 'served {"inputs": 3}'],
)
def test_a_single_value_is_no_recordings(given):
    """``None`` and ``np.array(None)`` were TypeErrors ("iteration over a 0-d array")."""
    model = ClassifierPyfunc()
    model.task = SimpleNamespace(hparams={})  # the input is refused before the model is used
    with pytest.raises(DataError, match="pyfunc input is a single value .*, not recordings") as err:
        model.predict(None, given)
    assert_bad_request(err)
