"""Multichannel files whose channels cancel when mixed to mono: one channel the other's inverse (a
microphone cable wired in reverse polarity, a stereo "width" effect). Every file is mixed to mono by
the mean of its channels, so such a file trained as silence, and its level check (of the channels)
found nothing odd. The data module names them in one warning (:mod:`.levels` finds them)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ssm_ts.rank_zero_warnings import warn_on_rank_zero

from .folder import shown_path

QUIET = 1e-3  # the mix's peak below this share of the channels' (-60 dB): the channels cancel
MOST_NAMED = 10


class MonoMix:
    """Fed the blocks a file is read in from its start (:func:`~.levels.odd_peak`'s reads, so the file is
    read no more for it): whether its channels cancel in the mono mix, its channel mean staying below
    :data:`QUIET` of its channels' peak wherever they sound. The first sounding block decides for nearly
    every file (:attr:`decided`); a file that cancels is read whole."""

    def __init__(self, channels: int):
        self.sounding = False  # a block held a sample other than 0
        self.decided = channels < 2  # a mono file, or a block whose mix does not cancel

    def add(self, block: np.ndarray) -> None:
        """Take the next block ``(frames, channels)`` of the file."""
        if self.decided:
            return
        peak = float(np.abs(block).max(initial=0.0))
        if peak == 0.0 or not np.isfinite(peak):
            return
        self.sounding = True
        self.decided = float(np.abs(block.mean(axis=1)).max()) >= QUIET * peak

    @property
    def cancels(self) -> bool:
        """The channels sounded and cancelled in every block read."""
        return self.sounding and not self.decided


def warn_of_cancelling_files(files: list[Path], folder: Path, stacklevel: int | None = 1) -> None:
    """One warning naming ``files`` (paths under ``folder``), whose channels cancel in the mono mix,
    with the fix; shown at the caller's line (``stacklevel=1``; ``None``: the user's)."""
    if not files:
        return
    names = [shown_path(path, folder) for path in files]
    more = len(names) - MOST_NAMED
    warn_on_rank_zero(
        f"{len(names)} multichannel audio file(s) under {folder} are silent once mixed to mono, their "
        f"channels cancelling (one the other's inverse): {', '.join(names[:MOST_NAMED])}"
        f"{f' ... and {more} more' if more > 0 else ''}. Every file is mixed to mono by the mean of its "
        "channels, so they train as silence: keep one channel ('sox in.wav out.wav remix 1') or invert one "
        "('sox in.wav out.wav remix 1 2i')",
        stacklevel=None if stacklevel is None else stacklevel + 1,
    )
