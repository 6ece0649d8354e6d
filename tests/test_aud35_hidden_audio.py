"""Hidden files with an audio ending beside a folder's audio (macOS ``._take1.wav`` metadata on a
shared drive, a ``.take2.wav`` someone hid) are left out, as before, but no longer without a word: one
warning names them (it said nothing, so a hidden recording was never trained on and nobody knew)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import soundfile as sf

from ssm_ts.pipelines.audio import find_audio_files

APPLE_DOUBLE = b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        " + bytes(64)


@pytest.fixture
def folder(tmp_path):
    rng = np.random.default_rng(0)
    (tmp_path / "takes").mkdir()
    for name in ("take1.wav", "take2.wav", "takes/take3.WAV"):
        sf.write(tmp_path / name, rng.uniform(-0.3, 0.3, 400), 8000, format="WAV")
    (tmp_path / "._take1.wav").write_bytes(APPLE_DOUBLE)
    (tmp_path / "takes" / "._take3.WAV").write_bytes(APPLE_DOUBLE)
    (tmp_path / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")  # no audio ending: nothing to say
    return tmp_path


def test_macos_metadata_files_are_left_out_with_a_warning_naming_them(folder):
    with pytest.warns(UserWarning, match=r"2 hidden file\(s\) under .* are left out") as caught:
        files = find_audio_files(folder)
    assert [p.name for p in files] == ["take1.wav", "take2.wav", "take3.WAV"]
    message = next(str(w.message) for w in caught if "hidden" in str(w.message))
    assert "._take1.wav" in message and "takes/._take3.WAV" in message
    assert "macOS '._' files are metadata" in message and "rename" not in message
    assert ".DS_Store" not in message


def test_a_hidden_recording_is_named_with_how_to_train_on_it(folder):
    sf.write(folder / ".take4.flac", np.zeros(400) + 0.1, 8000)
    with pytest.warns(UserWarning, match=r"3 hidden file\(s\)") as caught:
        find_audio_files(folder)
    message = next(str(w.message) for w in caught if "hidden" in str(w.message))
    assert ".take4.flac" in message and "rename a recording without the leading dot" in message


def test_a_folder_without_hidden_audio_says_nothing(folder):
    for path in folder.rglob("._*"):
        path.unlink()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(find_audio_files(folder)) == 3
