"""``Forecaster.plot``: a matplotlib figure of the history tail, the forecast and its intervals, one
panel per series."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from ssm_ts.api.conformal import check_interval_request, interval_columns
from ssm_ts.api.forecast_intervals import fitted_bands, level_text, long_to_wide_with_intervals
from ssm_ts.api.forecast_subset import read_for_forecast
from ssm_ts.errors import ConfigError, DataError
from ssm_ts.pipelines.forecasting import to_wide_forecast
from ssm_ts.pipelines.forecasting.frames import quantile_column
from ssm_ts.pipelines.forecasting.library_names import ours_or_theirs
from ssm_ts.pipelines.forecasting.plotting import plot_forecast
from ssm_ts.pipelines.forecasting.reader import TableSource
from ssm_ts.pipelines.forecasting.series_ids import series_names, shown_ids
from ssm_ts.pipelines.forecasting.spans import n_observed_rows
from ssm_ts.whole_numbers import is_whole_number

if TYPE_CHECKING:
    from ssm_ts.api.forecaster import Forecaster


class PlotMixin:
    """The ``plot`` method of :class:`~ssm_ts.api.forecaster.Forecaster`, a mixin it inherits."""

    def plot(
        self,
        forecast: pd.DataFrame | None = None,
        data: TableSource | None = None,
        n_history: int | None = None,
        series: str | int | list[str] | list[int] | None = None,
        read_options: dict[str, Any] | None = None,
        level: float | list[float] | None = None,
        interval_method: Literal["residual", "cqr"] | None = None,
        futr_df: pd.DataFrame | None = None,
        df: TableSource | None = None,
    ):
        """A matplotlib Figure: the history tail, the forecast and (with quantiles) its widest interval.

        One panel per series in ``series`` (names of targets, or of series in a long table); by
        default the first 8, and the figure's title then says how many of how many it shows.
        ``read_options`` read a CSV ``data`` as in :meth:`predict`. A channel-independent model forecasts
        the series drawn alone, their values predict's to float32 rounding.

        ``level`` (e.g. ``80`` or ``[80, 95]``): draw the conformal interval of each level instead of
        the learned band, the ``<target>_lo-<L>``/``_hi-<L>`` columns of ``predict(level=...)``
        (``interval_method`` as there); a ``forecast`` given must hold those columns.

        ``futr_df``: the known-future covariates of the forecast steps, as in :meth:`predict` (a model
        with known-future inputs forecasts ``data`` only with them); not with ``forecast``. ``df``:
        neuralforecast's name for ``data``.
        """
        task = self._require_fitted()
        data = ours_or_theirs("plot", "data", data, "df", df)
        if n_history is not None and (not is_whole_number(n_history) or n_history < 0):
            raise ConfigError(
                f"n_history must be a whole number of history rows to draw (0: none), got {n_history!r}; "
                "leave it out for the default (3 horizons, at least the lookback)."
            )
        shown = plotted_series(self, series)
        levels = check_interval_request(level, interval_method, fitted_bands(self))
        # a long table of some of the fitted series draws those, as predict forecasts them
        history, absent = read_for_forecast(self, data, read_options)
        require_given(shown, absent, data)
        if forecast is not None and futr_df is not None:
            raise ConfigError(
                "plot(forecast=..., futr_df=...): futr_df is read to forecast here, and a forecast was given; "
                "leave futr_df out, or leave forecast out to forecast with it."
            )
        drawn = shown or [t for t in self.spec_.targets if t not in absent]
        panels = drawn if shown is not None else drawn[:8]
        if forecast is None:  # predict's, so a long table's statics and futr_df are read as there
            with fix_names_plot(data):  # of the series drawn alone: 2 of 2,000 forecast 2
                forecast = self._predict(data, long=False, read_options=read_options, n=None, level=levels,
                                         interval_method=interval_method, futr_df=futr_df, series=panels)  # fmt: skip
        else:
            check_plotted_forecast(self, forecast)
            forecast = wide_with_intervals(self, forecast, levels)
            check_not_the_data(self, forecast, history, None if levels else task.hparams.quantiles)
        observed = history.iloc[: n_observed_rows(history, self.spec_.targets)]
        hp = task.hparams
        n_history = max(3 * hp.horizon, hp.lookback) if n_history is None else n_history
        return plot_forecast(observed, forecast, self.spec_.time_col, drawn,
                             hp.quantiles, n_history, max_panels=len(panels), levels=levels)  # fmt: skip


def require_given(shown: list[str] | None, absent: list[str], data: TableSource | None) -> None:
    """A :class:`ConfigError` for series asked to be drawn (``shown``) that ``data``, a long table of
    some of the fitted series, has no rows of (``absent``)."""
    missing = [name for name in shown or [] if name in absent]
    if missing:
        named = "the DataFrame" if isinstance(data, pd.DataFrame) else str(data)
        raise ConfigError(
            f"series={missing[:5]!r}: {named} has no rows of {'it' if len(missing) == 1 else 'them'}, so there is "
            "nothing to forecast or draw; name series the data holds, or give their rows too."
        )


@contextlib.contextmanager
def fix_names_plot(data: TableSource | None) -> Iterator[None]:
    """A forecast short of known-future rows, drawn by :meth:`PlotMixin.plot`: its fix ends in
    ``predict(futr_df=futr)``, which draws nothing; it names ``plot(..., futr_df=futr)`` instead."""
    try:
        yield
    except DataError as error:
        said = str(error)
        if "then predict(futr_df=futr)" not in said:
            raise
        given = (
            "data=df, " if isinstance(data, pd.DataFrame) else f"data={data!r}, " if data is not None else ""
        )
        raise DataError(
            said.replace("then predict(futr_df=futr)", f"then model.plot({given}futr_df=futr)")
        ) from error


def check_plotted_forecast(fc: Forecaster, forecast: pd.DataFrame) -> None:
    """A :class:`ConfigError` for a ``forecast`` given to :meth:`PlotMixin.plot` that is no forecast
    of this model (a ``KeyError`` from pandas before), or a backtest of several windows (drawn as
    one line joining them, or zigzagging where they overlap), naming the frame to pass."""
    spec = fc.spec_
    if not isinstance(forecast, pd.DataFrame) or spec.time_col not in forecast.columns:
        columns = (
            list(forecast.columns)[:8] if isinstance(forecast, pd.DataFrame) else type(forecast).__name__
        )
        raise ConfigError(
            f"plot(forecast=...) draws a frame of predict() (its time column {spec.time_col!r}, then the "
            f"forecast columns), got {columns}; pass model.predict(...), or leave forecast out. Data to "
            "forecast from goes by name: model.plot(data=df)."
        )
    if "cutoff" in forecast.columns and forecast["cutoff"].nunique() > 1:
        raise ConfigError(
            f"plot(forecast=...) draws one forecast, and this backtest holds {forecast['cutoff'].nunique()} "
            "windows (cutoffs): pass one, e.g. backtest[backtest['cutoff'] == backtest['cutoff'].max()]."
        )


def check_not_the_data(
    fc: Forecaster, forecast: pd.DataFrame, history: pd.DataFrame, quantiles: list[float] | None
) -> None:
    """A :class:`ConfigError` for data given as ``plot``'s first argument, ``forecast`` (``plot(df)``
    meaning ``plot(data=df)``): a frame of wide ``forecast`` rows that lacks the quantile columns
    every forecast of this model has (a ``KeyError`` of pandas before), or that starts no later than
    the history drawn, which no forecast of it does (drawn as a "forecast" over the history before)."""
    spec = fc.spec_
    missing = [quantile_column(t, q) for t in spec.targets for q in quantiles or [] if t in forecast]
    missing = [c for c in missing if c not in forecast.columns]
    times, first = forecast[spec.time_col], history[spec.time_col]
    starts_early = (
        len(first) > 0 and len(times) > 0 and times.dtype == first.dtype and times.min() <= first.min()
    )
    if not missing and not starts_early:
        return
    why = (
        f"lacks the quantile columns of this model's forecasts ({missing[:3]})"
        if missing
        else f"starts at {times.min()}, no later than the history drawn ({first.min()})"
    )
    raise ConfigError(
        f"plot's first argument is a forecast, and the frame given {why}: it looks like the data to forecast "
        "from. Pass it by name, model.plot(data=df), or pass a frame of model.predict(...) as the forecast."
    )


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


def _given_text(series: Any, shown: int = 5) -> str:
    """``series`` as given, a long list cut to its first ``shown`` names: ``['a', 'b', ...] (2,000 names)``."""
    if isinstance(series, list | tuple) and len(series) > 2 * shown:
        return f"[{', '.join(map(repr, series[:shown]))}, ...] ({len(series):,} names)"
    return repr(series)


def plotted_series(fc: Forecaster, series: str | int | list[str] | list[int] | None) -> list[str] | None:
    if series is None:
        return None
    names = [series] if isinstance(series, str | int | np.integer | float) else list(series)
    names = series_names(names, fc.spec_.targets)  # a long table's integer ids: 1 names series "1"
    fitted = shown_ids(fc.spec_.targets[:5], fc.spec_.id_dtype)  # integer ids as 1, not '1'
    if not names:
        raise ConfigError(
            f"series={series!r} names no series to draw; name some of {fitted}, or leave series out for the first 8."
        )
    fitted_names = set(fc.spec_.targets)  # once: thousands of names and series were compared pairwise
    unknown = [name for name in names if name not in fitted_names]
    if unknown:
        more = f" and {len(unknown) - 5:,} more" if len(unknown) > 5 else ""
        raise ConfigError(
            f"series={_given_text(series)}: {unknown[:5]}{more} not among the fitted series "
            f"(e.g. {fitted}); name series the model forecasts."
        )
    return names
