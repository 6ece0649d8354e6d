"""The forecaster logged with a fit loads back with mlflow.pyfunc.load_model and forecasts DataFrames."""

from __future__ import annotations

from pathlib import Path

import mlflow
import pandas as pd
import pytest

from ssm_ts import Forecaster
from ssm_ts.errors import DataError
from ssm_ts.tracking.logger import default_tracking_uri


def test_logged_pyfunc_predicts_forecast_dataframes(shared_data, tmp_path):
    data = pd.read_csv(shared_data / "forecasting" / "exchange_rate.csv", usecols=["date", "0", "OT"]).iloc[
        :1200
    ]
    forecaster = Forecaster(model="nlinear", lookback=30, horizon=7, max_epochs=1, register_as="fx-forecaster",
                            out_dir=str(tmp_path / "out"))  # fmt: skip
    forecaster.fit(data)
    mlflow.set_tracking_uri(default_tracking_uri())
    for uri in (f"runs:/{forecaster.run_id_}/model", "models:/fx-forecaster/1"):
        model = mlflow.pyfunc.load_model(uri)
        pd.testing.assert_frame_equal(model.predict(data.iloc[:900]), forecaster.predict(data.iloc[:900]))
    # the signature describes the output; no input schema, which MLflow would enforce by dropping
    # unnamed columns (a frame with other names would then be forecast silently from the history)
    assert model.metadata.get_input_schema() is None
    assert [c.name for c in model.metadata.get_output_schema().inputs] == ["date", "0", "OT"]
    renamed = data.iloc[:900].rename(columns={"date": "when", "0": "a", "OT": "b"})
    with pytest.raises(DataError, match="time column 'date' not found.*Name the time column 'date'"):
        model.predict(renamed)
    example = model.input_example
    assert len(example) == 30 and list(example.columns) == ["date", "0", "OT"]
    pd.testing.assert_frame_equal(model.predict(example), forecaster.predict(example))
    stored = model.predict(pd.DataFrame())  # an empty frame forecasts after the training data
    pd.testing.assert_frame_equal(stored, forecaster.predict())
    assert stored["date"].iloc[0] == pd.Timestamp(data["date"].iloc[-1]) + pd.Timedelta(days=1)
    # the model was logged from code: no pickled python object in the MLflow model
    local = mlflow.artifacts.download_artifacts(
        f"runs:/{forecaster.run_id_}/model", dst_path=str(tmp_path / "dl")
    )
    assert not list(Path(local).rglob("*.pkl"))


def test_logged_example_of_a_long_model_with_future_covariates_is_a_valid_input(shared_data, tmp_path):
    wide = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", usecols=["date", "OT", "HUFL"]).iloc[:600]
    long = wide.melt(id_vars="date", var_name="unique_id", value_name="y").rename(columns={"date": "ds"})
    forecaster = Forecaster(
        model="nlinear", lookback=24, horizon=6, max_epochs=1, out_dir=str(tmp_path / "out")
    )
    forecaster.fit(long)
    mlflow.set_tracking_uri(default_tracking_uri())
    model = mlflow.pyfunc.load_model(f"runs:/{forecaster.run_id_}/model")
    assert list(model.input_example.columns) == ["unique_id", "ds", "y"] and len(model.input_example) == 48
    recent = long[long["ds"] < wide["date"].iloc[500]]
    pd.testing.assert_frame_equal(model.predict(recent), forecaster.predict(recent))

    hourly = wide.assign(date=pd.to_datetime(wide["date"]))
    hourly["hour"] = hourly["date"].dt.hour.astype(float)
    forecaster = Forecaster(
        model="nlinear", lookback=24, horizon=6, max_epochs=1, out_dir=str(tmp_path / "out2")
    )
    forecaster.fit(hourly, target="OT", future_covariates=["hour"])
    model = mlflow.pyfunc.load_model(f"runs:/{forecaster.run_id_}/model")
    example = model.input_example  # 24 observed rows, then 6 with the covariate and no target
    assert (
        len(example) == 30 and example["OT"].iloc[-6:].isna().all() and example["OT"].iloc[:24].notna().all()
    )
    pd.testing.assert_frame_equal(model.predict(example), forecaster.predict(example))
