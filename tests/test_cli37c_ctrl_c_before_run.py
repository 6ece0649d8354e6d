"""Ctrl-C in ``ssm-ts ... fit`` before its MLflow logger started a run (while the data module's
``prepare_data`` downloads, before Lightning first asks the logger for its run): the command left a
RUNNING run in the store, started only to read its status, and said that run "may still show RUNNING"."""

from __future__ import annotations

from ssm_ts import cli
from ssm_ts.tracking.logger import SSMTSMLFlowLogger, default_tracking_uri
from ssm_ts.tracking.run_status import stored_status
from tests.cli.conftest import line_use  # noqa: F401 (the fake `line` use, a fixture)
from tests.cli.fake_use import LineDataModule
from tests.cli_runs import run_statuses

FIT = ["line", "fit", "--trainer.max_epochs", "2", "--out", "out", "--trainer.enable_progress_bar", "false"]


def _ctrl_c(self) -> None:
    raise KeyboardInterrupt


def test_ctrl_c_before_the_run_started_leaves_no_run_and_claims_none(line_use, monkeypatch, capsys):  # noqa: F811
    monkeypatch.setattr(LineDataModule, "prepare_data", _ctrl_c)  # Ctrl-C during a download
    assert cli.main(FIT) == 130
    err = " ".join(capsys.readouterr().err.split())
    assert run_statuses() == []  # was ["RUNNING"]: a run started only to read its status
    assert "RUNNING" not in err and "KILLED" not in err, err
    assert "interrupted before the fit wrote its first checkpoint" in err
    assert "it logged to no MLflow run; rerun the fit without --ckpt_path" in err


def test_the_stored_status_of_a_logger_without_a_run_is_none_and_starts_none(line_use):  # noqa: F811
    logger = SSMTSMLFlowLogger(experiment_name="cli37c", tracking_uri=default_tracking_uri())
    assert stored_status(logger) is None
    assert run_statuses() == []  # was ["RUNNING"]
