"""``prompt_seconds`` (CLI ``--prompt_seconds``): the start of a long take as the prompt, as SaShiMi's
``--l_prefix`` takes the first samples of a file. Without it a take longer than the clips was an error
whose only fix was cutting the file by hand."""

from __future__ import annotations

import re

import numpy as np
import pytest
import soundfile as sf
import torch

from ssm_ts import WaveformGenerator
from ssm_ts.api.generate_cli import generate_command
from ssm_ts.errors import ConfigError
from ssm_ts.tasks.waveform import WaveformTask, save_waveform_export

pytestmark = pytest.mark.usefixtures("single_thread")
RATE = 8000


@pytest.fixture
def gen(tmp_path) -> WaveformGenerator:
    """A tiny untrained generator at 8 kHz, loaded from its export (no fit needed)."""
    save_waveform_export(WaveformTask(preset="tiny", sample_rate=RATE), tmp_path / "export")
    return WaveformGenerator.load(str(tmp_path / "export"))


@pytest.fixture
def take(tmp_path):
    """A 0.3 s stereo take at 16 kHz (the model's rate is 8 kHz) and its path."""
    t = np.arange(4800) / 16000
    tone = 0.4 * np.sin(2 * np.pi * 220 * t)
    path = tmp_path / "take.flac"
    sf.write(path, np.stack([tone, 0.5 * tone], axis=1), 16000)
    return path


def test_prompt_seconds_keeps_the_start_of_a_prompt_file(gen, take):
    clips = gen.generate(2, 0.2, prompt=str(take), prompt_seconds=0.1, seed=3)
    assert clips.shape == (2, 1600)
    # the same clips as the take's first 0.1 s (800 samples at the model's rate) given as an array
    whole = gen.generate(2, 0.35, prompt=str(take), seed=0)[0, :2400]  # the take at 8 kHz, quantised
    first = gen.generate(2, 0.2, prompt=whole[:800], seed=3)
    assert torch.equal(clips, first)
    # both clips start with those 800 samples, then each goes its own way
    assert torch.equal(clips[:, :800], whole[:800].expand(2, -1))
    assert not torch.equal(clips[0, 800:], clips[1, 800:])
    # an array prompt is cut the same way, after resampling from its prompt_rate
    data = sf.read(take)[0].mean(axis=1)
    from_array = gen.generate(2, 0.2, prompt=data, prompt_rate=16000, prompt_seconds=0.1, seed=3)
    assert torch.equal(from_array, clips)


def test_the_cli_takes_prompt_seconds_as_the_api_does(gen, take, tmp_path):
    out = tmp_path / "out"
    argv = ["--ckpt_path", str(tmp_path / "export"), "--out", str(out), "--num", "2", "--seconds", "0.2"]
    assert generate_command([*argv, "--prompt", str(take), "--prompt_seconds", "0.1", "--seed", "3"]) == 0
    written = np.stack([sf.read(out / f"sample_00{i}.wav", dtype="int16")[0] for i in range(2)])
    want = gen.generate(2, 0.2, prompt=str(take), prompt_seconds=0.1, seed=3).numpy() * 32768
    assert written.shape == (2, 1600) and np.abs(written - want).max() <= 1  # 16-bit rounding
    with pytest.raises(
        ConfigError, match="--prompt_seconds is the length of the prompt to use; give --prompt"
    ):
        generate_command([*argv, "--prompt_seconds", "0.1"])


def test_a_prompt_longer_than_the_clips_names_prompt_seconds(gen, take):
    with pytest.raises(
        ConfigError,
        match=rf"the prompt is 0.3 s .*starts with the prompt {re.escape(str(take))}, .*"
        r"use its start alone, e.g. prompt_seconds=0.1\.",
    ):
        gen.generate(1, 0.2, prompt=str(take))


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            0.5,
            r"prompt_seconds=0.5 asks for more than the prompt .*take.flac holds: 0.3 s \(2400 samples at "
            r"the model's 8000 Hz, resampled from 16000 Hz\)",
        ),
        (0, r"prompt_seconds must be a finite number > 0 \(or None\), got 0"),
        (float("nan"), r"prompt_seconds must be a finite number > 0 \(or None\), got nan"),
        ("0.1", r"prompt_seconds must be a finite number > 0 \(or None\), got '0.1'"),
        (1e-5, r"prompt_seconds=1e-05 is under one sample at 8000 Hz"),
    ],
)
def test_bad_prompt_seconds_are_config_errors(gen, take, value, message):
    with pytest.raises(ConfigError, match=message):
        gen.generate(1, 1.0, prompt=str(take), prompt_seconds=value)


def test_prompt_seconds_without_a_prompt_is_refused(gen):
    with pytest.raises(
        ConfigError, match="prompt_seconds is the length of the prompt to use; give a prompt="
    ):
        gen.generate(1, 0.1, prompt_seconds=0.05)
