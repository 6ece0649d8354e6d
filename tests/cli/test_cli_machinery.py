"""The shared LightningCLI machinery, on a tiny fake use: MLflow logging, config, predict files, errors."""

from __future__ import annotations

import mlflow
import pandas as pd
import pytest

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
