"""A folder of recordings given where a saved model is meant (``WaveformGenerator.load("my_takes")``,
``ssm-ts audio generate --ckpt_path my_takes``) says it is audio and where each folder belongs; it
was "config.json is missing; save the model again", which fits a broken export, not this mistake."""

from __future__ import annotations

import re

import numpy as np
import pytest
import soundfile as sf

from ssm_ts import WaveformGenerator
from ssm_ts.api.generate_cli import generate_command
from ssm_ts.errors import CheckpointError


@pytest.fixture
def takes(tmp_path):
    folder = tmp_path / "my_takes"
    (folder / "sub").mkdir(parents=True)
    for name in ("a.wav", "sub/b.FLAC"):
        sf.write(folder / name, np.zeros(160), 16000)
    return folder


def test_loading_a_folder_of_audio_says_it_is_audio_and_how_to_train_on_it(takes):
    message = (
        rf"{re.escape(str(takes))} is a folder of audio \(2 file\(s\) such as a.wav\), not a saved model: "
        r"load the folder WaveformGenerator.save wrote, .*\.fit\(.*my_takes'\) "
        r"\(CLI: ssm-ts audio fit --data.root .*my_takes\)"
    )
    with pytest.raises(CheckpointError, match=message):
        WaveformGenerator.load(str(takes))
    with pytest.raises(CheckpointError, match=message):
        generate_command(["--ckpt_path", str(takes), "--out", str(takes.parent / "out")])


def test_a_folder_without_audio_keeps_the_export_message(tmp_path):
    (tmp_path / "notes.txt").write_text("not a model")
    with pytest.raises(CheckpointError, match="config.json is missing"):
        WaveformGenerator.load(str(tmp_path))
