"""Stride-1 windows of lookback + horizon rows over a series, as a torch Dataset."""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import Dataset

from .fills import Carries


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

    A ragged panel (series that start and end at different rows, see :mod:`.spans`) passes
    ``valid (len(starts), n_targets)``: whether the window lies inside series ``j``'s span. Only
    starts valid for some series are kept, and ``y`` is NaN for the series it is not valid for
    (the task leaves those out of the loss and the metrics; ``x`` may hold NaN there too).

    ``carries`` (windows numbered as ``starts``, see :func:`~.fills.trailing_carries`): the windows whose
    inputs end in rows the fill drew from their own forecast rows, and the last observed value each
    carries instead. The windows share ``inputs``, so only those are copied and patched as they are read.

    ``observed (T, n_targets)`` bool, the rows of ``targets``: whether the data holds the value
    (``False``: the fill policy invented it, see :func:`~.series.filled_targets`). ``y`` is NaN where
    it is ``False``, like neuralforecast's ``available_mask``: the task leaves those points out of the
    loss and the metrics, so a score is over values the data holds. The inputs ``x`` keep their fill
    (the model reads filled inputs, as ``predict`` does). ``None``: every value is scored.
    """

    def __init__(
        self,
        inputs: np.ndarray,
        targets: np.ndarray,
        starts: range,
        lookback: int,
        horizon: int,
        valid: np.ndarray | None = None,
        carries: Carries | None = None,
        observed: np.ndarray | None = None,
    ):
        self.inputs = torch.from_numpy(row_major(inputs))
        self.targets = torch.from_numpy(row_major(targets))
        self.valid: torch.Tensor | None = None
        if observed is not None and observed.shape != targets.shape:
            raise ValueError(f"observed {observed.shape} must have the shape of targets {targets.shape}")
        # shared with the other splits' windows (no copy of a C-contiguous bool array)
        self.observed = (
            None if observed is None else torch.from_numpy(np.ascontiguousarray(observed, dtype=bool))
        )
        n_given = len(starts)
        numbers = np.arange(n_given)  # each kept window's number in the given starts
        if valid is not None:
            used = valid.any(axis=1)
            starts = np.asarray(starts)[used]  # type: ignore[assignment]
            numbers = numbers[used]
            self.valid = torch.from_numpy(np.ascontiguousarray(valid[used]))
        self.starts = starts
        self.lookback = lookback
        self.horizon = horizon
        # window index -> [(channel, first carried input row, value)]: a dict lookup per read, tiny
        self._carries: dict[int, list[tuple[int, int, float]]] = {}
        if carries is not None and len(carries):
            index = np.full(n_given, -1)  # a given window's index here; -1: not kept
            index[numbers] = np.arange(len(numbers))
            for window, channel, offset, value in zip(
                index[carries.window].tolist(), carries.channel.tolist(), carries.offset.tolist(),
                carries.value.tolist(), strict=True,
            ):  # fmt: skip
                if window >= 0:  # a ragged panel's window valid for no series is not kept
                    self._carries.setdefault(window, []).append((channel, offset, value))

    def __len__(self) -> int:
        return len(self.starts)

    @property
    def n_series_windows(self) -> int:
        """(window, series) pairs trained or scored on: ``len(self) * n_targets`` unless ragged."""
        return int(self.valid.sum()) if self.valid is not None else len(self) * self.targets.shape[1]

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        start = int(self.starts[index])
        end = start + self.lookback
        y = self.targets[end : end + self.horizon]
        if self.valid is not None:
            y = y.masked_fill(~self.valid[index], float("nan"))
        if self.observed is not None:  # values the fill invented are not scored
            y = y.masked_fill(~self.observed[end : end + self.horizon], float("nan"))
        x = self.inputs[start:end]
        carries = self._carries.get(index)
        if carries is not None:
            x = x.clone()  # the shared inputs stay as the fill left them
            for channel, offset, value in carries:
                x[offset:, channel] = value
        return x, y

    @property
    def carried(self) -> int:
        """How many windows carry a last observed value over a trailing fill (0 unless ``fill="interpolate"``)."""
        return len(self._carries)

    def inputs_of(self, positions: torch.Tensor) -> torch.Tensor:
        """``x (len(positions), lookback, n_channels)`` of the windows ``positions`` at once (carries
        applied), ``positions (B,)`` long: ``torch.stack([self[p][0] for p in positions])``, gathered at once."""
        starts = torch.as_tensor(np.asarray(self.starts), dtype=torch.long)[positions]
        x = self.inputs[starts[:, None] + torch.arange(self.lookback)]
        carried = np.zeros(len(self), dtype=bool)
        carried[list(self._carries)] = True
        picked = positions.numpy()
        for b in np.flatnonzero(carried[picked]).tolist():  # only the carried windows: few
            for channel, offset, value in self._carries[int(picked[b])]:
                x[b, offset:, channel] = value
        return x


def row_major(values: np.ndarray) -> np.ndarray:
    """``values`` as a writable row-major float64 array, copied only when it is not one already.

    Row-major so that each window is one contiguous slice (a DataFrame's values come column-major);
    without a copy so that the splits of one series can share its arrays.
    """
    return np.require(values, dtype=np.float64, requirements=["C_CONTIGUOUS", "WRITEABLE"])


def valid_pairs(y: torch.Tensor) -> torch.Tensor:
    """``y (batch, horizon, n_targets)`` -> ``(batch, n_targets)`` bool: the (window, series) pairs
    with some target to score. A ragged panel's window is NaN over the whole horizon of a series it is
    not valid for; a valid one may be NaN at single points too (values the fill invented), and
    still counts: its other points are scored."""
    return ~y.isnan().all(dim=1)


def valid_rows(y: torch.Tensor) -> torch.Tensor:
    """``y (batch, horizon, n_targets)`` of a ragged panel (NaN for the series a window is not valid
    for) -> ``(n_valid,)`` long: the rows ``b * n_targets + c`` of the valid (window ``b``, series
    ``c``) pairs (:func:`valid_pairs`), in a channel-independent model's folded order (its
    ``forward(..., rows=)``)."""
    return valid_pairs(y).reshape(-1).nonzero().squeeze(1)
