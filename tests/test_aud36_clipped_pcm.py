"""A 16-bit PCM file recorded too loud is flattened at its largest codes, which the setup's level scan
(reading a PCM file only to its first sound) cannot see: it trained without a word. The clips the
loader decodes are now checked as they are, and such a file is named once, with its share of clipped
samples; a peak-normalised recording (full scale in single samples) and a quiet one say nothing."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch
from torch.utils.data import DataLoader

from ssm_ts.pipelines.audio import ClipDataset, Quantizer, index_audio
from ssm_ts.pipelines.audio.clipped_pcm import full_scale_level, samples_in_full_scale_runs
from ssm_ts.pipelines.audio.resampled import RESAMPLED


@pytest.fixture
def spoken_digit(shared_data) -> np.ndarray:
    """A real 1 s spoken digit at 16 kHz (peak about 0.5)."""
    return sf.read(shared_data / "audio" / "espeak-digits" / "eight" / "s00_nohash_0.wav")[0]


def _clip_warnings(
    folder: Path, sample_rate: int, crop: str = "whole", epochs: int = 2, clip: int = 4000
) -> list[str]:
    files = sorted(folder.glob("*.wav"))
    audio, _ = index_audio(files, sample_rate)
    clips = ClipDataset(audio, clip, Quantizer("mu-law", 8), crop=crop)
    RESAMPLED.clear()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(epochs):
            list(DataLoader(clips, batch_size=2))
    return [str(w.message) for w in caught if "clipped at full scale" in str(w.message)]


@pytest.mark.parametrize("sample_rate", [16000, 8000])  # read at its rate, or resampled whole
def test_a_pcm_file_clipped_at_full_scale_is_named_once_with_its_share(tmp_path, spoken_digit, sample_rate):
    sf.write(tmp_path / "too_loud.wav", np.clip(spoken_digit * 4, -1, 1), 16000, subtype="PCM_16")
    sf.write(tmp_path / "normalised.wav", spoken_digit / np.abs(spoken_digit).max(), 16000, subtype="PCM_16")
    sf.write(tmp_path / "as_recorded.wav", spoken_digit, 16000, subtype="PCM_16")
    said = _clip_warnings(tmp_path, sample_rate)
    assert len(said) == 1 and "too_loud.wav is clipped at full scale" in said[0]
    share = float(said[0].split(": ")[1].split("%")[0])
    assert 1 < share < 50 and "runs of 3 or more samples" in said[0] and "lower gain" in said[0]


def test_training_windows_are_checked_too(tmp_path, spoken_digit):
    sf.write(tmp_path / "too_loud.wav", np.clip(spoken_digit * 4, -1, 1), 16000, subtype="PCM_24")
    said = _clip_warnings(tmp_path, 16000, crop="fixed", epochs=3, clip=16000)
    assert len(said) == 1 and "too_loud.wav" in said[0]


def test_float_files_are_left_to_the_setup_scan():
    assert full_scale_level("WAV FLOAT") is None and full_scale_level("OGG VORBIS") is None
    assert 32766 / 32768 < full_scale_level("WAV PCM_16") < 32767 / 32768
    assert 126 / 128 < full_scale_level("WAV PCM_U8") < 127 / 128


def test_runs_of_three_count_and_single_peaks_do_not():
    wave = torch.tensor([0.0, 1.0, 0.2, -1.0, -1.0, 0.0, 1.0, 1.0, 1.0, 1.0, 0.3, -1.0, -1.0, -1.0])
    assert samples_in_full_scale_runs(wave, 32767 / 32768) == 7
