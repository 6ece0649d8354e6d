"""Audio pipeline: reading every format, bad files, splits on the real sets, codes, clips."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch

from ssm_ts.errors import ConfigError, DataError, DataFileNotFoundError
from ssm_ts.pipelines.audio import (
    FSDD_TEST_PATTERN,
    AudioDataModule,
    ClipDataset,
    Quantizer,
    find_audio_files,
    index_audio,
    load_clips,
    read_audio,
    split_files,
    write_wav,
)
from ssm_ts.pipelines.audio.levels import FIRST_FRAMES

pytestmark = pytest.mark.usefixtures("single_thread")


def _tone(n: int, rate: int, freq: float = 440.0) -> np.ndarray:
    return 0.5 * np.sin(2 * np.pi * freq * np.arange(n) / rate)


@pytest.mark.parametrize(
    ("suffix", "subtype", "tol"),
    [
        (".wav", "PCM_U8", 1 / 128),  # 8-bit WAV is unsigned: 128 is 0.0
        (".wav", "PCM_16", 1e-4),
        (".wav", "PCM_24", 1e-6),
        (".wav", "FLOAT", 1e-7),
        (".flac", "PCM_16", 1e-4),
        (".ogg", "VORBIS", 0.05),
    ],
)
def test_reads_bit_depths_and_formats(tmp_path, suffix, subtype, tol):
    wave = _tone(800, 8000)
    path = tmp_path / f"tone{suffix}"
    sf.write(path, wave, 8000, subtype=subtype)
    clip = read_audio(path)
    assert clip.sample_rate == 8000 and clip.waveform.dtype == torch.float32
    assert np.abs(clip.waveform.numpy() - wave).max() < tol


def test_stereo_is_mixed_to_mono_and_resampled(tmp_path):
    left, right = _tone(8000, 8000, 200.0), np.zeros(8000)
    path = tmp_path / "stereo.wav"
    sf.write(path, np.stack([left, right], axis=1), 8000, subtype="FLOAT")
    clip = read_audio(path)
    np.testing.assert_allclose(clip.waveform.numpy(), left / 2, atol=1e-6)
    up = read_audio(path, sample_rate=16000)
    assert up.sample_rate == 16000 and up.waveform.numel() == 16000
    # a 200 Hz tone keeps its amplitude through resampling (away from the edges)
    assert abs(up.waveform[2000:-2000].abs().max().item() - 0.25) < 0.01


def test_bad_files_raise_naming_the_file_or_are_skipped_with_a_warning(tmp_path):
    good = tmp_path / "good.wav"
    sf.write(good, _tone(400, 8000), 8000)
    corrupt = tmp_path / "corrupt.wav"
    corrupt.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk")
    empty = tmp_path / "empty.wav"
    sf.write(empty, np.zeros(0), 8000)
    for bad in (corrupt, empty):
        with pytest.raises(DataError, match=bad.name):
            read_audio(bad)
    with pytest.raises(DataError, match="corrupt.wav"):
        load_clips([good, corrupt], 8000)
    with pytest.warns(UserWarning, match="skipped 2 unreadable audio file"):
        waves, kept = load_clips([good, corrupt, empty], 8000, on_bad_file="skip")
    assert kept == [good] and len(waves) == 1
    (tmp_path / "nothing").mkdir()
    with pytest.raises(DataFileNotFoundError, match="no audio files"):
        find_audio_files(tmp_path / "nothing")


def test_speech_commands_lists_split_espeak_digits(shared_data):
    root = shared_data / "audio" / "espeak-digits"
    files = find_audio_files(root)
    split = split_files(files, root, "auto")
    assert (len(split.train), len(split.val), len(split.test)) == (380, 50, 50)
    speakers = {
        name: {p.name.split("_")[0] for p in getattr(split, name)} for name in ("train", "val", "test")
    }
    assert not speakers["train"] & speakers["test"] and not speakers["val"] & speakers["test"]


def test_fsdd_rule_puts_recording_index_0_to_4_in_test(shared_data):
    root = shared_data / "audio" / "fsdd"
    files = find_audio_files(root)
    split = split_files(files, root, "fsdd")
    assert len(split.test) == 300 and len(files) == 3000
    assert all(int(p.stem.split("_")[2]) <= 4 for p in split.test)
    assert all(int(p.stem.split("_")[2]) > 4 for p in split.train + split.val)
    assert split_files(files, root, "rule", test_pattern=FSDD_TEST_PATTERN).test == split.test
    fractions = split_files(files, root, "fractions", fractions=(0.7, 0.2, 0.1), seed=3)
    assert (len(fractions.train), len(fractions.val), len(fractions.test)) == (2100, 600, 300)
    assert not set(fractions.train) & set(fractions.test)


def test_quantizers_round_trip():
    audio = torch.linspace(-1, 1, 1001)
    mu = Quantizer("mu-law", 8)
    codes = mu.encode(audio)
    assert codes.min() == 0 and codes.max() == 255 and mu.silence == 128
    # mu-law is fine near zero and coarse near full scale
    err = (mu.decode(codes) - audio).abs()
    assert err[495:506].max() < 1e-3 and err.max() < 0.04
    lin = Quantizer("linear", 8)
    assert (lin.decode(lin.encode(audio)) - audio).abs().max() <= 1 / 255 + 1e-6


@pytest.mark.parametrize("method", ["mu-law", "linear"])
def test_bin_edges_are_where_the_code_steps(method):
    quantizer = Quantizer(method, 8)
    edges = quantizer.bin_edges()
    assert edges.shape == (255,) and (edges.diff() > 0).all()
    below = quantizer.encode((edges - 1e-6).float())
    above = quantizer.encode((edges + 1e-6).float())
    assert torch.equal(below, torch.arange(255)) and torch.equal(above, torch.arange(1, 256))


def test_noise_entropy_matches_the_gaussian_formula_and_vanishes_without_noise():
    linear = Quantizer("linear", 8)
    step, sigma = 2 / 255, 0.05  # noise over many equal bins: h = log2(sigma / step) + log2(2 pi e) / 2
    expected = math.log2(sigma / step) + 0.5 * math.log2(2 * math.pi * math.e)
    assert abs(linear.noise_entropy_bits(torch.zeros(3), sigma) - expected) < 0.01
    centres = linear.decode(torch.tensor([10, 128, 200]))
    assert linear.noise_entropy_bits(centres, 1e-5) < 1e-3  # far inside a bin: the code is certain
    mu = Quantizer("mu-law", 8)  # finer bins near zero: the same noise costs more bits at silence
    assert (
        mu.noise_entropy_bits(torch.zeros(1), 0.002) > mu.noise_entropy_bits(torch.full((1,), 0.5), 0.002) + 3
    )


def test_datamodule_pads_short_clips_and_masks_them(shared_data):
    dm = AudioDataModule(
        str(shared_data / "audio" / "fsdd"),
        sample_rate=16000,
        clip_seconds=1.0,
        split="fsdd",
        max_files_per_split=6,
        batch_size=6,
    )
    dm.setup("fit")
    codes, lengths = next(iter(dm.test_dataloader()))
    assert codes.shape == (6, 16000) and codes.dtype == torch.long
    assert (lengths < 16000).any()  # FSDD recordings are shorter than a second
    for row, n in zip(codes, lengths, strict=True):
        assert (row[n:] == 128).all()  # padded with the code of silence
        assert row[:n].float().std() > 1  # real audio before that


def test_random_crops_differ_and_fixed_clips_do_not(tmp_path):
    write_wav(tmp_path / "long.wav", torch.rand(8000) * 2 - 1, 8000)
    write_wav(tmp_path / "b.wav", torch.rand(8000) * 2 - 1, 8000)
    write_wav(tmp_path / "c.wav", torch.rand(8000) * 2 - 1, 8000)
    dm = AudioDataModule(
        str(tmp_path), 8000, clip_seconds=0.1, crop="random", split="fractions", fractions=(0.34, 0.33, 0.33)
    )
    dm.setup()
    train = dm.datasets["train"]
    crops = torch.stack([train[0][0] for _ in range(5)])
    assert len({tuple(c[:20].tolist()) for c in crops}) > 1
    fixed = dm.datasets["test"]
    assert torch.equal(fixed[0][0], fixed[0][0])


def test_datamodule_rejects_empty_clips_and_batches(tmp_path):
    from ssm_ts.errors import ConfigError

    with pytest.raises(ConfigError, match="clip_seconds=1e-06 is under one sample at 8000 Hz"):
        AudioDataModule(str(tmp_path), sample_rate=8000, clip_seconds=1e-6)
    with pytest.raises(ConfigError, match="batch_size must be a whole number >= 1, got 0"):
        AudioDataModule(str(tmp_path), batch_size=0)
    with pytest.raises(ConfigError, match="num_workers must be a whole number >= 0, got -1"):
        AudioDataModule(str(tmp_path), num_workers=-1)


def _lazy_folder(root):
    """Files the lazy reader treats differently: at the clip rate (mono 16-bit, stereo float, longer and
    shorter than the clip) and resampled (8 kHz, 44.1 kHz: an uneven ratio)."""
    rng = np.random.default_rng(0)
    sf.write(root / "a_mono.wav", rng.uniform(-0.5, 0.5, 40000), 16000, subtype="PCM_16")
    sf.write(
        root / "b_stereo.wav", rng.uniform(-1.2, 1.2, (30000, 2)).astype(np.float32), 16000, subtype="FLOAT"
    )
    sf.write(root / "c_short.wav", rng.uniform(-0.5, 0.5, 3000), 16000)
    sf.write(root / "d_8k.flac", rng.uniform(-0.5, 0.5, 13001), 8000)
    sf.write(root / "e_44k.wav", rng.uniform(-0.5, 0.5, 44101), 44100)
    return find_audio_files(root)


@pytest.mark.parametrize("crop", ["fixed", "random"])
def test_clips_decoded_on_access_equal_the_clips_of_decoded_files(tmp_path, crop):
    files = _lazy_folder(tmp_path)
    quantizer = Quantizer("mu-law", 8)
    decoded = ClipDataset(load_clips(files, 16000)[0], 8000, quantizer, crop)
    lazy_files, kept = index_audio(files, 16000)
    lazy = ClipDataset(lazy_files, 8000, quantizer, crop)
    assert kept == files
    for i in range(len(files)):
        assert lazy_files.numel(i) == decoded.waves[i].numel()
        assert torch.equal(lazy_files[i], decoded.waves[i])
        for _ in range(3):
            torch.manual_seed(i)
            want = decoded[i]
            torch.manual_seed(i)
            got = lazy[i]
            assert torch.equal(got[0], want[0]) and torch.equal(got[1], want[1])


def test_datamodule_setup_opens_each_file_once_and_decodes_only_the_start_of_pcm_files(tmp_path, monkeypatch):
    # setup looks for silent and clipped files (pipelines/audio/levels.py) in the header's opening: a
    # PCM file cannot exceed full scale, so its first block tells it is not silent; a float file is
    # read whole for its peak
    _lazy_folder(tmp_path)
    calls = {"read": 0, "opened": []}
    read = sf.read

    class Counting(sf.SoundFile):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.frames_read = 0
            calls["opened"].append(self)

        def read(self, frames=-1, *args, **kwargs):
            data = super().read(frames, *args, **kwargs)
            self.frames_read += len(data)
            return data

    def counting_read(*args, **kwargs):
        calls["read"] += 1
        return read(*args, **kwargs)

    monkeypatch.setattr(sf, "SoundFile", Counting)
    monkeypatch.setattr(sf, "read", counting_read)
    dm = AudioDataModule(str(tmp_path), 16000, clip_seconds=0.5, split="fractions", fractions=(0.4, 0.2, 0.4))
    with pytest.warns(UserWarning, match=r"b_stereo\.wav \(peak 1\.2\)"):
        dm.setup()
    frames_read = {Path(f.name).name: f.frames_read for f in calls["opened"]}
    assert calls["read"] == 0 and len(calls["opened"]) == 5  # one opening a file, none decoded whole
    assert frames_read.pop("b_stereo.wav") == 30000  # the float file: its peak
    assert set(frames_read.values()) == {FIRST_FRAMES}  # the others: their first block, not silent
    next(iter(dm.train_dataloader()))
    assert calls["read"] == len(dm.datasets["train"])  # a file is decoded when its clip is asked for


def test_nan_audio_raises_naming_the_file_when_indexed_and_when_read(tmp_path):
    sf.write(tmp_path / "nan.wav", np.array([0.1, np.nan, 0.2], dtype=np.float32), 16000, subtype="FLOAT")
    with pytest.raises(DataError, match="nan.wav holds NaN"):
        index_audio([tmp_path / "nan.wav"], 16000)
    # saved with NaN after the index looked: named when decoded
    sf.write(tmp_path / "later.wav", np.array([0.1, 0.3, 0.2], dtype=np.float32), 16000, subtype="FLOAT")
    audio, _ = index_audio([tmp_path / "later.wav"], 16000)
    sf.write(tmp_path / "later.wav", np.array([0.1, np.nan, 0.2], dtype=np.float32), 16000, subtype="FLOAT")
    with pytest.raises(DataError, match="later.wav holds NaN"):
        ClipDataset(audio, 4, Quantizer("mu-law", 8))[0]


def _corrupt_flac(path, rate: int = 8000) -> None:
    """A FLAC whose header and first frame decode but whose last frame does not: 1 s at ``rate`` (two
    frames of libsndfile's 4096 samples), damaged at three quarters of its bytes. The setup's first look
    decodes the first frame alone and passes it (one whose first frame does not decode is named there);
    at 8 kHz, any clip of it at 16 kHz decodes it whole (resampled), so a clip at its start meets the damage."""
    sf.write(path, _tone(rate, rate), rate)
    data = bytearray(path.read_bytes())
    late = 3 * len(data) // 4
    data[late : late + 400] = bytes(range(256)) + bytes(144)
    path.write_bytes(bytes(data))


def test_files_bad_only_when_decoded_are_skipped_on_access_with_on_bad_file_skip(tmp_path):
    # A FLAC with damaged frames, or a float WAV saved with NaN after the index looked, passes the
    # index: with on_bad_file="skip" the fit used to stop mid-epoch anyway, telling the user to pass
    # on_bad_file='skip'.
    nan = np.array([0.1, np.nan, 0.2] * 100, dtype=np.float32)
    sf.write(tmp_path / "nan.wav", np.nan_to_num(nan), 16000, subtype="FLOAT")
    _corrupt_flac(tmp_path / "damaged.flac")
    sf.write(tmp_path / "good.wav", _tone(400, 16000), 16000)
    files = [tmp_path / "nan.wav", tmp_path / "damaged.flac", tmp_path / "good.wav"]
    audio, kept = index_audio(files, 16000, on_bad_file="skip")
    assert kept == files  # the headers are fine
    sf.write(tmp_path / "nan.wav", nan, 16000, subtype="FLOAT")
    clips = ClipDataset(audio, 256, Quantizer("mu-law", 8), on_bad_file="skip")
    with pytest.warns(UserWarning, match=r"skipped audio file .*nan\.wav.*NaN"):
        codes, length = clips[0]
    assert int(length) == 0 and (codes == clips.silence).all()  # masked out of every loss
    with pytest.warns(UserWarning, match=r"damaged\.flac"):
        assert int(clips[1][1]) == 0
    assert int(clips[2][1]) == 256
    with pytest.raises(DataError, match="damaged.flac"):  # the default still raises, naming the file
        ClipDataset(audio, 256, Quantizer("mu-law", 8))[1]


def test_fit_with_on_bad_file_skip_survives_files_bad_only_when_decoded(tmp_path):
    root = tmp_path / "audio"
    root.mkdir()
    rng = np.random.default_rng(0)
    for i in range(6):
        sf.write(root / f"clip{i}.wav", rng.uniform(-0.3, 0.3, 800), 16000)
    sf.write(root / "clip_nan.wav", rng.uniform(-0.3, 0.3, 800).astype(np.float32), 16000, subtype="FLOAT")
    dm = AudioDataModule(str(root), 16000, clip_seconds=0.05, split="fractions", fractions=(1 / 3, 1 / 3, 1 / 3),
                         batch_size=8, on_bad_file="skip")  # fmt: skip
    dm.setup()
    # saved with NaN after setup looked (setup names a NaN file it sees as a bad file)
    sf.write(root / "clip_nan.wav", np.full(800, np.nan, dtype=np.float32), 16000, subtype="FLOAT")
    with pytest.warns(UserWarning, match="clip_nan.wav"):
        lengths = torch.cat(
            [batch[1] for name in ("train", "val", "test") for batch in dm._loader(name, False)]
        )
    assert sorted(lengths.tolist()) == [0] + [800] * 6


@pytest.mark.parametrize("n_files", [3, 4, 5, 9])
def test_a_small_folder_gives_every_split_a_file(tmp_path, n_files):
    # 0.8/0.1/0.1 of 3..9 files rounds validation (and test) to 0 files: a folder of five recordings
    # failed with "the val split is empty".
    files = [tmp_path / f"rec{i}.wav" for i in range(n_files)]
    split = split_files(files, tmp_path, "fractions")
    sizes = (len(split.train), len(split.val), len(split.test))
    assert min(sizes) >= 1 and sum(sizes) == n_files
    assert sorted(split.train + split.val + split.test) == sorted(files)
    assert split_files(files, tmp_path, "auto") == split  # "auto" without lists is the fraction split
    many = split_files([tmp_path / f"r{i:03d}.wav" for i in range(100)], tmp_path, "fractions")
    assert (len(many.train), len(many.val), len(many.test)) == (80, 10, 10)  # unchanged when they fit


@pytest.mark.parametrize("n_files", [1, 2])
def test_a_folder_of_one_or_two_files_says_how_many_are_needed(tmp_path, n_files):
    files = [tmp_path / f"rec{i}.wav" for i in range(n_files)]
    with pytest.raises(DataError, match=rf"holds {n_files} audio file\(s\).*at least 3.*cut"):
        split_files(files, tmp_path, "auto")


def _mixed_format_folder(root):
    """Rates, channels, formats and depths as a user's folder holds them, plus two non-audio files."""
    rng = np.random.default_rng(1)
    (root / "sub" / "deeper").mkdir(parents=True)
    sf.write(root / "a.wav", rng.uniform(-0.5, 0.5, 1600), 16000)
    sf.write(root / "b.WAV", rng.uniform(-0.5, 0.5, (4410, 2)), 44100, subtype="PCM_24")
    sf.write(root / "sub" / "c.flac", rng.uniform(-0.5, 0.5, (4800, 2)), 48000)
    sf.write(root / "sub" / "deeper" / "d.wav", rng.uniform(-0.5, 0.5, 4800).astype(np.float32), 48000,
             subtype="FLOAT")  # fmt: skip
    sf.write(root / "sub" / "e.FLAC", rng.uniform(-0.5, 0.5, 800), 16000)
    sf.write(root / "f.wav", rng.uniform(-0.5, 0.5, 2205), 22050)
    (root / "broken.wav").write_bytes(b"RIFF" + bytes(40))
    (root / "notes.txt").write_text("take 2 was better")
    (root / ".DS_Store").write_bytes(bytes(64))


def test_source_summary_says_what_was_resampled_mixed_and_skipped(tmp_path):
    # a 44.1/48 kHz stereo folder trained at 16 kHz mono without a word anywhere on what happened
    _mixed_format_folder(tmp_path)
    dm = AudioDataModule(str(tmp_path), 16000, clip_seconds=0.05, split="fractions", on_bad_file="skip",
                         fractions=(0.5, 0.25, 0.25))  # fmt: skip
    with pytest.warns(UserWarning, match="broken.wav"):
        dm.setup()
    summary = dm.source_summary()
    assert summary == {
        "audio_files": 6,
        "source_rates": "16000 Hz: 2, 22050 Hz: 1, 44100 Hz: 1, 48000 Hz: 2",
        "source_channels": "mono: 4, stereo: 2",
        "source_formats": "FLAC PCM_16: 2, WAV FLOAT: 1, WAV PCM_16: 2, WAV PCM_24: 1",
        "resampled_to_16000_hz": 4,
        "mixed_to_mono": 2,
        "skipped_files": "broken.wav",
    }
    line = dm.describe_sources()
    assert "6 audio files" in line and "4 resampled to 16000 Hz" in line and "2 mixed to mono" in line
    assert "1 skipped (broken.wav)" in line


def test_a_float_wav_beyond_full_scale_warns_naming_it_once(tmp_path):
    # a float WAV peaking at 10 (a gain bug in the user's export) was silently clipped to a square wave
    path = tmp_path / "loud.wav"
    sf.write(path, (20 * _tone(800, 8000)).astype(np.float32), 8000, subtype="FLOAT")
    with pytest.warns(
        UserWarning, match=r"loud\.wav peaks at 10.*clipped to \[-1, 1\].*divide it by its peak"
    ):
        clip = read_audio(path)
    assert float(clip.waveform.abs().max()) == 1.0
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_audio(path)  # once per file, not once per training step


def test_an_empty_rule_split_names_what_each_pattern_matched_and_that_they_are_regexes(tmp_path):
    """A glob-minded ``test_pattern: "take0*"`` matches every 'take' name ('0*' may be empty), leaving
    train empty; the error said only "check the split lists, pattern or fractions"."""
    files = [tmp_path / f"take{i}.wav" for i in range(8)]
    with pytest.raises(DataError) as err:
        split_files(files, tmp_path, "rule", test_pattern="take0*", val_pattern="take7")
    message = str(err.value)
    assert "the train split" in message
    assert "test_pattern 'take0*' matched 8, val_pattern 'take7' 0 of the rest" in message
    assert "regular expressions searched in file names, not globs" in message and "'^take0'" in message


@pytest.mark.parametrize("setting", ["test_pattern", "val_pattern"])
def test_a_glob_that_is_no_regex_names_its_setting_and_that_patterns_are_regexes(tmp_path, setting):
    # before: "invalid split pattern: nothing to repeat at position 0", for either setting
    files = [tmp_path / f"take{i}.wav" for i in range(4)]
    patterns = {"test_pattern": "^take0", "val_pattern": None, setting: "*.wav"}
    with pytest.raises(ConfigError, match=rf"{setting} '\*\.wav' is not a regular expression .*not globs"):
        split_files(files, tmp_path, "rule", **patterns)


def test_an_fsdd_split_of_other_names_says_what_names_it_takes(tmp_path):
    # before: "(split='rule', ...); test_pattern '^\\d+_...' matched 0", of a split the user never named
    files = [tmp_path / f"take{i}.wav" for i in range(4)]
    with pytest.raises(DataError, match=r"\(split='fsdd', 4 files\); split='fsdd' takes FSDD's file names"):
        split_files(files, tmp_path, "fsdd")
