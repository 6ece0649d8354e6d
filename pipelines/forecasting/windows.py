"""Stride-1 windows of lookback + horizon rows over a series, as a torch Dataset."""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import Dataset


def model_inputs(values: np.ndarray, n_future_covariates: int, horizon: int) -> np.ndarray:
    """Align known-future covariates with the model's lookback-only input.

    ``values (T, C)`` has the known-future covariates as its last columns. Those columns are
    shifted ``horizon`` rows earlier, so an input window ending at row ``t`` carries the covariates
    of rows ``t + 1 .. t + horizon`` in its last ``horizon`` steps: the model sees the future it
    is allowed to know without a second input. Rows whose shifted value does not exist are NaN.
    The window must therefore be at least ``horizon`` long (``ForecastDataModule.setup`` checks it).
    """
    if n_future_covariates == 0:
        return values
    shifted = values.copy()
    future = values[:, -n_future_covariates:]
    shifted[:, -n_future_covariates:] = np.nan
    shifted[: len(values) - horizon, -n_future_covariates:] = future[horizon:]
    return shifted


class ForecastWindows(Dataset):
    """Windows ``x (lookback, n_channels)``, ``y (horizon, n_targets)`` in original units, float64.

    Float64 because the raw values are scaled by the task: float32 would round a level of 1e8 to
    the nearest 8 before the scaler subtracts it.

    ``inputs (T, n_channels)`` are the model inputs (see :func:`model_inputs`), ``targets (T, n_targets)``
    the target columns; window ``i`` starts at row ``starts[i]``.
    """

    def __init__(self, inputs: np.ndarray, targets: np.ndarray, starts: range, lookback: int, horizon: int):
        self.inputs = torch.from_numpy(row_major(inputs))
        self.targets = torch.from_numpy(row_major(targets))
        self.starts = starts
        self.lookback = lookback
        self.horizon = horizon

    def __len__(self) -> int:
        return len(self.starts)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        start = self.starts[index]
        end = start + self.lookback
        return self.inputs[start:end], self.targets[end : end + self.horizon]


def row_major(values: np.ndarray) -> np.ndarray:
    """``values`` as a writable row-major float64 array, copied only when it is not one already.

    Row-major so that each window is one contiguous slice (a DataFrame's values come column-major);
    without a copy so that the splits of one series can share its arrays.
    """
    return np.require(values, dtype=np.float64, requirements=["C_CONTIGUOUS", "WRITEABLE"])
