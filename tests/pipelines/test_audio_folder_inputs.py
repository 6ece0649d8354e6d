"""Audio folders as users hand them over: several bad files at once, macOS and hidden files beside
the audio, an empty (0-byte) file, and a folder whose audio is in a format not read by default."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from ssm_ts import WaveformGenerator
from ssm_ts.errors import DataError, DataFileNotFoundError
from ssm_ts.pipelines.audio import AudioDataModule, find_audio_files, read_audio

pytestmark = pytest.mark.usefixtures("single_thread")


def _speech_like(root, names, rate=8000):
    rng = np.random.default_rng(0)
    for name in names:
        sf.write(root / name, rng.uniform(-0.3, 0.3, 800), rate)


def test_every_bad_file_of_the_folder_is_named_in_one_error(tmp_path):
    # before: the fit stopped on the first bad file; the user removed it and met the next, one run each
    _speech_like(tmp_path, [f"good{i}.wav" for i in range(6)])
    (tmp_path / "corrupt.wav").write_bytes(b"RIFF" + bytes(40))
    (tmp_path / "notes.flac").write_text("not audio")
    sf.write(tmp_path / "no_samples.wav", np.zeros(0), 8000)
    dm = AudioDataModule(
        str(tmp_path), 8000, clip_seconds=0.05, split="fractions", fractions=(0.5, 0.25, 0.25)
    )
    with pytest.raises(DataError, match=r"3 of 9 audio files cannot be used") as caught:
        dm.setup()
    message = str(caught.value)
    for name in ("corrupt.wav", "notes.flac", "no_samples.wav"):
        assert name in message
    assert "holds no samples" in message and "on_bad_file='skip' (CLI: --data.on_bad_file skip)" in message
    with pytest.warns(
        UserWarning, match=r"skipped 3 unreadable audio file\(s\) of 9"
    ):  # the folder's, not a split's
        AudioDataModule(str(tmp_path), 8000, clip_seconds=0.05, split="fractions", on_bad_file="skip",
                        fractions=(0.5, 0.25, 0.25)).setup()  # fmt: skip


def test_one_bad_file_keeps_its_own_error(tmp_path):
    _speech_like(tmp_path, [f"good{i}.wav" for i in range(4)])
    (tmp_path / "corrupt.wav").write_bytes(b"RIFF" + bytes(40))
    dm = AudioDataModule(
        str(tmp_path), 8000, clip_seconds=0.05, split="fractions", fractions=(0.5, 0.25, 0.25)
    )
    with pytest.raises(DataError, match=r"audio file .*corrupt\.wav cannot be read .*on_bad_file='skip'"):
        dm.setup()


def test_hidden_and_macos_metadata_files_are_not_read_as_audio(tmp_path):
    # before: a folder copied from a Mac (._take1.wav beside take1.wav) stopped the fit with
    # "._take1.wav cannot be read (Format not recognised)"
    _speech_like(tmp_path, ["take1.wav", "take2.wav", "take3.wav"])
    (tmp_path / "._take1.wav").write_bytes(b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        ")
    (tmp_path / ".Trash").mkdir()
    _speech_like(tmp_path / ".Trash", ["old.wav"])
    assert [p.name for p in find_audio_files(tmp_path)] == ["take1.wav", "take2.wav", "take3.wav"]
    hidden_parent = tmp_path / ".cache" / "digits"  # a hidden folder above the root is the user's choice
    hidden_parent.mkdir(parents=True)
    _speech_like(hidden_parent, ["a.wav"])
    assert [p.name for p in find_audio_files(hidden_parent)] == ["a.wav"]


def test_a_zero_byte_file_is_called_empty(tmp_path):
    # before: "cannot be read (Error opening it: Format not recognised): it may be corrupt or not audio"
    (tmp_path / "empty.wav").write_bytes(b"")
    with pytest.raises(DataError, match=r"empty\.wav is empty \(0 bytes\)"):
        read_audio(tmp_path / "empty.wav")


def test_a_folder_of_mp3s_says_how_to_read_them(tmp_path):
    # before: "no audio files (.flac, .ogg, .wav) found under ...; check the folder or the extensions",
    # and WaveformGenerator.fit had no extensions setting at all
    if "MP3" not in sf.available_formats():
        pytest.skip("this libsndfile reads no MP3")
    rng = np.random.default_rng(0)
    for i in range(3):
        sf.write(tmp_path / f"take{i}.mp3", rng.uniform(-0.3, 0.3, 1600), 16000)
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(
        DataFileNotFoundError,
        match=r"no audio files \(\.flac, \.ogg, \.wav\) found under .*: it holds 3 \.mp3, 1 \.txt file\(s\)\. "
        r"\.mp3 files are read with extensions=\('\.mp3',\) \(CLI: --data\.extensions '\[\.mp3\]'\)",
    ):
        find_audio_files(tmp_path)
    assert len(find_audio_files(tmp_path, (".mp3",))) == 3
    gen = WaveformGenerator(
        "tiny", max_epochs=1, batch_size=2, log_to_mlflow=False, out_dir=str(tmp_path / "out")
    )
    gen.fit(str(tmp_path), clip_seconds=0.05, extensions="MP3")  # one ending, any case, dot or not
    assert np.isfinite(gen.metrics_["test_nll_bits"])


def test_fit_reports_the_best_epochs_validation_score_beside_the_test_score(tmp_path):
    # before: metrics_ held test_loss and test_nll_bits only: trainer.test had cleared the
    # validation metrics that fit meant to copy
    _speech_like(tmp_path, [f"take{i}.wav" for i in range(4)])
    gen = WaveformGenerator(
        "tiny", max_epochs=1, batch_size=2, log_to_mlflow=False, out_dir=str(tmp_path / "out")
    )
    gen.fit(str(tmp_path), sample_rate=8000, clip_seconds=0.05, fractions=(0.5, 0.25, 0.25))
    assert {"val_loss", "val_nll_bits", "test_loss", "test_nll_bits"} <= set(gen.metrics_)
    assert all(np.isfinite(v) for v in gen.metrics_.values())


def test_fixed_crops_of_long_recordings_warn_how_much_audio_they_leave_out(tmp_path):
    # before: clip_seconds=0.05 of 1-second files trained on each file's first 5 % without a word
    _speech_like(tmp_path, [f"take{i}.wav" for i in range(4)], rate=800)  # 800 samples: 1 s at 800 Hz
    options = dict(sample_rate=800, clip_seconds=0.05, split="fractions", fractions=(0.5, 0.25, 0.25))
    with pytest.warns(
        UserWarning,
        match=r"crop='fixed' trains on the first 0\.05 s of each file: 5% of the training audio \(files up to "
        r"1 s\)\. crop='random' \(CLI: --data\.crop random\) trains on random windows",
    ):
        AudioDataModule(str(tmp_path), **options).setup()
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        AudioDataModule(str(tmp_path), crop="random", **options).setup()
        AudioDataModule(str(tmp_path), **{**options, "clip_seconds": 1.0}).setup()  # the whole files
        AudioDataModule(str(tmp_path), **options).setup("test")  # ssm-ts audio test trains nothing


def test_linked_folders_are_read_and_a_link_loop_is_read_once(tmp_path):
    # before: Path.rglob left out every file of a linked sub-folder (data/more -> /elsewhere/takes)
    root, elsewhere = tmp_path / "data", tmp_path / "elsewhere"
    root.mkdir()
    elsewhere.mkdir()
    _speech_like(root, ["a.wav"])
    _speech_like(elsewhere, ["b.wav", "c.wav"])
    (root / "more").symlink_to(elsewhere, target_is_directory=True)
    (elsewhere / "loop").symlink_to(root, target_is_directory=True)  # a folder linking back up
    files = find_audio_files(root)
    assert [p.relative_to(root).as_posix() for p in files] == ["a.wav", "more/b.wav", "more/c.wav"]


def test_fixed_crops_of_under_one_percent_of_the_audio_do_not_say_0_percent(tmp_path):
    # before: "trains on the first 0.002 s of each file: 0% of the training audio"
    _speech_like(tmp_path, [f"take{i}.wav" for i in range(4)], rate=800)  # 1 s each
    options = dict(sample_rate=800, clip_seconds=0.005, split="fractions", fractions=(0.5, 0.25, 0.25))
    with pytest.warns(UserWarning, match=r"first 0\.005 s of each file: under 1% of the training audio"):
        AudioDataModule(str(tmp_path), **options).setup()
