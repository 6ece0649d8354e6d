"""A served model fitted on integer steps, sent its steps as text: MLflow's scoring server turns the JSON
``"step": ["101", "102"]`` into a text column, which was refused ("convert them first: ... astype(int)")
though whole numbers convert safely. They are read as the steps, and the forecast's time column is the
integers of the fit; text that is no number stays an HTTP 400 naming the column."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch
from mlflow.exceptions import MlflowException
from mlflow.pyfunc import scoring_server

from ssm_ts import Forecaster
from ssm_ts.errors import DataError
from ssm_ts.tracking.pyfunc_forecast import ForecastPyfunc

LOOKBACK, HORIZON = 8, 2
pytestmark = pytest.mark.usefixtures("single_thread")


@pytest.fixture(scope="module")
def steps(shared_data) -> pd.DataFrame:
    """ETTh1's first 120 ``OT`` readings numbered as steps 100..219."""
    ot = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", usecols=["OT"], nrows=120)["OT"]
    return pd.DataFrame({"step": np.arange(100, 220), "OT": ot.to_numpy()})


@pytest.fixture(scope="module")
def served(steps, tmp_path_factory) -> ForecastPyfunc:
    """The forecast pyfunc over nlinear fitted one epoch on :func:`steps` (no MLflow)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    forecaster = Forecaster(
        model="nlinear", lookback=LOOKBACK, horizon=HORIZON, max_epochs=1, seed=0, log_to_mlflow=False,
        out_dir=str(tmp_path_factory.mktemp("out")),
        trainer_options={"enable_progress_bar": False, "enable_model_summary": False},
    )  # fmt: skip
    forecaster.fit(steps)
    torch.set_num_threads(threads)
    model = ForecastPyfunc()
    model.forecaster = forecaster
    return model


def as_served(frame: pd.DataFrame) -> pd.DataFrame:
    """What the scoring server makes of ``{"dataframe_split": ...}`` whose steps are JSON strings."""
    split = json.loads(frame.astype({"step": str}).to_json(orient="split", index=False))
    parsed = scoring_server.infer_and_parse_data({"dataframe_split": split})
    assert not pd.api.types.is_numeric_dtype(parsed["step"])  # text, as the server passes it on
    return parsed


def test_steps_sent_as_text_forecast_the_integer_steps(served, steps):
    recent = steps.iloc[-20:]
    forecast = served.predict(None, as_served(recent))
    assert forecast["step"].tolist() == [220, 221] and forecast["step"].dtype == np.int64
    pd.testing.assert_frame_equal(forecast, served.predict(None, recent))


def test_steps_that_are_no_numbers_are_a_bad_request_naming_the_column(served, steps):
    words = as_served(steps.iloc[-20:]).assign(step=lambda f: f["step"].where(f.index != 4, "step five"))
    with pytest.raises(
        DataError, match=r"'step' has values that are not integer steps at row 4 \(e.g. 'step"
    ) as err:
        served.predict(None, words)
    assert isinstance(err.value, MlflowException) and err.value.get_http_status_code() == 400
