"""A guard for the slow-rate warning and the gigabyte-filter refusal of prompts (aud40): prompts at the
usual rates, files and arrays, are resampled to a 16 kHz model without a word and at once."""

from __future__ import annotations

import time
import warnings

import numpy as np
import pytest
import soundfile as sf

from ssm_ts.api.waveform import prompt_audio

USUAL = (8000, 11025, 22050, 32000, 44100, 48000)


@pytest.mark.parametrize("rate", USUAL)
def test_a_prompt_at_a_usual_rate_reads_silently_and_fast(tmp_path, rate):
    sf.write(tmp_path / "p.wav", np.random.default_rng(0).uniform(-0.3, 0.3, rate // 10), rate)  # 0.1 s
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # neither "shares almost no factor" nor any other
        started = time.perf_counter()
        from_file = prompt_audio(str(tmp_path / "p.wav"), 1, 16000)
        from_array = prompt_audio(np.zeros(rate // 10, np.float32), 1, 16000, prompt_rate=rate)
        took = time.perf_counter() - started
    assert from_file.shape == from_array.shape == (1, 1600)
    assert took < 5.0, took  # 7999 Hz, a filter of 128 million values: 16 s
