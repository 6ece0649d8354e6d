"""The forecaster logged with a fit loads back with mlflow.pyfunc.load_model and forecasts DataFrames."""

from __future__ import annotations

from pathlib import Path

import mlflow
import pandas as pd

from ssm_ts import Forecaster
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
    stored = model.predict(pd.DataFrame())  # an empty frame forecasts after the training data
    pd.testing.assert_frame_equal(stored, forecaster.predict())
    assert stored["date"].iloc[0] == pd.Timestamp(data["date"].iloc[-1]) + pd.Timedelta(days=1)
    # the model was logged from code: no pickled python object in the MLflow model
    local = mlflow.artifacts.download_artifacts(
        f"runs:/{forecaster.run_id_}/model", dst_path=str(tmp_path / "dl")
    )
    assert not list(Path(local).rglob("*.pkl"))
