"""Reading audio files with soundfile: WAV, FLAC and OGG at any bit depth, mixed to mono.

torchaudio 2.11's ``load`` needs torchcodec and FFmpeg; soundfile (libsndfile) reads 16/24/32-bit
integer and float files with no extra system packages, so it is the one reader here.
"""

from __future__ import annotations

import os
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import torch
import torchaudio.functional as AF

from ssm_ts.errors import DataError, DataFileNotFoundError

from .split import NEEDS_THREE_FILES

AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg")
SKIP_HINT = "remove it, or skip bad files with on_bad_file='skip' (CLI: --data.on_bad_file skip)"


class BadAudioFileError(DataError):
    """One audio file cannot be used: ``path`` and ``problem`` (the message adds the fix)."""

    def __init__(self, path: Path, problem: str):
        self.path, self.problem = Path(path), problem
        super().__init__(f"audio file {path} {problem}; {SKIP_HINT}")


@dataclass(frozen=True)
class AudioClip:
    """One decoded file: ``waveform`` float32 (samples,) in [-1, 1], mono, at ``sample_rate``."""

    path: Path
    waveform: torch.Tensor
    sample_rate: int


def find_audio_files(root: str | os.PathLike, extensions: tuple[str, ...] = AUDIO_EXTENSIONS) -> list[Path]:
    """Every audio file under ``root`` (recursive, into linked folders too), sorted for a reproducible
    order. Hidden files and folders below ``root`` (names starting with ``.``) are left out: macOS
    writes ``._take1.wav`` metadata beside ``take1.wav`` on shared drives, and those are no audio.

    Raises:
        DataFileNotFoundError: ``root`` is missing or holds no file with one of ``extensions`` (the
            message counts what it holds, and says how to read other formats soundfile reads).
        DataError: ``root`` is a file, not a folder.
    """
    root = Path(root)
    if root.is_file():
        if root.suffix.lower() in {e.lower() for e in extensions}:  # one long recording, most likely
            raise DataError(
                f"{root} is an audio file; pass a folder of them ({root.parent} holds this one): "
                + NEEDS_THREE_FILES
            )
        raise DataError(f"{root} is a file; pass the folder that holds the WAV/FLAC/OGG files")
    if not root.is_dir():
        raise DataFileNotFoundError(f"audio folder not found: {root}; pass a folder of WAV/FLAC/OGG files")
    wanted = tuple(dict.fromkeys(e.lower() for e in extensions))
    visible = _visible_files(root)
    files = sorted(p for p in visible if p.suffix.lower() in wanted)
    if not files:
        raise DataFileNotFoundError(
            f"no audio files ({', '.join(sorted(wanted))}) found under {root}"
            + _what_it_holds(visible)
            + _hidden_audio_note(root, wanted)
        )
    _warn_of_audio_left_out(visible, wanted, root)
    return _each_file_once(files, root)


def shown_path(path: Path, folder: Path) -> str:
    """``path`` under ``folder`` as ``word/take.wav``: names of a folder's files, which sub-folders
    of the same file names (Speech Commands: ``<word>/<speaker>_nohash_0.wav``) leave ambiguous."""
    try:
        return path.relative_to(folder).as_posix()
    except ValueError:
        return str(path)


def _each_file_once(files: list[Path], root: Path) -> list[Path]:
    """``files`` less those that are a link (symbolic or hard) to an earlier one, with a warning
    naming them: the same recording twice weighs it double, and in two splits it puts training audio
    into the validation or test score. Broken links stay: reading them names the missing target."""
    first: dict[tuple[int, int], Path] = {}
    kept, repeats = [], []
    for path in files:
        if not path.exists():
            kept.append(path)
            continue
        stat = path.stat()
        seen = first.setdefault((stat.st_dev, stat.st_ino), path)
        if seen == path:
            kept.append(path)
        else:
            repeats.append(f"{shown_path(path, root)} (= {shown_path(seen, root)})")
    if repeats:
        warnings.warn(
            f"{len(repeats)} audio file(s) under {root} are links to a file already listed, read once: "
            + ", ".join(repeats[:10])
            + (" ..." if len(repeats) > 10 else ""),
            stacklevel=3,
        )
    return kept


def _visible_files(root: Path) -> list[Path]:
    """Files under ``root`` but hidden ones, following linked folders (``Path.rglob`` before Python
    3.13 leaves their files out) and entering each real folder once (a link back up is no loop)."""
    found, seen = [], set()
    for folder, subfolders, names in os.walk(root, followlinks=True):
        real = os.path.realpath(folder)
        if real in seen:
            subfolders[:] = []
            continue
        seen.add(real)
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        found += [
            Path(folder) / n
            for n in names
            if not n.startswith(".") and _is_file_or_broken_link(os.path.join(folder, n))
        ]
    return found


def _is_file_or_broken_link(path: str) -> bool:
    """A file, or a link to nothing: a folder of links into a moved data set is no empty folder."""
    return os.path.isfile(path) or (os.path.islink(path) and not os.path.exists(path))


def _readable_suffixes() -> set[str]:
    """File endings of the formats soundfile reads: ``.wav``, ``.mp3`` (libsndfile 1.1+), ``.aiff``..."""
    formats = {name.lower() for name in sf.available_formats()}
    return {f".{name}" for name in formats} | ({".aif"} if "aiff" in formats else set())


def _warn_of_audio_left_out(files: list[Path], wanted: tuple[str, ...], root: Path) -> None:
    """Files of other audio formats beside those read (MP3s among WAVs) are left out: say how many
    and how to read them, as a folder of MP3s alone is told in its error."""
    others = _readable_suffixes() - set(wanted)
    counts = Counter(p.suffix.lower() for p in files if p.suffix.lower() in others).most_common()
    if not counts:
        return
    held = ", ".join(f"{n} {suffix}" for suffix, n in counts)
    every = (*wanted, *(suffix for suffix, _ in counts))
    warnings.warn(
        f"{sum(n for _, n in counts)} audio file(s) under {root} are not read, their endings are not in "
        f"extensions ({held}); extensions={every!r} (CLI: --data.extensions '[{', '.join(every)}]') "
        "reads them too",
        stacklevel=3,
    )


def _hidden_audio_note(root: Path, wanted: tuple[str, ...]) -> str:
    """For the no-audio error: the audio files left out as hidden (their name or a folder's starts
    with ``.``), as a folder copied from a Mac with its recordings in ``.takes/`` has."""
    hidden = [
        Path(folder, name)
        for folder, _, names in os.walk(root)  # hidden folders too: no visible file was audio
        for name in names
        if Path(name).suffix.lower() in wanted
    ]
    if not hidden:
        return ""
    return (
        f" ({len(hidden)} hidden audio file(s), such as {shown_path(hidden[0], root)}, are left out: a name or "
        "folder starting with '.' is hidden. macOS '._' files are metadata, not audio; rename real "
        "recordings or their folder without the dot)"
    )


def _what_it_holds(files: list[Path]) -> str:
    """The end of the no-audio error: the folder's files by extension, and how to read those that
    soundfile reads (MP3, AIFF, ...)."""
    if not files:
        return ": it holds no files; check the folder"
    counts = Counter(p.suffix.lower() or "(no extension)" for p in files)
    held = ", ".join(f"{n} {suffix}" for suffix, n in counts.most_common(5))
    more = ", ..." if len(counts) > 5 else ""
    readable = _readable_suffixes()
    other = [suffix for suffix in counts if suffix in readable]
    if not other:
        return f": it holds {held}{more} file(s); check the folder or the extensions"
    listed = ", ".join(other)
    return (
        f": it holds {held}{more} file(s). {listed} files are read with extensions={tuple(other)!r} "
        f"(CLI: --data.extensions '[{listed}]')"
    )


def read_audio(path: str | os.PathLike, sample_rate: int | None = None) -> AudioClip:
    """Decode ``path`` to mono float32, resampled to ``sample_rate`` when given.

    Multi-channel audio is averaged to mono; integer PCM of any width is scaled to [-1, 1).

    Raises:
        DataError: the file is unreadable, corrupt, empty, or holds non-finite samples.
    """
    path = Path(path)
    data, rate = _decode(path)
    wave = _mono(path, data)
    if sample_rate is not None and rate != sample_rate:
        wave = AF.resample(wave, int(rate), int(sample_rate))
        rate = sample_rate
    return AudioClip(path=path, waveform=wave.clamp(-1.0, 1.0), sample_rate=int(rate))


def read_audio_window(path: str | os.PathLike, start: int, stop: int) -> torch.Tensor:
    """Samples ``start:stop`` of ``path`` at its own rate, mono float32 ``(stop - start,)`` (fewer at
    the end): equal to ``read_audio(path).waveform[start:stop]``, decoding only that window."""
    path = Path(path)
    data, _ = _decode(path, start, stop)
    return _mono(path, data, whole=False).clamp(-1.0, 1.0)


@dataclass(frozen=True)
class AudioHeader:
    """What a file's header says: ``frames`` per channel, ``sample_rate`` (Hz), ``channels``, and
    ``format`` such as ``"WAV PCM_24"`` or ``"FLAC PCM_16"``."""

    frames: int
    sample_rate: int
    channels: int
    format: str


def audio_header(path: str | os.PathLike) -> AudioHeader:
    """The header of ``path`` (nothing is decoded).

    Raises:
        DataError: the file is unreadable, not audio, or holds no samples.
    """
    path = Path(path)
    try:
        info = sf.info(str(path))
    except (sf.LibsndfileError, RuntimeError, OSError, ValueError) as err:
        raise _unreadable(path, err) from err
    if info.frames <= 0:
        raise BadAudioFileError(path, _why_no_samples(path))
    return AudioHeader(
        int(info.frames), int(info.samplerate), int(info.channels), f"{info.format} {info.subtype}"
    )


def _why_no_samples(path: Path) -> str:
    """ "holds no samples", or for a WAV whose header counts none but whose data follow it (a
    recorder stopped before it finished the header: libsndfile reads no sample), how to repair it."""
    with open(path, "rb") as file:
        head = file.read(1 << 16)
    data_at = head.find(b"data") if head[:4] in (b"RIFF", b"RF64") else -1
    after = path.stat().st_size - (data_at + 8) if data_at >= 0 else 0
    if after <= 0:
        return "holds no samples"
    return (
        f"holds no samples by its header, yet {after} bytes of data follow it: a recording stopped "
        "before its header was finished? 'sox --ignore-length it.wav repaired.wav' rewrites it whole"
    )


def audio_info(path: str | os.PathLike) -> tuple[int, int]:
    """``(frames, sample_rate)`` of ``path`` from its header alone (see :func:`audio_header`)."""
    header = audio_header(path)
    return header.frames, header.sample_rate


def _unreadable(path: Path, err: Exception) -> BadAudioFileError:
    if path.is_symlink() and not path.exists():
        target = os.readlink(path)
        return BadAudioFileError(path, f"is a link to {target}, which does not exist (moved or deleted?)")
    if not path.exists():  # libsndfile says "System error"
        return BadAudioFileError(path, "is missing (moved or deleted since the folder was listed?)")
    if path.is_file() and path.stat().st_size == 0:  # libsndfile says "Format not recognised"
        return BadAudioFileError(path, "is empty (0 bytes): an interrupted copy or download?")
    reason = str(err).replace(f"'{path}'", "it").rstrip(". ")  # libsndfile repeats the path
    return BadAudioFileError(path, f"cannot be read ({reason}): it may be corrupt or not audio")


def _decode(path: Path, start: int = 0, stop: int | None = None) -> tuple[np.ndarray, int]:
    """``(samples (frames, channels) float32, rate)`` of frames ``start:stop``."""
    try:
        return sf.read(str(path), start=start, stop=stop, dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, OSError, ValueError) as err:
        raise _unreadable(path, err) from err


def _mono(path: Path, data: np.ndarray, whole: bool = True) -> torch.Tensor:
    """Checked decoded samples ``(frames, channels)`` (the whole file, or a window of it) -> their
    channel mean ``(frames,)``."""
    if data.shape[0] == 0:
        raise BadAudioFileError(path, "holds no samples")
    if not np.isfinite(data).all():
        raise BadAudioFileError(path, "holds NaN or infinite samples")
    _warn_of_odd_levels(path, data, whole)
    return torch.from_numpy(np.ascontiguousarray(data.mean(axis=1)))


_LEVELS_CHECKED: set[Path] = set()  # each file once per process, not on every clip read from it


def _warn_of_odd_levels(path: Path, data: np.ndarray, whole: bool) -> None:
    """Say once per file when its samples go beyond full scale or are all zero. Float files can hold
    samples beyond [-1, 1] (integer PCM cannot); they are clipped, which turns speech into a square
    wave. A file of zeros alone is mostly a failed recording (a muted input). A window that looks so
    is judged by the whole file: its peak, and leading silence is no silent file."""
    if path in _LEVELS_CHECKED:
        return
    peak = float(np.abs(data).max())
    if whole or peak > 1.0 or peak == 0.0:
        if not whole:
            peak = float(np.abs(_decode(path)[0]).max())
        _LEVELS_CHECKED.add(path)
    if peak > 1.0:
        warnings.warn(
            f"audio file {path} peaks at {peak:.3g}, beyond full scale: its samples are clipped to [-1, 1]. "
            "If that is a gain error, divide it by its peak (normalise it) and save it again",
            stacklevel=4,
        )
    elif peak == 0.0:
        warnings.warn(
            f"audio file {path} is silent: every sample is 0. If it is a failed recording (a muted "
            "input), remove it",
            stacklevel=4,
        )
