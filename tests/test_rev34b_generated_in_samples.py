"""A fit that makes no listening samples removes an earlier fit's ``<out>/samples`` only when it is what
the fit mirrors there: ``epoch_NNN/epochNNN_sampleK.wav`` beside the sheet. Clips ``ssm-ts audio
generate --out <out>/samples/epoch_001`` wrote (``sample_000.wav``, the generator's names) are the
user's outputs, kept; they read as listening samples and were removed."""

from __future__ import annotations

from pathlib import Path

import pytest

from ssm_ts.pipelines.audio.generated import SHEET, is_listening_samples_folder


def _epoch(samples: Path, folder: str, clips: list[str]) -> None:
    (samples / folder).mkdir(parents=True)
    for name in [*clips, SHEET]:
        (samples / folder / name).write_text(name)


def test_a_fits_listening_samples_are_told(tmp_path):
    _epoch(tmp_path / "samples", "epoch_001", ["epoch001_sample0.wav", "epoch001_sample1.wav"])
    _epoch(tmp_path / "samples", "epoch_012", ["epoch012_sample0.wav"])
    assert is_listening_samples_folder(tmp_path / "samples")


@pytest.mark.parametrize(
    "folder, clips",
    [
        ("epoch_001", ["sample_000.wav", "sample_001.wav"]),  # audio generate's clips, written there
        ("epoch_002", ["epoch001_sample0.wav"]),  # another epoch's clip: copied in by hand
    ],
)
def test_other_clips_in_epoch_folders_are_not_a_fits(tmp_path, folder, clips):
    _epoch(tmp_path / "samples", folder, clips)
    assert not is_listening_samples_folder(tmp_path / "samples")


def test_a_fit_without_samples_keeps_generated_clips_put_there(tmp_path):
    from types import SimpleNamespace

    from ssm_ts.cli.fit_outputs import retire_earlier_samples

    out = tmp_path / "out"
    _epoch(
        out / "samples", "epoch_001", ["sample_000.wav"]
    )  # ssm-ts audio generate --out out/samples/epoch_001
    no_samples = SimpleNamespace(
        run_id="run", experiment=SimpleNamespace(list_artifacts=lambda run, path: [])
    )
    retire_earlier_samples(no_samples, out)
    assert (out / "samples" / "epoch_001" / "sample_000.wav").read_text() == "sample_000.wav"
