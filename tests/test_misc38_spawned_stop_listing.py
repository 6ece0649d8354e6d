"""After a ``ddp_spawn`` fit stops, the main process names the files its started processes found damaged
by listing the folder again (a stat and a lock a file). With nothing in the shared record (the common
case: the crash was not about a damaged file) the folder is no longer listed."""

from __future__ import annotations

import sys
import warnings

import numpy as np
import soundfile as sf

from ssm_ts.pipelines.audio import AudioDataModule
from ssm_ts.pipelines.audio.named_files import FOUND

RATE = 8000


def _module(tmp_path, monkeypatch):
    for seed, name in enumerate(("t_a.wav", "t_b.wav", "v_a.wav", "s_a.wav")):
        sf.write(
            tmp_path / name, np.random.default_rng(seed).uniform(-0.5, 0.5, RATE // 4), RATE, subtype="PCM_16"
        )
    module = AudioDataModule(
        str(tmp_path),
        RATE,
        clip_seconds=0.05,
        split="rule",
        val_pattern="^v_",
        test_pattern="^s_",
        on_bad_file="skip",
    )
    code = sys.modules[AudioDataModule.__module__]
    listed = []
    real = code.find_audio_files

    def counted(*args, **kwargs):
        listed.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(code, "find_audio_files", counted)
    return module, listed


def test_an_empty_record_is_not_looked_up_in_the_folder(tmp_path, monkeypatch):
    module, listed = _module(tmp_path, monkeypatch)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        module.name_found_in_started_processes()
    assert listed == []


def test_a_recorded_file_is_still_named(tmp_path, monkeypatch):
    module, listed = _module(tmp_path, monkeypatch)
    module.named_files.first_time(tmp_path / "t_b.wav", FOUND)  # as a started process records it
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        module.name_found_in_started_processes()
    assert len(listed) == 1
    assert [str(w.message) for w in caught if "t_b.wav" in str(w.message)], [str(w.message) for w in caught]
