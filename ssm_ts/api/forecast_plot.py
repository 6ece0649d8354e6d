"""``Forecaster.plot``: a matplotlib figure of the history tail, the forecast and its intervals, one
panel per series."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from ssm_ts.api.conformal import check_interval_request, interval_columns
from ssm_ts.api.forecast_intervals import fitted_bands, level_text, long_to_wide_with_intervals
from ssm_ts.errors import ConfigError
from ssm_ts.pipelines.forecasting import to_wide_forecast
from ssm_ts.pipelines.forecasting.plotting import plot_forecast
from ssm_ts.pipelines.forecasting.reader import TableSource
from ssm_ts.pipelines.forecasting.spans import n_observed_rows

if TYPE_CHECKING:
    from ssm_ts.api.forecaster import Forecaster


def plot(
    fc: Forecaster,
    forecast: pd.DataFrame | None = None,
    data: TableSource | None = None,
    n_history: int | None = None,
    series: str | list[str] | None = None,
    read_options: dict[str, Any] | None = None,
    level: float | list[float] | None = None,
    interval_method: Literal["residual", "cqr"] | None = None,
):
    """:meth:`Forecaster.plot <ssm_ts.api.forecaster.Forecaster.plot>` of the fitted ``fc``: the history
    tail of ``data`` (default: the fitted series), the forecast and its widest band or ``level`` intervals."""
    task = fc._require_fitted()
    shown = plotted_series(fc, series)
    levels = check_interval_request(level, interval_method, fitted_bands(fc))
    history = fc._read(data, read_options=read_options)
    if forecast is None and levels is not None:
        forecast = fc.predict(data, long=False, read_options=read_options, level=levels,
                              interval_method=interval_method)  # fmt: skip
    elif forecast is None:
        forecast = task.forecast_after(history, fc.spec_)
    else:
        forecast = wide_with_intervals(fc, forecast, levels)
    observed = history.iloc[: n_observed_rows(history, fc.spec_.targets)]
    hp = task.hparams
    n_history = max(3 * hp.horizon, hp.lookback) if n_history is None else n_history
    return plot_forecast(observed, forecast, fc.spec_.time_col, shown or fc.spec_.targets,
                         hp.quantiles, n_history, max_panels=8 if shown is None else len(shown),
                         levels=levels)  # fmt: skip


def wide_with_intervals(fc: Forecaster, forecast: pd.DataFrame, levels: list[float] | None) -> pd.DataFrame:
    """A forecast frame given to :func:`plot` in wide layout, its interval columns of ``levels``
    kept (a clear error when it lacks them)."""
    spec = fc.spec_
    long = spec.id_col in forecast.columns
    if levels is None:
        return to_wide_forecast(forecast, spec)
    names = [spec.value_col] if long else list(spec.targets)
    missing = [c for name in names for lv in levels for c in interval_columns(name, lv) if c not in forecast]
    if missing:
        lo, hi = interval_columns(names[0], levels[0])
        raise ConfigError(
            f"level={level_text(levels)} draws the columns {lo}/{hi} (per level and series) of the forecast, "
            f"and it lacks {missing[:4]}{' ...' if len(missing) > 4 else ''}: pass the frame of "
            f"predict(..., level={level_text(levels)}), "
            "or leave forecast out to forecast here."
        )
    return long_to_wide_with_intervals(forecast, spec) if long else forecast


def plotted_series(fc: Forecaster, series: str | list[str] | None) -> list[str] | None:
    if series is None:
        return None
    names = [series] if isinstance(series, str) else list(series)
    unknown = [name for name in names if name not in set(fc.spec_.targets)]
    if unknown or not names:
        more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        raise ConfigError(
            f"series={series!r}: {unknown[:5] or 'no name'}{more} not among the fitted series "
            f"(e.g. {fc.spec_.targets[:5]}); name series the model forecasts."
        )
    return names
