"""A stereo 16-bit file clipped on one channel only went unnoticed: the clipped-PCM check looked at the
mono mix, where the other channel halves the flattened tops below full scale. Each channel is now
checked before the mix (in the windows read at the file's rate and in files resampled whole), and a
clean stereo file still says nothing."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch
from torch.utils.data import DataLoader

from ssm_ts.pipelines.audio import ClipDataset, Quantizer, index_audio, read_audio
from ssm_ts.pipelines.audio.clipped_pcm import full_scale_level, samples_in_full_scale_runs
from ssm_ts.pipelines.audio.resampled import RESAMPLED


@pytest.fixture
def spoken_digit(shared_data) -> np.ndarray:
    """A real 1 s spoken digit at 16 kHz (peak about 0.5)."""
    return sf.read(shared_data / "audio" / "espeak-digits" / "eight" / "s00_nohash_0.wav")[0]


def _clip_warnings(folder: Path, sample_rate: int, crop: str) -> tuple[list[str], list[torch.Tensor]]:
    files = sorted(folder.glob("*.wav"))
    audio, _ = index_audio(files, sample_rate)
    clips = ClipDataset(audio, 4000, Quantizer("mu-law", 8), crop=crop)
    RESAMPLED.clear()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        list(DataLoader(clips, batch_size=2))
        windows = [audio.window(i, 0, 4000) for i in range(len(files))]
    return [str(w.message) for w in caught if "clipped at full scale" in str(w.message)], windows


@pytest.mark.parametrize("sample_rate", [16000, 8000])  # windows read at its rate, or resampled whole
def test_a_stereo_file_clipped_on_its_left_channel_alone_is_named(tmp_path, spoken_digit, sample_rate):
    left_clipped = np.stack([np.clip(spoken_digit * 4, -1, 1), spoken_digit], axis=1)
    clean = np.stack(
        [spoken_digit, spoken_digit / np.abs(spoken_digit).max()], axis=1
    )  # peaks in single samples
    sf.write(tmp_path / "left_clipped.wav", left_clipped, 16000, subtype="PCM_16")
    sf.write(tmp_path / "clean.wav", clean, 16000, subtype="PCM_16")
    said, windows = _clip_warnings(tmp_path, sample_rate, crop="whole")
    assert len(said) == 1 and "left_clipped.wav is clipped at full scale" in said[0]
    # the clips are the mono mix as before: the channels were checked, not kept
    expected = [
        read_audio(tmp_path / name, sample_rate).waveform[:4000] for name in ("clean.wav", "left_clipped.wav")
    ]
    for window, wave in zip(windows, expected, strict=True):
        assert torch.equal(window, wave)


def test_runs_are_counted_per_channel_and_each_frame_once():
    level = full_scale_level("WAV PCM_16")
    left = [0.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0]
    right = [0.0, 0.0, -1.0, -1.0, -1.0, -1.0, 0.0]  # frames 2-3 in runs on both channels: counted once
    assert samples_in_full_scale_runs(np.array([left, right], dtype=np.float32).T, level) == 5
    mix = (np.array(left) + np.array([0.0] * 7)) / 2  # one channel's run, halved by a silent other
    assert samples_in_full_scale_runs(np.array([left, [0.0] * 7], dtype=np.float32).T, level) == 3
    assert samples_in_full_scale_runs(torch.tensor(mix, dtype=torch.float32), level) == 0
