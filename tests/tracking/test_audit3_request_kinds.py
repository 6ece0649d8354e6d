"""Served requests whose data is not a table: MLflow's scoring server passes ``{"inputs": {"seconds": 0.5}}``
on as a dict of 0-d arrays, ``{"inputs": 3}`` or ``{"inputs": "co2.csv"}`` as a 0-d array and
``{"inputs": null}`` as ``np.array(None)``. The forecast and audio models turned them into a DataFrame
with ``pd.DataFrame``, whose ValueError / TypeError the server answered "Encountered an unexpected
error" (the reason only in its log). A dict of single values is now one row, null no data, and a
single value or text an HTTP 400 naming what to send.

The inputs below are what the scoring server makes of the JSON requests named.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from mlflow.exceptions import MlflowException

from ssm_ts.errors import DataError
from ssm_ts.tracking.pyfunc_forecast import ForecastPyfunc

pytestmark = pytest.mark.usefixtures("single_thread")


def assert_bad_request(err: pytest.ExceptionInfo) -> None:
    assert isinstance(err.value, MlflowException) and err.value.get_http_status_code() == 400


@pytest.fixture
def forecast(co2_interpolated_fit) -> ForecastPyfunc:
    """The forecast pyfunc over nlinear fitted on the weekly CO2 series (lookback 52, horizon 13)."""
    model = ForecastPyfunc()
    model.forecaster = co2_interpolated_fit[0]
    return model


def test_a_served_null_forecasts_from_the_saved_history(forecast):
    """``{"inputs": null}``: a TypeError ("len() of unsized object"); now as an empty table."""
    pd.testing.assert_frame_equal(
        forecast.predict(None, np.array(None, dtype=object)), forecast.forecaster.predict()
    )


def test_a_served_row_dict_is_one_row(forecast):
    """``{"inputs": {"date": "2000-01-08", "co2": 368.5}}``: "If using all scalar values, you must pass
    an index"; now one row, refused for being shorter than the lookback, as a one-row table is."""
    with pytest.raises(DataError, match="needs the last 52 observed rows.*the data has 1") as err:
        forecast.predict(None, {"date": np.array("2000-01-08"), "co2": np.array(368.5)})
    assert_bad_request(err)


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (np.array(3), r"a single value \(3\), not a table"),
        (3.5, r"a single value \(3.5\), not a table"),
        (np.array("co2.csv"), r"text \('co2.csv'\), not a table: a served model reads no files"),
    ],
    ids=['{"inputs": 3}', "a number", '{"inputs": "co2.csv"}'],
)
def test_a_single_value_or_text_names_the_table_to_send(forecast, given, message):
    with pytest.raises(DataError, match=message) as err:
        forecast.predict(None, given)
    assert_bad_request(err)
    assert "columns ['date', 'co2'] and at least 52 rows" in str(err.value)
    assert "dataframe_split" in str(err.value) and "empty table" in str(err.value)


def test_columns_of_different_lengths_are_named(forecast):
    with pytest.raises(DataError, match=r"different lengths \(\{'date': 2, 'co2': 3\}\)") as err:
        forecast.predict(
            None, {"date": np.array(["2000-01-08", "2000-01-15"]), "co2": np.array([1.0, 2.0, 3.0])}
        )
    assert_bad_request(err)


def test_a_served_audio_row_dict_is_one_clip(audio):
    """``{"inputs": {"seconds": 0.05, "seed": 3}}``: the ValueError of ``pd.DataFrame``; now one clip, the
    clip a one-row table with the same seed gives."""
    served = audio.predict(None, {"seconds": np.array(0.05), "seed": np.array(3)})
    table = audio.predict(None, pd.DataFrame({"seconds": [0.05], "seed": [3]}))
    assert len(served) == 1 and len(served["audio"][0]) == 400
    np.testing.assert_array_equal(served["audio"][0], table["audio"][0])


@pytest.mark.parametrize("given", [np.array(0.5), 0.5, "0.5"], ids=['{"inputs": 0.5}', "a number", "text"])
def test_a_single_audio_value_names_the_request_to_send(audio, given):
    with pytest.raises(
        DataError, match=r"not a table\b.* Send one row per clip with a 'seconds' column"
    ) as err:
        audio.predict(None, given)
    assert_bad_request(err)
    assert '{"dataframe_records": [{"seconds": 0.5}]}' in str(err.value)


def test_a_served_audio_null_is_no_clips(audio):
    empty = audio.predict(None, np.array(None, dtype=object))
    assert len(empty) == 0 and list(empty.columns) == ["audio", "sample_rate"]


def test_a_list_of_numbers_names_the_request_to_send(audio):
    """``{"inputs": [0.5, 1.0]}``: "needs a 'seconds' column; got columns [0]", and no word on the layout."""
    with pytest.raises(
        DataError, match=r"got columns \[0\]. Send one row per clip with a 'seconds' column"
    ) as err:
        audio.predict(None, np.array([0.5, 1.0]))
    assert_bad_request(err)
