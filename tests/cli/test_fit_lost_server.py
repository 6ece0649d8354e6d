"""A tracking server that goes away mid-fit ends the command with one error naming the server and the
command that resumes the fit: it printed three chained tracebacks (urllib3, requests, MLflow)."""

from __future__ import annotations

import time

import requests
from mlflow.exceptions import MlflowException

from ssm_ts import cli
from ssm_ts.tracking.logger import SSMTSMLFlowLogger
from ssm_ts.tracking.run_status import stored_status
from tests.cli.test_fcli_interrupt import interrupt_at
from tests.cli.test_fit_write_failures import FIT, _run_status
from tests.tracking.test_preflight import _closed_port


def _server_gone_at_the_second_validation(monkeypatch):
    """The second epoch's val_loss fails to log as MLflow fails once its retries ran out. Returns the real
    ``log_metrics``, to put back when the server is back."""
    log_metrics = SSMTSMLFlowLogger.log_metrics
    validations = []

    def gone(self, metrics, step=None):
        if "val_loss" in metrics:
            validations.append(step)
            if len(validations) == 2:
                try:
                    raise requests.exceptions.ConnectionError(
                        "Max retries exceeded ([Errno 111] Connection refused)"
                    )
                except requests.exceptions.ConnectionError as err:
                    # MLflow raises it so, the connection error as its context (not its cause)
                    raise MlflowException(f"API request to http://127.0.0.1:5000 failed with exception {err}")  # noqa: B904
        return log_metrics(self, metrics, step)

    monkeypatch.setattr(SSMTSMLFlowLogger, "log_metrics", gone)
    return log_metrics


def test_a_server_gone_mid_fit_is_one_error_naming_it_and_the_resume(line_use, monkeypatch, capsys):
    log_metrics = _server_gone_at_the_second_validation(monkeypatch)
    assert cli.main(FIT) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "Traceback" not in err
    assert "mlflow.db stopped answering during the fit (Connection refused)" in err
    assert "its MLflow run is marked FAILED" in err  # the store here (sqlite) still answers
    assert "Resume it, in the same run, with: ssm-ts line fit --ckpt_path last --out out" in err

    monkeypatch.setattr(SSMTSMLFlowLogger, "log_metrics", log_metrics)  # the server is back
    assert (
        cli.main(
            ["line", "fit", "--ckpt_path", "last", "--out", "out", "--trainer.enable_progress_bar", "false"]
        )
        == 0
    )
    assert _run_status() == "FINISHED"


def test_ctrl_c_with_the_store_gone_does_not_say_the_run_is_killed(line_use, monkeypatch, capsys):
    """Its KILLED status cannot reach a gone server: the message said "its MLflow run is marked KILLED"."""
    monkeypatch.setattr("ssm_ts.cli.lightning_cli.stored_status", lambda logger: None)
    assert cli.main([*FIT, *interrupt_at(1)]) == 130
    err = " ".join(capsys.readouterr().err.split())
    assert "its MLflow run may still show RUNNING (its store, sqlite:///" in err and "did not answer)" in err
    assert "KILLED" not in err and "Resume it, in the same run, with: ssm-ts line fit --ckpt_path last" in err


def test_the_stored_status_of_a_run_on_a_gone_server_is_none_within_seconds():
    logger = SSMTSMLFlowLogger(experiment_name="x", tracking_uri=f"http://127.0.0.1:{_closed_port()}")
    logger._initialized, logger._run_id = True, "0" * 32
    start = time.monotonic()
    assert stored_status(logger) is None and time.monotonic() - start < 20
