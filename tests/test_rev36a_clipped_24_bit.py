"""A 24-bit file was judged clipped at 16-bit full scale (its samples within 2**-15 of +-1): a
peak-normalised 24-bit take of low hum (50 Hz at 48 kHz) has runs of 3 such samples at each peak,
0.6% of them, and was named as clipped. Each file is judged at its own largest codes now."""

from __future__ import annotations

import warnings

import numpy as np
import soundfile as sf
from torch.utils.data import DataLoader

from ssm_ts.pipelines.audio import ClipDataset, Quantizer, index_audio
from ssm_ts.pipelines.audio.resampled import RESAMPLED


def _named(path, rate) -> list[str]:
    audio, _ = index_audio([path], rate)
    RESAMPLED.clear()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        list(DataLoader(ClipDataset(audio, rate // 4, Quantizer("mu-law", 8), crop="whole"), batch_size=4))
    return [str(w.message) for w in caught if "clipped at full scale" in str(w.message)]


def test_a_peak_normalised_24_bit_take_is_not_named_and_a_clipped_one_is(tmp_path):
    rate = 48000
    hum = np.sin(2 * np.pi * 50 * np.arange(rate) / rate + 0.3)
    sf.write(tmp_path / "normalised.wav", hum / np.abs(hum).max(), rate, subtype="PCM_24")
    assert _named(tmp_path / "normalised.wav", rate) == []
    sf.write(tmp_path / "clipped.wav", np.clip(hum * 1.2, -1, 1), rate, subtype="PCM_24")
    named = _named(tmp_path / "clipped.wav", rate)
    assert len(named) == 1 and "clipped.wav" in named[0]
