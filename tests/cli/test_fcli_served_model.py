"""The forecaster a CLI fit logs to MLflow, served: a request with a missing or renamed column, or text
where numbers go, is answered HTTP 400 with the reason naming the column (MLflow's scoring server turned
any error that is not an MlflowException into "Encountered an unexpected error while evaluating the
model", the reason only in a stack trace), and the params its signature declares work over REST."""

from __future__ import annotations

import json
import re

import mlflow
import pandas as pd
import pytest
from mlflow.pyfunc import scoring_server

from ssm_ts.errors import DataError
from tests.cli.test_fcli_predict_files import HORIZON, fitted  # noqa: F401 (the module's fit fixture)
from tests.cli_runs import load_logged_model, only_run_id


@pytest.fixture(scope="module")
def served(fitted):  # noqa: F811
    uri = f"sqlite:///{fitted / 'mlflow.db'}"
    return load_logged_model(uri, only_run_id(uri, "ssm-ts-forecast"))


@pytest.fixture(scope="module")
def request_rows(fitted) -> pd.DataFrame:  # noqa: F811
    """200 rows of the fit's file whose last HORIZON rows hold only the known-future covariate."""
    rows = pd.read_csv(fitted / "ett.csv").iloc[1000:1200].reset_index(drop=True)
    rows.loc[rows.index[-HORIZON:], ["OT", "HUFL"]] = None
    return rows


def serve(model, frame: pd.DataFrame, params: dict | None = None, orient: str = "split"):
    """What ``mlflow models serve`` answers a POST /invocations of ``frame`` (JSON, ``dataframe_<orient>``)."""
    body = {f"dataframe_{orient}": json.loads(frame.to_json(orient=orient))}
    if params is not None:
        body["params"] = params
    return scoring_server.invocations(json.dumps(body), "application/json", model, None)


def test_served_forecast_with_declared_params(served, request_rows):
    answer = serve(served, request_rows, {"level": [80], "n": 6}, orient="records")
    assert answer.status == 200
    rows = pd.DataFrame(json.loads(answer.response)["predictions"])
    assert len(rows) == 6 and {"date", "OT", "OT_lo-80", "OT_hi-80"} <= set(rows.columns)
    answer = serve(served, request_rows)
    assert answer.status == 200 and len(json.loads(answer.response)["predictions"]) == HORIZON


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda rows: rows.drop(columns=["HUFL"]), r"column \['HUFL'\] not found"),
        (lambda rows: rows.rename(columns={"date": "time"}), r"time column 'date' not found"),
        (lambda rows: rows.assign(OT="high"), r"column 'OT' has non-numeric values"),
        (lambda rows: rows.iloc[-30:], r"needs the last 48 observed rows"),
    ],
    ids=["missing covariate", "renamed time column", "text target", "too few rows"],
)
def test_a_bad_request_is_answered_400_naming_the_column(served, request_rows, change, reason):
    with pytest.raises(mlflow.exceptions.MlflowException, match=reason) as caught:
        serve(served, change(request_rows))
    assert caught.value.get_http_status_code() == 400
    assert "unexpected error" not in caught.value.message
    # MLflow puts the request's table first; the reason ends the message, after "Error:" (docs/mlflow.md)
    assert re.search(reason, caught.value.message.rsplit("\nError: ", 1)[1])


def test_in_process_callers_get_an_mlflow_exception_that_is_still_a_data_error(served, request_rows):
    with pytest.raises(mlflow.exceptions.MlflowException, match=r"\['HUFL'\]") as caught:
        served.predict(request_rows.drop(columns=["HUFL"]))
    assert isinstance(caught.value, DataError)
