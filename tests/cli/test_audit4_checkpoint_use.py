"""A checkpoint of another use (a forecaster's given to classify, an audio model's to forecast) is refused
before Lightning parses its hyperparameters, naming the use that wrote it and the command that reads it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import torch

from ssm_ts import cli

# each use's hyper_parameters as its fits save them (a task's __init__ arguments)
HYPER_PARAMETERS = {
    "forecast": {
        "model": "spacetime", "lookback": 48, "horizon": 12, "n_channels": 1, "n_outputs": 1,
        "channel_independent": False, "quantiles": None, "loss": "mse", "model_options": {}, "lr": 1e-3,
        "weight_decay": 0.0, "lr_schedule": "cosine", "_instantiator": "lightning.pytorch.cli.instantiate_module",
    },
    "audio": {
        "preset": "tiny", "d_model": 16, "n_layers": 2, "pool": [4], "expand": 2, "ff_expand": 2, "ssm": "s4d",
        "d_state": 16, "dropout": 0.0, "sample_rate": 8000, "quantization": "mu-law", "bits": 8, "lr": 1e-3,
    },
    "classify": {
        "model": "s4nd", "n_channels": 6, "classes": ["a", "b"], "model_options": {}, "lr": 1e-3,
        "weight_decay": 0.0, "lr_schedule": "cosine", "label_smoothing": 0.0, "rate": None,
    },
}  # fmt: skip


def checkpoint_of(use: str, folder: Path) -> Path:
    """A checkpoint file holding what a ``use`` fit's last.ckpt holds about its model."""
    path = folder / f"{use}_last.ckpt"
    torch.save({"hyper_parameters": HYPER_PARAMETERS[use], "state_dict": {}, "epoch": 0}, path)
    return path


def error_of(args: list[str], capsys) -> str:
    """The error ``ssm-ts ARGS`` prints (asserted to fail), on one line."""
    assert cli.main(args) != 0
    return " ".join(capsys.readouterr().err.split())


@pytest.mark.parametrize(
    ("use", "command", "wrote", "extra"),
    [
        ("classify", "predict", "forecast", ["--data.path", "x.ts"]),
        ("classify", "test", "audio", []),
        ("forecast", "predict", "classify", ["--data.path", "x.csv"]),
        ("audio", "test", "classify", []),
        ("forecast", "fit", "audio", []),
    ],
)
def test_another_uses_checkpoint_names_the_use_and_the_command(use, command, wrote, extra, tmp_path, capsys):
    ckpt = checkpoint_of(wrote, tmp_path)
    err = error_of([use, command, "--ckpt_path", str(ckpt), "--out", str(tmp_path / "out"), *extra], capsys)
    assert f"{ckpt} is not a" in err and f"{use} model's checkpoint" in err
    assert f"'ssm-ts {wrote} fit' wrote it" in err
    assert f"ssm-ts {wrote} {command} --ckpt_path {ckpt}" in err
    assert "Parser key" not in err and "hyperparameters failed" not in err


def test_a_checkpoint_of_the_same_use_is_not_refused_by_the_check(tmp_path):
    from ssm_ts.cli.checkpoint_use import check_checkpoint_use

    for use in HYPER_PARAMETERS:
        check_checkpoint_use({"hyper_parameters": HYPER_PARAMETERS[use]}, use, "test", "x.ckpt")


def test_a_classify_fits_own_checkpoint_given_to_forecast_predict(
    basicmotions_random_features_cli_fit, in_tmp, capsys
):
    ckpt = basicmotions_random_features_cli_fit[0]  # a real classify fit's last.ckpt
    err = error_of(
        ["forecast", "predict", "--ckpt_path", str(ckpt), "--data.path", "ETTh1", "--out", "out"], capsys
    )
    assert f"{ckpt} is not a forecast model's checkpoint: 'ssm-ts classify fit' wrote it" in err, err
    assert f"Read it with ssm-ts classify predict --ckpt_path {ckpt}" in err, err


@pytest.mark.parametrize("wrote", ["forecast", "classify"])
def test_audio_generate_names_the_use_that_wrote_the_checkpoint(wrote, tmp_path, capsys):
    ckpt = checkpoint_of(wrote, tmp_path)
    err = error_of(["audio", "generate", "--ckpt_path", str(ckpt), "--out", str(tmp_path / "clips")], capsys)
    assert f"{ckpt} is not an audio model's checkpoint: 'ssm-ts {wrote} fit' wrote it" in err, err
    # generate is audio's alone: the other use's checkpoint is read by its predict
    assert f"Read it with ssm-ts {wrote} predict --ckpt_path {ckpt}" in err, err


def test_waveform_generator_load_names_the_use_that_wrote_the_checkpoint(tmp_path):
    from ssm_ts import WaveformGenerator
    from ssm_ts.errors import CheckpointError

    ckpt = checkpoint_of("forecast", tmp_path)
    with pytest.raises(CheckpointError, match=r"'ssm-ts forecast fit' wrote it .* ssm-ts forecast predict"):
        WaveformGenerator.load(str(ckpt))


def imported_modules(source: str) -> set[str]:
    """The modules a Python source imports (``from ssm_ts import cli`` as ``ssm_ts`` and ``ssm_ts.cli``)."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names |= {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
    return names


def test_the_use_check_lives_below_the_cli():
    """``audio generate`` loads through ssm_ts.tasks, and no module of ssm_ts.tasks or ssm_ts.api imports
    ssm_ts.cli (imports point down): the check is ssm_ts.tasks.checkpoint_use's, over the same uses as the
    CLI's."""
    from ssm_ts.cli.uses import USES
    from ssm_ts.tasks import checkpoint_use

    assert checkpoint_use.USE_TASKS == {use: spec.task for use, spec in USES.items()}
    package = Path(checkpoint_use.__file__).parents[1]
    for module in [*package.glob("tasks/*.py"), *package.glob("api/*.py")]:
        upward = [m for m in imported_modules(module.read_text()) if m.split(".")[:2] == ["ssm_ts", "cli"]]
        assert not upward, f"{module} imports {upward}"
