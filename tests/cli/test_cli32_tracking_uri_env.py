"""An error about a tracking URI nobody passed (``MLFLOW_TRACKING_URI``, from a shell profile or a team's
setup) says it came from the environment and how to drop it."""

from __future__ import annotations

import socket

from ssm_ts import cli


def test_an_unreachable_uri_from_the_environment_is_named_as_the_environments(line_use, monkeypatch, capsys):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        uri = f"http://127.0.0.1:{sock.getsockname()[1]}"  # nothing listens once the socket is closed
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    assert cli.main(["line", "fit", "--trainer.max_epochs", "1", "--out", "out"]) == 1
    err = capsys.readouterr().err
    assert f"tracking server {uri} is unreachable" in err
    assert "environment variable MLFLOW_TRACKING_URI: `unset MLFLOW_TRACKING_URI`" in err

    # given as an option, the URI is the user's own: no word about the environment
    assert cli.main(["line", "fit", "--out", "out", "--tracking_uri", uri]) == 1
    assert "environment variable" not in capsys.readouterr().err
