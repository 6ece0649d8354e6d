"""A stereo file whose channels cancel (one the other's inverse: a cable wired in reverse polarity) is
mixed to mono as silence, and its level check, of the channels, found nothing: it trained as silence
without a word. The data module now names such files in one warning with the fix; stereo files whose
channels differ otherwise (one channel silent, a quieter copy) say nothing."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from ssm_ts.pipelines.audio import read_audio
from tests.audio_setup import one_second_clips

RATE = 8000


@pytest.fixture
def folder(tmp_path) -> Path:
    rng = np.random.default_rng(0)
    voice = rng.uniform(-0.3, 0.3, RATE)
    quiet_start = np.concatenate([np.zeros(3000), voice[3000:]])  # read past a silent start
    sf.write(tmp_path / "mono.wav", voice, RATE)
    sf.write(tmp_path / "left_only.wav", np.stack([voice, np.zeros(RATE)], 1), RATE)
    sf.write(tmp_path / "quieter_copy.flac", np.stack([voice, -0.5 * voice], 1), RATE)
    sf.write(tmp_path / "reversed.wav", np.stack([quiet_start, -quiet_start], 1), RATE, subtype="PCM_24")
    sf.write(tmp_path / "float.wav", np.stack([voice, -voice], 1).astype(np.float32), RATE, subtype="FLOAT")
    return tmp_path


def test_channels_that_cancel_in_the_mono_mix_are_named(folder):
    with pytest.warns(
        UserWarning, match=r"2 multichannel audio file\(s\) under .* are silent once mixed"
    ) as caught:
        one_second_clips(folder, RATE).setup()
    message = next(str(w.message) for w in caught if "mixed to mono" in str(w.message))
    assert "float.wav, reversed.wav" in message and "remix 1" in message
    assert "left_only" not in message and "quieter_copy" not in message
    assert float(read_audio(folder / "reversed.wav").waveform.abs().max()) < 1e-6  # the mix: silence


def test_stereo_files_that_do_not_cancel_say_nothing(folder):
    (folder / "reversed.wav").unlink()
    (folder / "float.wav").unlink()
    sf.write(folder / "extra.wav", np.zeros(RATE) + 0.1, RATE)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        one_second_clips(folder, RATE).setup()
