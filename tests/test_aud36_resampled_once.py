"""A file at another rate than the data's was decoded and resampled whole for every clip cut from it
(0.35 s a 1 s clip of a 5-minute 44.1 kHz take). Each process now resamples it once and keeps it, up to
a budget in bytes (least recently used dropped first), and the clips are bit for bit those of the whole
file resampled, in data loader workers too."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch
from torch.utils.data import DataLoader

from ssm_ts.errors import ConfigError
from ssm_ts.pipelines.audio import ClipDataset, Quantizer, index_audio, read_audio
from ssm_ts.pipelines.audio import datamodule as datamodule_module
from ssm_ts.pipelines.audio.reader import decode_mono
from ssm_ts.pipelines.audio.resampled import RESAMPLED, cache_bytes

CLIP = 400


@pytest.fixture(autouse=True)
def _empty_cache():
    RESAMPLED.clear()
    yield
    RESAMPLED.clear()


def _take(path: Path, seconds: float, rate: int = 44100, seed: int = 0) -> Path:
    noise = np.random.default_rng(seed).uniform(-0.4, 0.4, (int(seconds * rate), 2))
    sf.write(path, noise, rate, subtype="PCM_16")
    return path


def _counting_reads(monkeypatch) -> list[Path]:
    reads: list[Path] = []

    def counted(path, *args, **kwargs):
        reads.append(Path(path))
        return decode_mono(path, *args, **kwargs)

    monkeypatch.setattr(datamodule_module, "decode_mono", counted)
    return reads


def test_a_file_at_another_rate_is_resampled_once_for_all_its_clips(tmp_path, monkeypatch):
    path = _take(tmp_path / "take.wav", 1.0)
    audio, _ = index_audio([path], 16000)
    reads = _counting_reads(monkeypatch)
    clips = ClipDataset(audio, CLIP, Quantizer("mu-law", 8), crop="random", seed=3)
    items = [clips[(0, epoch)] for epoch in range(6)]
    assert len(reads) == 1  # was 6: one whole decode and resampling a clip
    # each clip is a window of the whole file resampled, bit for bit (codes are per sample)
    windows = Quantizer("mu-law", 8).encode(read_audio(path, 16000).waveform).unfold(0, CLIP, 1)
    starts = set()
    for codes, length in items:
        found = (windows == codes).all(dim=1).nonzero().flatten()
        assert int(length) == CLIP and len(found) > 0
        starts.add(int(found[0]))
    assert len(starts) > 1  # random windows, not one clip over and over


def test_the_cache_keeps_the_budget_and_drops_the_least_recently_used(tmp_path, monkeypatch):
    paths = [_take(tmp_path / f"take{i}.wav", 0.5, seed=i) for i in range(3)]
    audio, _ = index_audio(paths, 16000)
    per_file = 8000 * 4  # 0.5 s at 16 kHz, float32
    monkeypatch.setenv("SSM_TS_AUDIO_CACHE_MB", str(2.5 * per_file / 2**20))  # two files' worth
    reads = _counting_reads(monkeypatch)
    clips = ClipDataset(audio, CLIP, Quantizer("mu-law", 8), crop="fixed")
    for index in (0, 1, 0, 2, 0, 1):  # 2 drops 1 (0 was used since), then 1 drops 2
        clips[index]
    assert [p.name for p in reads] == ["take0.wav", "take1.wav", "take2.wav", "take1.wav"]
    assert RESAMPLED.bytes <= 2.5 * per_file and len(RESAMPLED) == 2
    monkeypatch.setenv("SSM_TS_AUDIO_CACHE_MB", "0")  # none kept but the last file read
    clips[2]
    assert len(RESAMPLED) == 1


def test_a_file_saved_again_is_resampled_again(tmp_path, monkeypatch):
    path = _take(tmp_path / "take.wav", 0.5)
    audio, _ = index_audio([path], 16000)
    clips = ClipDataset(audio, CLIP, Quantizer("mu-law", 8), crop="fixed")
    first = clips[0][0]
    _take(path, 0.5, seed=9)  # same name, size and rate, other samples
    assert not torch.equal(clips[0][0], first)


def test_loader_workers_give_the_clips_of_one_process(tmp_path):
    paths = [_take(tmp_path / f"take{i}.wav", 0.3, seed=i) for i in range(2)]
    audio, _ = index_audio(paths, 16000)
    clips = ClipDataset(audio, CLIP, Quantizer("mu-law", 8), crop="whole")
    alone = torch.cat([codes for codes, _ in DataLoader(clips, batch_size=3)])
    RESAMPLED.clear()
    in_workers = torch.cat([codes for codes, _ in DataLoader(clips, batch_size=3, num_workers=2)])
    assert torch.equal(alone, in_workers) and len(alone) == len(clips) == 2 * 12


@pytest.mark.parametrize("given", ["lots", "-1", "nan"])
def test_a_bad_budget_is_named_with_what_it_takes(monkeypatch, given):
    monkeypatch.setenv("SSM_TS_AUDIO_CACHE_MB", given)
    with pytest.raises(ConfigError, match=rf"SSM_TS_AUDIO_CACHE_MB='{given}' must be a number of MB >= 0"):
        cache_bytes()
