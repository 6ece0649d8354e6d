"""A file at a rate sharing almost no factor with the data's (44101 Hz to 16 kHz) was only warned of as
slow: torchaudio then built a resampling filter of 706 million values to read it, 77 s and 12 GB for
0.1 s of audio, in every loader worker (96001 Hz ended in the kernel's out-of-memory kill), with no word
of the file; a prompt at such a rate did the same. Such a file is now refused where it is read, named
with the fix (resample it once), before torchaudio is asked: at the fit's setup, with the folder's other
unreadable files (``on_bad_file="skip"``: skipped), and as a prompt."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from ssm_ts.api.waveform import prompt_audio
from ssm_ts.errors import DataError
from ssm_ts.pipelines.audio import AudioDataModule, reader
from ssm_ts.pipelines.audio.odd_rates import too_large_to_resample

RATE = 16000
FIX = "Resample it once to a usual rate (sox odd.wav -r 16000 odd_16000.wav)"


@pytest.fixture
def never_resampled(monkeypatch):
    """torchaudio's resample, which would take a minute and gigabytes here, fails the test if called."""

    def refuse(*args, **kwargs):
        raise AssertionError("asked torchaudio to resample a file it cannot")

    monkeypatch.setattr(reader.AF, "resample", refuse)


def _folder(folder: Path) -> Path:
    for seed in range(3):
        sf.write(folder / f"ok{seed}.wav", np.random.default_rng(seed).uniform(-0.3, 0.3, RATE // 4), RATE)
    sf.write(folder / "odd.wav", np.random.default_rng(9).uniform(-0.3, 0.3, 441), 44101)  # 0.01 s
    return folder


def _module(folder: Path, on_bad_file: str) -> AudioDataModule:
    return AudioDataModule(
        str(folder),
        RATE,
        clip_seconds=0.1,
        split="fractions",
        fractions=(0.5, 0.25, 0.25),
        on_bad_file=on_bad_file,
    )


def test_the_fit_names_the_file_at_setup(tmp_path, never_resampled):
    with pytest.raises(DataError) as raised:
        _module(_folder(tmp_path), "raise").setup("fit")  # was set up, to resample it in the loader
    message = str(raised.value)
    assert f"{tmp_path / 'odd.wav'} is at 44101 Hz" in message and "706 million values" in message, message
    assert FIX in message and "on_bad_file='skip'" in message


def test_a_fit_skipping_bad_files_leaves_it_out_with_a_warning(tmp_path, never_resampled):
    module = _module(_folder(tmp_path), "skip")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        module.setup("fit")
    [said] = [str(w.message) for w in caught if "odd.wav" in str(w.message)]
    assert said.startswith("skipped 1 unreadable audio file(s) of 4: odd.wav (is at 44101 Hz") and FIX in said
    assert [p.name for p in module.skipped] == ["odd.wav"]


def test_a_prompt_at_such_a_rate_is_named(tmp_path, never_resampled):
    with pytest.raises(DataError, match="prompt file .*odd.wav is at 44101 Hz") as raised:
        prompt_audio(str(_folder(tmp_path) / "odd.wav"), 1, RATE)
    # the rate to resample a prompt to is the model's (aud40: a model at 16001 Hz is no usual rate)
    assert str(raised.value).endswith(
        "Resample it once to the model's rate, 16000 Hz (sox odd.wav -r 16000 odd_16000.wav)"
    )


@pytest.mark.parametrize("rate", [7999, 8000, 11025, 22050, 44100, 48000, 96000, 1])
def test_usual_rates_and_merely_slow_ones_are_read(rate):
    assert too_large_to_resample(Path("take.wav"), rate, RATE) is None  # 7999 Hz: warned of as slow alone
