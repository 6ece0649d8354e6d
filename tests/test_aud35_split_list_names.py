"""Speech Commands split lists (``validation_list.txt``, ``testing_list.txt``) of a user's own folder:

- a name with an accent matches its file whichever Unicode form each is written in: macOS writes
  ``canción.wav`` decomposed (``o`` and a combining accent), a list typed elsewhere composed, and a
  listed test file whose name did not match was trained on without a word (or, all unmatched, "the
  val split is empty; check the split lists" for names that look the same);
- a listed name that is no audio file of the folder (a typo, a file deleted or converted) is named in
  one warning: its split silently lacked it."""

from __future__ import annotations

import unicodedata
import warnings
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from ssm_ts.pipelines.audio import find_audio_files, split_files


def _nfd(name: str) -> str:
    return unicodedata.normalize("NFD", name)


def _nfc(name: str) -> str:
    return unicodedata.normalize("NFC", name)


@pytest.fixture
def folder(tmp_path) -> Path:
    rng = np.random.default_rng(0)
    for name in ("a.wav", "b.wav", "c.wav", "val.wav", "test.wav", "canción.wav"):
        sf.write(tmp_path / _nfd(name), rng.uniform(-0.3, 0.3, 80), 8000)
    (tmp_path / "validation_list.txt").write_text("val.wav\n")
    return tmp_path


def test_a_listed_name_matches_its_file_in_either_unicode_form(folder):
    (folder / "testing_list.txt").write_text("test.wav\n" + _nfc("canción.wav") + "\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # every listed name is found: nothing to say
        split = split_files(find_audio_files(folder), folder)
    assert sorted(_nfc(p.name) for p in split.test) == [_nfc("canción.wav"), "test.wav"]
    assert _nfc("canción.wav") not in [_nfc(p.name) for p in split.train]  # it was trained on


def test_listed_names_that_are_no_audio_file_are_named(folder):
    (folder / "testing_list.txt").write_text("test.wav\ntset.wav\nold/take.flac\n")
    with pytest.warns(
        UserWarning, match=r"2 file\(s\) named in the split lists of .* are not among"
    ) as caught:
        split = split_files(find_audio_files(folder), folder)
    message = next(str(w.message) for w in caught if "split lists" in str(w.message))
    assert "testing_list.txt: old/take.flac, tset.wav" in message and "validation_list.txt" not in message
    assert [p.name for p in split.test] == ["test.wav"]


def test_a_name_pattern_with_an_accent_matches_in_either_unicode_form(folder):
    # before: test_pattern "^canción" matched no decomposed name: "the test split ... is empty"
    for pattern in (_nfc("^canción"), _nfd("^canción")):
        split = split_files(
            find_audio_files(folder), folder, "rule", test_pattern=pattern, val_pattern="^val"
        )
        assert [_nfc(p.name) for p in split.test] == [_nfc("canción.wav")]
