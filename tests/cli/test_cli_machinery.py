"""The shared LightningCLI machinery, on a tiny fake use: MLflow logging, config, predict files, errors."""

from __future__ import annotations

import logging

import mlflow
import pandas as pd
import pytest
import torch

from ssm_ts import cli
from ssm_ts.tracking.logger import default_tracking_uri


@pytest.fixture()
def fake_use(monkeypatch):
    spec = cli.UseSpec(
        task="tests.cli.fake_use:LineTask",
        datamodule="tests.cli.fake_use:LineDataModule",
        description="a line",
        example="ssm-ts line fit",
        extra_commands={"hello": "tests.cli.test_cli_machinery:hello_command"},
    )
    monkeypatch.setitem(cli.USES, "line", spec)
    return spec


def hello_command(argv):
    print("hello", *argv)
    return 0


def test_top_level_help_lists_uses(capsys):
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    assert all(use in out for use in ("forecast", "audio", "classify", "generate"))
    assert cli.main(["nonsense"]) == 2
    assert "unknown use 'nonsense'" in capsys.readouterr().err


def test_fit_logs_run_config_and_model_then_predict_writes_csv(fake_use, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    args = ["line", "fit", "--trainer.max_epochs", "4", "--model.lr", "0.2", "--out", str(out)]
    args += ["--register_as", "line-model"]
    assert cli.main(args) == 0
    assert (out / "config.yaml").is_file()
    assert not (tmp_path / "lightning_logs").exists()

    client = mlflow.MlflowClient(default_tracking_uri())
    experiment = client.get_experiment_by_name("ssm-ts-line")
    (run,) = client.search_runs([experiment.experiment_id])
    assert run.data.params["model.lr"] == "0.2"
    assert len(client.get_metric_history(run.info.run_id, "val_loss")) == 4
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert "config.yaml" in artifacts and "checkpoints" in artifacts

    mlflow.set_tracking_uri(default_tracking_uri())
    model = mlflow.pyfunc.load_model("models:/line-model/1")
    prediction = model.predict(pd.DataFrame({"x": [1.0]}))
    assert abs(prediction["x"][0] - 2.0) < 0.2

    ckpt = next((out).rglob("last.ckpt"))
    assert cli.main(["line", "predict", "--ckpt_path", str(ckpt), "--out", str(out)]) == 0
    written = pd.read_csv(out / "predictions.csv")
    assert len(written) == 64


def test_unknown_key_is_an_error_naming_it(fake_use, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["line", "fit", "--model.not_a_key", "3"])
    assert exit_info.value.code == 2
    assert "not_a_key" in capsys.readouterr().err


def test_extra_command_dispatch(fake_use, capsys):
    assert cli.main(["line", "hello", "world"]) == 0
    assert "hello world" in capsys.readouterr().out


def test_fit_resumes_from_last_checkpoint_in_the_same_mlflow_run(fake_use, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = str(tmp_path / "out")
    assert cli.main(["line", "fit", "--trainer.max_epochs", "2", "--out", out]) == 0
    assert cli.main(["line", "fit", "--trainer.max_epochs", "4", "--out", out, "--ckpt_path", "last"]) == 0

    client = mlflow.MlflowClient(default_tracking_uri())
    runs = client.search_runs([client.get_experiment_by_name("ssm-ts-line").experiment_id])
    assert len(runs) == 1  # continued, not duplicated
    steps = [m.step for m in client.get_metric_history(runs[0].info.run_id, "val_loss")]
    assert len(steps) == 4 and len(set(steps)) == 4


def test_resume_without_a_checkpoint_is_a_clear_error(fake_use, tmp_path, capsys):
    code = cli.main(["line", "fit", "--out", str(tmp_path / "empty"), "--ckpt_path", "last"])
    assert code == 1
    assert "no last.ckpt under" in capsys.readouterr().err


def test_lightnings_own_weight_averaging_is_refused_with_the_replacement(
    fake_use, tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    args = ["line", "fit", "--out", str(tmp_path / "out")]
    args += ["--trainer.callbacks+=lightning.pytorch.callbacks.EMAWeightAveraging"]
    assert cli.main(args) == 1
    assert "ssm_ts.training.EMAWeights" in capsys.readouterr().err


@pytest.mark.parametrize("use", sorted(cli.USES))
def test_help_at_every_level_lists_what_exists(use, capsys):
    commands = ["fit", "validate", "test", "predict", *cli.USES[use].extra_commands]
    with pytest.raises(SystemExit) as exit_info:
        cli.main([use, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    # the usage line names tune and generate too (it named Lightning's four; only a header above said "also tune")
    assert out.startswith(f"usage: ssm-ts {use} [-c CONFIG] {{{','.join(commands)}}} ...")
    listed = out[out.index("Available subcommands:") :].splitlines()
    assert all(any(line.split()[:1] == [command] for line in listed) for command in commands)
    assert "Fit the model on the data into --out" in out and "full optimization routine" not in out

    with pytest.raises(SystemExit):
        cli.main([use, "fit", "--help"])
    out = capsys.readouterr().out
    options = ["--model.", "--data.", "--trainer.max_epochs", "--out", "--tracking_uri", "--register_as"]
    assert f"usage: ssm-ts {use} [options] fit" in out
    assert all(option in out for option in [*options, "--print_config", "--ckpt_path"])

    for command in cli.USES[use].extra_commands:  # e.g. ssm-ts audio generate
        with pytest.raises(SystemExit) as exit_info:
            cli.main([use, command, "--help"])
        assert exit_info.value.code == 0
        assert f"usage: ssm-ts {use} {command}" in capsys.readouterr().out


def test_unknown_key_on_the_command_line_or_in_a_config_lists_the_valid_ones(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["forecast", "fit", "--model.lookbak", "96"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "--model.lookbak" in err and "--model.lookback" in err and "--data.path" in err
    assert "ssm-ts forecast fit --help" in err

    typo = tmp_path / "typo.yaml"
    typo.write_text("model:\n  lookbak: 96\n")
    with pytest.raises(SystemExit):
        cli.main(["forecast", "fit", "--config", str(typo)])
    err = capsys.readouterr().err
    assert "does not accept option 'model.lookbak'" in err and "--model.lookback" in err


CHATTER = ("GPU available", "TPU available", "Tip:", "LOCAL_RANK", "Creating initial MLflow database",
           "not found. Creating it", "Downloading artifacts", "seed set to")  # fmt: skip


def test_quiet_by_default_verbose_on_request(fake_use, tmp_path, monkeypatch, capfd, caplog):
    monkeypatch.chdir(tmp_path)
    caplog.set_level(logging.INFO)
    assert cli.main(["line", "fit", "--trainer.max_epochs", "1", "--out", "quiet"]) == 0
    captured = capfd.readouterr()
    said = captured.out + captured.err + caplog.text  # printed, and logged through any logger
    assert not [phrase for phrase in CHATTER if phrase in said]
    assert "checkpoints" in captured.err and "logged model" in captured.err  # ssm-ts's own summary stays
    assert not (tmp_path / "lightning_logs").exists()

    caplog.clear()
    assert cli.main(["line", "fit", "--trainer.max_epochs", "1", "--out", "loud", "--verbose"]) == 0
    captured = capfd.readouterr()
    assert "GPU available" in captured.out + captured.err + caplog.text  # Lightning's own report is back
    assert not (tmp_path / "lightning_logs").exists()


def test_fit_keeps_the_best_validation_checkpoint_and_predict_resolves_it(
    fake_use, tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    assert cli.main(["line", "fit", "--trainer.max_epochs", "4", "--model.lr", "0.2", "--out", str(out)]) == 0
    (best,) = out.rglob("best-epoch=*.ckpt")
    state = torch.load(best, map_location="cpu", weights_only=True)
    (checkpointing,) = [v for k, v in state["callbacks"].items() if k.startswith("ModelCheckpoint")]
    client = mlflow.MlflowClient(default_tracking_uri())
    (run,) = client.search_runs([client.get_experiment_by_name("ssm-ts-line").experiment_id])
    val_losses = [m.value for m in client.get_metric_history(run.info.run_id, "val_loss")]
    assert checkpointing["monitor"] == "val_loss"
    assert float(checkpointing["best_model_score"]) == pytest.approx(min(val_losses), rel=1e-6)

    assert cli.main(["line", "predict", "--ckpt_path", "best", "--out", str(out)]) == 0
    assert f"using {best}" in capsys.readouterr().err.replace("\n", "")
    assert len(pd.read_csv(out / "predictions.csv")) == 64


@pytest.mark.parametrize(
    ("ckpt_args", "message"),
    [
        ([], "predict needs a trained model: pass --ckpt_path"),
        (["--ckpt_path", "missing.ckpt"], "checkpoint not found: missing.ckpt"),
        (["--ckpt_path", "."], "is a folder, not a checkpoint"),
        (["--ckpt_path", "best"], "no best-*.ckpt under --out"),
    ],
)
def test_predict_without_a_usable_checkpoint_says_what_to_pass(
    fake_use, tmp_path, monkeypatch, capsys, ckpt_args, message
):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["line", "predict", *ckpt_args, "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
