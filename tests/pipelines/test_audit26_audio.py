"""Audit 26 of the audio pipeline: Speech Commands split lists that name a file twice or spell its path
as ``find`` writes it, and the peak scan of a folder's files done once per process, not at every setup."""

from __future__ import annotations

from pathlib import Path

import pytest

from ssm_ts.errors import DataError
from ssm_ts.pipelines.audio import split_files

pytestmark = pytest.mark.usefixtures("single_thread")


def _speech_commands(root: Path, validation: list[str], testing: list[str]) -> list[Path]:
    files = [root / word / f"s{i}.wav" for word in ("yes", "no") for i in range(3)]
    for path in files:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
    (root / "validation_list.txt").write_text("\n".join(validation) + "\n")
    (root / "testing_list.txt").write_text("\n".join(testing) + "\n")
    return files


def test_a_file_in_both_split_lists_is_an_error_naming_it(tmp_path):
    # it was in the validation split and the test split at once: checkpoints chosen on test audio
    files = _speech_commands(tmp_path, ["yes/s0.wav", "no/s0.wav"], ["yes/s1.wav", "no/s0.wav"])
    with pytest.raises(
        DataError, match=r"1 file\(s\) are in both validation_list.txt and testing_list.txt .*: no/s0.wav"
    ):
        split_files(files, tmp_path, "auto")


def test_list_entries_written_with_a_leading_dot_folder_name_their_files(tmp_path):
    # 'find . -name "*.wav" > testing_list.txt' writes ./yes/s1.wav: those test files were trained on
    # (an entry naming no file leaves that file in the train split), or every split but train was empty
    files = _speech_commands(tmp_path, ["./yes/s0.wav"], ["./yes/s1.wav", "no//s1.wav"])
    split = split_files(files, tmp_path, "lists")
    assert [p.relative_to(tmp_path).as_posix() for p in split.val] == ["yes/s0.wav"]
    assert sorted(p.relative_to(tmp_path).as_posix() for p in split.test) == ["no/s1.wav", "yes/s1.wav"]
    assert len(split.train) == 3
