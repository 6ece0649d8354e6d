"""A prompt for a model at an odd rate (16001 Hz, trained on files at that rate) read "... shares almost no
factor with 16001 Hz ... Resample it once to a usual rate (sox p.wav -r 16001 p_16001.wav)": 16001 Hz is no
usual rate, and the rate to blame was the model's. The line now names the model's rate as the one to
resample to, the rate its sox line runs with; a fit's files at an odd sample_rate are told the fit's rate
likewise. A prompt array at such a prompt_rate went to torchaudio, a filter of a gigabyte and minutes:
it is refused first, with a resampler made for such rates. A prompt file at 22,050 Hz for a 16 kHz model
read "the prompt is 1 s (16000 samples at 16000 Hz)", neither its rate nor its samples: it says both now."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch

from ssm_ts import WaveformGenerator
from ssm_ts.cli import main
from ssm_ts.errors import ConfigError, DataError
from ssm_ts.pipelines.audio import reader
from ssm_ts.pipelines.audio.odd_rates import too_large_to_resample, warn_of_slow_rates
from ssm_ts.tasks.waveform import WaveformTask
from ssm_ts.tasks.waveform_export import save_waveform_export

pytestmark = pytest.mark.usefixtures("single_thread")
MODEL_RATE = 16001  # a model trained on files at 16001 Hz: none resampled


@pytest.fixture
def never_resampled(monkeypatch):
    """torchaudio's resample, which would take a minute and gigabytes here, fails the test if called."""

    def refuse(*args, **kwargs):
        raise AssertionError("asked torchaudio to resample a prompt it cannot")

    monkeypatch.setattr(reader.AF, "resample", refuse)


@pytest.fixture
def model(tmp_path) -> Path:
    save_waveform_export(WaveformTask(preset="tiny", sample_rate=MODEL_RATE), tmp_path / "model")
    return tmp_path / "model"


def _prompt(folder: Path) -> Path:
    sf.write(folder / "p.wav", np.random.default_rng(0).uniform(-0.3, 0.3, 1600), 16000)  # a usual rate
    return folder / "p.wav"


FIX = "Resample it once to the model's rate, 16001 Hz (sox p.wav -r 16001 p_16001.wav)"


def test_the_command_names_the_models_rate_as_the_one_to_resample_to(
    model, tmp_path, capsys, never_resampled
):
    argv = ["audio", "generate", "--ckpt_path", str(model), "--num", "1", "--seconds", "0.2"]
    assert main([*argv, "--prompt", str(_prompt(tmp_path)), "--out", str(tmp_path / "clips")]) != 0
    said = " ".join(capsys.readouterr().err.split())  # rich wraps the line
    assert "shares almost no factor with the model's 16001 Hz" in said, said
    assert said.rstrip().endswith(FIX), said  # was: "to a usual rate (sox p.wav -r 16001 ...)"
    assert "usual rate" not in said


def test_the_api_says_the_same(model, tmp_path, never_resampled):
    with pytest.raises(DataError) as raised:
        WaveformGenerator.load(str(model)).generate(n=1, seconds=0.2, prompt=str(_prompt(tmp_path)))
    assert str(raised.value).endswith(FIX) and "usual" not in str(raised.value), str(raised.value)


def test_a_prompt_array_at_such_a_rate_is_refused_before_torchaudio_is_asked(model, never_resampled):
    prompt = torch.zeros(1600)
    with pytest.raises(ConfigError) as raised:  # was: torchaudio asked for a filter of 256 million values
        WaveformGenerator.load(str(model)).generate(n=1, seconds=0.2, prompt=prompt, prompt_rate=16000)
    message = str(raised.value)
    assert message.startswith("prompt_rate=16000 shares almost no factor with the model's 16001 Hz"), message
    assert message.endswith(
        "(scipy.signal.resample_poly(prompt, 16001, 16000, axis=-1)) and leave prompt_rate out"
    )


def test_a_fit_at_a_rate_no_usual_one_is_told_its_own_rate():
    said = too_large_to_resample(Path("odd.wav"), 44101, 12000)  # 12 kHz: any usual rate resamples to it
    assert said.endswith(
        "Resample it once to the fit's sample_rate, 12000 Hz (sox odd.wav -r 12000 odd_12000.wav)"
    )
    assert too_large_to_resample(Path("odd.wav"), 44101, 16000).endswith(
        "Resample it once to a usual rate (sox odd.wav -r 16000 odd_16000.wav)"  # 16 kHz is one: as it was
    )
    with pytest.warns(UserWarning) as caught:
        warn_of_slow_rates([Path("t/a.wav")], [8000], 16001, Path("t"))
    assert str(caught[0].message).endswith(
        "Resample them once to the fit's sample_rate, 16001 Hz (sox take.wav -r 16001 take_16001.wav)"
    )


def test_a_resampled_prompt_is_said_at_both_rates(tmp_path, capsys):
    save_waveform_export(WaveformTask(preset="tiny", sample_rate=16000), tmp_path / "m16k")
    sf.write(tmp_path / "p.wav", np.random.default_rng(0).uniform(-0.3, 0.3, 22050), 22050)  # 1 s
    said = "1 s (16000 samples at the model's 16000 Hz, resampled from 22050 Hz)"  # was: (16000 samples at 16000 Hz)
    argv = ["audio", "generate", "--ckpt_path", str(tmp_path / "m16k"), "--prompt", str(tmp_path / "p.wav")]
    assert main([*argv, "--num", "1", "--seconds", "0.5", "--out", str(tmp_path / "clips")]) != 0
    assert f"the prompt is {said} and the clips 0.5 s" in " ".join(capsys.readouterr().err.split())
    with pytest.raises(ConfigError, match=re.escape(f"holds: {said}. Give prompt_seconds up to 1")):
        WaveformGenerator.load(str(tmp_path / "m16k")).generate(
            n=1, seconds=2, prompt=str(tmp_path / "p.wav"), prompt_seconds=1.5
        )
    with pytest.raises(
        ConfigError, match=re.escape("the prompt is 0.5 s (8000 samples at the model's 16000 Hz, resampled")
    ):
        WaveformGenerator.load(str(tmp_path / "m16k")).generate(
            n=1, seconds=0.4, prompt=np.zeros(11025), prompt_rate=22050
        )


def test_a_prompt_slow_to_resample_is_warned_of_with_the_same_fix(tmp_path, monkeypatch):
    """7999 Hz to 16 kHz: a filter of 128 million values, 16 s to read a 0.1 s prompt here, without a word."""
    monkeypatch.setattr(
        reader.AF, "resample", lambda wave, rate, to: torch.zeros(len(wave) * to // rate)
    )  # fast
    save_waveform_export(WaveformTask(preset="tiny", sample_rate=16000), tmp_path / "m16k")
    sf.write(tmp_path / "p.wav", np.random.default_rng(0).uniform(-0.3, 0.3, 800), 7999)
    with pytest.warns(UserWarning, match="prompt file .*p.wav is at 7999 Hz") as caught:
        WaveformGenerator.load(str(tmp_path / "m16k")).generate(
            n=1, seconds=0.2, prompt=str(tmp_path / "p.wav")
        )
    (slow,) = [w for w in caught if "7999 Hz" in str(w.message)]
    assert str(slow.message).endswith(
        "Resample it once to the model's rate, 16000 Hz (sox p.wav -r 16000 p_16000.wav)"
    )
    assert "489 MB" in str(slow.message) and slow.filename == __file__  # the user's line
