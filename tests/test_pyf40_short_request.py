"""A request to the MLflow forecast model too short for the lookback (today's rows alone, after the
data the model was fitted on) was answered with ``Forecaster.predict``'s fixes, Python and CLI:
"Pass a longer history ... (Python: model.predict(pd.concat([pd.read_csv(earlier_path) ...])); CLI:
--data.path a file holding both)", none of which an HTTP client can do. The model now asks for the rows
in request terms: at least ``lookback`` rows (of each series), the earlier rows before the new ones in
the same request. ``Forecaster.predict``'s own message is unchanged. Real data: ETTh1."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from mlflow.exceptions import MlflowException
from mlflow.pyfunc import scoring_server

from ssm_ts.errors import DataError
from ssm_ts.tracking.pyfunc_forecast import ForecastPyfunc
from tests.test_pyf40_history_alone import saved_pyfunc
from tests.untrained import untrained_forecaster

LOOKBACK, HORIZON, ROWS = 24, 6, 120


@pytest.fixture(scope="module")
def ett_rows(shared_data) -> pd.DataFrame:
    """ETTh1's first ROWS + 10 rows of HUFL, HULL and OT."""
    frame = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", usecols=["date", "HUFL", "HULL", "OT"])
    return frame.iloc[: ROWS + 10]


def pyfunc_of(frame: pd.DataFrame, **settings) -> ForecastPyfunc:
    """The forecast pyfunc around an untrained NLinear fitted on ``frame``."""
    model = ForecastPyfunc()
    model.forecaster = untrained_forecaster(frame, LOOKBACK, HORIZON, **settings)
    return model


NEW_ROWS_SAID = (
    r"^the request's table: forecasting needs the last 24 observed rows \(the lookback\); the data has 10\. "
    r"Send at least 24 rows in the request\. Its rows start at 2016-07-06 00:00:00, after the data the model "
    r"was fitted on ends \(2016-07-05 23:00:00\): a forecast reads the rows before its first step, so send "
    r"the earlier rows, then the new ones, in the same request \(the model keeps no rows of earlier requests\)\.$"
)


def test_todays_rows_alone_are_asked_for_with_the_earlier_rows_in_the_request(ett_rows, tmp_path):
    model = pyfunc_of(ett_rows.iloc[:ROWS][["date", "OT"]], target="OT")
    new = ett_rows.iloc[ROWS:][["date", "OT"]].reset_index(drop=True)
    with pytest.raises(DataError, match=NEW_ROWS_SAID):
        model.predict(None, new)
    # served: the scoring server's 400, in the same words
    body = {"dataframe_split": new.to_dict("split", index=False)}
    with pytest.raises(MlflowException, match=NEW_ROWS_SAID) as caught:
        scoring_server.invocations(
            json.dumps(body), "application/json", saved_pyfunc(model.forecaster, tmp_path), None
        )
    assert caught.value.get_http_status_code() == 400
    # the Python API's fix is the Python and CLI one, as before
    with pytest.raises(DataError, match=r"Pass a longer history\..*\(Python: model\.predict\(pd\.concat"):
        model.forecaster.predict(new)


def test_a_short_series_of_a_long_request_is_asked_for_in_the_request(ett_rows):
    long = ett_rows.iloc[:ROWS].melt(id_vars="date", var_name="unique_id", value_name="y")
    long = long.rename(columns={"date": "ds"})[["unique_id", "ds", "y"]]
    model = pyfunc_of(long)
    short = long[(long["unique_id"] != "HULL") | (long["ds"] >= long["ds"].iloc[ROWS - 10])]
    with pytest.raises(DataError, match=r"Send at least 24 rows of each of them in the request\.") as caught:
        model.predict(None, short)
    assert "Pass a longer history" not in str(caught.value)
    with pytest.raises(
        DataError, match=r"the data has 10\. Send at least 24 rows of each series in the request"
    ):
        model.predict(None, long.groupby("unique_id").tail(10))
