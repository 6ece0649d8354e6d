"""Audit 26 of the audio pipeline: Speech Commands split lists that name a file twice or spell its path
as ``find`` writes it, and the peak scan of a folder's files done once per process, not at every setup."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from ssm_ts.errors import DataError
from ssm_ts.pipelines.audio import AudioDataModule, split_files

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


def _float_folder(root: Path) -> None:
    root.mkdir()
    rng = np.random.default_rng(0)
    for i in range(4):
        sf.write(root / f"take{i}.wav", rng.uniform(-0.5, 0.5, 4000), 8000, subtype="FLOAT")


def test_a_second_setup_of_a_folder_reads_none_of_its_files_again_until_one_changes(tmp_path, monkeypatch):
    # float files are read whole for their peak: every fit of a folder in a process (a notebook trying
    # settings, a resume) read them all again (FSDD's setup took twice as long with the scan)
    root = tmp_path / "takes"
    _float_folder(root)
    opened = []

    class Counting(sf.SoundFile):
        def __init__(self, file, *args, **kwargs):
            super().__init__(file, *args, **kwargs)
            opened.append(Path(file).name)

    monkeypatch.setattr(sf, "SoundFile", Counting)

    def setup() -> AudioDataModule:
        dm = AudioDataModule(
            str(root), 8000, clip_seconds=0.1, split="fractions", fractions=(0.5, 0.25, 0.25)
        )
        dm.setup()
        return dm

    setup()
    assert sorted(opened) == [f"take{i}.wav" for i in range(4)]
    opened.clear()
    first = setup()
    assert opened == []
    # a file saved again (louder: a gain error) is read again, and its peak reported
    sf.write(root / "take2.wav", np.full(4000, 1.5), 8000, subtype="FLOAT")
    opened.clear()  # the writing
    with pytest.warns(UserWarning, match=r"take2.wav \(peak 1.5\)"):
        again = setup()
    assert opened == ["take2.wav"]
    assert again.source_summary() == first.source_summary()  # the headers remembered are the same


@pytest.mark.parametrize(
    "setting, message",
    [
        # each was a TypeError or ValueError from deep inside (math.gcd, a comparison, torch's loader)
        (
            {"sample_rate": 8000.0},
            r"sample_rate must be a whole number of Hz >= 1 \(such as 16000\), got 8000.0",
        ),
        ({"sample_rate": "16000"}, r"sample_rate must be a whole number of Hz >= 1 .*got '16000'"),
        ({"clip_seconds": "1"}, r"clip_seconds must be positive, a number of seconds, got '1'"),
        ({"clip_seconds": float("nan")}, r"clip_seconds must be positive, a number of seconds, got nan"),
        ({"batch_size": 2.5}, r"batch_size must be a whole number >= 1, got 2.5"),
        ({"num_workers": 1.0}, r"num_workers must be a whole number >= 0, got 1.0"),
        (
            {"max_files_per_split": 2.5},
            r"max_files_per_split must be at least 1, a whole number of files \(or None",
        ),
        ({"bits": "8"}, r"quantization bits must be a whole number between 1 and 16, got '8'"),
        # was accepted: 2 ** 8.0 = 256.0 classes, then refused by the network as a float size
        ({"bits": 8.0}, r"quantization bits must be a whole number between 1 and 16, got 8.0"),
    ],
)
def test_data_settings_of_the_wrong_type_are_config_errors_naming_them(tmp_path, setting, message):
    from ssm_ts.errors import ConfigError

    _float_folder(tmp_path / "takes")
    with pytest.raises(ConfigError, match=message):
        AudioDataModule(str(tmp_path / "takes"), **setting).setup()


def test_numpy_whole_numbers_are_data_settings_too(tmp_path):
    _float_folder(tmp_path / "takes")
    dm = AudioDataModule(str(tmp_path / "takes"), np.int64(8000), clip_seconds=np.float32(0.25), bits=np.int64(8),
                         batch_size=np.int64(2), split="fractions", fractions=(0.5, 0.25, 0.25))  # fmt: skip
    dm.setup()
    codes, lengths = next(iter(dm.train_dataloader()))
    assert codes.shape == (2, 2000) and dm.n_classes == 256


def test_split_lists_saved_with_a_byte_order_mark_name_their_first_file(tmp_path):
    # Notepad writes UTF-8 with a BOM: the first entry read as '\ufeffyes/s1.wav', named no file, and
    # that test recording was trained on, silently
    files = _speech_commands(tmp_path, ["yes/s0.wav"], [])
    (tmp_path / "testing_list.txt").write_bytes("yes/s1.wav\r\nno/s1.wav\r\n".encode("utf-8-sig"))
    split = split_files(files, tmp_path, "lists")
    assert sorted(p.relative_to(tmp_path).as_posix() for p in split.test) == ["no/s1.wav", "yes/s1.wav"]


def _split_folders(root: Path, folders: dict[str, int]) -> list[Path]:
    files = [root / folder / f"take{i}.wav" for folder, n in folders.items() for i in range(n)]
    for path in files:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
    return sorted(files)


def test_train_and_test_folders_split_as_named_with_split_folders(tmp_path):
    # a folder laid out as train/ and test/ (as Hugging Face's audiofolder reads one) was split at random,
    # its test recordings trained on; split="folders" keeps each in its folder's split
    files = _split_folders(tmp_path, {"Train": 8, "valid": 2, "test": 3})
    split = split_files(files, tmp_path, "folders")
    assert [len(split.train), len(split.val), len(split.test)] == [8, 2, 3]
    assert all(p.parent.name == "test" for p in split.test)
    # no validation folder: a seeded share of train, as split="rule" without val_pattern
    files = _split_folders(tmp_path / "two", {"training": 9, "testing": 2})
    split = split_files(files, tmp_path / "two", "folders")
    assert [len(split.train), len(split.val), len(split.test)] == [8, 1, 2]
    assert all(p.parent.name == "training" for p in split.train + split.val)


def test_a_file_outside_the_split_folders_is_an_error_naming_it(tmp_path):
    files = _split_folders(tmp_path, {"train": 3, "test": 1, "extra": 1})
    with pytest.raises(DataError, match=r"split='folders'.*1 file\(s\) .*in none of them: extra/take0.wav"):
        split_files(files, tmp_path, "folders")


def test_auto_on_train_and_test_folders_warns_that_it_mixes_them(tmp_path):
    files = _split_folders(tmp_path, {"train": 8, "test": 2})
    with pytest.warns(UserWarning, match=r"train/ and test/ .*split='folders' \(CLI: --data.split folders\)"):
        split = split_files(files, tmp_path, "auto")
    assert len(split.train) + len(split.val) + len(split.test) == 10  # at random, as before
