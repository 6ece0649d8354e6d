"""Validation and test score every sample of each file, as SaShiMi's test NLL covers whole clips: the
files are cut into consecutive clips of ``clip_seconds`` (the last one padded and masked). They scored
each file's first ``clip_seconds`` alone: with the README's quarter-second clips of one-second spoken
digits, the onset (more silence than speech), which a unigram model scores 0.57 bits lower than the
whole files the data's published floors are measured on. Training clips and ``predict`` (one
generated clip per test file) are as they were."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from ssm_ts.pipelines.audio import AudioDataModule, ClipDataset, Quantizer, read_audio
from ssm_ts.pipelines.audio.writing import write_wav
from ssm_ts.tasks.waveform import WaveformTask

pytestmark = pytest.mark.usefixtures("single_thread")

RATE = 8000


def _noise(n: int, seed: int) -> torch.Tensor:
    return (torch.rand(n, generator=torch.Generator().manual_seed(seed)) * 1.6 - 0.8).float()


@pytest.fixture
def folder(tmp_path) -> Path:
    """Train, validation and test files of 800 and 850 samples at 8 kHz, and one at 16 kHz (resampled)."""
    for i, (name, n, rate) in enumerate(
        [
            ("a_train", 800, RATE),
            ("b_train", 800, RATE),
            ("v_one", 850, RATE),
            ("v_two", 1600, 16000),
            ("t_one", 800, RATE),
        ]  # fmt: skip
    ):
        write_wav(tmp_path / f"{name}.wav", _noise(n, i), rate)
    return tmp_path


def _module(folder: Path) -> AudioDataModule:
    data = AudioDataModule(str(folder), RATE, clip_seconds=0.025, split="rule", test_pattern="^t_",
                           val_pattern="^v_", batch_size=3, crop="random")  # fmt: skip
    data.setup()
    return data


def test_validation_and_test_clips_cover_every_sample_of_each_file(folder):
    data = _module(folder)
    quantizer = data.quantizer
    val = data.datasets["val"]
    assert [p.name for p in val.waves.files] == ["v_one.wav", "v_two.wav"]
    assert len(val) == 5 + 4  # 850 samples in clips of 200: 4 whole and one of 50; 800 (resampled): 4
    pieces = [val[i] for i in range(len(val))]
    assert [int(n) for _, n in pieces] == [200, 200, 200, 200, 50, 200, 200, 200, 200]
    for file, clips in (("v_one.wav", pieces[:5]), ("v_two.wav", pieces[5:])):
        joined = torch.cat([codes[:length] for codes, length in clips])
        whole = read_audio(folder / file, RATE).waveform  # v_two resampled from 16 kHz
        assert torch.equal(joined, quantizer.encode(whole)), file
    assert (pieces[4][0][50:] == quantizer.silence).all()  # the last clip's padding, masked by its length
    assert len(data.datasets["test"]) == 4 and len(data.datasets["train"]) == 2  # training: one clip a file


def test_the_test_loss_counts_every_sample_of_the_split(folder):
    data = _module(folder)
    scored = sum(int(lengths.sum()) for _, lengths in data.test_dataloader())
    assert scored == 800  # the whole test file; 200 (its first 0.025 s) before
    task = WaveformTask(preset="tiny", sample_rate=RATE)
    with torch.no_grad():
        masked = [task.sample_nll(codes, lengths) for codes, lengths in data.test_dataloader()]
    nll = torch.cat([values[mask] for values, mask in masked])
    assert nll.numel() == 800


def test_predict_generates_one_clip_per_test_file(folder):
    data = _module(folder)
    starts = [codes for codes, _ in data.predict_dataloader()]
    assert sum(len(c) for c in starts) == 1  # one test file: one clip, not one per scored piece


def test_the_fit_line_says_how_many_clips_are_scored(folder):
    line = _module(folder).describe_sources()
    assert line.endswith(
        "split 2 train, 2 validation, 1 test (validation and test score the whole files: 9 and 4 clips of 0.025 s)"
    )


def test_clips_as_long_as_the_files_score_as_before(folder):
    data = AudioDataModule(str(folder), RATE, clip_seconds=0.2, split="rule", test_pattern="^t_",
                           val_pattern="^v_", crop="random")  # fmt: skip
    data.setup()
    assert len(data.datasets["val"]) == 2 and "score the whole files" not in data.describe_sources()


def test_a_whole_crop_of_tensors_tiles_them_too():
    clips = ClipDataset([_noise(5, 0), _noise(2, 1)], 2, Quantizer(), crop="whole")
    assert [int(clips[i][1]) for i in range(len(clips))] == [2, 2, 1, 2]
