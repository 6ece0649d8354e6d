"""``Forecaster.predict``: the forecast after the last observed row of the data, with its conformal
intervals (:mod:`ssm_ts.api.forecast_intervals`), and the times it forecasts."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from ssm_ts.api.conformal import check_interval_request, check_steps_calibrated
from ssm_ts.api.forecast_future_frame import with_future_frame
from ssm_ts.api.forecast_intervals import (
    bounds_on_rows,
    check_calibrated,
    fitted_bands,
    interval_bounds,
    with_long_intervals,
    with_wide_intervals,
)
from ssm_ts.api.forecast_ported_args import ported_arguments
from ssm_ts.api.forecast_short_history import new_rows_alone_named
from ssm_ts.api.forecast_subset import read_for_forecast
from ssm_ts.errors import ConfigError
from ssm_ts.pipelines.forecasting import (
    future_times,
    point_index,
    quantile_column,
    series_spans,
    to_long_forecast,
)
from ssm_ts.pipelines.forecasting.covariate_spans import require_covered_future
from ssm_ts.pipelines.forecasting.forecast_inputs import static_features_named
from ssm_ts.pipelines.forecasting.named_data import data_named
from ssm_ts.pipelines.forecasting.reader import TableSource
from ssm_ts.pipelines.forecasting.spans import n_observed_rows
from ssm_ts.tasks.forecasting import check_steps
from ssm_ts.whole_numbers import is_whole_number

if TYPE_CHECKING:
    from ssm_ts.api.forecaster import Forecaster


class PredictMixin:
    """The ``predict`` and ``future_times`` methods of :class:`~ssm_ts.api.forecaster.Forecaster`, a mixin it inherits."""

    @ported_arguments
    def predict(
        self,
        data: TableSource | None = None,
        *,
        long: bool | None = None,
        read_options: dict[str, Any] | None = None,
        n: int | None = None,
        level: float | list[float] | None = None,
        interval_method: Literal["residual", "cqr"] | None = None,
        futr_df: TableSource | None = None,
    ) -> pd.DataFrame:
        """Forecast the ``horizon`` steps (or ``n``) after the last observed row of ``data`` (default: the
        fitted series).

        A long ``data`` may hold only some of the fitted series (as neuralforecast's ``predict(df)``):
        a channel-independent model forecasts those, its network run on them alone (3 of 300 series
        cost 3; :mod:`ssm_ts.api.forecast_subset`).

        ``futr_df`` (neuralforecast's ``predict(futr_df=...)``): the known-future covariates of the
        forecast steps as a table of their own, a DataFrame or CSV in the fitted layout (wide: the time
        column and those columns; long: the rows of those series). Its rows after the data's last
        observation replace any future rows the data ends with; earlier rows are left out
        (:mod:`ssm_ts.api.forecast_future_frame`).

        ``level`` (neuralforecast's ``predict(level=[80, 95])``): split-conformal prediction intervals
        of these coverages in percent, as ``<target>_lo-<level>`` and ``<target>_hi-<level>`` columns
        (``y_lo-80``, ``y_hi-80`` in long layout), calibrated on the windows of the validation split
        at the end of ``fit`` (or on :meth:`calibrate`'s data) per horizon step and series.
        ``interval_method``: ``"cqr"`` (the default with ``quantiles``) widens or narrows the learned
        quantile band nearest the level by its calibrated error; ``"residual"`` (the default without)
        puts the calibrated absolute error around the point forecast. See :mod:`ssm_ts.api.conformal`.
        Intervals cover the calibrated horizon only (``n <= horizon``), and a level needs enough windows
        (80%: 4, 95%: 19, 99%: 99); either is refused with the fix otherwise. ``interval_method``
        without ``level`` makes no interval and is refused (as is an unknown one), so is ``"cqr"`` for a
        model without quantile bands.

        ``n`` (darts' ``predict(n)``): ``None`` forecasts the ``horizon``; ``n <= horizon`` its first ``n``
        steps (quantile columns too); ``n > horizon`` rolls the model forward: it forecasts ``horizon``
        steps, appends the point forecast (the median with quantiles) to the inputs as if observed,
        forecasts again, and so on until ``n`` steps; each series of a ragged panel rolls from its own
        end. The quantiles of a rolled block are conditional on the earlier blocks' medians, so beyond
        the first ``horizon`` they understate the uncertainty (they are not intervals of the whole
        path). A rollout needs every model input to be forecast or known: past covariates are refused,
        and known-future covariates need ``ceil(n / horizon) * horizon`` rows after the last
        observation (every block reads the covariates of all its ``horizon`` steps).

        ``data`` has the training columns; with known-future covariates, end it with ``horizon``
        rows whose covariates are filled and targets empty (without ``data``, such rows at the end of
        the fitted data are used). Returns the time column continuing
        the frequency, one column per target and ``<target>_q<level>`` columns with quantiles; for a
        model fitted on a long table (``long=None``: as it was fitted; ``True``/``False`` to choose),
        the same in long layout: ``unique_id, ds, y`` and ``y_q<level>``, one row per series and time.

        Series of a long table that end at different times (a ragged panel) each forecast the
        ``horizon`` steps after their own last observed time: in long layout each series has its
        own ``ds``; in wide layout the rows are the union of those times, NaN where a series has no
        forecast.

        A CSV ``data`` is read with the ``read_options`` of the fit (saved with the model), or with
        ``read_options`` when given (they replace those; ``{}``: detection alone).
        """
        return self._predict(data, long=long, read_options=read_options, n=n, level=level,
                             interval_method=interval_method, futr_df=futr_df)  # fmt: skip

    def _predict(
        self,
        data: TableSource | None,
        *,
        long: bool | None,
        read_options: dict[str, Any] | None,
        n: int | None,
        level: float | list[float] | None,
        interval_method: Literal["residual", "cqr"] | None,
        futr_df: TableSource | None,
        series: list[str] | None = None,
    ) -> pd.DataFrame:
        """:meth:`predict`, of the fitted ``series`` (target names; ``None``: all) alone: the table holds
        their columns (long: their rows), as ``predict``'s with the others left out, and a
        channel-independent model runs its network on them alone (:meth:`plot` of 2 of 2,000 series)."""
        task = self._require_fitted()
        if is_whole_number(data):  # darts' predict(n): here the first argument is the data
            raise ConfigError(
                f"predict({data}): the first argument is the data (a CSV path or DataFrame); for {data} "
                f"forecast steps write predict(n={data}) (or predict(data, n={data}))."
            )
        n = check_steps(n, task.hparams.horizon)  # before reading the data: a bad n fails at once
        levels = check_interval_request(level, interval_method, fitted_bands(self))
        if levels is not None:
            check_calibrated(self, levels, interval_method)
            check_steps_calibrated(self.conformal_, n)
        frame, absent = read_for_forecast(self, data, read_options)  # a long table of some series too
        if absent:  # a channel-independent model's: forecast those given alone, never a stand-in
            stand_ins = set(absent)  # not a scan of the absent names per fitted series (thousands of each)
            series = [name for name in series or self.spec_.targets if name not in stand_ins]
        chosen = chosen_series(self.spec_.targets, series)
        targets = self.spec_.targets
        spec = (
            self.spec_
            if chosen is None
            else dataclasses.replace(self.spec_, targets=[targets[i] for i in chosen])
        )
        horizon = task.hparams.horizon
        if futr_df is not None:
            frame = with_future_frame(self, frame, futr_df, -(-(n or horizon) // horizon) * horizon)
        elif n is not None and n > horizon:  # a rollout: statics, known at every time, for each of its passes
            frame = with_statics_for_rollout(self, frame, -(-n // horizon) * horizon)
        # each series' own known-future rows (a futr_df short of one series' first step: no forecast of it, unsaid)
        hp = task.hparams
        future_name = futr_source(futr_df) if futr_df is not None else data_name(data) or "the data"
        reads = hp.get("covariate_index") if hp.channel_independent else None
        require_covered_future(frame, self.spec_, reads, future_name, -(-(n or horizon) // horizon) * horizon)
        statics = self.series_features_.static_columns if self.series_features_ else []
        # errors name the file and the statics; today's rows alone get the fix that gives the earlier ones
        with (
            new_rows_alone_named(self.history_, frame, self.spec_),
            data_named(data_name(data)),
            static_features_named(statics),
        ):
            forecast = task.forecast_after(frame, self.spec_, n=n, series=chosen)
        long = self._long(long)
        out = to_long_forecast(forecast, spec, forecast_rows_only=True) if long else forecast
        if levels is None:
            return out
        # each series' own forecast rows (a ragged panel's wide rows are the union of their times)
        prediction = prediction_of(forecast, spec.targets, hp.quantiles)  # (rows, n_targets, n_quantiles)
        present = ~np.isnan(prediction[..., point_index(task.hparams.quantiles)])
        steps = np.cumsum(present, axis=0) - 1  # the horizon step of each present row, per series
        compact = np.full_like(prediction, np.nan)
        columns = np.broadcast_to(np.arange(prediction.shape[1]), present.shape)
        compact[steps[present], columns[present]] = prediction[present]
        bounds = chosen_bounds(
            self, compact[: int(present.sum(axis=0).max())], levels, interval_method, chosen
        )
        if long:  # rows: series, then its own steps
            flat = {
                k: tuple(b.T[present.T] for b in pair)
                for k, pair in bounds_on_rows(bounds, steps, present).items()
            }
            out = with_long_intervals(out, spec, flat)
        else:
            out = with_wide_intervals(out, spec, bounds_on_rows(bounds, steps, present))
        return out

    def future_times(self) -> pd.Index:
        """The times :meth:`predict` forecasts for the fitted series (dates, or integer steps); for
        series that end at different times, the union of their future times."""
        task = self._require_fitted()
        ends = series_spans(self.history_, self.spec_.targets).last
        times = self.history_[self.spec_.time_col]
        per_series = [
            future_times(times.iloc[end], self.spec_.freq, task.hparams.horizon) for end in np.unique(ends)
        ]
        return (
            per_series[0]
            if len(per_series) == 1
            else per_series[0].append(per_series[1:]).unique().sort_values()
        )


def data_name(data: TableSource | None) -> str | None:
    """How errors name ``predict``'s ``data``: its path, "the DataFrame", or ``None`` (the fitted history)."""
    if data is None:
        return None
    return "the DataFrame" if isinstance(data, pd.DataFrame) else str(data)


def futr_source(futr_df: TableSource) -> str:
    """How errors name ``predict``'s ``futr_df``: its path, or "the futr_df DataFrame"."""
    return "the futr_df DataFrame" if isinstance(futr_df, pd.DataFrame) else str(futr_df)


def chosen_series(targets: list[str], series: list[str] | None) -> np.ndarray | None:
    """The indices in ``targets`` of the fitted ``series`` names, in ``targets``' order; ``None`` for
    all (``series`` ``None``, or every target)."""
    if series is None:
        return None
    wanted = set(series)
    index = np.flatnonzero([name in wanted for name in targets])
    return None if len(index) == len(targets) else index


def chosen_bounds(
    fc: Forecaster,
    prediction: np.ndarray,
    levels: list[float],
    interval_method: str | None,
    chosen: np.ndarray | None,
) -> dict[float, tuple[np.ndarray, np.ndarray]]:
    """:func:`interval_bounds` of ``prediction (steps, k, n_quantiles)``, the series ``chosen`` (k,)
    (``None``: all), each ``(steps, k)``: calibrated, checked and warned of as predict of every series
    does (their scores are columns of every series'; the others' bounds, NaN, are left out)."""
    if chosen is None:
        return interval_bounds(fc, prediction, levels, interval_method)
    every = np.full((prediction.shape[0], len(fc.spec_.targets), prediction.shape[2]), np.nan)
    every[:, chosen] = prediction
    bounds = interval_bounds(fc, every, levels, interval_method)
    return {level: (lower[:, chosen], upper[:, chosen]) for level, (lower, upper) in bounds.items()}


def prediction_of(forecast: pd.DataFrame, targets: list[str], quantiles: list[float] | None) -> np.ndarray:
    """``(rows, n_targets, n_quantiles)`` read back from a wide forecast frame of ``targets``, its
    columns read in one block (a read per series took 1.4 s of 2,000 series' ``predict(level=...)``)."""
    columns = [quantile_column(t, q) for t in targets for q in quantiles] if quantiles else list(targets)
    values = forecast[columns].to_numpy(dtype="float64")
    return values.reshape(len(forecast), len(targets), len(quantiles or [None]))


def with_statics_for_rollout(fc: Forecaster, frame: pd.DataFrame, steps: int) -> pd.DataFrame:
    """``frame`` with ``steps`` rows of the stored statics after its last observation, when statics are
    the model's only known-future inputs (``predict(n=...)`` past the horizon: the horizon's rows alone
    were added, and the rollout asked for rows of its internal series); else ``frame`` as it is."""
    features = fc.series_features_
    if features is None or not features.only_static_future:
        return frame
    return fc._with_static_future(frame.iloc[: n_observed_rows(frame, fc.spec_.targets)], steps)
