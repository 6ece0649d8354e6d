"""Reading audio files with soundfile: WAV, FLAC and OGG at any bit depth, mixed to mono.

Finding a folder's audio files is :mod:`.folder`'s job (``find_audio_files`` is re-exported here).

torchaudio 2.11's ``load`` needs torchcodec and FFmpeg; soundfile (libsndfile) reads 16/24/32-bit
integer and float files with no extra system packages, so it is the one reader here.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import torch
import torchaudio.functional as AF

from ssm_ts.errors import DataError

from .cut_short import declared_frames

# re-exported: they were defined here first
from .folder import AUDIO_EXTENSIONS, find_audio_files  # noqa: F401
from .full_scale import clipping_matters, samples_beyond
from .odd_rates import too_large_to_resample

# given a file's checked samples (frames, channels) before they are mixed to mono: checks that the mix
# hides (a file clipped on one channel alone: :mod:`.clipped_pcm`)
BeforeMix = Callable[[np.ndarray], None]

SKIP_HINT = "remove it, or skip bad files with on_bad_file='skip' (CLI: --data.on_bad_file skip)"


class BadAudioFileError(DataError):
    """One audio file cannot be used: ``path`` and ``problem`` (the message adds the fix).
    ``states_fix``: ``problem`` says how to make the file usable itself (resample it), where a caller's
    own fix for an unreadable file (give another one) would read wrong after it."""

    def __init__(self, path: Path, problem: str, states_fix: bool = False):
        self.path, self.problem, self.states_fix = Path(path), problem, states_fix
        super().__init__(f"audio file {path} {problem}; {SKIP_HINT}")


@dataclass(frozen=True)
class AudioClip:
    """One decoded file: ``waveform`` float32 (samples,) in [-1, 1], mono, at ``sample_rate``."""

    path: Path
    waveform: torch.Tensor
    sample_rate: int


def read_audio(
    path: str | os.PathLike, sample_rate: int | None = None, *, check_levels: bool = True, whose: str = ""
) -> AudioClip:
    """Decode ``path`` to mono float32, resampled to ``sample_rate`` when given (``whose`` rate, as an
    error names it: ``"the model's"``; ``""``: a fit's data).

    Multi-channel audio is averaged to mono; integer PCM of any width is scaled to [-1, 1).
    ``check_levels``: warn (once per file and process) when the file is silent or beyond full scale;
    off where its folder was checked already (:mod:`.levels`), as in loader workers.

    Raises:
        DataError: the file is unreadable, corrupt, empty, or holds non-finite samples, or is at a rate
            that would take a resampling filter of gigabytes to ``sample_rate`` (:func:`check_resampling`).
    """
    path = Path(path)
    wave, rate = decode_mono(path, check_levels=check_levels)
    if sample_rate is None:
        sample_rate = rate
    check_resampling(path, rate, sample_rate, whose)
    return AudioClip(path=path, waveform=resample_mono(wave, rate, sample_rate), sample_rate=int(sample_rate))


def check_resampling(path: Path, rate: int, sample_rate: int, whose: str = "") -> None:
    """Raise :class:`BadAudioFileError` naming ``path`` and the fix when resampling it from ``rate`` to
    ``sample_rate`` Hz (``whose`` rate, as :func:`read_audio` takes it) would build a filter of gigabytes
    (:func:`.odd_rates.too_large_to_resample`): torchaudio took minutes and all the memory, or the kernel
    killed the process, with no word of the file."""
    problem = too_large_to_resample(Path(path), int(rate), int(sample_rate), whose)
    if problem is not None:
        raise BadAudioFileError(path, problem, states_fix=True)


def decode_mono(
    path: str | os.PathLike, *, check_levels: bool = True, before_mix: BeforeMix | None = None
) -> tuple[torch.Tensor, int]:
    """``(samples (frames,) float32, rate)``: the whole of ``path`` mixed to mono at its own rate, not yet
    clamped (:func:`resample_mono` does that); ``check_levels`` as in :func:`read_audio`; ``before_mix``
    is given the checked samples ``(frames, channels)`` before they are mixed."""
    path = Path(path)
    data, rate = _decode(path)
    return _mono(path, data, check_levels=check_levels, before_mix=before_mix), int(rate)


def resample_mono(wave: torch.Tensor, rate: int, sample_rate: int) -> torch.Tensor:
    """``wave`` ``(frames,)`` at ``rate`` resampled to ``sample_rate`` (when they differ), clamped to [-1, 1]."""
    if rate != sample_rate:
        wave = AF.resample(wave, int(rate), int(sample_rate))
    return wave.clamp(-1.0, 1.0)


def read_audio_window(
    path: str | os.PathLike,
    start: int,
    stop: int,
    *,
    check_levels: bool = True,
    before_mix: BeforeMix | None = None,
) -> torch.Tensor:
    """Samples ``start:stop`` of ``path`` at its own rate, mono float32 ``(stop - start,)`` (fewer at
    the end): equal to ``read_audio(path).waveform[start:stop]``, decoding only that window;
    ``before_mix`` as in :func:`decode_mono`."""
    path = Path(path)
    data, _ = _decode(path, start, stop)
    return _mono(path, data, whole=False, check_levels=check_levels, before_mix=before_mix).clamp(-1.0, 1.0)


@dataclass(frozen=True)
class AudioHeader:
    """What a file's header says: ``frames`` per channel (those the file holds), ``sample_rate`` (Hz),
    ``channels``, and ``format`` such as ``"WAV PCM_24"`` or ``"FLAC PCM_16"``; ``declared_frames``: the
    frames a WAV's header counts when more than it holds (cut short: :mod:`.cut_short`), else ``None``."""

    frames: int
    sample_rate: int
    channels: int
    format: str
    declared_frames: int | None = None


def audio_header(path: str | os.PathLike) -> AudioHeader:
    """The header of ``path`` (nothing is decoded).

    Raises:
        DataError: the file is unreadable, not audio, or holds no samples.
    """
    with open_audio(path) as (_, header):
        return header


@contextmanager
def open_audio(path: str | os.PathLike) -> Iterator[tuple[sf.SoundFile, AudioHeader]]:
    """``(the open file, its header)``: one opening for the header and a first look at the samples.

    Raises:
        DataError: the file is unreadable, not audio, or holds no samples.
    """
    path = Path(path)
    try:
        file = sf.SoundFile(str(path))
    except (sf.LibsndfileError, RuntimeError, OSError, ValueError) as err:
        raise unreadable(path, err) from err
    with file:
        if file.frames <= 0:
            raise BadAudioFileError(path, _why_no_samples(path))
        header = AudioHeader(
            int(file.frames),
            int(file.samplerate),
            int(file.channels),
            f"{file.format} {file.subtype}",
            declared_frames(file),
        )
        yield file, header


def _why_no_samples(path: Path) -> str:
    """ "holds no samples", or for a WAV whose header counts none but whose data follow it (a
    recorder stopped before it finished the header: libsndfile reads no sample), how to repair it."""
    with open(path, "rb") as file:
        head = file.read(1 << 16)
    riff = head[:4] in (b"RIFF", b"RF64")
    data_at = head.find(b"data") if riff else -1
    after = path.stat().st_size - (data_at + 8) if data_at >= 0 else 0
    if not riff and len(head) > 0:  # an OGG cut short before its first full page of audio reads so
        return (
            f"holds no samples that can be decoded, though it is {path.stat().st_size} bytes: an empty "
            "recording, or one cut short (an interrupted copy or download?)"
        )
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


def unreadable(path: Path, err: Exception) -> BadAudioFileError:
    """The error naming ``path``, which libsndfile failed to open or decode with ``err``."""
    if path.is_symlink() and not path.exists():
        target = os.readlink(path)
        return BadAudioFileError(path, f"is a link to {target}, which does not exist (moved or deleted?)")
    if not path.exists():  # libsndfile says "System error"
        return BadAudioFileError(path, "is missing (moved or deleted since the folder was listed?)")
    if path.is_file() and path.stat().st_size == 0:  # libsndfile says "Format not recognised"
        return BadAudioFileError(path, "is empty (0 bytes): an interrupted copy or download?")
    reason = str(err).replace(f"'{path}'", "it").rstrip(". ")  # libsndfile repeats the path
    if _header_reads(path):  # its frames fail, not its header: "may be corrupt or not audio" misled
        return BadAudioFileError(
            path,
            f"cannot be read ({reason}): its header reads, but its audio does not decode: damaged, or cut "
            "short (an interrupted copy?); copy it again",
        )
    return BadAudioFileError(path, f"cannot be read ({reason}): it may be corrupt or not audio")


def _header_reads(path: Path) -> bool:
    """Whether libsndfile opens ``path`` (its header), asked once a read of it failed."""
    try:
        sf.info(str(path))
    except (sf.LibsndfileError, RuntimeError, OSError, ValueError):
        return False
    return True


def _decode(path: Path, start: int = 0, stop: int | None = None) -> tuple[np.ndarray, int]:
    """``(samples (frames, channels) float32, rate)`` of frames ``start:stop``."""
    try:
        return sf.read(str(path), start=start, stop=stop, dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, OSError, ValueError) as err:
        raise unreadable(path, err) from err


def non_finite_problem(seconds: float | None = None) -> str:
    """What :class:`BadAudioFileError` says of a file holding NaN or inf, with the first one's time
    (``seconds`` into the file) when known, and how to repair it."""
    at = "" if seconds is None else f" (the first at {seconds:.3f} s)"
    return f"holds NaN or infinite samples{at}: replace them (numpy.nan_to_num) and save it again"


def _mono(
    path: Path,
    data: np.ndarray,
    whole: bool = True,
    check_levels: bool = True,
    before_mix: BeforeMix | None = None,
) -> torch.Tensor:
    """Checked decoded samples ``(frames, channels)`` (the whole file, or a window of it) -> their
    channel mean ``(frames,)``; ``check_levels``: also warn of a silent or clipped file; ``before_mix``:
    given the checked samples first."""
    if data.shape[0] == 0:
        raise BadAudioFileError(path, _why_no_samples(path) if whole else "holds no samples")
    if not np.isfinite(data).all():
        raise BadAudioFileError(path, non_finite_problem())
    if check_levels:
        _warn_of_odd_levels(path, data, whole)
    if before_mix is not None:
        before_mix(data)
    return torch.from_numpy(np.ascontiguousarray(data.mean(axis=1)))


_LEVELS_CHECKED: set[Path] = set()  # each file once per process, not on every clip read from it


def _warn_of_odd_levels(path: Path, data: np.ndarray, whole: bool) -> None:
    """Say once per file when its samples go beyond full scale or are all zero. Float files can hold
    samples beyond [-1, 1] (integer PCM cannot); they are clipped, which turns speech into a square
    wave (a lossy decoder's slight overshoot is no such case: :mod:`.full_scale`). A file of zeros
    alone is mostly a failed recording (a muted input). A window that looks so is judged by the whole
    file: its peak, and leading silence is no silent file."""
    if path in _LEVELS_CHECKED:
        return
    peak = float(np.abs(data).max())
    if whole or peak > 1.0 or peak == 0.0:
        if not whole:
            data = _decode(path)[0]
            peak = float(np.abs(data).max())
        _LEVELS_CHECKED.add(path)
    if clipping_matters(peak, samples_beyond(data), data.size):  # beyond a lossy decoder's overshoot
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
