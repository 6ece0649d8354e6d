"""A file whose header reads but whose frames do not decode (an FSDD FLAC copied halfway: libsndfile says
"Internal psf_fseek() failed") was named as "it may be corrupt or not audio": it is audio, its header says
so. The error now says its header reads but its audio does not decode (damaged, or cut short by an
interrupted copy) and to copy it again; a file libsndfile cannot open keeps "corrupt or not audio"."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from ssm_ts.pipelines.audio import read_audio
from ssm_ts.pipelines.audio.reader import BadAudioFileError, read_audio_window

RATE = 8000


def _cut_in_its_first_frame(path: Path) -> Path:
    """0.45 s of noise as FLAC (one frame: libsndfile's 4096 samples), its bytes cut in half."""
    sf.write(path, np.random.default_rng(3).uniform(-0.5, 0.5, 3600), RATE, format="FLAC")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    return path


@pytest.mark.parametrize("read", [lambda p: read_audio_window(p, 0, 2000), lambda p: read_audio(p, RATE)])
def test_a_file_whose_header_reads_is_named_damaged_not_as_not_audio(tmp_path, read):
    path = _cut_in_its_first_frame(tmp_path / "take.flac")
    with pytest.raises(BadAudioFileError) as caught:
        read(path)
    problem = caught.value.problem
    assert problem.startswith("cannot be read (") and "not audio" not in problem
    assert "its header reads, but its audio does not decode: damaged, or cut short" in problem
    assert problem.endswith("copy it again")


def test_a_file_that_does_not_open_is_still_corrupt_or_not_audio(tmp_path):
    path = tmp_path / "notes.wav"
    path.write_bytes(b"not audio at all, " * 20)
    with pytest.raises(BadAudioFileError, match=r"cannot be read \(.*\): it may be corrupt or not audio"):
        read_audio(path, RATE)
