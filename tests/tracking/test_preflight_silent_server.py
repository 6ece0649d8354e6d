"""A tracking server that takes the connection but never answers (a hung process, another service's port)
is one clear error in seconds: the check only connected, and MLflow then waited 120 s for each request,
retried seven times, so the fit hung for many minutes and Ctrl-C did not stop it."""

from __future__ import annotations

import http.server
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from ssm_ts.errors import ConfigError
from ssm_ts.tracking.preflight import check_tracking_uri


@contextmanager
def _listening(answer: bytes | None) -> Iterator[int]:
    """A port on 127.0.0.1 whose server takes connections and sends ``answer`` then closes (``None``:
    keeps them open, silent)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    held: list[socket.socket] = []

    def serve() -> None:
        while True:
            try:
                connection, _ = server.accept()
            except OSError:  # closed: the test is done
                return
            if answer is None:
                held.append(connection)
            else:
                connection.sendall(answer)
                connection.close()

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield server.getsockname()[1]
    finally:
        server.close()
        for connection in held:
            connection.close()


def test_a_server_that_never_answers_is_an_error_within_the_timeout():
    with _listening(None) as port:
        start = time.monotonic()
        with pytest.raises(ConfigError, match=r"takes connections but did not answer within 0\.5 s") as err:
            check_tracking_uri(f"http://127.0.0.1:{port}", timeout=0.5)
    assert time.monotonic() - start < 5
    assert f"http://127.0.0.1:{port}" in str(err.value) and "--trainer.logger false" in str(err.value)


def test_a_service_that_does_not_speak_http_is_an_error():
    with _listening(b"SSH-2.0-OpenSSH_9.6\r\n") as port:
        with pytest.raises(ConfigError, match="does not answer as an HTTP server.*another service on port"):
            check_tracking_uri(f"http://127.0.0.1:{port}", timeout=2)


class _NotFound(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.send_error(404)

    def log_message(self, *args) -> None:
        pass


def test_any_http_answer_passes_even_not_found():
    server = http.server.HTTPServer(("127.0.0.1", 0), _NotFound)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        check_tracking_uri(f"http://127.0.0.1:{server.server_port}/some/prefix", timeout=2)
    finally:
        server.shutdown()
        server.server_close()
