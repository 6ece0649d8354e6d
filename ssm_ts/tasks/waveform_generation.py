"""Generation requests of a :class:`~ssm_ts.tasks.waveform.WaveformTask` checked (clips, seconds,
temperature, top-p, seed; clips that would not fit in memory), and the per-clip random streams that
make a clip the same whatever batch it is generated in."""

from __future__ import annotations

import math
import numbers
import os
import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from ssm_ts.errors import ConfigError


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


@dataclass(frozen=True)
class OptionSpelling:
    """How a front end writes the generation options its errors name, so that a message names the option
    as its user wrote it: the Python API's keywords (``seconds=0.5``) or a command's flags (``--seconds
    0.5``), with ``renamed`` for options the front end calls otherwise (the command's ``num`` for ``n``).
    A command user told "seconds=1e-05" had typed ``--seconds``."""

    flags: bool = False
    renamed: Mapping[str, str] = field(default_factory=dict)

    def name(self, key: str) -> str:
        """``key`` as the front end names it: ``seconds`` or ``--seconds``."""
        return ("--" if self.flags else "") + self.renamed.get(key, key)

    def given(self, key: str, value: Any) -> str:
        """``key`` with ``value``, as the user would write it: ``seconds=0.5`` or ``--seconds 0.5``
        (numbers as ``:g`` writes them; text and paths quoted for Python or for a shell)."""
        if _is_number(value):
            text = f"{value:g}"
        elif self.flags:
            text = shlex.quote(str(value))
        else:
            text = repr(str(value) if isinstance(value, os.PathLike) else value)
        return f"{self.name(key)} {text}" if self.flags else f"{self.name(key)}={text}"

    def or_none(self) -> str:
        """`` or None`` where the front end takes ``None`` for "not given"; a command leaves the flag out."""
        return "" if self.flags else " or None"


PYTHON_OPTIONS = OptionSpelling()  # WaveformGenerator.generate's keywords


def check_generation(
    n: Any,
    seconds: Any,
    sample_rate: int,
    temperature: Any = 1.0,
    top_p: Any = None,
    seed: Any = None,
    spelling: OptionSpelling = PYTHON_OPTIONS,
) -> tuple[int, int, float, float | None, int | None]:
    """Checked generation settings as ``(n, n_samples, temperature, top_p, seed)`` in plain Python
    types (numpy scalars pass). A wrong type or value is a ConfigError naming the setting as
    ``spelling`` writes it (the command's ``--seconds``): torch's own errors were TypeErrors deep in
    the sampler, and a NaN or inf temperature sampled garbage."""
    name = spelling.name
    if not isinstance(n, numbers.Integral) or isinstance(n, bool) or n < 1:
        raise ConfigError(f"{name('n')} must be a whole number of clips >= 1, got {n!r}")
    if not _is_number(seconds) or not math.isfinite(seconds) or seconds <= 0:
        raise ConfigError(f"{name('seconds')} must be a finite number > 0, got {seconds!r}")
    n_samples = int(round(float(seconds) * sample_rate))
    if n_samples < 1:
        raise ConfigError(
            f"{spelling.given('seconds', seconds)} is under one sample at {sample_rate} Hz; use at least "
            f"{1 / sample_rate:.3g}"
        )
    if not _is_number(temperature) or not math.isfinite(temperature) or temperature <= 0:
        raise ConfigError(
            f"{name('temperature')} must be a finite number > 0, got {temperature!r} (1 samples the model "
            "as trained; lower is more conservative)"
        )
    if top_p is not None and (not _is_number(top_p) or not 0 < top_p <= 1):  # NaN fails 0 < top_p
        raise ConfigError(f"{name('top_p')} must be a number in (0, 1]{spelling.or_none()}, got {top_p!r}")
    if seed is not None and (not isinstance(seed, numbers.Integral) or isinstance(seed, bool)):
        raise ConfigError(f"{name('seed')} must be a whole number{spelling.or_none()}, got {seed!r}")
    _check_fits_in_memory(int(n), n_samples, seconds)
    return (
        int(n),
        n_samples,
        float(temperature),
        None if top_p is None else float(top_p),
        None if seed is None else int(seed),
    )


# bytes per generated sample: its int64 code and its float32 audio sample
BYTES_PER_SAMPLE = 8 + 4


def _check_fits_in_memory(n: int, n_samples: int, seconds: float) -> None:
    """Refuse clips whose codes and audio alone exceed this machine's memory (a served request of
    ``seconds=1e9`` reached ``torch.empty`` and failed there with the allocator's byte count)."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # no sysconf (Windows): let torch decide
        return
    need = n * n_samples * BYTES_PER_SAMPLE
    if need > total:
        raise ConfigError(
            f"{n} clip(s) of {seconds:g} s need {need / 2**30:,.0f} GiB for their samples alone, more than "
            f"this machine's {total / 2**30:,.0f} GiB of memory; ask for fewer seconds or clips."
        )


def clip_generators(
    seed: int, clips: Iterable[int], device: torch.device | str = "cpu"
) -> list[torch.Generator]:
    """One torch generator per clip index in ``clips``, seeded from ``(seed, clip)`` alone.

    NumPy's ``SeedSequence`` mixes the pair (as ``SeedSequence(seed).spawn`` does), so the streams of
    neighbouring seeds and clips are independent, unlike ``manual_seed(seed + clip)``, where seed 7's
    clip 1 would be seed 8's clip 0. Negative seeds are taken modulo 2**64, as ``torch.manual_seed`` does.
    """
    entropy = seed if seed >= 0 else seed % 2**64
    return [
        torch.Generator(device=device).manual_seed(
            int(np.random.SeedSequence(entropy, spawn_key=(clip,)).generate_state(1, np.uint64)[0])
        )
        for clip in clips
    ]
