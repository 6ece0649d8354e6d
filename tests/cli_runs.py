"""Read back what an ``ssm-ts`` command wrote and logged: its predictions CSV, its MLflow run and model."""

from __future__ import annotations

from pathlib import Path

import mlflow
import pandas as pd
import pytest
import torch

from ssm_ts import cli
from ssm_ts.tracking.logger import default_tracking_uri

# each use's quick packaged config, for ``ssm-ts USE fit --config ...`` in every use
QUICK_CONFIGS = {
    "forecast": "forecast_etth1",
    "audio": "audio_digits_quick",
    "classify": "classify_basicmotions_quick",
}


def classify_predict(ckpt: Path | str, data: Path | str, out: Path | str) -> pd.DataFrame:
    """``ssm-ts classify predict`` of checkpoint ``ckpt`` on ``data`` into ``out`` (relative paths from the
    working directory), asserted to succeed: the ``out/predictions.csv`` it wrote, one row a recording."""
    args = ["classify", "predict", "--ckpt_path", str(ckpt), "--data.path", str(data), "--out", str(out)]
    assert cli.main(args) == 0
    return pd.read_csv(Path(out) / "predictions.csv")


def classify_test_args(ckpt: Path | str) -> list[str]:
    """``ssm-ts classify test`` of checkpoint ``ckpt`` into ``out``, without a progress bar (data options
    to be added)."""
    return [
        "classify",
        "test",
        "--ckpt_path",
        str(ckpt),
        "--out",
        "out",
        "--trainer.enable_progress_bar",
        "false",
    ]


def run_statuses() -> list[str]:
    """The status of every run in the working folder's MLflow store (none when it was never made)."""
    client = mlflow.MlflowClient(default_tracking_uri())
    experiments = [e.experiment_id for e in client.search_experiments()]
    return [r.info.status for r in client.search_runs(experiments)] if experiments else []


def only_run_id(uri: str, experiment: str) -> str:
    """The id of the one run of ``experiment`` (e.g. ``"ssm-ts-classify"``) in the store at ``uri``."""
    client = mlflow.MlflowClient(uri)
    (run,) = client.search_runs([client.get_experiment_by_name(experiment).experiment_id])
    return run.info.run_id


def load_logged_model(uri: str, run_id: str) -> mlflow.pyfunc.PyFuncModel:
    """The pyfunc model run ``run_id`` logged in the store at ``uri``, loaded as a user would
    (``runs:/<run_id>/model``); the global tracking URI is put back after."""
    previous = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(uri)
    try:
        return mlflow.pyfunc.load_model(f"runs:/{run_id}/model")
    finally:
        mlflow.set_tracking_uri(previous)


def run_cli_in(folder: Path, args: list[str], data_home: Path) -> None:
    """Run ``ssm-ts ARGS`` in ``folder`` on one torch thread, reading named data sets from ``data_home``
    and logging to the folder's own sqlite store; fail the test unless it exits 0."""
    from ssm_ts.data_fetch import ENV_DATA_HOME

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.chdir(folder)
            patch.setenv(ENV_DATA_HOME, str(data_home))
            patch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{folder / 'mlflow.db'}")
            assert cli.main(args) == 0
    finally:
        torch.set_num_threads(threads)


def refused_in(folder: Path, args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """Run ``ssm-ts ARGS`` in ``folder`` (a fit's, logging to its own sqlite store); fail the test unless
    it exits 1. Returns the error it printed (``capsys``' stderr)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        patch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{folder / 'mlflow.db'}")
        assert cli.main(args) == 1
    return capsys.readouterr().err
