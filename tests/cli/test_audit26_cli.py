"""Audit 26 of the ``ssm-ts`` command (the fake ``line`` use, so each test takes seconds)."""

from __future__ import annotations

import signal
import warnings
from pathlib import Path

import lightning.pytorch as pl
import mlflow
import pytest
import yaml

from ssm_ts import cli
from ssm_ts.tracking.logger import default_tracking_uri
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
    assert f"ssm-ts line {command}: interrupted" in capsys.readouterr().err
    assert signal.getsignal(signal.SIGINT) is on_ctrl_c
    assert sorted(run_statuses()) == statuses


@pytest.mark.parametrize("command", ["predict", "validate", "fit"])
def test_print_config_with_a_checkpoint_shows_the_checkpoints_settings(line_use, capsys, command):
    """``--print_config`` printed while the arguments were parsed, before ``--ckpt_path`` was read: the
    defaults (``lr: 0.1``, ``ckpt_path: best``), not the model settings the command runs with (the
    checkpoint's), nor a resumed fit's trainer settings."""
    fit = ["line", "fit", "--trainer.max_epochs", "2", "--out", "out", "--model.lr", "0.05"]
    assert cli.main(fit) == 0
    capsys.readouterr()
    ckpt = "last" if command == "fit" else "best"
    with pytest.raises(SystemExit) as done:
        cli.main(["line", command, "--ckpt_path", ckpt, "--out", "out", "--print_config"])
    assert done.value.code == 0
    printed = yaml.safe_load(capsys.readouterr().out)
    assert printed["model"]["lr"] == 0.05
    assert printed["ckpt_path"].endswith("last.ckpt" if command == "fit" else "best-epoch=1.ckpt")
    if command == "fit":
        assert printed["trainer"]["max_epochs"] == 2
    assert sorted(run_statuses()) == ["FINISHED"]  # nothing ran


def test_print_config_flags_and_their_errors_with_a_checkpoint(line_use, capsys):
    assert cli.main(["line", "fit", "--trainer.max_epochs", "1", "--out", "out", "--model.lr", "0.05"]) == 0
    capsys.readouterr()
    predict = ["line", "predict", "--ckpt_path", "best", "--out", "out", "--data.slope", "3"]
    with pytest.raises(SystemExit) as done:
        cli.main([*predict, "--print_config=skip_default"])
    assert done.value.code == 0
    assert yaml.safe_load(capsys.readouterr().out)["data"] == {"slope": 3.0}
    with pytest.raises(SystemExit) as done:
        cli.main([*predict, "--print_config=skip_defaults"])
    assert done.value.code == 2
    assert 'Invalid option "skip_defaults" for --print_config' in capsys.readouterr().err


def test_evaluating_a_checkpoint_fitted_with_callbacks_does_not_ask_for_them(line_use, capsys):
    """``validate``/``test``/``predict`` of a checkpoint whose fit had EarlyStopping (or EMAWeights, or
    ``max_time``'s Timer) printed Lightning's "Please add the following callbacks: ['EarlyStopping']":
    advice for a resumed fit, while evaluating needs only the checkpoint's weights."""
    stop = ["--trainer.callbacks+=EarlyStopping", "--trainer.callbacks.monitor=val_loss"]
    fit = ["line", "fit", "--trainer.max_epochs", "1", "--out", "out", *stop]
    assert cli.main(fit) == 0
    capsys.readouterr()
    for command in ("validate", "predict"):
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            assert cli.main(["line", command, "--ckpt_path", "best", "--out", "out"]) == 0
        assert not [w for w in seen if "callbacks used to create the checkpoint" in str(w.message)]


def test_a_validate_run_names_the_checkpoint_and_the_fit_run_it_evaluated(line_use, tmp_path):
    """``ssm-ts USE validate|test --ckpt_path ...`` logs its metrics in a run of its own, which said
    nothing of what it evaluated: among several fits' test runs, which is whose?"""
    assert cli.main(["line", "fit", "--trainer.max_epochs", "1", "--out", "out"]) == 0
    assert cli.main(["line", "validate", "--ckpt_path", "best", "--out", "out"]) == 0
    client = mlflow.MlflowClient(default_tracking_uri())
    experiment = client.get_experiment_by_name("ssm-ts-line").experiment_id
    validated, fitted = client.search_runs([experiment], order_by=["attributes.start_time DESC"])
    tags = validated.data.tags
    assert tags["ssm_ts.fit_run_id"] == fitted.info.run_id
    (best,) = (tmp_path / "out").rglob("best-*.ckpt")
    assert Path(tags["ssm_ts.checkpoint"]).resolve() == best.resolve()
    assert "ssm_ts.fit_run_id" not in fitted.data.tags


def test_a_fit_logs_each_setting_once_with_the_trainer_s_and_the_seed(line_use):
    """LightningCLI puts its ``_instantiator`` (``lightning.pytorch.cli.instantiate_module``) among the
    task's hyperparameters, and every run listed it as a parameter of the model. Lightning logged each
    task setting a second time under its bare name (``lr`` beside ``model.lr``), and the trainer's
    settings and the seed were not logged at all."""
    args = ["--trainer.max_epochs", "1", "--out", "out", "--model.lr", "0.05", "--seed_everything", "7"]
    assert cli.main(["line", "fit", *args]) == 0
    client = mlflow.MlflowClient(default_tracking_uri())
    (run,) = client.search_runs([client.get_experiment_by_name("ssm-ts-line").experiment_id])
    params = run.data.params
    assert "_instantiator" not in params
    assert params["model.lr"] == "0.05" and "lr" not in params
    assert not [name for name in params if "." not in name and name != "seed_everything"], params
    assert params["trainer.max_epochs"] == "1" and params["seed_everything"] == "7"
    assert not [name for name in params if name.startswith(("trainer.callbacks", "trainer.logger"))]


def test_fit_with_ckpt_path_best_says_a_fit_resumes_from_last(line_use, capsys):
    """``fit --ckpt_path best`` (best names a checkpoint for validate/test/predict) was "checkpoint not
    found: best", as if a file named best were missing."""
    assert cli.main(["line", "fit", "--trainer.max_epochs", "1", "--out", "out"]) == 0
    capsys.readouterr()
    assert cli.main(["line", "fit", "--ckpt_path", "best", "--out", "out"]) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "--ckpt_path best" in err and "--ckpt_path last" in err and "not found" not in err


@pytest.mark.parametrize("command", ["fit", "predict"])
def test_an_out_that_is_a_file_is_refused_before_anything_runs(line_use, tmp_path, capsys, command):
    """``--out forecast.csv`` (an existing file, as if --out named the output file) was a
    NotADirectoryError / FileExistsError traceback from pathlib, after a fit had started its run."""
    assert cli.main(["line", "fit", "--trainer.max_epochs", "1", "--out", "out"]) == 0
    (tmp_path / "forecast.csv").write_text("date,y\n")
    ckpt = [] if command == "fit" else ["--ckpt_path", str(next((tmp_path / "out").rglob("best-*.ckpt")))]
    for out in ("forecast.csv", "forecast.csv/sub"):
        capsys.readouterr()
        assert cli.main(["line", command, *ckpt, "--trainer.max_epochs", "1", "--out", out]) == 1
        assert "not a folder; give --out a folder path" in capsys.readouterr().err
    assert run_statuses() == ["FINISHED"]


@pytest.mark.parametrize("command", ["validate", "predict"])
def test_register_as_outside_fit_warns_that_it_registers_nothing(line_use, command):
    """``--register_as`` was taken by validate, test and predict and did nothing: no model registered, no
    word (a warning, not an error: a config shared with the fit may hold it)."""
    assert cli.main(["line", "fit", "--trainer.max_epochs", "1", "--out", "out"]) == 0
    with pytest.warns(UserWarning, match=f"--register_as line-v1: {command} registers no model"):
        assert (
            cli.main(["line", command, "--ckpt_path", "best", "--out", "out", "--register_as", "line-v1"])
            == 0
        )
    assert not mlflow.MlflowClient(default_tracking_uri()).search_registered_models()
