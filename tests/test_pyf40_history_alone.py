"""neuralforecast's ``predict(df)`` without ``futr_df``, sent to the MLflow forecast model: ``{"df": L}``
and ``{"df": L, "futr_df": None}`` (served ``{"inputs": {"df": [...]}}``, ``"futr_df": null``) forecast
as ``Forecaster.predict(L)``. Before, ``{"df": L}`` was read as a table of one column ``df`` ("the
request's columns have different lengths ({'df': ...})") and ``futr_df: None`` was refused as an empty
futr_df ("of the series []", for a model without known-future covariates). Real data: ETTh1, three
series of a long table."""

from __future__ import annotations

import json
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest
from mlflow.pyfunc import PyFuncModel, scoring_server

from ssm_ts import Forecaster
from ssm_ts.errors import DataError
from ssm_ts.tracking.pyfunc_forecast import (
    forecast_signature,
    input_example,
    write_model_code,
)
from tests.untrained import untrained_forecaster

LOOKBACK, HORIZON, ROWS = 24, 6, 120


@pytest.fixture(scope="module")
def long_table(shared_data) -> pd.DataFrame:
    """ETTh1's HUFL, HULL and OT as a long table (unique_id, ds, y): 3 series of ROWS rows."""
    wide = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", parse_dates=["date"]).iloc[:ROWS]
    return wide.melt(
        id_vars="date", value_vars=["HUFL", "HULL", "OT"], var_name="unique_id", value_name="y"
    ).rename(columns={"date": "ds"})[["unique_id", "ds", "y"]]


def saved_pyfunc(forecaster: Forecaster, folder: Path) -> PyFuncModel:
    """``forecaster`` saved as the fit logs it (from code, with its input example and signature) in
    ``folder``, loaded with ``mlflow.pyfunc.load_model``: what a served model calls."""
    forecaster.save(folder / "export")
    lookback, horizon = forecaster.lookback, forecaster.horizon
    example = input_example(forecaster.history_, forecaster.spec_, lookback, horizon)
    signature = forecast_signature(example, forecaster.predict(example), horizon=horizon)
    mlflow.pyfunc.save_model(folder / "model", python_model=write_model_code(folder / "code"),
                             artifacts={"forecaster": str(folder / "export")}, signature=signature,
                             input_example=example, pip_requirements=["ssm-ts"])  # fmt: skip
    return mlflow.pyfunc.load_model(str(folder / "model"))


@pytest.fixture(scope="module")
def saved_model(long_table, tmp_path_factory) -> tuple[Forecaster, PyFuncModel]:
    """``(forecaster, MLflow pyfunc model loaded from its saved folder)``: an untrained NLinear."""
    forecaster = untrained_forecaster(long_table, LOOKBACK, HORIZON)
    return forecaster, saved_pyfunc(forecaster, tmp_path_factory.mktemp("pyf40_model"))


def served_answer(model, body: dict) -> pd.DataFrame:
    """The scoring server's whole path for a JSON ``body``: parsed, checked, predicted, written."""
    answer = scoring_server.invocations(json.dumps(body), "application/json", model, None)
    assert answer.status == 200, answer.response
    return pd.DataFrame(json.loads(answer.response)["predictions"])


@pytest.mark.parametrize("request_of", [lambda t: {"df": t}, lambda t: {"df": t, "futr_df": None}],
                         ids=["df alone", "futr_df None"])  # fmt: skip
def test_the_history_alone_forecasts_as_predict_does(saved_model, long_table, request_of):
    forecaster, model = saved_model
    expected = forecaster.predict(long_table)
    pd.testing.assert_frame_equal(model.predict(request_of(long_table)), expected)


@pytest.mark.parametrize("futr", [{}, {"futr_df": None}], ids=["df alone", "futr_df null"])
def test_a_served_history_alone_forecasts_as_predict_does(saved_model, long_table, futr):
    forecaster, model = saved_model
    expected = forecaster.predict(long_table)
    records = long_table.assign(ds=long_table["ds"].astype(str)).to_dict("records")
    for history in (records, pd.DataFrame(records).to_dict("list")):  # row records, a dict of columns
        answer = served_answer(model, {"inputs": {"df": history, **futr}})
        assert list(answer.columns) == list(expected.columns)
        assert list(answer["unique_id"]) == list(expected["unique_id"])
        assert list(pd.to_datetime(answer["ds"])) == list(expected["ds"])
        np.testing.assert_array_equal(answer["y"].to_numpy(), expected["y"].to_numpy())


def test_the_history_beside_another_key_is_named(saved_model, long_table):
    _, model = saved_model
    with pytest.raises(DataError, match=r"the request has 'df' beside \['history'\]: a two-table request"):
        model.predict({"df": long_table, "history": long_table})
