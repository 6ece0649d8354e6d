"""FSDD-style folders with clips too short for a log-mel spectrogram: a DataError naming each file,
its length and the minimum, from ``read_fsdd`` and from ``ssm-ts classify fit`` (no torch traceback)."""

from __future__ import annotations

import contextlib
import io
import shutil

import numpy as np
import pytest
import soundfile as sf

from ssm_ts import cli
from ssm_ts.errors import DataError
from ssm_ts.pipelines.sensor import log_mel, read_fsdd

REAL_CLIPS = ["0_george_5.flac", "0_george_6.flac", "1_george_5.flac", "1_george_6.flac", "3_george_7.flac"]


@pytest.fixture()
def folder_with_short_clips(shared_data, tmp_path):
    """Real FSDD clips, plus two cut to 100 and 128 samples (as a bad export or a trimmed take leaves them)."""
    fsdd = shared_data / "audio" / "fsdd"
    for name in REAL_CLIPS:
        shutil.copy(fsdd / name, tmp_path / name)
    wave, rate = sf.read(fsdd / "1_george_7.flac", dtype="float32")
    sf.write(tmp_path / "1_bob_7.flac", wave[:100], rate)
    sf.write(tmp_path / "2_bob_8.flac", wave[:128], rate)
    return tmp_path


def test_read_fsdd_names_every_short_clip_its_length_and_the_minimum(folder_with_short_clips):
    with pytest.raises(DataError) as caught:
        read_fsdd(folder_with_short_clips)
    message = str(caught.value)
    assert "2 clip(s)" in message
    assert "1_bob_7.flac (100 samples" in message and "2_bob_8.flac (128 samples" in message
    assert "more than 128 samples" in message and "n_fft=256" in message
    assert "remove" in message and "n_fft" in message
    # the real clips next to them are fine: without the short ones the folder reads
    for name in ("1_bob_7.flac", "2_bob_8.flac"):
        (folder_with_short_clips / name).unlink()
    data = read_fsdd(folder_with_short_clips)
    assert len(data) == len(REAL_CLIPS) and data.n_channels == 32


def test_a_smaller_n_fft_reads_the_short_clips(folder_with_short_clips):
    # the fix the message names: n_fft below twice the shortest clip's length
    data = read_fsdd(folder_with_short_clips, n_fft=128, hop_length=64)
    assert len(data) == len(REAL_CLIPS) + 2
    assert all(np.isfinite(v).all() for v in data.values)


def test_log_mel_of_a_too_short_waveform_is_a_data_error():
    with pytest.raises(DataError, match=r"100 samples.*n_fft=256 needs more than 128"):
        log_mel(np.zeros(100, dtype=np.float32), 8000)
    assert log_mel(np.zeros(129, dtype=np.float32), 8000).shape == (32, 2)


def test_classify_fit_on_a_folder_with_a_short_clip_names_it(folder_with_short_clips, tmp_path):
    errors = io.StringIO()
    with contextlib.redirect_stderr(errors):
        code = cli.main(
            [
                "classify",
                "fit",
                "--data.format",
                "fsdd",
                "--data.path",
                str(folder_with_short_clips),
                "--trainer.max_epochs",
                "1",
                "--out",
                str(tmp_path / "out"),
            ]
        )
    text = errors.getvalue()
    assert code != 0
    assert "1_bob_7.flac (100 samples" in text and "more than 128 samples" in text
    assert "Traceback" not in text and "Padding size" not in text


def test_read_audio_clips_of_one_short_take_names_it_and_its_own_fix(folder_with_short_clips):
    """The message named the take's folder, said to remove it "from the folder" and gave read_fsdd's
    n_fft as the fix for a file read with read_audio_clips (classify predict --data.predict_path)."""
    from ssm_ts.pipelines.sensor import read_audio_clips

    take = folder_with_short_clips / "1_bob_7.flac"
    with pytest.raises(DataError) as caught:
        read_audio_clips(take)
    message = str(caught.value)
    assert message.startswith(f"{take}: 1 clip(s)") and "remove them," in message
    assert "read_audio_clips(..., n_fft=...)" in message and "read_fsdd" not in message
    assert read_audio_clips(take, n_fft=128, hop_length=64).n_channels == 32  # the fix it names
