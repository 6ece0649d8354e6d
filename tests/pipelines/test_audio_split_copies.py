"""Byte-identical copies of a recording under other names (``take1.wav`` and ``take1 (1).wav``, a file
copied into two sub-folders): a random split puts every copy in one split (a copy in validation or test
scores the model on audio it trained on), the user's own assignment keeps them apart with a warning, and a
folder without copies gets the split it had before copies counted."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import torch

from ssm_ts.pipelines.audio import AudioDataModule, find_audio_files, same_content, split_files
from ssm_ts.pipelines.audio.split import _fraction_counts

SPLITS = ("train", "val", "test")


def _spoken(shared_data: Path, word: str, n: int) -> list[Path]:
    return sorted((shared_data / "audio" / "espeak-digits" / word).glob("*.wav"))[:n]


def _folder_with_copies(shared_data: Path, root: Path) -> dict[str, str]:
    """12 spoken digits, 6 of them copied under another name and 1 of those into a sub-folder too:
    ``{copy: original}`` (names under ``root``)."""
    root.mkdir()
    (root / "more").mkdir()
    copies = {}
    for i, source in enumerate(_spoken(shared_data, "zero", 12)):
        shutil.copy(source, root / source.name)
        if i < 6:
            copies[f"{source.stem} (1).wav"] = source.name
            shutil.copy(source, root / f"{source.stem} (1).wav")
        if i == 0:
            copies[f"more/{source.name}"] = source.name
            shutil.copy(source, root / "more" / source.name)
    return copies


def _split_of(split, root: Path) -> dict[str, str]:
    return {f.relative_to(root).as_posix(): name for name in SPLITS for f in getattr(split, name)}


def _no_warnings(call):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return call()


def test_fractions_put_every_copy_in_its_recordings_split(shared_data, tmp_path):
    root = tmp_path / "takes"
    copies = _folder_with_copies(shared_data, root)
    files = find_audio_files(root)
    for seed in range(4):  # the old split put a copy apart from its original at each of these seeds
        split = _no_warnings(
            lambda s=seed: split_files(files, root, "fractions", fractions=(0.6, 0.2, 0.2), seed=s)
        )
        where = _split_of(split, root)
        assert len(where) == 19 and all(split.val) and all(split.test)
        assert {copy: where[copy] for copy in copies} == {
            copy: where[original] for copy, original in copies.items()
        }
        # the shares are of the 12 distinct recordings; the same seed and files give the same split again
        assert split == split_files(files, root, "fractions", fractions=(0.6, 0.2, 0.2), seed=seed)


def test_data_module_keeps_copies_in_one_split(shared_data, tmp_path):
    root = tmp_path / "takes"
    copies = _folder_with_copies(shared_data, root)
    module = AudioDataModule(str(root), split="fractions", fractions=(0.6, 0.2, 0.2), batch_size=2)
    module.setup("fit")
    where = _split_of(module.files, root)
    assert {copy: where[copy] for copy in copies} == {
        copy: where[original] for copy, original in copies.items()
    }


def _old_fraction_split(files: list[Path], fractions: tuple[float, ...], seed: int) -> list[list[Path]]:
    """The fraction split before copies counted (a seeded permutation of the files)."""
    order = torch.randperm(len(files), generator=torch.Generator().manual_seed(seed)).tolist()
    start, parts = 0, []
    for count in _fraction_counts(len(files), fractions):
        parts.append(sorted(files[i] for i in order[start : start + count]))
        start += count
    return parts


def test_a_folder_without_copies_gets_the_split_it_had(shared_data):
    root = shared_data / "audio" / "fsdd"  # 3,000 recordings, 1,173 of them share their size with another
    files = find_audio_files(root)
    assert same_content.identical_groups(files) == []
    split = split_files(files, root, "fractions", fractions=(0.7, 0.2, 0.1), seed=3)
    assert [split.train, split.val, split.test] == _old_fraction_split(files, (0.7, 0.2, 0.1), 3)
    fsdd = split_files(files, root, "fsdd", seed=5)  # its validation share: drawn from the rest at random
    rest = [f for f in files if f not in set(fsdd.test)]
    share = 0.1 / (0.8 + 0.1)  # the default fractions' validation share of train and validation
    assert [fsdd.train, fsdd.val] == _old_fraction_split(rest, (1.0 - share, share), 5)


def _one_warning(call) -> tuple[object, str]:
    """What ``call`` returns, and the one warning of copies it gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = call()
    said = [str(w.message) for w in caught if "byte-identical" in str(w.message)]
    assert len(said) == 1, said
    return result, said[0]


def test_split_folders_keep_copies_where_they_are_with_one_warning(shared_data, tmp_path):
    root = tmp_path / "takes"
    sources = _spoken(shared_data, "one", 10)
    for folder, picked in (("train", sources[:6]), ("validation", sources[6:8]), ("test", sources[8:])):
        (root / folder).mkdir(parents=True)
        for source in picked:
            shutil.copy(source, root / folder / source.name)
    for source in sources[:7]:  # seven training recordings copied into test/ under other names
        shutil.copy(source, root / "test" / f"copy of {source.name}")
    shutil.copy(sources[0], root / "train" / "s00 again.wav")  # a third copy, in the split of another
    files = find_audio_files(root)
    split, said = _one_warning(lambda: split_files(files, root, "folders"))
    assert _split_of(split, root)["test/copy of s00_nohash_0.wav"] == "test"  # not moved
    assert said.startswith("7 recording(s) under") and said.count(" = ") == 5 and "; and 2 more." in said
    assert "test/copy of s00_nohash_0.wav (test) = train/s00 again.wav (train) (3 copies); " in said
    assert "test/copy of s01_nohash_0.wav (test) = train/s01_nohash_0.wav (train); " in said
    assert "test/copy of s04_nohash_0.wav (test) = train/s04_nohash_0.wav (train)" in said
    assert "move every copy of a recording into one" in said


def test_split_lists_and_the_fsdd_rule_warn_of_copies_in_two_splits(shared_data, tmp_path):
    root = tmp_path / "fsdd"
    root.mkdir()
    for index in range(12):
        shutil.copy(
            shared_data / "audio" / "fsdd" / f"0_george_{index}.flac", root / f"0_george_{index}.flac"
        )
    # recording 7 (train or validation) again under another digit's name with index 3 (test)
    shutil.copy(root / "0_george_7.flac", root / "1_george_3.flac")
    files = find_audio_files(root)
    _, said = _one_warning(lambda: split_files(files, root, "fsdd"))
    assert said.startswith("1 recording(s)") and "= 1_george_3.flac (test)" in said
    assert "rename the copies to one index" in said
    (root / "validation_list.txt").write_text("0_george_9.flac\n")
    (root / "testing_list.txt").write_text("0_george_0.flac\n1_george_3.flac\n")
    _, said = _one_warning(lambda: split_files(files, root, "lists"))
    assert said.startswith("1 recording(s)") and "0_george_7.flac (train) = 1_george_3.flac (test)" in said
    assert "list every copy of a recording in the same list" in said


def test_copies_in_one_split_are_no_warning(shared_data, tmp_path):
    root = tmp_path / "takes"
    for folder, picked in (
        ("train", _spoken(shared_data, "two", 4)),
        ("test", _spoken(shared_data, "three", 2)),
    ):
        (root / folder).mkdir(parents=True)
        for source in picked:
            shutil.copy(source, root / folder / source.name)
    shutil.copy(root / "train" / "s00_nohash_0.wav", root / "train" / "again.wav")
    files = find_audio_files(root)
    split = _no_warnings(lambda: split_files(files, root, "folders", seed=1))
    where = _split_of(split, root)
    assert where["train/again.wav"] == where["train/s00_nohash_0.wav"]  # the random validation share too


def test_copies_of_too_few_recordings_are_split_file_by_file_with_the_warning(shared_data, tmp_path):
    # one recording four times cannot fill three splits apart: split as before, which it was (a folder of
    # one test tone copied, or of copies of one unreadable file whose reading names it), and warned of
    root = tmp_path / "takes"
    root.mkdir()
    source = _spoken(shared_data, "four", 1)[0]
    for name in ("take1.wav", "take1 (1).wav", "take1 (2).wav", "take1 (3).wav"):
        shutil.copy(source, root / name)
    files = find_audio_files(root)
    split, said = _one_warning(lambda: split_files(files, root, "fractions"))
    assert [split.train, split.val, split.test] == _old_fraction_split(files, (0.8, 0.1, 0.1), 0)
    assert said.startswith("1 recording(s)") and "(4 copies)" in said and "fewer distinct recordings" in said


def test_only_files_of_one_size_are_read_and_long_ones_past_their_head_only_when_it_matches(
    tmp_path, monkeypatch
):
    long = same_content.HEAD_BYTES + 10
    contents = {
        "a.wav": b"a" * 100,
        "b.wav": b"b" * 200,  # a size of its own: never read
        "a copy.wav": b"a" * 100,
        "c.wav": b"c" * 100,  # a's size, other bytes
        "long.wav": b"x" * long,
        "long copy.wav": b"x" * long,
        "long other tail.wav": b"x" * (long - 1) + b"y",
        "long other head.wav": b"y" + b"x" * (long - 1),
        "empty.wav": b"",  # no recording: no copy of another empty file
        "empty too.wav": b"",
    }
    files = []
    for name, data in contents.items():
        (tmp_path / name).write_bytes(data)
        files.append(tmp_path / name)
    read = []
    digest = same_content._digest
    monkeypatch.setattr(
        same_content, "_digest", lambda path, limit: read.append((path.name, limit)) or digest(path, limit)
    )
    groups = same_content.identical_groups(files)
    assert [[f.name for f in group] for group in groups] == [
        ["a.wav", "a copy.wav"],
        ["long.wav", "long copy.wav"],
    ]
    assert "b.wav" not in {name for name, _ in read}
    whole = {name for name, limit in read if limit is None}
    assert whole == {"long.wav", "long copy.wav", "long other tail.wav"}  # the other head: its head alone
