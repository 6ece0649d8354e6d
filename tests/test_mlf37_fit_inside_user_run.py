"""A fit inside a user's own MLflow run (``with mlflow.start_run(): model.fit(...)``, as an MLflow team's
scripts do) trained, then failed to log its model ("Run ... is already active"), its run FAILED. Now the
fit's run is a child of the user's run, its model logged and registered, and the user's run stays active."""

from __future__ import annotations

import mlflow
import numpy as np
import pandas as pd

from ssm_ts import Forecaster
from ssm_ts.tracking.active_run import same_store
from ssm_ts.tracking.logger import default_tracking_uri


def test_a_fit_inside_a_users_run_logs_its_model_in_a_child_run(tmp_path):
    hours = pd.date_range("2020-01-01", periods=120, freq="h")
    frame = pd.DataFrame({"time": hours, "y": np.sin(np.arange(120) / 5.0)})
    mlflow.set_tracking_uri(default_tracking_uri())
    mlflow.set_experiment("team")
    with mlflow.start_run(run_name="sweep") as outer:
        fitted = Forecaster(model="nlinear", lookback=24, horizon=6, max_epochs=1, out_dir=str(tmp_path / "fit"),
                            register_as="inner", trainer_options={"enable_progress_bar": False}).fit(frame)  # fmt: skip
        assert mlflow.active_run().info.run_id == outer.info.run_id
        mlflow.log_metric("after_fit", 1.0)  # the user's run goes on
    client = mlflow.MlflowClient()
    run = client.get_run(fitted.run_id_)
    assert run.info.status == "FINISHED" and run.data.tags["mlflow.parentRunId"] == outer.info.run_id
    assert client.get_run(outer.info.run_id).data.metrics == {"after_fit": 1.0}
    forecast = mlflow.pyfunc.load_model("models:/inner/1").predict(frame.tail(24))
    assert len(forecast) == 6
    assert client.get_model_version("inner", "1").run_id == fitted.run_id_


def test_stores_compare_by_their_database_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert same_store("sqlite:///mlflow.db", f"sqlite:///{tmp_path / 'mlflow.db'}")
    assert not same_store("sqlite:///mlflow.db", "sqlite:///other.db")
    assert same_store("http://127.0.0.1:5000/", "http://127.0.0.1:5000")


def test_a_fit_into_another_experiment_than_the_users_logs_its_model_there(tmp_path):
    hours = pd.date_range("2020-01-01", periods=120, freq="h")
    frame = pd.DataFrame({"time": hours, "y": np.cos(np.arange(120) / 5.0)})
    mlflow.set_tracking_uri(default_tracking_uri())
    mlflow.set_experiment("team")  # the user's own experiment; the fit names another
    fitted = Forecaster(model="nlinear", lookback=24, horizon=6, max_epochs=1, out_dir=str(tmp_path / "fit"),
                        experiment="mine", trainer_options={"enable_progress_bar": False}).fit(frame)  # fmt: skip
    client = mlflow.MlflowClient()
    run = client.get_run(fitted.run_id_)
    assert run.info.status == "FINISHED"
    (model,) = client.search_logged_models([run.info.experiment_id])
    assert (
        model.source_run_id == fitted.run_id_ and client.get_experiment(run.info.experiment_id).name == "mine"
    )
    assert len(mlflow.pyfunc.load_model(f"runs:/{fitted.run_id_}/model").predict(frame.tail(24))) == 6


def test_a_fit_in_an_mlflow_run_project_command_is_a_child_of_the_projects_run(tmp_path, monkeypatch):
    # `mlflow run` starts the project's run and hands its id to the command as MLFLOW_RUN_ID
    hours = pd.date_range("2020-01-01", periods=120, freq="h")
    frame = pd.DataFrame({"time": hours, "y": np.sin(np.arange(120) / 7.0)})
    client = mlflow.MlflowClient(default_tracking_uri())
    project = client.create_run(client.create_experiment("project")).info.run_id
    monkeypatch.setenv("MLFLOW_RUN_ID", project)
    mlflow.set_tracking_uri(default_tracking_uri())
    fitted = Forecaster(model="nlinear", lookback=24, horizon=6, max_epochs=1, out_dir=str(tmp_path / "fit"),
                        trainer_options={"enable_progress_bar": False}).fit(frame)  # fmt: skip
    assert client.get_run(fitted.run_id_).data.tags["mlflow.parentRunId"] == project
