"""Errors of the generation checks ``ssm-ts audio generate`` shares with ``WaveformGenerator.generate``
name each option as its front end's user wrote it: the command's ``--seconds 1e-05``, the API's
``seconds=1e-05``. The command said ``seconds=1e-05`` (a Python keyword) to a user who typed
``--seconds``, and its fixes (``prompt_seconds=``, ``top_p ... or None``) did not parse when pasted."""

from __future__ import annotations

import shlex

import numpy as np
import pytest
import soundfile as sf

from ssm_ts import WaveformGenerator
from ssm_ts.api.generate_cli import generate_command
from ssm_ts.errors import ConfigError
from ssm_ts.tasks.waveform import WaveformTask, save_waveform_export

pytestmark = pytest.mark.usefixtures("single_thread")
RATE = 8000


@pytest.fixture
def export(tmp_path):
    """A tiny untrained model at 8 kHz saved as an export (no fit needed for input checks)."""
    save_waveform_export(WaveformTask(preset="tiny", sample_rate=RATE), tmp_path / "export")
    return tmp_path / "export"


@pytest.fixture
def take(tmp_path):
    """A 0.3 s take at 8 kHz, longer than the clips asked for below."""
    path = tmp_path / "take.wav"
    sf.write(path, 0.4 * np.sin(2 * np.pi * 220 * np.arange(2400) / RATE), RATE)
    return path


def test_the_command_names_its_flags_and_its_fix_runs_when_pasted(export, take, tmp_path):
    base = ["--ckpt_path", str(export), "--out", str(tmp_path / "out"), "--num", "1"]
    with pytest.raises(ConfigError) as err:
        generate_command([*base, "--seconds", "0.00001"])
    assert str(err.value).startswith("--seconds 1e-05 is under one sample at 8000 Hz; use at least 0.000125")
    with pytest.raises(ConfigError) as err:
        generate_command([*base, "--seconds", "0.5", "--top_p", "2"])
    assert str(err.value) == "--top_p must be a number in (0, 1], got 2.0"  # no "or None": no flag takes it
    with pytest.raises(ConfigError) as err:
        generate_command([*base, "--seconds", "0.5", "--prompt", str(take), "--prompt_seconds", "1"])
    assert str(err.value).startswith("--prompt_seconds 1 asks for more than the prompt")
    assert "Give --prompt_seconds up to 0.3," in str(err.value)
    # a prompt as long as the clips: the fix it names, pasted onto the command, generates
    with pytest.raises(ConfigError) as err:
        generate_command([*base, "--seconds", "0.2", "--prompt", str(take)])
    message = str(err.value)
    assert "Ask for more --seconds than the prompt lasts (--seconds counts the prompt)" in message
    assert "seconds=" not in message and "prompt_seconds=" not in message
    fix = message.rsplit("e.g. ", 1)[1].rstrip(".")
    assert fix == "--prompt_seconds 0.1"
    assert generate_command([*base, "--seconds", "0.2", "--prompt", str(take), *shlex.split(fix)]) == 0
    assert sf.info(tmp_path / "out" / "sample_000.wav").frames == 1600


def test_the_api_names_its_keywords_and_its_fix_runs_when_pasted(export, take):
    gen = WaveformGenerator.load(str(export))
    with pytest.raises(ConfigError, match=r"^seconds=1e-05 is under one sample at 8000 Hz"):
        gen.generate(1, 1e-5)
    with pytest.raises(ConfigError, match=r"^top_p must be a number in \(0, 1\] or None, got 2"):
        gen.generate(1, 0.5, top_p=2)
    with pytest.raises(ConfigError) as err:
        gen.generate(1, 0.2, prompt=str(take))
    message = str(err.value)
    assert "Ask for more seconds than the prompt lasts (seconds counts the prompt)" in message
    assert "--" not in message
    fix = message.rsplit("e.g. ", 1)[1].rstrip(".")
    assert fix == "prompt_seconds=0.1"
    clips = eval(f"gen.generate(1, 0.2, prompt=str(take), {fix})")  # the fix as a user pastes it
    assert clips.shape == (1, 1600)
