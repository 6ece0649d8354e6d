"""SIGTERM during a fit (``kill``, a scheduler's preemption, ``docker stop``): Lightning stops at the next
batch with its SIGTERMException, a ``SystemExit`` without a code, and the command exited 0, as a success,
saying nothing, its MLflow run FAILED. It now ends as Ctrl-C does (the run KILLED, the command that
resumes the fit printed), with exit code 143 (128 + SIGTERM)."""

from __future__ import annotations

import lightning.pytorch as pl
import mlflow

from ssm_ts import cli
from ssm_ts.tracking.logger import default_tracking_uri


class TermAtEpoch(pl.Callback):
    """What Lightning's SIGTERM handler does when the signal comes at the start of epoch ``epoch``."""

    def __init__(self, epoch: int = 1):
        self.epoch = epoch

    def on_train_epoch_start(self, trainer, pl_module):
        if trainer.current_epoch == self.epoch:
            trainer._signal_connector.received_sigterm = True  # set by its handler of the signal


def test_sigterm_mid_fit_kills_the_run_names_the_resume_and_exits_143(line_use, capsys):
    args = ["line", "fit", "--trainer.max_epochs", "3", "--out", "out"]
    args += ["--trainer.callbacks+=tests.cli.test_cli32_sigterm.TermAtEpoch"]
    assert cli.main(args) == 143
    err = " ".join(capsys.readouterr().err.split())
    assert "ssm-ts line fit: stopped by SIGTERM; its checkpoints are kept" in err
    assert "Resume it, in the same run, with: ssm-ts line fit --ckpt_path last --out out" in err
    client = mlflow.MlflowClient(default_tracking_uri())
    (run,) = client.search_runs([client.get_experiment_by_name("ssm-ts-line").experiment_id])
    assert run.info.status == "KILLED"
