"""A tracking URI MLflow cannot log to is one clear error in seconds, before any training: MLflow
itself retried an unreachable server for about four minutes and an unusable sqlite file for about
a hundred seconds, then raised a connection or SQLAlchemy traceback."""

from __future__ import annotations

import http.server
import socket
import threading
import time

import pytest

from ssm_ts import cli
from ssm_ts.errors import ConfigError
from ssm_ts.tracking.preflight import check_tracking_uri


@pytest.fixture()
def line_use(monkeypatch):
    spec = cli.UseSpec(task="tests.cli.fake_use:LineTask", datamodule="tests.cli.fake_use:LineDataModule",
                       description="a line", example="ssm-ts line fit")  # fmt: skip
    monkeypatch.setitem(cli.USES, "line", spec)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens once the socket is closed


def test_an_unreachable_server_names_the_uri_and_the_fix_within_seconds(line_use, tmp_path, capsys):
    uri = f"http://127.0.0.1:{_closed_port()}"
    start = time.monotonic()
    code = cli.main(["line", "fit", "--out", str(tmp_path / "out"), "--tracking_uri", uri])
    assert code == 1 and time.monotonic() - start < 30
    err = capsys.readouterr().err
    assert f"tracking server {uri} is unreachable" in err and "--tracking_uri" in err
    assert "--trainer.logger false" in err
    assert not (tmp_path / "out").exists()  # nothing trained


def test_an_sqlite_store_that_is_not_a_database_or_cannot_be_created(tmp_path):
    not_a_db = tmp_path / "mlflow.db"
    not_a_db.write_text("notes, not a database\n")
    with pytest.raises(ConfigError, match="is not an SQLite database"):
        check_tracking_uri(f"sqlite:///{not_a_db}")

    blocked = tmp_path / "a_file"
    blocked.write_text("")
    with pytest.raises(ConfigError, match="cannot be created.*not a writable folder"):
        check_tracking_uri(f"sqlite:///{blocked / 'runs' / 'mlflow.db'}")


def test_a_read_only_folder_is_refused(tmp_path, monkeypatch):
    # os.access is what the check asks; as root a chmod alone would not make a folder read-only
    monkeypatch.setattr("ssm_ts.tracking.preflight.os.access", lambda *args, **kwargs: False)
    with pytest.raises(ConfigError, match="not a writable folder.*log_to_mlflow=False"):
        check_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")


def test_usable_stores_pass(tmp_path):
    check_tracking_uri(f"sqlite:///{tmp_path / 'new' / 'folders' / 'mlflow.db'}")  # MLflow creates them
    # a server that answers HTTP passes (tests/tracking/test_preflight_silent_server.py: one that does not)
    server = http.server.HTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)  # answers 501
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        check_tracking_uri(f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        server.server_close()
    check_tracking_uri("databricks")  # other schemes are MLflow's to check


@pytest.mark.parametrize("uri", ["./mlruns", "mlruns", "file:./mlruns", "file:///tmp/mlruns"])
def test_mlflows_file_store_is_refused_before_training_with_the_fix(
    uri, line_use, tmp_path, capsys, monkeypatch
):
    monkeypatch.delenv("MLFLOW_ALLOW_FILE_STORE", raising=False)
    code = cli.main(["line", "fit", "--out", str(tmp_path / "out"), "--tracking_uri", uri])
    assert code == 1
    err = capsys.readouterr().err
    assert f"MLflow tracking URI {uri!r} is MLflow's file store" in err and "sqlite:///mlflow.db" in err
    assert "MLFLOW_ALLOW_FILE_STORE=true" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()  # nothing trained


def test_the_file_store_passes_when_mlflow_is_told_to_allow_it(tmp_path, monkeypatch):
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    check_tracking_uri(f"file://{tmp_path / 'mlruns'}")
