"""A trainer option Lightning refuses when it builds the Trainer (``--trainer.accelerator gpu`` on a
machine without a GPU, ``--trainer.devices 0``, a strategy or precision this machine cannot run): one
error line naming the option and a value that works, exit code 1, no traceback, and no MLflow run left
RUNNING. It was Lightning's ``MisconfigurationException: No supported gpu backend found!`` after a
35-line traceback, in every use (forecast, audio, classify build their trainer the same way)."""

from __future__ import annotations

import mlflow
import pytest
import torch

from ssm_ts import cli
from ssm_ts.errors import ConfigError
from ssm_ts.training import build_trainer
from tests.cli_runs import QUICK_CONFIGS, run_statuses

NO_GPU = pytest.mark.skipif(torch.cuda.is_available(), reason="a machine with a GPU builds this trainer")


def _error_line(capsys, use: str) -> str:
    err = capsys.readouterr().err
    (line,) = [line for line in err.splitlines() if line.startswith(f"ssm-ts {use} fit: error:")]
    assert "Traceback" not in err, err
    return line


@NO_GPU
@pytest.mark.parametrize("use", sorted(QUICK_CONFIGS))
def test_a_gpu_accelerator_without_a_gpu_is_one_error_line(use, data_home, capsys):
    args = [use, "fit", "--config", QUICK_CONFIGS[use], "--out", "out", "--trainer.accelerator", "gpu"]
    assert cli.main(args) == 1
    line = _error_line(capsys, use)
    assert "--trainer.accelerator gpu" in line and "No supported gpu backend found" in line
    assert "--trainer.accelerator cpu or --trainer.accelerator auto" in line
    assert "RUNNING" not in run_statuses()


@pytest.mark.parametrize(
    ("options", "named", "fix"),
    [
        (["--trainer.devices", "0"], "--trainer.devices 0", "--trainer.devices 1"),
        (
            ["--trainer.precision", "transformer-engine"],
            "--trainer.precision transformer-engine",
            "--trainer.precision 32-true",
        ),
        # GPU indices on the CPU: the devices were refused, not the accelerator the user gave
        (
            ["--trainer.accelerator", "cpu", "--trainer.devices", "[0, 1]"],
            '--trainer.devices "[0, 1]"',
            "--trainer.devices 1",
        ),
        # Lightning's text of GPU indices: a list too, told so
        (
            ["--trainer.accelerator", "cpu", "--trainer.devices", "0,1"],
            "--trainer.devices 0,1",
            "--trainer.devices 1 or --trainer.devices auto (a list picks GPUs by index",
        ),
        # a GPU-only strategy on the CPU: Lightning's message names the accelerator too
        (
            ["--trainer.accelerator", "cpu", "--trainer.strategy", "fsdp"],
            "--trainer.strategy fsdp",
            "--trainer.strategy auto",
        ),
    ],
)
def test_devices_precision_and_strategy_refusals_name_the_option(data_home, capsys, options, named, fix):
    args = ["forecast", "fit", "--config", "forecast_etth1", "--out", "out", *options]
    assert cli.main(args) == 1
    line = _error_line(capsys, "forecast")
    assert named in line and f"Use {fix}" in line
    assert "RUNNING" not in run_statuses()


def test_another_refused_trainer_option_is_one_error_line(data_home, capsys):
    args = ["forecast", "fit", "--config", "forecast_etth1", "--out", "out"]
    assert cli.main([*args, "--trainer.gradient_clip_algorithm", "bogus"]) == 1
    line = _error_line(capsys, "forecast")
    assert "lightning.Trainer refused" in line and "`gradient_clip_algorithm` bogus is invalid" in line


def test_an_unknown_precision_is_refused_by_the_parser_naming_it(data_home, capsys):
    args = ["forecast", "fit", "--config", "forecast_etth1", "--out", "out", "--trainer.precision", "bogus"]
    with pytest.raises(SystemExit) as ended:
        cli.main(args)
    assert ended.value.code == 2
    err = capsys.readouterr().err
    assert "--trainer.precision takes one of" in err and "bf16-mixed" in err and "Traceback" not in err
    assert run_statuses() == []


@NO_GPU
def test_a_resume_on_a_gpu_leaves_the_run_as_it_was(monkeypatch, tmp_path, capsys):
    """A resumed fit continues an existing run: refused before training, that run keeps its status."""
    spec = cli.UseSpec(task="tests.cli.fake_use:LineTask", datamodule="tests.cli.fake_use:LineDataModule",
                       description="a line", example="ssm-ts line fit")  # fmt: skip
    monkeypatch.setitem(cli.USES, "line", spec)
    monkeypatch.chdir(tmp_path)
    args = ["line", "fit", "--trainer.max_epochs", "1", "--out", "out"]
    assert cli.main(args) == 0
    assert run_statuses() == ["FINISHED"]
    resume = ["line", "fit", "--trainer.max_epochs", "2", "--out", "out", "--ckpt_path", "last"]
    assert cli.main([*resume, "--trainer.accelerator", "gpu"]) == 1
    assert "--trainer.accelerator gpu" in _error_line(capsys, "line")
    assert run_statuses() == ["FINISHED"]


@NO_GPU
def test_the_python_api_trainer_names_the_setting_as_python_spells_it(tmp_path):
    """:func:`build_trainer` (WaveformGenerator, SSMClassifier, Forecaster) refuses the same way."""
    with pytest.raises(ConfigError, match="accelerator='gpu'") as caught:
        build_trainer(max_epochs=1, out_dir=tmp_path, accelerator="gpu")
    assert "Use accelerator='cpu' or accelerator='auto'" in str(caught.value)


@NO_GPU
def test_a_waveform_fit_on_a_gpu_fails_its_run(shared_data, single_thread, tmp_path):
    """The audio Python API started its MLflow run before building the trainer, and left it RUNNING."""
    from ssm_ts import WaveformGenerator

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    generator = WaveformGenerator(
        accelerator="gpu", max_epochs=1, tracking_uri=uri, out_dir=str(tmp_path / "out")
    )
    with pytest.raises(ConfigError, match="lightning.Trainer refused accelerator='gpu'"):
        generator.fit(shared_data / "audio" / "espeak-digits")
    client = mlflow.MlflowClient(uri)
    (run,) = client.search_runs([client.get_experiment_by_name("ssm-ts-audio").experiment_id])
    assert run.info.status == "FAILED"
