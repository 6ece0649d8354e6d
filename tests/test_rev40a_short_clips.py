"""A ``clip_seconds`` giving clips of a handful of samples (0.0001 s at 8 kHz: one sample) was taken:
validation then cut each file into thousands of one-sample clips a second and ran for minutes. It is a
ConfigError naming the samples a clip would hold, the fewest that make sense and the fix."""

from __future__ import annotations

import pytest

from ssm_ts.errors import ConfigError
from ssm_ts.pipelines.audio import AudioDataModule
from ssm_ts.pipelines.audio.setting_checks import MIN_CLIP_SAMPLES, check_data_numbers


@pytest.mark.parametrize(("clip_seconds", "samples"), [(0.0001, 1), (0.0003, 2), (0.0004, 3)])
def test_clips_of_a_handful_of_samples_are_refused(tmp_path, clip_seconds, samples):
    with pytest.raises(ConfigError) as err:
        AudioDataModule(str(tmp_path), 8000, clip_seconds=clip_seconds)
    assert str(err.value).startswith(
        f"clip_seconds={clip_seconds} gives clips of {samples} sample(s) at sample_rate=8000 Hz: "
    ), err.value
    assert f"at least {MIN_CLIP_SAMPLES} samples a clip" in str(err.value)
    assert "Use clip_seconds=0.0005 or more (4 samples at 8000 Hz)" in str(err.value)


def test_the_least_clip_and_usual_ones_are_taken():
    for rate, seconds in ((8000, 0.0005), (800, 0.005), (16000, 0.01), (44100, 1.0)):
        check_data_numbers(rate, seconds, 1, 0, None)  # no error
    with pytest.raises(ConfigError, match=r"Use clip_seconds=0\.000182 or more \(4 samples at 22050 Hz\)"):
        check_data_numbers(22050, 0.0001, 1, 0, None)  # 2 samples: the fix's value rounds up
    check_data_numbers(22050, 0.000182, 1, 0, None)  # the value the fix names is taken
