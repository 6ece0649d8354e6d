"""Silent and clipped audio files, found once where a folder is set up and reported in one warning each.

Loader workers decode the clips, but each worker checking the files it decodes printed every warning
once per worker (and per epoch of loaders that start new workers): the data module scans its files
here, in the process that sets it up, and has the workers' reads skip the check.

Reading stays cheap: integer PCM cannot go beyond full scale, so such a file is read only until its
first block holding a sample other than 0 (its first 1024 frames, unless it starts with silence);
only float files (and lossy ones, decoded to float) are read whole for their peak. Each file is read
so once per process while it stays as it was (:func:`header_and_odd_peak`): another setup of the same
folder (a second fit, a resume) costs a ``stat`` per file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np
import soundfile as sf

from ssm_ts.rank_zero_warnings import warn_on_rank_zero

from .file_version import file_version
from .folder import shown_path
from .full_scale import clipping_matters, samples_beyond
from .mono_mix import MonoMix
from .reader import AudioHeader, BadAudioFileError, non_finite_problem, open_audio, unreadable

FIRST_FRAMES = 1 << 10  # the first read: all a PCM file of speech or music needs (0.06 s at 16 kHz)
BLOCK_FRAMES = 1 << 16  # the reads after it: memory stays small for hours of audio
# soundfile subtypes whose samples read back within [-1, 1]: integer PCM and its companded forms
BOUNDED_SUBTYPES = ("PCM_", "ULAW", "ALAW", "IMA_ADPCM", "MS_ADPCM", "G721", "G723", "DWVW", "DPCM", "ALAC")
MOST_NAMED = 10  # files a warning names before "... and N more"


@dataclass
class OddLevels:
    """Files whose levels need a word: ``silent`` (every sample 0) and ``clipped`` (path -> its peak,
    beyond full scale 1.0 by more than a lossy decoder's overshoot)."""

    silent: list[Path] = field(default_factory=list)
    clipped: dict[Path, float] = field(default_factory=dict)


def odd_peak(file: sf.SoundFile, header: AudioHeader, mix: MonoMix | None = None) -> float | None:
    """The peak of the open ``file`` when it is silent (``0.0``) or clipped enough to matter (beyond
    full scale by more than a lossy decoder's overshoot: :func:`~.full_scale.clipping_matters`);
    ``None`` for a file within range, and for one whose later frames cannot be decoded (decoding
    them reports that).
    ``header`` says whether the samples can exceed full scale: if not, reading stops at the first block
    with a sample other than 0 (and ``mix``, fed every block read, has decided whether the channels
    cancel in the mono mix: :class:`~.mono_mix.MonoMix`).

    Raises:
        BadAudioFileError: the file holds NaN or inf (only float files can, and those are read whole
            here), or its first frames do not decode, named now rather than when training decodes it.
    """
    bounded = header.format.split()[-1].startswith(BOUNDED_SUBTYPES)
    peak, beyond, read, frames = 0.0, 0, 0, FIRST_FRAMES
    non_finite = None  # the first frame holding NaN or inf
    try:
        while (block := file.read(frames, dtype="float32", always_2d=True)).size:
            if not np.isfinite(block).all():
                non_finite = read + int(np.argmin(np.isfinite(block).all(axis=1)))
                break
            peak, frames = max(peak, float(np.abs(block).max())), BLOCK_FRAMES
            if mix is not None:
                mix.add(block)
            if bounded and peak > 0.0 and (mix is None or mix.decided):
                return None
            beyond, read = beyond + samples_beyond(block), read + len(block)
    except (sf.LibsndfileError, RuntimeError, OSError, ValueError) as err:
        if read == 0:  # its first frames do not decode: no clip of it would (a FLAC cut short in its first
            # frame, FSDD's 4096 samples): named with the folder's unreadable files, not by its first clip
            raise unreadable(Path(file.name), err) from err
        if mix is not None:
            mix.sounding = False  # damaged later on: decoding it names that, and no more
        return None
    if non_finite is not None:
        raise BadAudioFileError(Path(file.name), non_finite_problem(non_finite / header.sample_rate))
    if bounded and peak > 0.0:
        return None  # read on for the mono mix alone
    return peak if peak == 0.0 or clipping_matters(peak, beyond, read * header.channels) else None


class Scan(NamedTuple):
    """What :func:`header_and_odd_peak` finds of a file: its ``header``, its :func:`odd_peak`, and
    whether its channels cancel in the mono mix (:class:`~.mono_mix.MonoMix`)."""

    header: AudioHeader
    peak: float | None
    cancels_in_mono: bool = False


# header_and_odd_peak's answers in this process, by file and version (see file_version): a second setup
# of a folder (another fit, a resume, a test) opens none of its files again, nor reads float files whole
_SCANNED: dict[tuple, Scan] = {}
MOST_SCANNED = 1 << 20  # files remembered (about 300 bytes each) before the memory starts afresh


def header_and_odd_peak(path: Path) -> Scan:
    """:func:`~.reader.audio_header` and :func:`odd_peak` of ``path``, and whether its channels cancel
    in the mono mix, opened once, and once per process while the file stays as it was (its answer is
    remembered: :func:`~.file_version.file_version`).

    Raises:
        DataError: as :func:`~.reader.audio_header`, or the file holds NaN or inf (:func:`odd_peak`);
            not remembered: each call raises anew.
    """
    version = file_version(path)
    if version in _SCANNED:
        return _SCANNED[version]
    with open_audio(path) as (file, header):
        mix = MonoMix(header.channels)
        found = Scan(header, odd_peak(file, header, mix), mix.cancels)
    if version is not None:
        if len(_SCANNED) >= MOST_SCANNED:
            _SCANNED.clear()
        _SCANNED[version] = found
    return found


def odd_levels(files: list[Path], peaks: list[float | None]) -> OddLevels:
    """The silent and the clipped of ``files``, from their :func:`odd_peak`."""
    found = OddLevels()
    for path, peak in zip(files, peaks, strict=True):
        if peak == 0.0:
            found.silent.append(path)
        elif peak is not None:
            found.clipped[path] = peak
    return found


def _named(names: list[str]) -> str:
    more = len(names) - MOST_NAMED
    return ", ".join(names[:MOST_NAMED]) + (f" ... and {more} more" if more > 0 else "")


def warn_of_odd_levels(found: OddLevels, folder: Path, stacklevel: int | None = 1) -> None:
    """One warning naming the silent files and one naming the clipped files (paths under ``folder``),
    each with its fix, shown at the caller's line (``stacklevel=1``; 2: its caller's; ``None``: the
    user's)."""
    outer = None if stacklevel is None else stacklevel + 1
    if found.silent:
        names = [shown_path(path, folder) for path in found.silent]
        warn_on_rank_zero(
            f"{len(names)} audio file(s) under {folder} are silent, every sample 0: {_named(names)}. If they "
            "are failed recordings (a muted input), remove them: the model learns silence from them",
            stacklevel=outer,
        )
    if found.clipped:
        names = [f"{shown_path(path, folder)} (peak {peak:.3g})" for path, peak in found.clipped.items()]
        warn_on_rank_zero(
            f"{len(names)} audio file(s) under {folder} peak beyond full scale, and their samples are clipped "
            f"to [-1, 1]: {_named(names)}. If that is a gain error, divide each by its peak (normalise it) and "
            "save it again",
            stacklevel=outer,
        )
