"""Audit 26 of the ``ssm-ts`` command (the fake ``line`` use, so each test takes seconds)."""

from __future__ import annotations

import signal

import lightning.pytorch as pl
import pytest

from ssm_ts import cli
from tests.cli_runs import run_statuses


class InterruptAtValidation(pl.Callback):
    """Press Ctrl-C (raise KeyboardInterrupt) when a validation (of ``validate``, not a fit's) starts."""

    def on_validation_start(self, trainer, pl_module):
        if not trainer.training:
            raise KeyboardInterrupt


class InterruptAtPredict(pl.Callback):
    """Press Ctrl-C when a prediction starts."""

    def on_predict_start(self, trainer, pl_module):
        raise KeyboardInterrupt


@pytest.fixture()
def line_use(monkeypatch, tmp_path):
    spec = cli.UseSpec(task="tests.cli.fake_use:LineTask", datamodule="tests.cli.fake_use:LineDataModule",
                       description="a line", example="ssm-ts line fit")  # fmt: skip
    monkeypatch.setitem(cli.USES, "line", spec)
    monkeypatch.chdir(tmp_path)


@pytest.mark.parametrize(
    ("command", "callback", "statuses"),
    [
        ("validate", "InterruptAtValidation", ["FINISHED", "KILLED"]),
        ("predict", "InterruptAtPredict", ["FINISHED"]),
    ],
)
def test_ctrl_c_in_validate_or_predict_is_an_interrupt_not_a_failure(
    line_use, capsys, command, callback, statuses
):
    """Ctrl-C in ``validate`` (``test``) left its MLflow run FAILED and exited 1 without a word, and
    Ctrl-C ignored from then on (Lightning's handling, which a fit already replaces): now, as in a fit,
    the run is KILLED, the exit code 130 and the message says it was interrupted."""
    assert cli.main(["line", "fit", "--trainer.max_epochs", "1", "--out", "out"]) == 0
    on_ctrl_c = signal.getsignal(signal.SIGINT)
    interrupt = [f"--trainer.callbacks+=tests.cli.test_audit26_cli.{callback}"]
    assert cli.main(["line", command, "--ckpt_path", "best", "--out", "out", *interrupt]) == 130
    assert "ssm-ts line: interrupted" in capsys.readouterr().err
    assert signal.getsignal(signal.SIGINT) is on_ctrl_c
    assert sorted(run_statuses()) == statuses
