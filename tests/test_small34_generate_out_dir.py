"""``ssm-ts audio generate --ckpt_path <out>`` takes the folder ``ssm-ts audio fit --out <out>`` wrote, as
``WaveformGenerator.load(out_dir)`` does: the model its ``export/`` holds (the fit that finished last).
It was refused, naming ``--ckpt_path <out>/export``. A downloaded MLflow model loads the same way."""

from __future__ import annotations

import pytest
import soundfile as sf

from ssm_ts.api.generate_cli import generate_command
from ssm_ts.errors import CheckpointError
from ssm_ts.tasks.waveform import WaveformTask
from ssm_ts.tasks.waveform_export import save_waveform_export

pytestmark = pytest.mark.usefixtures("single_thread")


def clip_args(folder) -> list[str]:
    return ["--num", "1", "--seconds", "0.001", "--out", str(folder)]


def test_a_fits_out_folder_generates_with_its_export(tmp_path, capsys):
    out = tmp_path / "fit out"
    # an older run's own export at 16 kHz, and the shared export/ of the fit that finished last at 8 kHz
    save_waveform_export(WaveformTask(preset="tiny", sample_rate=16000), out / "1" / "run0" / "export")
    save_waveform_export(WaveformTask(preset="tiny", sample_rate=8000), out / "export")
    assert generate_command(["--ckpt_path", str(out), *clip_args(tmp_path / "clips")]) == 0
    assert f"using {out / 'export'}" in " ".join(capsys.readouterr().err.split())
    assert sf.info(tmp_path / "clips" / "sample_000.wav").samplerate == 8000  # the export's model


def test_a_downloaded_mlflow_model_generates(tmp_path):
    model = tmp_path / "model"
    save_waveform_export(WaveformTask(preset="tiny", sample_rate=8000), model / "artifacts" / "export")
    assert generate_command(["--ckpt_path", str(model), *clip_args(tmp_path / "clips")]) == 0
    assert sf.info(tmp_path / "clips" / "sample_000.wav").samplerate == 8000


def test_a_folder_of_two_exports_names_both(tmp_path):
    for name in ("export", "artifacts/export"):
        save_waveform_export(WaveformTask(preset="tiny"), tmp_path / name)
    with pytest.raises(CheckpointError, match="holds no export itself but 2 inside") as err:
        generate_command(["--ckpt_path", str(tmp_path), *clip_args(tmp_path / "clips")])
    assert str(tmp_path / "artifacts" / "export") in str(err.value)
