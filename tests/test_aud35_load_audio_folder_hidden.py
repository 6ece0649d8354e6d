"""A folder of recordings copied from a Mac, given where a saved model is meant, is named by its audio
as a fit reads it: the hidden ``._a.wav`` metadata beside ``a.wav`` was counted and, sorting first,
shown as the example ("2 file(s) such as ._a.wav")."""

from __future__ import annotations

import re

import numpy as np
import pytest
import soundfile as sf

from ssm_ts import WaveformGenerator
from ssm_ts.errors import CheckpointError


def test_a_folder_of_audio_is_counted_without_its_hidden_files(tmp_path):
    takes = tmp_path / "my_takes"
    takes.mkdir()
    sf.write(takes / "a.wav", np.zeros(160), 16000)
    (takes / "._a.wav").write_bytes(b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        ")
    message = (
        rf"{re.escape(str(takes))} is a folder of audio \(1 file\(s\) such as a.wav\), not a saved model"
    )
    with pytest.raises(CheckpointError, match=message):
        WaveformGenerator.load(str(takes))
