"""Files at a rate that shares almost no factor with the data's (7999 Hz to 16 kHz: their gcd is 1).

torchaudio's resampler builds a windowed-sinc filter of ``new x (2 width + orig)`` values, rates divided
by their gcd, anew for every call: 76 thousand values from 44.1 kHz to 16 kHz, but 128 million (0.5 GB)
from 7999 Hz, which took 6.8 s to read a 1 s file. Training resamples such a file once in each process
(each data loader worker too) while it fits the cache of resampled files (:mod:`.resampled`), for every
clip taken from it when it does not, so such a file slowed a fit by that much without a word. The data
module names such files in one warning, with the fix (resample them once). Past :data:`TOO_LARGE_FILTER`
a read would take minutes and more memory than most machines have (44101 Hz: 706 million values, 77 s and
12 GB to read 0.1 s; 96001 Hz ends in the kernel's out-of-memory kill): such a file is refused where it is
read (:func:`too_large_to_resample`), named with the same fix, before torchaudio is asked."""

from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path

from ssm_ts.rank_zero_warnings import warn_on_rank_zero

from .folder import shown_path

SLOW_FILTER = 4_000_000  # filter values: 16 MB of float32, about 0.25 s to build on a CPU core
# filter values past which a file is refused: 1 GB of float32, about 5 GB while built (7999 Hz to 16 kHz,
# 128 million values, took 8 s and 2.5 GB)
TOO_LARGE_FILTER = 256_000_000
MOST_NAMED = 5
# the rates audio is recorded and modelled at: each resamples to each of the usual sample_rates with a small
# filter (tests/test_rev39c_odd_sample_rate.py)
USUAL_RATES = (8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000, 88200, 96000, 192000)


def filter_values(rate: int, sample_rate: int) -> int:
    """Values of the filter ``torchaudio.functional.resample`` builds from ``rate`` to ``sample_rate``
    (its default width 6 and rolloff 0.99); 0 for no resampling."""
    if rate == sample_rate:
        return 0
    gcd = math.gcd(rate, sample_rate)
    orig, new = rate // gcd, sample_rate // gcd
    width = math.ceil(6 * orig / (min(orig, new) * 0.99))
    return new * (2 * width + orig)


def too_large_to_resample(path: Path, rate: int, sample_rate: int, whose: str = "") -> str | None:
    """Why ``path`` at ``rate`` Hz cannot be resampled to ``sample_rate`` (its filter passes
    :data:`TOO_LARGE_FILTER` values), with the fix, as a problem of the file; ``None`` when it can.
    ``whose``: what ``sample_rate`` is the rate of, as the message names it (``"the model's"``: a prompt);
    ``""``: a fit's data."""
    values = filter_values(rate, sample_rate)
    if values <= TOO_LARGE_FILTER:
        return None
    return (
        f"is at {rate} Hz, a rate that shares almost no factor with {whose + ' ' if whose else ''}{sample_rate} "
        f"Hz: torchaudio would build a resampling filter of {values / 1e6:,.0f} million values "
        f"({values * 4 / 2**30:.1f} GB, several times that while it is built, and minutes) to read it. "
        f"{resample_once('it', path, sample_rate, whose)}"
    )


def resample_once(them: str, path: Path, sample_rate: int, whose: str = "") -> str:
    """The fix for files (``them``: ``"it"``, ``"them"``; ``path``: one of them, for the sox line) at a rate
    slow or too costly to resample to ``sample_rate`` each time they are read: resample them once to it.
    The rate they are resampled to is the one the line runs sox with: ``whose`` rate (``"the model's"``),
    else "a usual rate" when ``sample_rate`` is one (:data:`USUAL_RATES`), else the fit's ``sample_rate``
    (which itself is no usual rate: resampling the files to "a usual rate" would not do)."""
    if whose:
        to = f"{whose} rate, {sample_rate} Hz"
    else:
        to = "a usual rate" if sample_rate in USUAL_RATES else f"the fit's sample_rate, {sample_rate} Hz"
    return f"Resample {them} once to {to} (sox {path.name} -r {sample_rate} {path.stem}_{sample_rate}.wav)"


def too_large_prompt_rate(prompt_rate: int, sample_rate: int) -> str | None:
    """Why a prompt array at ``prompt_rate`` Hz cannot be resampled to the model's ``sample_rate`` (as
    :func:`too_large_to_resample` a file), with the fix, a resampler made for such rates (polyphase:
    ``scipy.signal.resample_poly`` builds about 20 values a step of the larger of the reduced rates);
    ``None`` when it can."""
    values = filter_values(prompt_rate, sample_rate)
    if values <= TOO_LARGE_FILTER:
        return None
    gcd = math.gcd(prompt_rate, sample_rate)
    return (
        f"prompt_rate={prompt_rate} shares almost no factor with the model's {sample_rate} Hz: torchaudio would "
        f"build a resampling filter of {values / 1e6:,.0f} million values ({values * 4 / 2**30:.1f} GB, several "
        "times that while it is built, and minutes) to resample the prompt. Resample it to the model's rate "
        f"first (scipy.signal.resample_poly(prompt, {sample_rate // gcd}, {prompt_rate // gcd}, axis=-1)) and "
        "leave prompt_rate out"
    )


def odd_sample_rate(path: Path, rate: int, sample_rate: int) -> str | None:
    """Why a fit at ``sample_rate`` cannot read ``path`` at ``rate`` Hz when ``sample_rate`` is itself
    the odd rate (a usual one, :data:`USUAL_RATES`, cannot be resampled to it either: 16001 Hz), with the
    fix, a usual ``sample_rate`` (resampling every file to such a rate is no fix); ``None`` otherwise
    (:func:`too_large_to_resample` says what is wrong with the file)."""
    values = filter_values(rate, sample_rate)
    if values <= TOO_LARGE_FILTER or all(
        filter_values(usual, sample_rate) <= TOO_LARGE_FILTER for usual in USUAL_RATES
    ):
        return None
    nearest = min(USUAL_RATES, key=lambda usual: abs(usual - sample_rate))
    return (
        f"sample_rate={sample_rate} shares almost no factor with the rates audio is recorded at: torchaudio "
        f"would build a resampling filter of {values / 1e6:,.0f} million values ({values * 4 / 2**30:.1f} GB, "
        f"several times that while it is built, and minutes) to read {path} at {rate} Hz, and as large a one "
        f"for most files. Pick a usual sample_rate (sample_rate={nearest})"
    )


def warn_of_slow_rates(files: list[Path], rates: list[int], sample_rate: int, folder: Path,
                       stacklevel: int | None = 1) -> None:  # fmt: skip
    """One warning naming the ``files`` (paths under ``folder``) whose ``rates`` take a filter over
    :data:`SLOW_FILTER` values to resample to ``sample_rate``, by rate, with the fix; shown at the
    caller's line (``stacklevel=1``; ``None``: the user's)."""
    by_rate: dict[int, list[str]] = defaultdict(list)
    for path, rate in zip(files, rates, strict=True):
        if filter_values(rate, sample_rate) > SLOW_FILTER:
            by_rate[rate].append(shown_path(path, folder))
    if not by_rate:
        return
    count = sum(len(names) for names in by_rate.values())
    listed = "; ".join(
        f"{rate} Hz ({filter_values(rate, sample_rate) * 4 / 2**20:,.0f} MB): {', '.join(names[:MOST_NAMED])}"
        f"{' ...' if len(names) > MOST_NAMED else ''}"
        for rate, names in sorted(by_rate.items())
    )
    warn_on_rank_zero(
        f"{count} audio file(s) under {folder} are at rates that share almost no factor with sample_rate="
        f"{sample_rate}, and torchaudio builds a large resampling filter anew each time one is read, in "
        f"every data loader worker, and for every clip once they outgrow the cache of resampled files "
        f"({listed}): slow. {resample_once('them', Path('take.wav'), sample_rate)}",
        stacklevel=None if stacklevel is None else stacklevel + 1,
    )
