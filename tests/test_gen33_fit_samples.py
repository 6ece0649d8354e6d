"""The listening samples a CLI audio fit copies into ``--out/samples`` are one fit's, as ``--out/export``
is: the folder is replaced whole by the fit that finishes last, and every run keeps its own in
``<out>/<experiment id>/<run id>/samples``. Copied file by file, a second fit of 1 epoch into the
--out of a fit of 2 left ``samples/epoch_001`` (its own) beside ``samples/epoch_002`` (the first
fit's), which read as one training. And ``ssm-ts audio validate`` made samples too: clips named
``epoch_001`` whatever epoch its checkpoint was, into that same folder."""

from __future__ import annotations

from pathlib import Path

import mlflow
import pytest

from ssm_ts.cli.fit_outputs import mirror_run_artifacts
from ssm_ts.pipelines.audio import AudioDataModule
from ssm_ts.tasks.waveform import WaveformTask
from ssm_ts.tracking.logger import log_artifact, make_mlflow_logger
from ssm_ts.training import build_trainer

pytestmark = pytest.mark.usefixtures("single_thread")


def _run_with_samples(tmp_path: Path, name: str, epochs: int):
    """An MLflow run holding what the sample callback logs for ``epochs`` epochs, each clip's bytes ``name``."""
    for epoch in range(1, epochs + 1):
        folder = tmp_path / name / f"epoch_{epoch:03d}"
        folder.mkdir(parents=True)
        (folder / f"epoch{epoch:03d}_sample0.wav").write_text(f"{name} {epoch}")
        (folder / "spectrograms.png").write_text(name)
    logger = make_mlflow_logger("ssm-ts-audio")
    log_artifact(logger, tmp_path / name, "samples")
    return logger


def test_a_second_fit_into_one_out_replaces_the_samples_folder_whole(tmp_path, capsys):
    out = tmp_path / "out"
    first = _run_with_samples(tmp_path, "first", epochs=2)
    mirror_run_artifacts(first, out)
    assert sorted(p.name for p in (out / "samples").iterdir()) == ["epoch_001", "epoch_002"]
    second = _run_with_samples(tmp_path, "second", epochs=1)
    mirror_run_artifacts(second, out)
    # the second fit's samples alone; before, the first fit's epoch_002 stayed beside them
    shared = sorted(str(p.relative_to(out)) for p in (out / "samples").rglob("*") if p.is_file())
    assert shared == ["samples/epoch_001/epoch001_sample0.wav", "samples/epoch_001/spectrograms.png"]
    assert (out / "samples" / "epoch_001" / "epoch001_sample0.wav").read_text() == "second 1"
    # each run keeps its own, and the command says where
    own_first = out / first.experiment_id / first.run_id / "samples"
    assert (own_first / "epoch_002" / "epoch002_sample0.wav").read_text() == "first 2"
    own_second = out / second.experiment_id / second.run_id / "samples"
    assert f"also in {own_second}" in " ".join(capsys.readouterr().err.split())
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]  # nothing moved aside is left


def test_validating_an_audio_model_makes_no_listening_samples(shared_data, tmp_path):
    """Real spoken digits, a tiny model: a validate run's samples were labelled epoch_001 of training."""
    data = AudioDataModule(str(shared_data / "audio" / "espeak-digits"), sample_rate=8000, clip_seconds=0.02,
                           max_files_per_split=2, batch_size=2)  # fmt: skip
    task = WaveformTask(
        preset="tiny", sample_rate=8000, sample_every_n_epochs=1, n_samples=1, sample_seconds=0.005
    )
    logger = make_mlflow_logger("ssm-ts-audio")
    trainer = build_trainer(max_epochs=1, out_dir=tmp_path, logger=logger, enable_progress_bar=False)
    trainer.validate(task, datamodule=data, verbose=False)
    assert mlflow.MlflowClient().list_artifacts(logger.run_id, "samples") == []
