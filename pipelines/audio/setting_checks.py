"""The audio data module's numeric settings checked before a file is read: a ``sample_rate`` of
``8000.0`` or ``"16000"`` (YAML, a computed rate) was a TypeError from ``math.gcd`` or a comparison, a
``batch_size`` of 2.5 torch's data loader's ValueError; each is now a ConfigError naming the setting."""

from __future__ import annotations

import math
import numbers
from typing import Any

from ssm_ts.errors import ConfigError
from ssm_ts.whole_numbers import is_whole_number

# the fewest samples a clip may hold: fewer cut each file into thousands of clips a second for validation
MIN_CLIP_SAMPLES = 4


def check_data_numbers(
    sample_rate: Any, clip_seconds: Any, batch_size: Any, num_workers: Any, max_files_per_split: Any
) -> None:
    """Raise a ConfigError naming the first setting of the wrong type or range."""
    if not is_whole_number(sample_rate) or sample_rate < 1:
        raise ConfigError(
            f"sample_rate must be a whole number of Hz >= 1 (such as 16000), got {sample_rate!r}"
        )
    if not (isinstance(clip_seconds, numbers.Real) and not isinstance(clip_seconds, bool)) or not (
        math.isfinite(clip_seconds) and clip_seconds > 0
    ):
        raise ConfigError(f"clip_seconds must be positive, a number of seconds, got {clip_seconds!r}")
    samples = int(round(clip_seconds * sample_rate))
    if samples < 1:
        raise ConfigError(
            f"clip_seconds={clip_seconds} is under one sample at {sample_rate} Hz; "
            f"use at least {MIN_CLIP_SAMPLES / sample_rate:.3g} s (clips of many samples to learn anything)."
        )
    if samples < MIN_CLIP_SAMPLES:  # validation cut each file into clips of a sample or two, for minutes
        least = math.ceil(MIN_CLIP_SAMPLES / sample_rate * 1e6) / 1e6
        raise ConfigError(
            f"clip_seconds={clip_seconds} gives clips of {samples} sample(s) at sample_rate={sample_rate} Hz: "
            f"validation would cut each file into {sample_rate // samples} clips a second and step through "
            f"them for minutes, and the model needs at least {MIN_CLIP_SAMPLES} samples a clip to learn a "
            f"waveform's shape. Use clip_seconds={least:g} or more ({MIN_CLIP_SAMPLES} samples at "
            f"{sample_rate} Hz); clips of a second or so (clip_seconds=1) are usual."
        )
    if max_files_per_split is not None and not (
        is_whole_number(max_files_per_split) and max_files_per_split >= 1
    ):
        raise ConfigError(
            "max_files_per_split must be at least 1, a whole number of files (or None for every file), "
            f"got {max_files_per_split!r}"
        )
    for name, value, least in (("batch_size", batch_size, 1), ("num_workers", num_workers, 0)):
        if not is_whole_number(value) or value < least:
            raise ConfigError(f"{name} must be a whole number >= {least}, got {value!r}")
