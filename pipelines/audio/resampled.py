"""Files at another rate than the data's, resampled once per process and kept for their next clips.

Resampling needs the whole file (``torchaudio.functional.resample`` filters it whole: a window
resampled alone differs at its edges), so every clip cut from a 5-minute 44.1 kHz take decoded and
resampled all of it: about 0.35 s a 1 s clip on a CPU core, where a 16 kHz file's clip takes 1.4 ms.
Each process (the main one, and each data loader worker) now keeps the files it resampled, the most
recently used first, up to :data:`DEFAULT_CACHE_MB` MB (``SSM_TS_AUDIO_CACHE_MB`` sets another
budget; 0 keeps none but the last file read): the clips are those of the whole file resampled, bit for
bit, as before. A file is read again once it changes (:func:`~.file_version.file_version`). The data
module lets them go when a fit, validation or test ends (its ``teardown``).
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

import torch

from ssm_ts.errors import ConfigError

from .file_version import file_version

CACHE_MB_VARIABLE = "SSM_TS_AUDIO_CACHE_MB"
DEFAULT_CACHE_MB = 512  # 27 five-minute takes at 16 kHz (float32), per process


def cache_bytes() -> int:
    """The budget of each process's cache in bytes: ``SSM_TS_AUDIO_CACHE_MB`` MB, else
    :data:`DEFAULT_CACHE_MB`.

    Raises:
        ConfigError: the variable is no number of MB >= 0.
    """
    given = os.environ.get(CACHE_MB_VARIABLE, "").strip()
    if not given:
        return DEFAULT_CACHE_MB << 20
    try:
        mb = float(given)
    except ValueError:
        mb = -1.0
    if not mb >= 0:  # NaN too
        raise ConfigError(
            f"{CACHE_MB_VARIABLE}={given!r} must be a number of MB >= 0 (the memory each process keeps "
            f"resampled audio files in; {DEFAULT_CACHE_MB} when unset, 0 for none but the last file read)"
        )
    return int(mb * (1 << 20))


class ResampledFiles:
    """Waveforms by ``(file version, sample_rate)``, least recently used dropped first once they hold
    more than :func:`cache_bytes`; the newest is kept whatever its size (its file's next clips need it)."""

    def __init__(self) -> None:
        self._waves: OrderedDict[tuple, torch.Tensor] = OrderedDict()
        self.bytes = 0

    def __len__(self) -> int:
        return len(self._waves)

    def get(self, path: Path, sample_rate: int, read: Callable[[], torch.Tensor]) -> torch.Tensor:
        """The waveform of ``path`` at ``sample_rate``: kept, or ``read()`` (the whole file, resampled:
        ``(samples,)``) and kept. An error of ``read`` is raised and nothing kept."""
        version = file_version(path)
        if version is None:  # gone: reading it names why
            return read()
        key = (version, int(sample_rate))
        wave = self._waves.get(key)
        if wave is not None:
            self._waves.move_to_end(key)
            return wave
        wave = read()
        self._waves[key] = wave
        self.bytes += wave.numel() * wave.element_size()
        budget = cache_bytes()
        while self.bytes > budget and len(self._waves) > 1:
            _, dropped = self._waves.popitem(last=False)
            self.bytes -= dropped.numel() * dropped.element_size()
        return wave

    def clear(self) -> None:
        self._waves.clear()
        self.bytes = 0


RESAMPLED = ResampledFiles()  # this process's: each data loader worker has its own
