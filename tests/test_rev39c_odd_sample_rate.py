"""The refusal of a file whose resampling filter would be gigabytes (3a8ef01), checked against torchaudio and
the usual rates, and the two messages that read wrong after it: a fit whose own ``sample_rate`` is the odd
rate (16001 Hz) told to resample every file to 16001 Hz and to skip them, where the fix is a usual
sample_rate; and a prompt at an odd rate read "... (sox odd.wav -r 16000 odd_16000.wav); give a WAV, FLAC
or OGG file", the second fix wrong for a WAV it had just told how to fix."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from torchaudio.functional.functional import _get_sinc_resample_kernel

from ssm_ts.api.waveform import prompt_audio
from ssm_ts.cli.option_spelling import command_spelling
from ssm_ts.errors import ConfigError, DataError
from ssm_ts.pipelines.audio import AudioDataModule, reader
from ssm_ts.pipelines.audio.odd_rates import filter_values, too_large_to_resample

USUAL = (8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000, 88200, 96000, 192000)


@pytest.fixture
def never_resampled(monkeypatch):
    """torchaudio's resample, which would take minutes and gigabytes here, fails the test if called."""

    def refuse(*args, **kwargs):
        raise AssertionError("asked torchaudio to resample a file it cannot")

    monkeypatch.setattr(reader.AF, "resample", refuse)


@pytest.mark.parametrize("rate,sample_rate", [(44100, 16000), (8000, 16000), (48000, 22050), (11025, 16000),
                                              (16000, 44100), (12345, 16000), (192000, 22050)])  # fmt: skip
def test_the_filter_is_sized_as_torchaudio_builds_it(rate, sample_rate):
    import math

    kernel, _ = _get_sinc_resample_kernel(rate, sample_rate, math.gcd(rate, sample_rate))
    assert filter_values(rate, sample_rate) == kernel.numel()


@pytest.mark.parametrize("sample_rate", [16000, 22050, 44100])
def test_no_usual_rate_pair_is_refused(sample_rate):
    for rate in USUAL:
        assert too_large_to_resample(Path("take.wav"), rate, sample_rate) is None, rate
        assert filter_values(rate, sample_rate) < 1_000_000, rate  # far from the limit too


def _module(folder: Path, sample_rate: int, on_bad_file: str = "raise") -> AudioDataModule:
    for seed in range(4):
        noise = np.random.default_rng(seed).uniform(-0.3, 0.3, 4000)
        sf.write(folder / f"take{seed}.wav", noise, 16000)
    return AudioDataModule(
        str(folder), sample_rate, clip_seconds=0.05, split="fractions", fractions=(0.5, 0.25, 0.25),
        on_bad_file=on_bad_file,
    )  # fmt: skip


@pytest.mark.parametrize("on_bad_file", ["raise", "skip"])
def test_an_odd_sample_rate_is_named_as_the_setting_to_change(tmp_path, never_resampled, on_bad_file):
    with pytest.raises(ConfigError) as raised:  # was: resample each file to 16001 Hz, or skip them all
        _module(tmp_path, 16001, on_bad_file).setup("fit")
    message = str(raised.value)
    assert message.startswith("sample_rate=16001 shares almost no factor with the rates audio is recorded at")
    assert "take0.wav at 16000 Hz" in message and message.endswith(
        "Pick a usual sample_rate (sample_rate=16000)"
    )
    assert "sox" not in message and "on_bad_file" not in message
    assert "--data.sample_rate 16000" in command_spelling(message, "audio")  # ssm-ts audio fit's option


def test_a_usual_sample_rate_is_still_read(tmp_path):
    module = _module(tmp_path, 22050)
    module.setup("fit")
    assert len(module.datasets["train"]) > 0


def test_a_prompt_at_an_odd_rate_gives_its_own_fix_alone(tmp_path, never_resampled):
    sf.write(tmp_path / "odd.wav", np.random.default_rng(0).uniform(-0.3, 0.3, 441), 44101)
    with pytest.raises(DataError) as raised:
        prompt_audio(str(tmp_path / "odd.wav"), 1, 16000)
    assert str(raised.value).endswith("(sox odd.wav -r 16000 odd_16000.wav)"), str(raised.value)


def test_an_unreadable_prompt_still_asks_for_an_audio_file(tmp_path):
    (tmp_path / "text.wav").write_text("not audio")
    with pytest.raises(DataError) as raised:
        prompt_audio(str(tmp_path / "text.wav"), 1, 16000)
    assert str(raised.value).endswith("; give a WAV, FLAC or OGG file"), str(raised.value)
