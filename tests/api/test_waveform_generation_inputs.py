"""Generation settings and prompts as users pass them: wrong types and values are ConfigErrors naming
the setting (not torch TypeErrors or silent garbage); a prompt may be a file at any rate and channels."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import soundfile as sf
import torch

from ssm_ts import WaveformGenerator
from ssm_ts.api.generate_cli import generate_command
from ssm_ts.errors import ConfigError, DataError, DataFileNotFoundError
from ssm_ts.tasks.waveform import WaveformTask, save_waveform_export

pytestmark = pytest.mark.usefixtures("single_thread")


@pytest.fixture
def gen(tmp_path) -> WaveformGenerator:
    """A tiny untrained generator at 8 kHz, loaded from its export (no fit needed for input checks)."""
    save_waveform_export(WaveformTask(preset="tiny", sample_rate=8000), tmp_path / "export")
    return WaveformGenerator.load(str(tmp_path / "export"))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (dict(n=2.5), r"n must be a whole number of clips >= 1, got 2.5"),
        (dict(n="2"), r"n must be a whole number of clips >= 1, got '2'"),
        (dict(n=True), r"n must be a whole number of clips >= 1, got True"),
        (dict(n=0), r"n must be a whole number of clips >= 1, got 0"),
        (dict(seconds=float("nan")), r"seconds must be a finite number > 0, got nan"),
        (dict(seconds=float("inf")), r"seconds must be a finite number > 0, got inf"),
        (dict(seconds="1"), r"seconds must be a finite number > 0, got '1'"),
        (dict(seconds=-1), r"seconds must be a finite number > 0, got -1"),
        (dict(seconds=1e-6), r"seconds=1e-06 is under one sample at 8000 Hz; use at least 0.000125"),
        (dict(temperature=float("nan")), r"temperature must be a finite number > 0, got nan"),
        (dict(temperature=float("inf")), r"temperature must be a finite number > 0, got inf"),
        (dict(temperature=0), r"temperature must be a finite number > 0, got 0"),
        (dict(top_p=float("nan")), r"top_p must be a number in \(0, 1\] or None, got nan"),
        (dict(top_p=0), r"top_p must be a number in \(0, 1\] or None, got 0"),
        (dict(top_p=1.5), r"top_p must be a number in \(0, 1\] or None, got 1.5"),
        (dict(seed=1.5), r"seed must be a whole number or None, got 1.5"),
    ],
)
def test_bad_generation_settings_are_config_errors_naming_them(gen, options, message):
    # before: n=2.5 a TypeError from torch.empty, seconds=nan a ValueError from round, seed=1.5 a
    # RuntimeError from manual_seed; temperature nan/inf generated garbage (a constant clip) silently
    args = {"n": 1, "seconds": 0.002, **options}
    with pytest.raises(ConfigError, match=message):
        gen.generate(**args)


def test_numpy_integers_and_floats_are_accepted(gen):
    audio = gen.generate(np.int64(2), np.float32(0.002), temperature=np.float64(0.9), seed=np.int64(3))
    assert audio.shape == (2, 16) and torch.isfinite(audio).all() and audio.abs().max() <= 1


def test_a_prompt_file_at_another_rate_and_channels_is_mixed_and_resampled(gen, tmp_path):
    rate, t = 44100, np.arange(4410) / 44100
    tone = 0.4 * np.sin(2 * np.pi * 300 * t)
    path = tmp_path / "prompt.WAV"
    sf.write(path, np.stack([tone, tone], axis=1), rate, subtype="PCM_24")
    audio = gen.generate(2, 0.2, prompt=str(path), seed=0)  # 0.1 s of prompt, 0.1 s generated
    assert audio.shape == (2, 1600)
    want = torch.from_numpy(tone[::1]).float()
    import torchaudio.functional as AF

    want = AF.resample(want, rate, 8000)
    torch.testing.assert_close(audio[:, 100:700], want[100:700].expand(2, -1), atol=0.03, rtol=0)
    # an array at another rate: prompt_rate resamples it; (samples, channels) as soundfile returns it
    data, _ = sf.read(path)
    torch.testing.assert_close(
        gen.generate(2, 0.2, prompt=data.mean(axis=1), prompt_rate=rate, seed=0), audio
    )
    with pytest.raises(ConfigError, match=r"\(samples, channels\).*mean\(axis=1\).*or pass the file's path"):
        gen.generate(1, 0.2, prompt=data)
    with pytest.raises(DataFileNotFoundError, match="prompt file .*missing.wav not found"):
        gen.generate(1, 0.2, prompt=str(tmp_path / "missing.wav"))


def test_generate_cli_takes_a_prompt_file_and_checks_settings(gen, tmp_path):
    path = tmp_path / "prompt.flac"
    sf.write(path, 0.3 * np.sin(np.arange(4800) / 10.0), 48000)
    base = ["--ckpt_path", str(tmp_path / "export"), "--out", str(tmp_path / "out")]
    assert generate_command([*base, "--num", "2", "--seconds", "0.15", "--prompt", str(path)]) == 0
    data, rate = sf.read(tmp_path / "out" / "sample_001.wav")
    assert rate == 8000 and data.shape == (1200,) and np.isfinite(data).all()
    # a prompt (0.1 s) at least as long as the clips would come back as it was, nothing generated
    with pytest.raises(
        ConfigError, match=r"the prompt is 0.1 s .* and the clips 0.05 s: .*nothing would be generated"
    ):
        generate_command([*base, "--num", "2", "--seconds", "0.05", "--prompt", str(path)])
    with pytest.raises(ConfigError, match="nothing would be generated"):
        gen.generate(2, 0.1, prompt=str(path))
    for flag, value, message in [
        ("--seconds", "nan", "seconds must be a finite number > 0"),
        ("--temperature", "inf", "temperature must be a finite number > 0"),
        ("--top_p", "0", r"top_p must be a number in \(0, 1\]"),
    ]:
        with pytest.raises(ConfigError, match=message):
            generate_command([*base, "--num", "1", flag, value])


def test_pyfunc_requests_with_bad_values_name_the_row_and_column(gen, tmp_path):
    from ssm_ts.tracking.pyfunc_audio import WaveformPyfunc

    model = WaveformPyfunc()
    model.generator = gen
    out = model.predict(None, pd.DataFrame({"seconds": [0.002, 0.001], "seed": [1, np.nan]}))
    assert [len(a) for a in out["audio"]] == [16, 8]
    for frame, message in [
        (pd.DataFrame({"seconds": ["abc"]}), r"request row 0, column 'seconds': 'abc' is not a number"),
        (pd.DataFrame({"seconds": [0.002, None]}), r"request row 1, column 'seconds' is empty"),
        (
            pd.DataFrame({"seconds": [0.002], "temperature": [0]}),
            r"request row 0: temperature must be a finite",
        ),
        (pd.DataFrame({"seconds": [0.002], "seed": [2.5]}), r"request row 0: seed must be a whole number"),
    ]:
        with pytest.raises((DataError, ConfigError), match=message):
            model.predict(None, frame)
    # a request row generates what generate(1, ...) does with the same seed
    torch.testing.assert_close(torch.tensor(out["audio"][0]), gen.generate(1, 0.002, seed=1)[0])
    assert math.isclose(float(out["sample_rate"][0]), 8000)


def test_a_prompt_tensor_that_requires_grad_is_taken_as_audio(gen):
    # before: a RuntimeError from deep in torch ("Can't call numpy() on Tensor that requires grad")
    take = 0.1 * torch.sin(torch.arange(200) / 5.0).requires_grad_()
    clips = gen.generate(1, seconds=0.05, prompt=take, seed=0)
    torch.testing.assert_close(clips, gen.generate(1, seconds=0.05, prompt=take.detach().numpy(), seed=0))


@pytest.mark.parametrize(
    ("clips", "message"),
    [
        (
            np.full((1, 50), 1000, dtype=np.int16),
            r"clips hold int16 samples; .*\(16-bit PCM divided by 32768\)",
        ),
        (np.array([[0.0, 0.1, np.nan, 0.2]]), r"1 NaN or inf value\(s\) \(first in clip 0 at sample 2\)"),
    ],
)
def test_clips_written_must_be_finite_float_audio(gen, tmp_path, clips, message):
    # before: both became a WAV of one full-scale value (int16 clipped to 1.0, NaN written as -1.0)
    with pytest.raises(DataError, match=message):
        gen.write(clips, str(tmp_path / "clips"))
    assert not (tmp_path / "clips").exists()
