"""Forecasts of any length: ``n`` steps checked against the horizon, and the autoregressive rollout's
inputs (:func:`with_forecast` appends a block's forecast as if observed)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ssm_ts.errors import ConfigError
from ssm_ts.pipelines.forecasting import SeriesSpec, future_times

# the rollout check lives beside the input windows: the CLI's data module runs it before cutting them
from ssm_ts.pipelines.forecasting.forecast_inputs import check_rollable

__all__ = ["check_rollable", "check_steps", "with_forecast"]


def check_steps(n: Any, horizon: int, how: str = "n=") -> int:
    """``n`` forecast steps as an int (``None``: the ``horizon``); a clear error for anything but a
    positive whole number. ``how``: how the caller passes it, for the message (the CLI's ``--n``)."""
    if n is None:
        return horizon
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
        name = how.rstrip("= ")
        raise ConfigError(
            f"{name} must be a positive whole number of forecast steps, got {n!r}; leave it out for the "
            f"model's horizon ({horizon}), or e.g. {how}{horizon // 2 or 1} or {how}{2 * horizon}."
        )
    return int(n)


def with_forecast(
    frame: pd.DataFrame, point: np.ndarray, last_times: pd.Series, spec: SeriesSpec, horizon: int
) -> pd.DataFrame:
    """``frame`` with ``point (horizon, n_targets)`` written as the observed targets of the ``horizon``
    steps after each series' last time ``last_times (n_targets,)``: what a user would get by appending
    the forecast rows to the data. Rows for times the frame lacks are added (other columns NaN)."""
    ends = pd.Index(last_times)
    unique_ends, series_end = ends.unique(), ends.unique().get_indexer(ends)  # one time grid per end
    per_end = [future_times(end, spec.freq, horizon) for end in unique_ends]
    new_times = per_end[0].append(per_end[1:]).unique()
    missing = new_times[~new_times.isin(frame[spec.time_col])]
    work = frame.reset_index(drop=True)
    if len(missing):
        work = pd.concat([work, pd.DataFrame({spec.time_col: missing})], ignore_index=True)
        work = work.sort_values(spec.time_col, kind="stable").reset_index(drop=True)
    index = pd.Index(work[spec.time_col])
    rows = np.stack([index.get_indexer(own) for own in per_end], axis=1)[
        :, series_end
    ]  # (horizon, n_targets)
    values = work[spec.targets].to_numpy(dtype="float64", copy=True)
    values[rows, np.arange(len(spec.targets))[None, :]] = point
    # all targets in one block: a column set per series is quadratic with many series
    targets = pd.DataFrame(values, columns=spec.targets, index=work.index)
    work = pd.concat([work.drop(columns=spec.targets), targets], axis=1)[list(frame.columns)]
    work.attrs = frame.attrs
    return work
