"""Spoken-word clips as log-mel spectrograms: each clip becomes a recording of ``n_mels`` channels
(mel bands) by ``frames`` steps, so the sensor pipeline (padding, mask, per-band normalisation)
and the 2-D S4ND encoder (frequency x time) take it like any other series.

The Free Spoken Digit Dataset names files ``<digit>_<speaker>_<index>.flac``; its official test
split is index 0-4 of every speaker and digit (:func:`read_fsdd`).

A clip must hold more than ``n_fft // 2`` samples (128 at the default ``n_fft=256``, 16 ms at
8 kHz): the spectrogram's centred frames reflect the clip at its ends. Shorter clips are an error
naming each file, not zero-padded: FSDD's shortest real clip has 1,148 samples, so a 16 ms one is a
cut or broken take, and padding it would train on a near-silent recording under a digit's label.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path
from typing import Literal

import numpy as np
import soundfile as sf
import torch

from ssm_ts.errors import ConfigError, DataError, DataFileNotFoundError

from .series import SeriesSet, make_series_set

AUDIO_SUFFIXES = (".wav", ".flac", ".ogg")
FSDD_SPLITS = ("train", "test", "all")
_FSDD_NAME = re.compile(r"^(\d)_([A-Za-z]+)_(\d+)$")


def log_mel(
    waveform: np.ndarray, sample_rate: int, n_mels: int = 32, n_fft: int = 256, hop_length: int = 128
) -> np.ndarray:
    """``waveform (samples,)`` -> log-mel spectrogram ``(n_mels, frames)`` (natural log, floor 1e-6),
    ``frames = 1 + samples // hop_length``.

    Raises:
        DataError: the waveform holds ``n_fft // 2`` samples or fewer (see :func:`min_clip_samples`).
    """
    import torchaudio

    if len(waveform) < min_clip_samples(n_fft):  # torch's reflect padding would fail with a raw error
        raise DataError(
            f"a clip of {len(waveform)} samples is too short for a log-mel spectrogram: n_fft={n_fft} "
            f"needs more than {n_fft // 2} samples; drop the clip or pass a smaller n_fft "
            f"(below {2 * len(waveform)})."
        )
    transform = torchaudio.transforms.MelSpectrogram(
        sample_rate=sample_rate, n_fft=n_fft, hop_length=hop_length, n_mels=n_mels, f_min=20.0
    )
    spectrum = transform(torch.as_tensor(waveform, dtype=torch.float32))
    return torch.log(spectrum + 1e-6).numpy().astype(np.float64)


def min_clip_samples(n_fft: int) -> int:
    """The fewest samples :func:`log_mel` takes: ``n_fft // 2 + 1`` (its centred frames reflect the
    clip at both ends, which needs more samples than the ``n_fft // 2`` reflected)."""
    return n_fft // 2 + 1


def _short_clips_error(
    source: Path, short: list[tuple[Path, int]], n_fft: int, sample_rate: int, reader: str
) -> DataError:
    """The error naming every clip too short for :func:`log_mel`, its length and the minimum; ``source``
    is the file or folder given to ``reader`` (the function named in the fix)."""
    listed = ", ".join(
        f"{path.name} ({length} samples, {1000 * length / sample_rate:.1f} ms)" for path, length in short[:10]
    )
    more = f" and {len(short) - 10} more" if len(short) > 10 else ""
    return DataError(
        f"{source}: {len(short)} clip(s) too short for a log-mel spectrogram (lengths at {sample_rate} Hz): "
        f"{listed}{more}. n_fft={n_fft} needs more than {n_fft // 2} samples "
        f"({1000 * (n_fft // 2) / sample_rate:.0f} ms); a spoken digit lasts far longer (FSDD's shortest "
        f"clip has 1,148 samples), so these are likely cut or broken takes: remove them"
        f"{' from the folder' if source.is_dir() else ''}, or (Python API) pass {reader}(..., n_fft=...) "
        "below twice the shortest clip's length."
    )


def _audio_files(folder: Path) -> list[Path]:
    """The audio files of ``folder`` itself, sorted. Hidden files are left out, as the audio pipeline's
    folders leave them out: macOS writes ``._0_george_0.wav`` (binary metadata, no audio) beside each
    file on a shared drive, which stopped the reading as "not an FSDD name" or "cannot read audio"."""
    return sorted(
        p for p in folder.iterdir() if p.suffix.lower() in AUDIO_SUFFIXES and not p.name.startswith(".")
    )


def read_clip(path: Path, sample_rate: int | None = None) -> tuple[np.ndarray, int]:
    """Mono float waveform ``(samples,)`` and its rate; stereo is averaged; unreadable or empty files
    are named. With ``sample_rate`` the clip is resampled to it (and that rate returned)."""
    try:
        audio, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except (RuntimeError, sf.LibsndfileError) as err:
        raise DataError(f"{path}: cannot read audio ({err}); the file may be corrupt.") from err
    if audio.shape[0] == 0:
        raise DataError(f"{path}: the audio file holds no samples; remove it.")
    bad = ~np.isfinite(audio).all(axis=1)  # frames with a NaN or inf in any channel
    if bad.any():  # named here: in the log-mels they were "missing values" with a nan_policy fix it ignores
        first = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"{path}: the audio file holds {int(bad.sum())} NaN or infinite sample(s) (the first at "
            f"{first / rate:.3f} s, sample {first}); replace them (numpy.nan_to_num) and save it again, or remove it."
        )
    mono, rate = audio.mean(axis=1), int(rate)
    if sample_rate is not None and rate != sample_rate:
        import torchaudio.functional as AF

        mono = AF.resample(torch.from_numpy(np.ascontiguousarray(mono)), rate, sample_rate).numpy()
        rate = int(sample_rate)
    return mono, rate


def read_fsdd(
    folder: str | os.PathLike,
    split: Literal["train", "test", "all"] = "all",
    n_mels: int = 32,
    n_fft: int = 256,
    hop_length: int = 128,
    sample_rate: int = 8000,
) -> SeriesSet:
    """FSDD clips in ``folder`` as log-mel recordings ``(n_mels, frames)`` labelled by digit (ids are
    file stems).

    ``split="test"`` keeps recording index 0-4 of every speaker and digit (the official split),
    ``"train"`` the rest. Every clip is resampled to ``sample_rate`` (FSDD's 8 kHz) first: a frame
    and a mel band then cover the same time and frequencies in every recording.

    Raises:
        DataError: a file is not named as FSDD names them, cannot be read, or (all of them, in one
            message) a clip holds ``n_fft // 2`` samples or fewer once resampled (see the module doc).
    """
    if split not in FSDD_SPLITS:  # any other word read every clip, the test ones too, without a word
        raise ConfigError(
            f"read_fsdd: split must be one of {FSDD_SPLITS}, got {split!r} (the official split has no "
            "validation part: take one from 'train', e.g. with ssm_ts.pipelines.sensor.stratified_split)"
        )
    folder = Path(folder)
    if not folder.is_dir():
        raise DataFileNotFoundError(
            f"FSDD folder not found: {folder}; it holds <digit>_<speaker>_<index>.flac"
        )
    files = _audio_files(folder)
    chosen, labels = [], []
    for path in files:
        match = _FSDD_NAME.match(path.stem)
        if match is None:
            raise DataError(f"{path}: not an FSDD name <digit>_<speaker>_<index>; rename or move the file.")
        is_test = int(match.group(3)) < 5
        if (split == "test" and not is_test) or (split == "train" and is_test):
            continue
        chosen.append(path)
        labels.append(match.group(1))
    if not chosen:
        raise _no_clips_error(folder, split, len(files))
    values = _log_mels(folder, "read_fsdd", chosen, n_mels, n_fft, hop_length, sample_rate)
    return make_series_set(values, labels, source=str(folder), ids=[path.stem for path in chosen])


def read_audio_clips(
    path: str | os.PathLike,
    n_mels: int = 32,
    n_fft: int = 256,
    hop_length: int = 128,
    sample_rate: int = 8000,
) -> SeriesSet:
    """An audio file, or every one in a folder (WAV, FLAC, OGG; not its subfolders), as log-mel
    recordings ``(n_mels, frames)`` made as :func:`read_fsdd` makes them, to classify with a model
    fitted on FSDD (``classify predict --data.predict_path``). Any file names; labelled by digit when
    every name is FSDD's ``<digit>_<speaker>_<index>`` (so ``classify test`` can score them), else
    unlabelled. Ids are the file stems.

    Raises:
        DataFileNotFoundError: ``path`` does not exist.
        DataError: no audio file in the folder, a file cannot be read, or clips too short.
    """
    path = Path(path)
    if not path.exists():
        raise DataFileNotFoundError(
            f"audio file or folder not found: {path}; give a WAV, FLAC or OGG file or folder"
        )
    files = _audio_files(path) if path.is_dir() else [path]
    if not files:
        raise _no_clips_error(path, "all", 0)
    matches = [_FSDD_NAME.match(p.stem) for p in files]
    labels = [m.group(1) for m in matches] if all(matches) else None
    values = _log_mels(path, "read_audio_clips", files, n_mels, n_fft, hop_length, sample_rate)
    return make_series_set(values, labels, source=str(path), ids=[p.stem for p in files])


def _log_mels(
    source: Path, reader: str, files: list[Path], n_mels: int, n_fft: int, hop_length: int, sample_rate: int
) -> list[np.ndarray]:
    """The log-mel spectrogram of every file at ``sample_rate``; every too-short clip named together, in
    an error about ``source`` (the file or folder given to ``reader``)."""
    values = []
    short: list[tuple[Path, int]] = []
    for path in files:
        audio, rate = read_clip(path, sample_rate)
        if len(audio) < min_clip_samples(n_fft):
            short.append((path, len(audio)))
            continue
        values.append(log_mel(audio, rate, n_mels, n_fft, hop_length))
    if short:
        raise _short_clips_error(source, short, n_fft, sample_rate, reader)
    return values


def _no_clips_error(folder: Path, split: str, n_clips: int) -> DataError:
    """Why ``folder`` gave no clip of ``split``: all ``n_clips`` are of the other split, or it holds no
    audio file itself (FSDD's repository keeps them one folder down, in ``recordings/``), or only files
    of other kinds (counted by extension)."""
    if n_clips:
        index = "index 5 and above" if split == "train" else "index 0-4"
        return DataError(
            f"{folder}: none of its {n_clips} FSDD clip(s) is in the {split} split (the official split: "
            f"{index} of each speaker and digit, <digit>_<speaker>_<index>); add clips of that index."
        )
    nested = next((p.parent for p in sorted(folder.rglob("*")) if p.suffix.lower() in AUDIO_SUFFIXES), None)
    if nested is not None:
        return DataError(
            f"{folder} holds no audio file itself, and clips are read from one folder, not its "
            f"subfolders: {nested} holds some; pass that folder instead."
        )
    kinds = Counter(p.suffix.lower() or "no-extension" for p in folder.iterdir() if p.is_file())
    held = (
        ", ".join(f"{count} {kind} file(s)" for kind, count in kinds.most_common(5)) if kinds else "no files"
    )
    return DataError(
        f"{folder}: no audio files ({', '.join(AUDIO_SUFFIXES)}) in it; it holds {held}: convert other "
        "formats to WAV or FLAC (e.g. with sox or ffmpeg)."
    )
