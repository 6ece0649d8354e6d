"""The random draw of :class:`~ssm_ts.models.random_ssm_features.RandomSSMFeatures`' kernels:
S4D kernels (step, mode frequencies, read-out, channel mix, difference and direction), shift kernels
(ROCKET's dilated FIR filters), and which training recordings may shape them (their weights)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from ssm_ts.errors import DataError
from ssm_ts.models.random_ssm_kernels import S4D_LIN_DECAY

if TYPE_CHECKING:
    from ssm_ts.models.random_ssm_features import RandomSSMFeatures, RandomSSMKernels

SHIFT_TAPS = (7, 9, 11)  # taps of a shift-SSM kernel, as ROCKET's kernel lengths


def draw_kernels(
    features: RandomSSMFeatures, rng: np.random.Generator, n_channels: int, longest: int
) -> tuple[RandomSSMKernels, np.ndarray]:
    """The kernels of ``features`` (its ``n_kernels``, ``n_modes``, ``max_cycles``, ``max_channels``,
    ``shift_fraction`` and ``seed``) for recordings of ``n_channels`` channels, the longest one
    (of weight > 0) ``longest`` steps, drawn from ``rng`` (the fit's generator, which goes on to
    draw the thresholds), thresholds still 0; and the shift kernels' biases ``(n_shift,)``, which
    replace their thresholds once those are drawn."""
    from ssm_ts.models.random_ssm_features import RandomSSMKernels

    K, M = features.n_kernels, features.n_modes
    # memory timescale 1 / (0.5 dt) log-uniform in [2, longest] steps
    timescale = np.exp(rng.uniform(math.log(2.0), math.log(max(longest, 4)), size=K))
    dt = 1.0 / (S4D_LIN_DECAY * timescale)
    if features.max_cycles is None:
        step_freq = rng.uniform(0.0, math.pi, size=(K, M))  # radians per step, up to Nyquist
    else:  # at most max_cycles oscillations within the memory timescale
        step_freq = np.minimum(
            2 * math.pi * rng.uniform(0, features.max_cycles, size=(K, M)) / timescale[:, None], math.pi
        )
    freq = step_freq / dt[:, None]
    C = (rng.standard_normal((K, M)) + 1j * rng.standard_normal((K, M))) * math.sqrt(0.5)
    weights = np.zeros((K, n_channels))
    most = min(features.max_channels, n_channels)
    for k in range(K):
        used = rng.choice(n_channels, size=int(rng.integers(1, most + 1)), replace=False)
        weights[k, used] = rng.standard_normal(len(used))
    shift = draw_shift_kernels(features.n_kernels, features.shift_fraction, features.seed, longest)
    is_shift = shift["shift"]
    # a shift kernel reads its channels as they are (sign only), forwards, with ROCKET's bias
    weights[is_shift] = np.sign(weights[is_shift])
    kernels = RandomSSMKernels(
        log_dt=np.log(dt),
        freq=freq,
        C=C,
        channel_weights=weights,
        difference=(rng.random(K) < 0.5) & ~is_shift,
        backward=(rng.random(K) < 0.5) & ~is_shift,
        thresholds=np.zeros(K),
        length=int(longest),
        shift=is_shift,
        taps=shift["taps"],
        dilation=shift["dilation"],
        start=shift["start"],
    )
    return kernels, shift["bias"]


def draw_shift_kernels(
    n_kernels: int, shift_fraction: float, seed: int, longest: int
) -> dict[str, np.ndarray]:
    """The last ``shift_fraction`` of ``n_kernels`` kernels become dilated FIR filters (shift SSMs), drawn as
    ROCKET draws its kernels: 7, 9 or 11 zero-mean normal taps, dilation ``2^U(0, log2((L-1)/(T-1)))``,
    threshold (bias) ``U(-1, 1)``, and half of them pooled only where the filter lies inside the
    recording (ROCKET's kernels without padding). Their own generators leave the S4D kernels' draws
    as they are, so ``shift_fraction=0`` gives the S4D-only features exactly."""
    K = n_kernels
    n_shift = int(round(shift_fraction * K))
    shift = np.zeros(K, dtype=bool)
    shift[K - n_shift :] = True
    taps = np.zeros((K, max(SHIFT_TAPS)))
    dilation = np.ones(K, dtype=np.int64)
    n_taps = np.ones(K, dtype=np.int64)
    rng = np.random.default_rng([seed, 1])
    for k in np.flatnonzero(shift):
        n_taps[k] = int(rng.choice(SHIFT_TAPS))
        weights = rng.standard_normal(n_taps[k])
        taps[k, : n_taps[k]] = weights - weights.mean()
        widest = math.log2(max(longest - 1, 1) / (n_taps[k] - 1))
        dilation[k] = int(2 ** rng.uniform(0, max(widest, 0.0)))
    inside_only = shift & (np.random.default_rng([seed, 2]).random(K) < 0.5)
    start = np.where(inside_only, (n_taps - 1) * dilation, 0)
    bias = np.random.default_rng([seed, 3]).uniform(-1, 1, size=n_shift)
    return {"shift": shift, "taps": taps, "dilation": dilation, "start": start, "bias": bias}


def threshold_sources(sample_weight: np.ndarray | None, n: int) -> tuple[np.ndarray, np.ndarray | None]:
    """The recordings that may shape the kernels (indices ``(m,)``: those of weight > 0) and the
    probability ``(m,)`` of drawing each as a threshold source (``None``: uniform, as unweighted, when
    their weights are equal; numpy draws differently given any ``p``)."""
    if sample_weight is None:
        return np.arange(n), None
    from sklearn.utils.validation import _check_sample_weight

    try:
        weights = _check_sample_weight(sample_weight, np.empty(n), dtype=np.float64, ensure_non_negative=True)
    except ValueError as err:
        raise DataError(
            f"sample_weight: {err} Give one finite weight >= 0 per recording ({n} recordings), not all 0."
        ) from err
    kept = np.flatnonzero(weights > 0)
    if not len(kept):
        raise DataError(
            f"sample_weight: all {n} weights are 0; give at least one recording a positive weight."
        )
    kept_weights = weights[kept]
    if np.all(kept_weights == kept_weights[0]):
        return kept, None
    return kept, kept_weights / kept_weights.sum()
