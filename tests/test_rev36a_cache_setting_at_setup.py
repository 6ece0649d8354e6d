"""A misspelt SSM_TS_AUDIO_CACHE_MB (``512MB``) was read only when a loader worker first resampled a file,
so the fit set up, then stopped in the first batch with the error inside a worker's traceback. It is
said where the files are indexed, when any needs resampling; a folder at the data's rate ignores it."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from ssm_ts.errors import ConfigError
from ssm_ts.pipelines.audio import index_audio


def _write(path, rate):
    sf.write(path, np.random.default_rng(0).uniform(-0.3, 0.3, rate // 4), rate, subtype="PCM_16")
    return path


def test_a_bad_cache_budget_is_said_when_the_files_are_indexed(tmp_path, monkeypatch):
    monkeypatch.setenv("SSM_TS_AUDIO_CACHE_MB", "512MB")
    files = [_write(tmp_path / "a.wav", 16000), _write(tmp_path / "b.wav", 44100)]
    with pytest.raises(ConfigError, match=r"SSM_TS_AUDIO_CACHE_MB='512MB' must be a number of MB >= 0"):
        index_audio(files, 16000)


def test_a_folder_at_the_data_rate_ignores_it(tmp_path, monkeypatch):
    monkeypatch.setenv("SSM_TS_AUDIO_CACHE_MB", "512MB")
    audio, _ = index_audio([_write(tmp_path / "a.wav", 16000)], 16000)
    assert len(audio) == 1
