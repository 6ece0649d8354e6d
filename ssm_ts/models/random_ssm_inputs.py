"""Recordings and rates given to :class:`~ssm_ts.models.random_ssm_features.RandomSSMFeatures`:
checked (a :class:`~ssm_ts.errors.DataError` or :class:`~ssm_ts.errors.ConfigError` naming the
recording), and zero-padded to one tensor."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
from torch import Tensor

from ssm_ts.errors import ConfigError, DataError
from ssm_ts.wording import counted


def check_rate(rate: float) -> float:
    """``rate`` (training sample rate / the recordings' rate) as a float, or a ConfigError."""
    if isinstance(rate, bool) or not isinstance(rate, (int, float, np.integer, np.floating)):
        raise ConfigError(f"rate must be a positive number (training sample rate / new rate), got {rate!r}")
    if not 0 < float(rate) < math.inf:
        raise ConfigError(f"rate must be a positive number (training sample rate / new rate), got {rate!r}")
    return float(rate)


def check_recordings(values: Sequence[np.ndarray], n_channels: int | None = None) -> None:
    """Raise :class:`DataError` naming the first recording that is not ``(channels, length >= 1)``
    with ``n_channels`` channels (by default, those of recording 0)."""
    source = "the features were fitted on"
    for i, v in enumerate(values):
        shape = tuple(np.shape(v))
        if len(shape) != 2:
            raise DataError(f"recording {i} must be (channels, length), got shape {shape}")
        if n_channels is None:
            n_channels, source = shape[0], "recording 0 has"
        if shape[0] != n_channels:
            raise DataError(
                f"recording {i} has {counted(shape[0], 'channel')}, but {source} {n_channels}: "
                "every recording needs the same channels, in the same order"
            )
        if shape[1] == 0:
            raise empty_recording_error(i)


def empty_recording_error(i: int) -> DataError:
    """The error for recording ``i`` of no steps (its features would be a max over nothing, ``-inf``)."""
    return DataError(f"recording {i} is empty (length 0): drop it or give it at least one sample")


def check_padded(x: Tensor, n_channels: int) -> None:
    """Raise :class:`DataError` unless ``x`` is ``(n, channels, length)`` with the ``n_channels`` the
    kernels were fitted on (a wrong count would fail deep in the convolution with an einsum error)."""
    shape = tuple(x.shape)
    if len(shape) != 3:
        raise DataError(
            f"the recordings tensor must be (n, channels, length), got shape {shape}; "
            "stack the recordings into one zero-padded 3-D tensor"
        )
    if shape[1] != n_channels:
        raise DataError(
            f"the recordings tensor {shape} (n, channels, length) has {counted(shape[1], 'channel')}, but the features "
            f"were fitted on {n_channels}: give the same {n_channels} channels, in the same order"
        )


def padded(values: Sequence[np.ndarray], length: int | None = None) -> tuple[Tensor, np.ndarray]:
    """Zero-pad ``(channels, length_i)`` recordings at the end: ``(n, channels, length)`` (``length``
    at least the longest; ``None``: the longest) and their lengths ``(n,)``."""
    lengths = np.array([v.shape[1] for v in values])
    length = int(lengths.max()) if length is None else length
    x = np.zeros((len(values), values[0].shape[0], length), dtype=np.float32)
    for i, v in enumerate(values):
        x[i, :, : v.shape[1]] = v
    return torch.from_numpy(x), lengths


def padded_length(length: int, reference: int | None) -> int:
    """The steps a recording of ``length`` steps is zero-padded to for its features: the smallest
    ``ceil(reference 2**(k / 2))`` (``k`` any integer; ``reference`` the longest training recording) of
    at least ``length``, so ``reference`` itself for recordings as long as the training ones; ``length``
    without a ``reference`` (features fitted before it was kept).

    The FFTs' size follows the padded length, and float32 FFTs of other sizes round otherwise: a
    recording padded to the longest of its batch had features up to about 1e-6 off (a PPV one step
    off where a response lay that near its threshold) from those it had alone. Padded to a length of
    its own, its features are the same in any batch. The grid keeps the padding under 42% and the
    groups of one padded length few (two per doubling of length)."""
    if not reference:
        return int(length)
    k = math.floor(2 * math.log2(length / reference)) - 1
    while (size := _grid_length(reference, k)) < length:
        k += 1
    return size


def _grid_length(reference: int, k: int) -> int:
    """``ceil(reference 2**(k / 2))``, at least 1 (IEEE: ``sqrt`` and the power of two round alike everywhere)."""
    half, odd = divmod(k, 2)
    return max(1, math.ceil(math.ldexp(reference * (math.sqrt(2.0) if odd else 1.0), half)))
