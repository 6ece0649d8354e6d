"""Ctrl-C during ``ssm-ts forecast fit`` on real data (ETTh1): the run is KILLED, and the message says how
to resume this fit. It said "rerun with --ckpt_path last" whatever happened: before the first epoch ended
there was nothing to resume (or, under an --out that holds an earlier fit, 'last' is that fit's), and the
message never named the --out the command needs."""

from __future__ import annotations

import mlflow
import pytest

from ssm_ts import cli
from tests.cli_runs import run_statuses

FIT = ["forecast", "fit", "--model.model", "nlinear", "--model.lookback", "48", "--model.horizon", "12"]
FIT += ["--data.path", "ETTh1", "--data.target", "OT", "--trainer.limit_train_batches", "2"]
FIT += ["--trainer.limit_val_batches", "2", "--out", "out"]


def interrupt_at(epoch: int) -> list[str]:
    """Options that press Ctrl-C (raise KeyboardInterrupt) when ``epoch`` starts."""
    return [
        "--trainer.callbacks+=tests.cli.fake_use.InterruptAtEpoch",
        f"--trainer.callbacks.init_args.epoch={epoch}",
    ]


def test_ctrl_c_before_the_first_checkpoint_says_there_is_nothing_to_resume(data_home, capsys):
    assert cli.main([*FIT, "--trainer.max_epochs", "1"]) == 0  # an earlier, finished fit in the same --out
    capsys.readouterr()
    assert cli.main([*FIT, "--trainer.max_epochs", "3", *interrupt_at(0)]) == 130
    err = capsys.readouterr().err
    assert "interrupted before the fit wrote its first checkpoint" in err
    assert "rerun the fit without --ckpt_path" in err and "--ckpt_path last" not in err
    assert sorted(run_statuses()) == ["FINISHED", "KILLED"]


def test_ctrl_c_mid_fit_names_the_command_that_resumes_it(data_home, capsys):
    assert cli.main([*FIT, "--trainer.max_epochs", "3", *interrupt_at(1)]) == 130
    err = " ".join(capsys.readouterr().err.split())
    assert "its MLflow run is marked KILLED" in err
    assert "Resume it, in the same run, with: ssm-ts forecast fit --ckpt_path last --out out" in err
    assert run_statuses() == ["KILLED"]

    assert cli.main(["forecast", "fit", "--ckpt_path", "last", "--out", "out"]) == 0
    assert run_statuses() == ["FINISHED"]
    client = mlflow.MlflowClient(mlflow.get_tracking_uri())
    (run,) = client.search_runs([client.get_experiment_by_name("ssm-ts-forecast").experiment_id])
    assert len(client.get_metric_history(run.info.run_id, "val_loss")) == 3


def test_ctrl_c_without_mlflow_names_no_run_and_no_earlier_fits_checkpoint(data_home, capsys):
    """Without a logger every fit under one --out shares <out>/checkpoints: the message named the earlier
    fit's last.ckpt as this one's and said an MLflow run (there is none) was KILLED."""
    no_mlflow = [*FIT, "--trainer.logger", "false"]
    assert cli.main([*no_mlflow, "--trainer.max_epochs", "1"]) == 0  # an earlier, finished fit
    capsys.readouterr()
    assert cli.main([*no_mlflow, "--trainer.max_epochs", "3", *interrupt_at(0)]) == 130
    err = " ".join(capsys.readouterr().err.split())
    assert "interrupted before the fit wrote its first checkpoint" in err
    assert "it logged to no MLflow run" in err and "KILLED" not in err
    assert cli.main([*no_mlflow, "--trainer.max_epochs", "3", *interrupt_at(1)]) == 130
    err = " ".join(capsys.readouterr().err.split())
    # the earlier fit's last.ckpt is in the folder, so this fit's is last-v1.ckpt, the newest, which 'last' finds
    resume = "ssm-ts forecast fit --ckpt_path last --out out --trainer.logger false"
    kept = "checkpoints are kept (out/checkpoints/last-v1.ckpt) and it logged to no MLflow run."
    assert f"{kept} Resume it with: {resume}" in err


@pytest.fixture(autouse=True)
def _own_store(data_home, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{data_home / 'mlflow.db'}")
