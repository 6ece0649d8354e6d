"""An sqlite store keeps a new experiment's artifacts beside the database file: MLflow's default put
them in ``./mlruns`` of whatever folder the process ran in when the experiment was created, so a
fit run from another folder scattered them there (and the tests filled the repository's mlruns/)."""

from __future__ import annotations

from pathlib import Path

import mlflow
import pytest

from ssm_ts import Forecaster, cli
from ssm_ts.tracking.logger import log_dict_artifact, make_mlflow_logger, sqlite_artifact_location


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


@pytest.fixture()
def store_and_elsewhere(tmp_path, monkeypatch) -> tuple[Path, str, Path]:
    """``(store folder, its sqlite URI, the working folder)``: the process runs in another folder."""
    store, work = tmp_path / "tracking", tmp_path / "work"
    store.mkdir()
    work.mkdir()
    monkeypatch.chdir(work)
    return store, f"sqlite:///{(store / 'mlflow.db').as_posix()}", work


def _artifact_uri(uri: str, run_id: str) -> str:
    return mlflow.MlflowClient(uri).get_run(run_id).info.artifact_uri


def test_a_forecaster_fit_logs_its_artifacts_beside_the_store(
    ett, store_and_elsewhere, tmp_path, single_thread
):
    store, uri, work = store_and_elsewhere
    forecaster = Forecaster(model="nlinear", lookback=48, horizon=12, max_epochs=1, batch_size=64,
                            tracking_uri=uri, out_dir=str(tmp_path / "out"))  # fmt: skip
    forecaster.fit(ett[["date", "HUFL", "OT"]].iloc[:600], target="OT")
    assert _artifact_uri(uri, forecaster.run_id_).startswith((store / "mlruns").as_uri())
    logged = _files(store / "mlruns" / "ssm-ts-forecast")
    assert any(p.name == "MLmodel" for p in logged)  # the pyfunc model, not only small files
    assert _files(work) == []  # nothing in the folder the fit ran from


def test_a_cli_fit_logs_its_artifacts_beside_the_store(ett, store_and_elsewhere, tmp_path, single_thread):
    store, uri, work = store_and_elsewhere
    csv = tmp_path / "ett.csv"
    ett[["date", "HUFL", "OT"]].iloc[:600].to_csv(csv, index=False)
    args = ["forecast", "fit", "--data.path", str(csv), "--model.model", "nlinear", "--model.lookback", "48",
            "--model.horizon", "12", "--data.batch_size", "64", "--trainer.max_epochs", "1",
            "--tracking_uri", uri, "--out", str(tmp_path / "out")]  # fmt: skip
    assert cli.main(args) == 0
    client = mlflow.MlflowClient(uri)
    (run,) = client.search_runs([client.get_experiment_by_name("ssm-ts-forecast").experiment_id])
    assert run.info.artifact_uri.startswith((store / "mlruns" / "ssm-ts-forecast").as_uri())
    assert any(p.name == "MLmodel" for p in _files(store / "mlruns"))
    assert _files(work) == []


def test_the_default_store_keeps_artifacts_in_mlruns_of_the_working_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI")
    monkeypatch.chdir(tmp_path)
    logger = make_mlflow_logger("default-store")
    log_dict_artifact(logger, {"a": 1}, "summary.json")
    assert (tmp_path / "mlflow.db").is_file()
    assert _files(tmp_path / "mlruns") == [
        tmp_path / "mlruns" / "default-store" / logger.run_id / "artifacts" / "summary.json"
    ]


def test_an_existing_experiment_keeps_its_artifact_location(store_and_elsewhere, tmp_path):
    store, uri, _ = store_and_elsewhere
    elsewhere = tmp_path / "elsewhere"
    mlflow.MlflowClient(uri).create_experiment("older", artifact_location=elsewhere.as_uri())
    logger = make_mlflow_logger("older", tracking_uri=uri)
    log_dict_artifact(logger, {"a": 1}, "summary.json")
    assert (elsewhere / logger.run_id / "artifacts" / "summary.json").is_file()
    assert not (store / "mlruns").exists()


def test_the_location_of_each_kind_of_store(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert sqlite_artifact_location("sqlite:///mlflow.db", "ssm-ts-forecast") == (
        (tmp_path / "mlruns" / "ssm-ts-forecast").as_uri()
    )
    # a name that is no folder name: one folder under mlruns/, never a path out of it
    assert (
        sqlite_artifact_location("sqlite:////data/t/mlflow.db", "../team a/exp")
        == "file:///data/t/mlruns/_team_a_exp"
    )
    assert sqlite_artifact_location("http://127.0.0.1:5000", "x") is None
    assert sqlite_artifact_location("sqlite:///:memory:", "x") is None
