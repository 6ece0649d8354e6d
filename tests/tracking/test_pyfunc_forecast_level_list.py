"""``params={"level": 80}`` (a scalar, as ``Forecaster.predict(level=80)`` takes) cannot pass MLflow's
param check: a ``ParamSpec`` is a scalar or a 1-D list, never either, and MLflow checks before the model
runs. The logged forecaster therefore shows the list form in its own serving example
(``{"level": [80]}``), which answers as ``predict(level=80)`` does. Real data: ETTh1."""

from __future__ import annotations

import json
from pathlib import Path

import mlflow
import pandas as pd
import pytest
import torch
from mlflow.exceptions import MlflowException

from ssm_ts import Forecaster
from ssm_ts.tracking.logger import default_tracking_uri


def test_the_logged_model_shows_level_as_a_list_in_its_serving_example(shared_data, tmp_path):
    torch.set_num_threads(1)
    data = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", usecols=["date", "OT"]).iloc[:1500]
    forecaster = Forecaster(model="nlinear", lookback=48, horizon=12, max_epochs=1,
                            out_dir=str(tmp_path / "out"))  # fmt: skip
    forecaster.fit(data)
    mlflow.set_tracking_uri(default_tracking_uri())
    uri = f"runs:/{forecaster.run_id_}/model"
    local = Path(mlflow.artifacts.download_artifacts(uri, dst_path=str(tmp_path / "model")))
    serving = json.loads((local / "serving_input_example.json").read_text())
    assert serving["params"] == {"level": [80.0]}
    model = mlflow.pyfunc.load_model(uri)
    recent = data.iloc[:1300]
    pd.testing.assert_frame_equal(
        model.predict(recent, params=serving["params"]), forecaster.predict(recent, level=80)
    )
    # MLflow's own check refuses the scalar before the model runs (a param cannot be either)
    with pytest.raises(MlflowException, match=r"1D array with shape \(-1,\) for param 'level'"):
        model.predict(recent, params={"level": 80})
