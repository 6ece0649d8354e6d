"""A fit logs to a real MLflow tracking server over HTTP (sqlite backend, local artifact folder)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import mlflow
import pandas as pd
import pytest

from ssm_ts import cli


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(url: str, process: subprocess.Popen, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"mlflow server exited early with code {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"mlflow server at {url} did not answer within {timeout} s")


@pytest.fixture()
def mlflow_server(tmp_path):
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    command = [
        str(Path(sys.executable).with_name("mlflow")),
        "server",
        "--host", "127.0.0.1",
        "--port", str(port),
        "--workers", "1",
        "--backend-store-uri", f"sqlite:///{tmp_path / 'server.db'}",
        "--artifacts-destination", str(tmp_path / "artifacts"),
    ]  # fmt: skip
    log = open(tmp_path / "server.log", "w")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_until_up(url, process)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # the server forks workers: stop the whole group by PID
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        log.close()


def test_fit_logs_to_server_and_model_loads_back(mlflow_server, tmp_path, monkeypatch):
    monkeypatch.setitem(
        cli.USES,
        "line",
        cli.UseSpec(task="tests.cli.fake_use:LineTask", datamodule="tests.cli.fake_use:LineDataModule",
                    description="a line", example="ssm-ts line fit"),
    )  # fmt: skip
    monkeypatch.chdir(tmp_path)
    args = ["line", "fit", "--trainer.max_epochs", "6", "--model.lr", "0.3", "--out", str(tmp_path / "out")]
    assert cli.main([*args, "--tracking_uri", mlflow_server, "--register_as", "served-line"]) == 0

    client = mlflow.MlflowClient(mlflow_server)
    (run,) = client.search_runs([client.get_experiment_by_name("ssm-ts-line").experiment_id])
    assert run.info.status == "FINISHED"
    assert len(client.get_metric_history(run.info.run_id, "val_loss")) == 6
    assert "config.yaml" in {a.path for a in client.list_artifacts(run.info.run_id)}
    assert not (tmp_path / "mlflow.db").exists()  # nothing went to the default local store

    mlflow.set_tracking_uri(mlflow_server)
    model = mlflow.pyfunc.load_model("models:/served-line/1")
    assert model.predict(pd.DataFrame({"x": [1.0]}))["x"].iloc[0] == pytest.approx(2.0, abs=0.3)
