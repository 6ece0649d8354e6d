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
                f"recording {i} has {shape[0]} channels, but {source} {n_channels}: "
                "every recording needs the same channels, in the same order"
            )
        if shape[1] == 0:
            raise DataError(f"recording {i} is empty (length 0): drop it or give it at least one sample")


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
            f"the recordings tensor {shape} (n, channels, length) has {shape[1]} channels, but the features "
            f"were fitted on {n_channels}: give the same {n_channels} channels, in the same order"
        )


def padded(values: Sequence[np.ndarray]) -> tuple[Tensor, np.ndarray]:
    """Zero-pad ``(channels, length_i)`` recordings at the end: ``(n, channels, longest)`` and lengths."""
    lengths = np.array([v.shape[1] for v in values])
    x = np.zeros((len(values), values[0].shape[0], int(lengths.max())), dtype=np.float32)
    for i, v in enumerate(values):
        x[i, :, : v.shape[1]] = v
    return torch.from_numpy(x), lengths
