"""Per-channel standardisation fitted on the training recordings only (real samples, not padding)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .series import SeriesSet

_MIN_SCALE = 1e-8


@dataclass(frozen=True)
class ChannelScaler:
    """``(x - mean) / scale`` per channel; ``mean`` and ``scale`` are plain lists (JSON, checkpoints)."""

    mean: list[float]
    scale: list[float]

    def transform(self, values: np.ndarray) -> np.ndarray:
        """``(channels, length)`` -> scaled, same shape."""
        return (values - np.asarray(self.mean)[:, None]) / np.asarray(self.scale)[:, None]

    def to_dict(self) -> dict[str, list[float]]:
        return {"mean": list(self.mean), "scale": list(self.scale)}


def fit_channel_scaler(data: SeriesSet) -> ChannelScaler:
    """Mean and standard deviation of every channel over all time steps of all recordings of ``data``.

    A constant channel gets scale 1 (it is only centred), so nothing divides by zero.
    """
    # one channel at a time: a copy of one channel's steps, not of the whole data set (the same
    # pairwise sums as a (channels, total steps) array reduced along its rows, so the same values)
    mean, scale = np.empty(data.n_channels), np.empty(data.n_channels)
    for c in range(data.n_channels):
        steps = np.concatenate([v[c] for v in data.values])  # (total steps,)
        mean[c], scale[c] = steps.mean(), steps.std()
    scale = np.where(scale < _MIN_SCALE, 1.0, scale)
    return ChannelScaler(mean.tolist(), scale.tolist())
