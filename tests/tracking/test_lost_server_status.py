"""A fit whose tracking server went away ends in seconds: Lightning's ``finalize("failed")`` and ssm-ts's
KILLED status each waited out MLflow's retries (about four minutes a request, with Ctrl-C ignored by
then), and the connection error raised there replaced the fit's own error."""

from __future__ import annotations

import os
import threading
import time
from types import SimpleNamespace

from ssm_ts.tracking.logger import SSMTSMLFlowLogger
from ssm_ts.tracking.quick_requests import QUICK_RETRIES, quick_requests
from ssm_ts.tracking.run_status import end_run
from tests.tracking.test_preflight import _closed_port


def test_a_failed_fits_finalize_gives_up_on_a_gone_server_in_seconds_without_an_error_of_its_own():
    logger = SSMTSMLFlowLogger(experiment_name="x", tracking_uri=f"http://127.0.0.1:{_closed_port()}")
    logger._initialized, logger._run_id = True, "0" * 32  # a run the server had made before it went away
    errors: list[BaseException] = []

    def finalize() -> None:
        try:
            logger.finalize("failed")
        except BaseException as err:  # noqa: BLE001 (what the fit would see instead of its own error)
            errors.append(err)

    start = time.monotonic()
    worker = threading.Thread(target=finalize, daemon=True)
    worker.start()
    worker.join(timeout=30)
    assert not worker.is_alive(), "finalize('failed') still retrying the gone server after 30 s"
    assert errors == [] and time.monotonic() - start < 30


def test_the_status_of_a_stopped_fit_is_set_with_quick_requests_and_the_environment_put_back(monkeypatch):
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "300")  # the user's own
    monkeypatch.delenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", raising=False)
    seen = {}

    def set_terminated(run_id, status):
        seen.update(run_id=run_id, status=status, retries=os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"])
        raise ConnectionError("the server is gone")  # best effort: not raised

    end_run(SimpleNamespace(run_id="r1", experiment=SimpleNamespace(set_terminated=set_terminated)), "KILLED")
    assert seen == {"run_id": "r1", "status": "KILLED", "retries": str(QUICK_RETRIES)}
    assert os.environ["MLFLOW_HTTP_REQUEST_TIMEOUT"] == "300"
    assert "MLFLOW_HTTP_REQUEST_MAX_RETRIES" not in os.environ
    with quick_requests():
        assert os.environ["MLFLOW_HTTP_REQUEST_TIMEOUT"] != "300"
    assert os.environ["MLFLOW_HTTP_REQUEST_TIMEOUT"] == "300"
