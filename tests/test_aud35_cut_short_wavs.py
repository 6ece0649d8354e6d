"""A WAV cut short (an interrupted copy or download: its header counts more samples than follow it) was
read as far as it goes without a word, so the fit trained on half a recording and nobody knew. The data
module now names such files in one warning, with the seconds each holds of those its header counts."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from ssm_ts.pipelines.audio.reader import audio_header
from tests.audio_setup import one_second_clips

RATE = 8000


@pytest.fixture
def folder(tmp_path) -> Path:
    rng = np.random.default_rng(0)
    for i in range(4):
        sf.write(tmp_path / f"take{i}.wav", rng.uniform(-0.3, 0.3, RATE), RATE)
    return tmp_path


def _cut(path: Path, keep: float) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])


def test_a_wav_cut_short_is_named_with_what_it_holds(folder):
    stereo = np.random.default_rng(1).uniform(-0.3, 0.3, (RATE, 2))
    sf.write(folder / "stereo24.wav", stereo, RATE, subtype="PCM_24")
    _cut(folder / "stereo24.wav", 0.5)
    _cut(folder / "take3.wav", 0.25)
    header = audio_header(folder / "stereo24.wav")
    assert header.declared_frames == RATE and 0 < header.frames < RATE
    with pytest.warns(UserWarning, match=r"2 audio file\(s\) under .* are cut short") as caught:
        one_second_clips(folder, RATE).setup()
    message = next(str(w.message) for w in caught if "cut short" in str(w.message))
    assert "stereo24.wav (0.499 s of 1 s)" in message and "take3.wav (0.248 s of 1 s)" in message
    assert "copy them again" in message


def test_whole_files_and_a_streamed_size_say_nothing(folder):
    # a recorder that cannot know the length writes 0xFFFFFFFF as the data size: no file cut short
    path = folder / "take0.wav"
    data = bytearray(path.read_bytes())
    at = data.find(b"data")
    data[at + 4 : at + 8] = b"\xff\xff\xff\xff"
    path.write_bytes(bytes(data))
    assert audio_header(path).declared_frames is None
    assert audio_header(folder / "take1.wav").declared_frames is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        one_second_clips(folder, RATE).setup()
