"""A folder of spoken-digit clips read as log-mel recordings (``read_fsdd``, ``read_audio_clips``):

- the hidden ``._0_george_5.flac`` metadata macOS writes beside each file on a shared drive is no clip
  (it stopped the reading: "not an FSDD name" / "cannot read audio"), as the audio pipeline's folders
  leave hidden files out;
- a clip holding a NaN sample is named with its time and a fix: it was "recording 0_george_5: 64 missing
  values ... choose --data.nan_policy interpolate", an option the FSDD reader does not read.
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import soundfile as sf

from ssm_ts.errors import ConfigError, DataError
from ssm_ts.pipelines.sensor import read_audio_clips, read_fsdd

CLIPS = ["0_george_5.flac", "1_george_6.flac", "1_george_0.flac"]  # two train clips, one test clip
APPLE_DOUBLE = b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        " + bytes(range(256))


@pytest.fixture()
def clips(shared_data, tmp_path):
    for name in CLIPS:
        shutil.copy(shared_data / "audio" / "fsdd" / name, tmp_path / name)
    return tmp_path


def test_hidden_metadata_files_are_no_clips(clips):
    for name in CLIPS:
        (clips / f"._{name}").write_bytes(APPLE_DOUBLE)
    train = read_fsdd(clips, "train")
    assert train.ids == ["0_george_5", "1_george_6"] and list(train.labels) == ["0", "1"]
    assert read_audio_clips(clips).ids == sorted(name.removesuffix(".flac") for name in CLIPS)


def test_a_nan_sample_is_named_by_file_and_time(clips):
    wave, rate = sf.read(clips / CLIPS[0], dtype="float32")
    wave[800:803] = np.nan
    sf.write(clips / CLIPS[0], wave, rate, subtype="FLOAT", format="WAV")  # a float WAV, named .flac
    for read in (read_fsdd, read_audio_clips):
        with pytest.raises(DataError) as caught:
            read(clips)
        message = str(caught.value)
        assert CLIPS[0] in message and "3 NaN or infinite sample(s)" in message
        assert "0.100 s, sample 800" in message and "numpy.nan_to_num" in message
        assert "nan_policy" not in message


def test_an_unknown_split_is_named_not_read_as_all(clips):
    with pytest.raises(ConfigError, match=r"split must be one of \('train', 'test', 'all'\), got 'val'"):
        read_fsdd(clips, "val")  # it read every clip, the test clip too
