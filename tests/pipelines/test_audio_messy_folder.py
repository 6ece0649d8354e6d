"""Audio folders as a new user hands them over, beyond those of test_audio_folder_inputs: bad files
found by loader worker processes, float files loud only past their first clip, silent recordings,
links to files of the same folder and broken links, files of the same name in different sub-folders,
one file given as the folder, a quick run's file limit, and a folder recorded below the training rate."""

from __future__ import annotations

import os

import numpy as np
import pytest
import soundfile as sf
from torch.utils.data import DataLoader

from ssm_ts.errors import ConfigError, DataError, DataFileNotFoundError
from ssm_ts.pipelines.audio import AudioDataModule, ClipDataset, Quantizer, find_audio_files, index_audio
from tests.pipelines.test_audio_pipeline import _corrupt_flac

pytestmark = pytest.mark.usefixtures("single_thread")


def _tone(n: int, rate: int, amplitude: float = 0.5) -> np.ndarray:
    return amplitude * np.sin(2 * np.pi * 440.0 * np.arange(n) / rate)


def test_a_file_bad_only_when_decoded_in_a_loader_worker_is_a_data_error_naming_it(tmp_path):
    # --data.num_workers 2: torch re-raised the worker's BadAudioFileError as a RuntimeError holding
    # the worker's traceback from inside soundfile (the class takes a path and a problem, not a string)
    _corrupt_flac(tmp_path / "damaged.flac")
    audio, _ = index_audio([tmp_path / "damaged.flac"], 16000)
    loader = DataLoader(ClipDataset(audio, 8000, Quantizer()), batch_size=1, num_workers=1)
    with pytest.raises(DataError) as err:
        next(iter(loader))
    message = str(err.value)
    assert message.startswith("audio file ") and "damaged.flac cannot be read" in message
    assert "on_bad_file='skip'" in message and "Traceback" not in message and "\n" not in message


def test_a_float_file_loud_past_its_first_clip_warns_with_the_files_own_peak(tmp_path):
    # clips of a file at the training rate decode only their window: the warning gave the first
    # window's peak (1.02 for a file peaking at 2.27), or none when the first window was in range
    wave = np.concatenate([_tone(800, 16000, 0.5), _tone(800, 16000, 1.1), _tone(800, 16000, 4.0)])
    sf.write(tmp_path / "gain.wav", wave.astype(np.float32), 16000, subtype="FLOAT")
    with pytest.warns(UserWarning, match=r"peak beyond full scale.*: gain\.wav \(peak 4\)") as record:
        audio, _ = index_audio([tmp_path / "gain.wav"], 16000)
        ClipDataset(audio, 1600, Quantizer())[0]  # the first 0.1 s peak at 1.1
    assert len([w for w in record if "gain.wav" in str(w.message)]) == 1


def test_a_silent_file_is_named_once_and_leading_silence_is_not(tmp_path):
    # a recording of a muted input trained the model on silence without a word
    sf.write(tmp_path / "muted.wav", np.zeros(1600), 16000)
    sf.write(tmp_path / "pause_first.wav", np.concatenate([np.zeros(800), _tone(800, 16000)]), 16000)
    with pytest.warns(UserWarning, match=r"are silent, every sample 0: muted\.wav\. If") as record:
        audio, _ = index_audio([tmp_path / "muted.wav", tmp_path / "pause_first.wav"], 16000)
        clips = ClipDataset(audio, 400, Quantizer())
        clips[0], clips[1]
        clips[0]
    silent = [str(w.message) for w in record if "silent" in str(w.message)]
    assert len(silent) == 1 and "pause_first" not in silent[0]  # once, and not for the leading pause


def _folder_of(root, names):
    for i, name in enumerate(names):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        # a level of its own: byte-identical files are one recording to a split
        sf.write(root / name, _tone(800, 8000, 0.5 - 0.001 * i), 8000)


def test_a_link_to_a_file_of_the_folder_is_read_once_with_a_warning(tmp_path):
    # the same recording twice weighed it double and could put it in both the train and test splits
    _folder_of(tmp_path, ["a.wav", "b.wav", "sub/c.wav"])
    (tmp_path / "sub" / "link_to_a.wav").symlink_to(tmp_path / "a.wav")
    os.link(tmp_path / "b.wav", tmp_path / "z_hard_b.wav")
    with pytest.warns(UserWarning, match="2 audio file") as record:
        files = find_audio_files(tmp_path)
    assert files == [tmp_path / "a.wav", tmp_path / "b.wav", tmp_path / "sub" / "c.wav"]
    message = str(record[0].message)
    assert "sub/link_to_a.wav (= a.wav)" in message and "z_hard_b.wav (= b.wav)" in message


def test_a_broken_link_is_a_bad_file_naming_its_missing_target(tmp_path):
    # a folder of links into a data set that moved was "no audio files found: it holds no files"
    _folder_of(tmp_path, ["a.wav"])
    (tmp_path / "gone.wav").symlink_to(tmp_path / "moved" / "gone.wav")
    assert find_audio_files(tmp_path) == [tmp_path / "a.wav", tmp_path / "gone.wav"]
    with pytest.raises(DataError, match=r"gone\.wav is a link to .*moved.gone\.wav, which does not exist"):
        index_audio([tmp_path / "gone.wav"], 8000)


def test_skipped_files_are_named_by_their_path_under_the_folder(tmp_path):
    # Speech Commands layout: every word's folder holds a speaker_nohash_0.wav; "skipped
    # speaker_nohash_0.wav" did not say which of ten
    _folder_of(tmp_path, [f"{word}/s1_nohash_0.wav" for word in ("one", "two", "three", "four")])
    (tmp_path / "five").mkdir()
    (tmp_path / "five" / "s1_nohash_0.wav").write_bytes(b"RIFF" + bytes(40))
    dm = AudioDataModule(str(tmp_path), 8000, clip_seconds=0.05, on_bad_file="skip", split="fractions",
                         fractions=(0.5, 0.25, 0.25))  # fmt: skip
    with pytest.warns(UserWarning, match=r"five/s1_nohash_0\.wav \(cannot be read"):
        dm.setup("test")
    assert dm.source_summary()["skipped_files"] == "five/s1_nohash_0.wav"
    assert "1 skipped (five/s1_nohash_0.wav)" in dm.describe_sources()


def test_one_audio_file_as_the_folder_says_a_folder_of_three_is_needed_and_how_to_cut_one(tmp_path):
    # a user with one long recording passed it as data.root and was told only to pass a folder
    _folder_of(tmp_path, ["long.WAV"])
    (tmp_path / "notes.txt").write_text("take 2 was better")
    with pytest.raises(DataError) as err:
        find_audio_files(tmp_path / "long.WAV")
    message = str(err.value)
    assert f"long.WAV is an audio file; pass a folder of them ({tmp_path} holds this one)" in message
    assert "at least 3" in message and "sox long.wav piece.wav trim 0 10" in message
    with pytest.raises(DataError, match=r"notes\.txt is a file; pass the folder that holds the WAV"):
        find_audio_files(tmp_path / "notes.txt")


def test_max_files_per_split_spreads_over_the_folder_and_the_summary_says_how_many_it_left_out(tmp_path):
    # the quick config's max_files_per_split: 48 took the first 48 sorted files of each split, one word's
    # alone in a Speech Commands folder, and the summary line read "144 audio files under fsdd" for 3000
    words = ("eight", "five", "four", "nine")
    _folder_of(tmp_path, [f"{word}/s{i}.wav" for word in words for i in range(6)])
    dm = AudioDataModule(str(tmp_path), 8000, clip_seconds=0.05, split="rule", test_pattern="s5",
                         val_pattern="s4", max_files_per_split=4)  # fmt: skip
    dm.setup("test")
    assert [p.parent.name for p in dm.files.train] == list(words)
    assert dm.describe_sources().startswith(
        f"12 of the 24 audio files (max_files_per_split=4) under {tmp_path}"
    )
    with pytest.raises(ConfigError, match="max_files_per_split must be at least 1"):
        AudioDataModule(str(tmp_path), 8000, max_files_per_split=0)


def test_a_folder_recorded_below_the_training_rate_is_told_its_own_rate(tmp_path):
    # an 8 kHz folder (FSDD) under the default 16 kHz was upsampled, twice the samples to predict
    # and nothing above 4 kHz in them, with no word but "resampled to 16000 Hz"
    _folder_of(tmp_path, [f"take{i}.wav" for i in range(3)])
    dm = AudioDataModule(str(tmp_path), 16000, clip_seconds=0.05)
    dm.setup("test")
    assert "3 resampled to 16000 Hz (up from 8000 Hz at most: nothing above 4000 Hz; sample_rate=8000 " in (
        dm.describe_sources()
    )
    at_own_rate = AudioDataModule(str(tmp_path), 8000, clip_seconds=0.05)
    at_own_rate.setup("test")
    assert "0 resampled to 8000 Hz, " in at_own_rate.describe_sources()


def test_audio_of_other_formats_beside_those_read_is_counted_with_how_to_read_it(tmp_path):
    # three WAVs beside a hundred MP3s trained on the three WAVs without a word (a folder of MP3s
    # alone is an error saying how to read them)
    _folder_of(tmp_path, ["a.wav", "b.wav", "c.wav"])
    for i in range(4):
        (tmp_path / f"song{i}.mp3").write_bytes(b"ID3")
    (tmp_path / "take.AIFF").write_bytes(b"FORM")
    (tmp_path / "notes.txt").write_text("not audio, not counted")
    with pytest.warns(UserWarning) as record:
        assert len(find_audio_files(tmp_path)) == 3
    message = str(record[0].message)
    assert "5 audio file(s) under" in message and "not in extensions (4 .mp3, 1 .aiff)" in message
    assert "extensions=('.wav', '.flac', '.ogg', '.mp3', '.aiff')" in message
    assert "--data.extensions '[.wav, .flac, .ogg, .mp3, .aiff]'" in message


def test_a_wav_whose_header_counts_no_samples_before_its_data_says_how_to_repair_it(tmp_path):
    # a recorder stopped before it finished the header (sizes 0) was "holds no samples", as a truly
    # empty WAV, though a second of audio follows the header
    sf.write(tmp_path / "unfinished.wav", _tone(16000, 16000), 16000)
    data = bytearray((tmp_path / "unfinished.wav").read_bytes())
    at = data.find(b"data")
    data[4:8] = data[at + 4 : at + 8] = bytes(4)
    (tmp_path / "unfinished.wav").write_bytes(bytes(data))
    sf.write(tmp_path / "header_only.wav", np.zeros(0), 16000)
    with pytest.raises(DataError) as err:
        index_audio([tmp_path / "unfinished.wav", tmp_path / "header_only.wav"], 16000)
    message = str(err.value)
    assert "unfinished.wav holds no samples by its header, yet 32000 bytes of data follow it" in message
    assert "sox --ignore-length" in message and "header_only.wav holds no samples\n" in message


def test_a_folder_of_hidden_audio_alone_says_they_are_hidden(tmp_path):
    # recordings in a hidden folder (or macOS '._' files alone) were "it holds no files; check the folder"
    _folder_of(tmp_path, [".takes/a.wav"])
    (tmp_path / "._a.wav").write_bytes(bytes(64))
    with pytest.raises(DataFileNotFoundError) as err:
        find_audio_files(tmp_path)
    message = str(err.value)
    assert "it holds no files" in message and "(2 hidden audio file(s), such as " in message
    assert "rename real recordings or their folder without the dot" in message


def test_a_split_left_empty_by_skipped_files_names_them_and_the_fix(tmp_path):
    # "no readable audio left in the test split" alone: the folder held enough readable files, the
    # split was drawn before the bad one (in test/) was skipped
    _folder_of(tmp_path, ["train/a.wav", "train/b.wav", "validation/c.wav"])
    (tmp_path / "test").mkdir()
    (tmp_path / "test" / "notes.wav").write_text("not audio")
    dm = AudioDataModule(str(tmp_path), 8000, clip_seconds=0.05, on_bad_file="skip", split="folders")
    with pytest.warns(UserWarning, match="skipped 1 unreadable"), pytest.raises(DataError) as caught:
        dm.setup("fit")
    assert "test split" in str(caught.value) and "skipped as unreadable (test/notes.wav)" in str(caught.value)
    assert "remove or repair them, or add recordings" in str(caught.value)


def test_clips_ssm_ts_generated_inside_the_folder_are_left_out_with_a_warning(tmp_path):
    # a fit run in the folder of recordings (--data.root .) put its outputs there: the next fit
    # trained on the model's own samples, counted as recordings
    _folder_of(tmp_path, ["a.wav", "b.wav", "c.wav", "mine/sample_001.wav"])
    _folder_of(
        tmp_path, ["outputs/audio/sample_000.wav", "outputs/audio/samples/epoch_001/epoch001_sample0.wav"]
    )
    for folder in ("outputs/audio", "outputs/audio/samples/epoch_001"):
        (tmp_path / folder / "spectrograms.png").write_bytes(b"")
    with pytest.warns(UserWarning, match="2 clip.s. under .*ssm-ts's own generated samples") as record:
        files = find_audio_files(tmp_path)
    assert files == [tmp_path / name for name in ("a.wav", "b.wav", "c.wav", "mine/sample_001.wav")]
    assert "in outputs/audio/, outputs/audio/samples/epoch_001/)" in str(record[0].message)
    with pytest.raises(DataFileNotFoundError, match="are ssm-ts's own generated samples"):
        find_audio_files(tmp_path / "outputs")


def test_clips_over_twice_the_longest_file_warn_that_the_padding_costs_time(tmp_path):
    # clip_seconds=1 (the default) on 0.1 s recordings trained on 90% padding, 10x the time, unsaid
    _folder_of(tmp_path, ["a.wav", "b.wav", "c.wav"])  # 0.1 s each
    dm = AudioDataModule(
        str(tmp_path), 8000, clip_seconds=1.0, split="fractions", fractions=(0.34, 0.33, 0.33)
    )
    with pytest.warns(UserWarning, match=r"clip_seconds=1 is over twice the longest training file \(0.1 s\)"):
        dm.setup("fit")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        AudioDataModule(
            str(tmp_path), 8000, clip_seconds=0.2, split="fractions", fractions=(0.34, 0.33, 0.33)
        ).setup("fit")
