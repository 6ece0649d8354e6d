"""The forecast pyfunc takes neuralforecast's two tables, ``{"df": history, "futr_df": future}``: the
known-future covariates of the forecast steps apart from the history, as ``Forecaster.predict(df,
futr_df=...)`` takes them. MLflow params hold scalars and 1-D lists only, so the tables travel as one
dict: in Python ``model.predict({"df": ..., "futr_df": ...})``, served ``{"inputs": {"df": [...],
"futr_df": [...]}}``. Before, such a dict was read as a table of two columns ``df`` and ``futr_df``.

Also: the logged input example of a long model with covariates holds the covariate series' rows (it
held the targets' only, the model refused it, and logging the model failed the fit)."""

from __future__ import annotations

import json

import mlflow
import numpy as np
import pandas as pd
import pytest
from mlflow.exceptions import MlflowException
from mlflow.pyfunc import scoring_server
from mlflow.pyfunc.scoring_server import infer_and_parse_data

from ssm_ts import Forecaster
from ssm_ts.errors import DataError
from ssm_ts.tracking.pyfunc_forecast import (
    ForecastPyfunc,
    forecast_signature,
    input_example,
    write_model_code,
)
from tests.untrained import untrained_forecaster

LOOKBACK, HORIZON, ROWS = 24, 6, 300
pytestmark = pytest.mark.filterwarnings("ignore:.*treated as future rows:UserWarning")


def untrained(frame: pd.DataFrame, **settings) -> Forecaster:
    """:func:`untrained_forecaster` of this file's lookback and horizon: forecasts, no fit."""
    return untrained_forecaster(frame, LOOKBACK, HORIZON, **settings)


@pytest.fixture(scope="module")
def hourly(shared_data) -> pd.DataFrame:
    """ETTh1's OT and the known-future covariate ``hour``: ROWS observed rows, then HORIZON with OT empty."""
    frame = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", parse_dates=["date"]).iloc[
        : ROWS + HORIZON
    ]
    frame = frame.assign(hour=frame["date"].dt.hour.astype(float))[["date", "OT", "hour"]]
    frame.loc[ROWS:, "OT"] = np.nan
    return frame


@pytest.fixture(scope="module")
def model(hourly) -> ForecastPyfunc:
    pyfunc = ForecastPyfunc()
    pyfunc.forecaster = untrained(hourly, target="OT", future_covariates=["hour"])
    return pyfunc


def served(frame: pd.DataFrame) -> list[dict]:
    """``frame`` as JSON row records carry it (times as text)."""
    return frame.assign(date=frame["date"].astype(str)).to_dict("records")


def test_two_tables_forecast_as_the_rows_appended(model, hourly):
    history, future = hourly.iloc[:ROWS], hourly.iloc[ROWS:][["date", "hour"]]
    expected = model.predict(None, hourly)
    pd.testing.assert_frame_equal(model.predict(None, {"df": history, "futr_df": future}), expected)
    # served: row records, and a dict of columns, as MLflow's scoring server passes them on
    records = infer_and_parse_data({"inputs": {"df": served(history), "futr_df": served(future)}})
    columns = {
        k: pd.DataFrame(v).to_dict("list") for k, v in (("df", served(history)), ("futr_df", served(future)))
    }
    for request in (records, infer_and_parse_data({"inputs": columns})):
        answer = model.predict(None, request)
        np.testing.assert_allclose(answer["OT"].to_numpy(), expected["OT"].to_numpy())
        assert list(answer["date"]) == list(expected["date"])


def test_futr_df_alone_forecasts_after_the_saved_history(model, hourly):
    future = hourly.iloc[ROWS:][["date", "hour"]].assign(hour=lambda f: f["hour"] + 1.0)
    shifted = hourly.copy()
    shifted.loc[ROWS:, "hour"] += 1.0
    pd.testing.assert_frame_equal(model.predict(None, {"futr_df": future}), model.predict(None, shifted))


@pytest.mark.parametrize(
    ("request_of", "said"),
    [
        (
            lambda h, f: {"df": h, "futr_df": f.rename(columns={"hour": "HOUR"})},
            r"the futr_df DataFrame has no column \['hour'\]; columns are \['date', 'HOUR'\]",
        ),
        (
            lambda h, f: {"df": h, "futr_df": f.iloc[:2]},
            r"the futr_df DataFrame has 2 rows after the data's last observation .* give rows up to date "
            r"2016-07-13 17:00:00",
        ),
        (
            lambda h, f: {"df": h, "futr": f, "futr_df": f},
            r"the request has 'futr_df' beside \['futr'\]: a two-table request holds only 'df'",
        ),
        (
            lambda h, f: {"df": h, "futr_df": f.iloc[:0]},  # None: no futr_df, as predict(df, futr_df=None)
            r"the request's 'futr_df' is empty: send a table of the columns \['date', 'hour'\], one row per",
        ),
    ],
    ids=["no covariate column", "too few rows", "another key", "no future table"],
)
def test_bad_two_table_requests_are_bad_requests(model, hourly, request_of, said):
    with pytest.raises(DataError, match=said) as err:
        model.predict(None, request_of(hourly.iloc[:ROWS], hourly.iloc[ROWS:][["date", "hour"]]))
    assert isinstance(err.value, MlflowException) and err.value.get_http_status_code() == 400


def test_a_saved_mlflow_model_takes_the_two_tables(model, hourly, tmp_path):
    """MLflow's own ``PyFuncModel.predict`` and scoring server pass the dict on: the model declares no
    input schema."""
    forecaster = model.forecaster
    forecaster.save(tmp_path / "export")
    example = input_example(forecaster.history_, forecaster.spec_, LOOKBACK, HORIZON)
    signature = forecast_signature(example, forecaster.predict(example), horizon=HORIZON)
    mlflow.pyfunc.save_model(tmp_path / "model", python_model=write_model_code(tmp_path / "code"),
                             artifacts={"forecaster": str(tmp_path / "export")}, signature=signature,
                             input_example=example, pip_requirements=["ssm-ts"])  # fmt: skip
    loaded = mlflow.pyfunc.load_model(str(tmp_path / "model"))
    history, future = hourly.iloc[:ROWS], hourly.iloc[ROWS:][["date", "hour"]]
    expected = forecaster.predict(history, futr_df=future)
    pd.testing.assert_frame_equal(loaded.predict({"df": history, "futr_df": future}), expected)
    # the scoring server's whole path: the JSON body parsed, the params checked, the answer written
    body = {"inputs": {"df": served(history), "futr_df": served(future)}, "params": {"n": HORIZON}}
    answer = scoring_server.invocations(json.dumps(body), "application/json", loaded, None)
    assert answer.status == 200
    predictions = pd.DataFrame(json.loads(answer.response)["predictions"])
    np.testing.assert_allclose(predictions["OT"].to_numpy(), expected["OT"].to_numpy())


def test_the_example_of_a_long_model_holds_its_covariate_series(hourly):
    long = (
        hourly.melt(id_vars="date", var_name="unique_id", value_name="y")
        .dropna()
        .rename(columns={"date": "ds"})
    )
    forecaster = untrained(long, future_covariates=["hour"])
    example = input_example(forecaster.history_, forecaster.spec_, LOOKBACK, HORIZON)
    assert example.groupby("unique_id").size().to_dict() == {"OT": LOOKBACK, "hour": LOOKBACK + HORIZON}
    assert list(forecaster.predict(example)["unique_id"].unique()) == ["OT"]  # it was refused
