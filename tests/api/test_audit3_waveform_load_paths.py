"""``WaveformGenerator.load`` / ``ssm-ts audio generate --ckpt_path`` given a fit's output folder (its
``--out``, or a folder in it) instead of a saved model said "is not a complete ssm-ts export:
config.json is missing; save the model again", though the folder holds the export and checkpoints;
a missing path said "pass the path of a .ckpt file", though a saved folder loads too."""

from __future__ import annotations

from pathlib import Path

import pytest

from ssm_ts import WaveformGenerator, cli
from ssm_ts.errors import CheckpointError
from ssm_ts.tasks.waveform import WaveformTask
from ssm_ts.tasks.waveform_export import save_waveform_export


@pytest.fixture
def fit_out(tmp_path) -> Path:
    """A fit's --out as ssm-ts writes it: ``export/`` and ``<experiment>/<run>/checkpoints/last.ckpt``."""
    out = tmp_path / "out"
    save_waveform_export(WaveformTask(preset="tiny"), out / "export")
    checkpoints = out / "1" / "run0" / "checkpoints"
    checkpoints.mkdir(parents=True)
    (checkpoints / "last.ckpt").write_bytes(b"")  # named only, never loaded here
    return out


def test_a_fits_out_folder_loads_its_export(fit_out):
    # as Forecaster.load does (it was refused, naming out/export)
    assert WaveformGenerator.load(str(fit_out)).sample_rate == 16000
    assert WaveformGenerator.load(str(fit_out / "export")).sample_rate == 16000


def test_an_experiment_folder_names_its_checkpoint(fit_out):
    experiment = fit_out / "1"
    with pytest.raises(CheckpointError, match="is a fit's output folder") as err:
        WaveformGenerator.load(str(experiment))
    assert str(experiment / "run0" / "checkpoints" / "last.ckpt") in str(err.value)
    assert "--out" not in str(err.value)  # best/last are not looked for two levels up


def test_a_missing_path_names_both_kinds(in_tmp, capsys):
    args = [
        "audio",
        "generate",
        "--ckpt_path",
        "out/las.ckpt",
        "--num",
        "1",
        "--seconds",
        "0.01",
        "--out",
        "g",
    ]
    assert cli.main(args) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "checkpoint not found: out/las.ckpt; pass a .ckpt written by an audio fit, or the folder of" in err
    assert "WaveformGenerator.save" in err, err
