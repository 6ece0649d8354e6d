"""A fit logged to an MLflow experiment that was deleted (``mlflow experiments delete``, the UI's trash)
is refused before anything is read or trained, naming the experiment, its id and the commands that restore
it or remove it for good. MLflow keeps a deleted experiment's name, so the logger's attempt to create it
again failed in the store: an SQLAlchemy ``IntegrityError: UNIQUE constraint failed: experiments.name``
traceback (``--experiment`` or ``MLFLOW_EXPERIMENT_NAME`` alike)."""

from __future__ import annotations

import mlflow
import pandas as pd
import pytest

from ssm_ts import Forecaster, cli
from ssm_ts.errors import ConfigError
from ssm_ts.tracking.logger import default_tracking_uri

FIT = ["forecast", "fit", "--data.path", "ETTh1", "--data.target", "OT", "--model.model", "s4d",
       "--trainer.max_epochs", "1", "--out", "out"]  # fmt: skip


def deleted_experiment(name: str) -> str:
    client = mlflow.MlflowClient(default_tracking_uri())
    number = client.create_experiment(name)
    client.delete_experiment(number)
    return number


def test_the_cli_refuses_a_deleted_experiment_naming_the_fix(in_tmp, capsys, monkeypatch):
    number = deleted_experiment("gone")
    monkeypatch.setenv("MLFLOW_EXPERIMENT_NAME", "gone")
    assert cli.main(FIT) == 1
    err = capsys.readouterr().err
    assert (
        f"ssm-ts forecast fit: error: MLflow experiment 'gone' (id {number})" in err and "is deleted" in err
    ), err
    assert f"mlflow experiments restore --experiment-id {number}" in err and "IntegrityError" not in err, err
    assert not (in_tmp / "out").exists()


def test_the_api_refuses_it_too(in_tmp, shared_data):
    deleted_experiment("gone")
    frame = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", usecols=["date", "OT"]).iloc[:160]
    forecaster = Forecaster(
        model="s4d", lookback=16, horizon=4, max_epochs=1, experiment="gone", out_dir="out"
    )
    with pytest.raises(ConfigError, match="MLflow experiment 'gone' .* is deleted"):
        forecaster.fit(frame, time_col="date", target="OT")
    assert not list(in_tmp.glob("out/**/*.ckpt"))  # refused before training
