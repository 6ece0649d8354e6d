"""WAV files cut short: the header counts more samples than follow it (an interrupted copy or download).

libsndfile reads such a file without an error, up to its last whole frame, and notes the difference in
its log (``data : 32000 (should be 15978)``): the file trained as the half it holds, and nobody knew.
The data module names such files in one warning, as it names silent and clipped ones (:mod:`.levels`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import soundfile as sf

from ssm_ts.rank_zero_warnings import warn_on_rank_zero

from .folder import shown_path

if TYPE_CHECKING:
    from .reader import AudioHeader

# libsndfile's log line of a WAV whose data chunk is longer than the bytes after it
_DATA_CUT = re.compile(r"^data\s*:\s*(\d+)\s*\(should be (\d+)\)", re.MULTILINE)
# data sizes a recorder writes when it cannot know the length (streamed; RF64 keeps the real one elsewhere)
_UNKNOWN_SIZES = {0, 0xFFFFFFFF, 0x7FFFFFFF}
MOST_NAMED = 10


def declared_frames(file: sf.SoundFile) -> int | None:
    """The frames the header of the open ``file`` counts when more than the ``file.frames`` it holds
    (a WAV cut short); ``None`` for a whole file, another format, or a size the recorder left unknown."""
    if file.format not in ("WAV", "WAVEX"):
        return None
    found = _DATA_CUT.search(file.extra_info or "")
    if found is None:
        return None
    declared, held = int(found.group(1)), int(found.group(2))
    if declared in _UNKNOWN_SIZES or file.frames <= 0 or declared <= held:
        return None
    frame_bytes = held // file.frames  # the bytes held are whole frames and a part of one
    return declared // frame_bytes if frame_bytes else None


def warn_of_cut_files(files: list[Path], headers: list[AudioHeader], folder: Path,
                      stacklevel: int | None = 1) -> None:  # fmt: skip
    """One warning naming the ``files`` whose headers count more than they hold (paths under
    ``folder``), each with the seconds it holds of those its header counts, shown at the caller's line
    (``stacklevel=1``; ``None``: the user's)."""
    cut = [
        f"{shown_path(path, folder)} ({h.frames / h.sample_rate:.3g} s of {h.declared_frames / h.sample_rate:.3g} s)"
        for path, h in zip(files, headers, strict=True)
        if h.declared_frames
    ]
    if not cut:
        return
    more = len(cut) - MOST_NAMED
    warn_on_rank_zero(
        f"{len(cut)} audio file(s) under {folder} are cut short, their headers count more audio than they "
        f"hold: {', '.join(cut[:MOST_NAMED])}{f' ... and {more} more' if more > 0 else ''}. An interrupted "
        "copy or download? They are read as far as they go: copy them again to train on the whole recordings",
        stacklevel=None if stacklevel is None else stacklevel + 1,
    )
