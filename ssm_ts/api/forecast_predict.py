"""``Forecaster.predict``: the forecast after the last observed row of the data, with its conformal
intervals (:mod:`ssm_ts.api.forecast_intervals`), and the times it forecasts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from ssm_ts.api.conformal import check_interval_request, check_steps_calibrated
from ssm_ts.api.forecast_intervals import (
    bounds_on_rows,
    check_calibrated,
    fitted_bands,
    interval_bounds,
    with_long_intervals,
    with_wide_intervals,
)
from ssm_ts.api.whole_numbers import is_whole_number
from ssm_ts.errors import ConfigError
from ssm_ts.pipelines.forecasting import (
    future_times,
    point_index,
    quantile_column,
    series_spans,
    to_long_forecast,
)
from ssm_ts.pipelines.forecasting.reader import TableSource
from ssm_ts.tasks.forecasting import check_steps

if TYPE_CHECKING:
    from ssm_ts.api.forecaster import Forecaster


def predict(
    fc: Forecaster,
    data: TableSource | None = None,
    *,
    long: bool | None = None,
    read_options: dict[str, Any] | None = None,
    n: int | None = None,
    level: float | list[float] | None = None,
    interval_method: Literal["residual", "cqr"] | None = None,
) -> pd.DataFrame:
    """:meth:`Forecaster.predict <ssm_ts.api.forecaster.Forecaster.predict>` of the fitted ``fc``: the
    forecast after the last observed row of ``data`` (default: the fitted series), wide or long, with
    the ``level`` interval columns on each series' own forecast rows."""
    task = fc._require_fitted()
    if is_whole_number(data):  # darts' predict(n): here the first argument is the data
        raise ConfigError(
            f"predict({data}): the first argument is the data (a CSV path or DataFrame); for {data} "
            f"forecast steps write predict(n={data}) (or predict(data, n={data}))."
        )
    n = check_steps(n, task.hparams.horizon)  # before reading the data: a bad n fails at once
    levels = check_interval_request(level, interval_method, fitted_bands(fc))
    if levels is not None:
        check_calibrated(fc, levels, interval_method)
        check_steps_calibrated(fc.conformal_, n)
    forecast = task.forecast_after(fc._read(data, read_options=read_options), fc.spec_, n=n)
    long = fc._long(long)
    out = to_long_forecast(forecast, fc.spec_, forecast_rows_only=True) if long else forecast
    if levels is None:
        return out
    # each series' own forecast rows (a ragged panel's wide rows are the union of their times)
    prediction = prediction_of(fc, forecast)  # (rows, n_targets, n_quantiles)
    present = ~np.isnan(prediction[..., point_index(task.hparams.quantiles)])
    steps = np.cumsum(present, axis=0) - 1  # the horizon step of each present row, per series
    compact = np.full_like(prediction, np.nan)
    columns = np.broadcast_to(np.arange(prediction.shape[1]), present.shape)
    compact[steps[present], columns[present]] = prediction[present]
    bounds = interval_bounds(fc, compact[: int(present.sum(axis=0).max())], levels, interval_method)
    if long:  # rows: series, then its own steps
        flat = {
            k: tuple(b.T[present.T] for b in pair)
            for k, pair in bounds_on_rows(bounds, steps, present).items()
        }
        return with_long_intervals(out, fc.spec_, flat)
    return with_wide_intervals(out, fc.spec_, bounds_on_rows(bounds, steps, present))


def predicted_times(fc: Forecaster) -> pd.Index:
    """The times :func:`predict` forecasts for the fitted series (dates, or integer steps); for
    series that end at different times, the union of their future times."""
    task = fc._require_fitted()
    ends = series_spans(fc.history_, fc.spec_.targets).last
    times = fc.history_[fc.spec_.time_col]
    per_series = [
        future_times(times.iloc[end], fc.spec_.freq, task.hparams.horizon) for end in np.unique(ends)
    ]
    return (
        per_series[0] if len(per_series) == 1 else per_series[0].append(per_series[1:]).unique().sort_values()
    )


def prediction_of(fc: Forecaster, forecast: pd.DataFrame) -> np.ndarray:
    """``(rows, n_targets, n_quantiles)`` read back from a wide forecast frame."""
    quantiles = fc._require_fitted().hparams.quantiles
    blocks = [
        forecast[[quantile_column(t, q) for q in quantiles] if quantiles else [t]].to_numpy(dtype="float64")
        for t in fc.spec_.targets
    ]
    return np.stack(blocks, axis=1)
