"""MLflow requests that give up in seconds, for the status a failed or interrupted fit leaves behind.

MLflow retries a request to a tracking server seven times with growing pauses (about four minutes; over
fifteen for a server that takes the connection and never answers). When the fit has already failed,
often because the server went away, Lightning's ``finalize("failed")`` and ssm-ts's KILLED status then
hung the command that long, with Ctrl-C ignored (Lightning ignores it once a fit is interrupted).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

# one retry, after about a second; each try waits at most QUICK_TIMEOUT_S for the server's answer
QUICK_RETRIES = 1
QUICK_TIMEOUT_S = 5


@contextmanager
def quick_requests() -> Iterator[None]:
    """Within the block, MLflow's HTTP requests (read from the environment at each request) are retried
    once and wait at most :data:`QUICK_TIMEOUT_S` seconds for an answer; the environment is put back
    after, the user's own settings included."""
    quick = {
        "MLFLOW_HTTP_REQUEST_MAX_RETRIES": str(QUICK_RETRIES),
        "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
        "MLFLOW_HTTP_REQUEST_TIMEOUT": str(QUICK_TIMEOUT_S),
    }
    saved = {name: os.environ.get(name) for name in quick}
    os.environ.update(quick)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
