"""A file at a rate sharing almost no factor with the data's (7999 Hz to 16 kHz: gcd 1) makes torchaudio
build a 0.5 GB resampling filter anew each time it is read (6.8 s for a 1 s file), for every clip of
every epoch: the fit crawled without a word. The data module now names such files by rate, with the
fix; usual rates (8, 22.05, 44.1, 48 kHz) say nothing."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from ssm_ts.pipelines.audio import AudioDataModule
from ssm_ts.pipelines.audio.odd_rates import SLOW_FILTER, filter_values


def _folder(root: Path, rates: list[int]) -> Path:
    rng = np.random.default_rng(0)
    for i, rate in enumerate(rates):
        sf.write(root / f"take{i}_{rate}.wav", rng.uniform(-0.3, 0.3, 50), rate)
    return root


def _setup(root: Path) -> None:
    AudioDataModule(
        str(root), 16000, clip_seconds=0.01, split="fractions", fractions=(0.5, 0.25, 0.25)
    ).setup()


def test_files_at_a_rate_that_resamples_slowly_are_named(tmp_path):
    _folder(tmp_path, [16000, 44100, 7999, 7999, 12345])
    with pytest.warns(UserWarning, match=r"3 audio file\(s\) under .* share almost no factor") as caught:
        _setup(tmp_path)
    message = next(str(w.message) for w in caught if "no factor" in str(w.message))
    assert "7999 Hz (489 MB): take2_7999.wav, take3_7999.wav; 12345 Hz (30 MB): take4_12345.wav" in message
    assert "44100" not in message and "sox take.wav -r 16000 take_16000.wav" in message


def test_usual_rates_say_nothing(tmp_path):
    rates = [8000, 11025, 22050, 32000, 44100, 48000, 88200, 96000]
    assert all(filter_values(rate, 16000) < SLOW_FILTER for rate in rates)
    _folder(tmp_path, rates)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _setup(tmp_path)
