"""A float WAV holding NaN or inf is named when its folder is indexed (the level scan reads float files
whole already), with the fix, not only when training decodes its clip mid-epoch."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import soundfile as sf

from ssm_ts.errors import DataError
from ssm_ts.pipelines.audio import index_audio

pytestmark = pytest.mark.usefixtures("single_thread")


@pytest.fixture
def digits_with_nan(shared_data, tmp_path):
    """Four spoken digits (espeak, 1 s at 16 kHz) as float WAVs, and two more with one bad sample at
    0.9 s (past the scan's first block): ``nan.wav`` (NaN) and ``inf.wav`` (+inf)."""
    spoken = sorted((shared_data / "audio" / "espeak-digits" / "two").glob("*.wav"))[:6]
    for i, path in enumerate(spoken):
        wave, rate = sf.read(path, dtype="float32")
        name = {4: "nan.wav", 5: "inf.wav"}.get(i, f"take{i}.wav")
        wave[int(0.9 * rate)] = {4: np.nan, 5: np.inf}.get(i, wave[int(0.9 * rate)])
        sf.write(tmp_path / name, wave, rate, subtype="FLOAT")
    return sorted(tmp_path.glob("*.wav"))


def test_index_names_each_file_holding_nan_or_inf_and_the_fix(digits_with_nan):
    with pytest.raises(DataError) as err:
        index_audio(digits_with_nan, 16000)
    message = str(err.value)
    assert "2 of 6 audio files cannot be used" in message
    for name in ("nan.wav", "inf.wav"):
        assert f"{name} holds NaN or infinite samples (the first at 0.900 s)" in message
    assert "replace them (numpy.nan_to_num) and save it again" in message and "on_bad_file" in message
    assert "take" not in message


def test_index_skips_them_with_on_bad_file_skip(digits_with_nan):
    with pytest.warns(UserWarning, match=r"skipped 2 unreadable audio file\(s\) of 6: inf\.wav \(holds NaN"):
        _, kept = index_audio(digits_with_nan, 16000, on_bad_file="skip")
    assert [path.name for path in kept] == [f"take{i}.wav" for i in range(4)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        index_audio(kept, 16000)  # the clean ones say nothing
