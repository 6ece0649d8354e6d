"""Score forecasts against actuals: ``ssm_ts.evaluate(fc.backtest(data), train=data)``.

One call turns a :meth:`Forecaster.backtest` frame (wide: ``cutoff, <time>, <target>,
<target>_q<level>..., <target>_actual``, and ``<target>_lo-<L>``/``_hi-<L>`` with ``level=``;
long: ``cutoff, unique_id, <time>, y, y_q<level>..., y_actual``, ``y_lo-<L>``/``y_hi-<L>``), or a
:meth:`Forecaster.predict` frame plus ``actuals=``, into a tidy table: one row per series (and
per cutoff and/or horizon step with ``by``), one column per metric, and "all" rows that average
the series (as ``utilsforecast.evaluation.evaluate(..., agg_fn="mean")`` does).

Metrics (``metrics=`` names; default: every one the inputs allow):

* point forecast ``<target>`` (the median with quantiles): ``mae``, ``mse``, ``rmse``,
  ``mape`` and ``smape`` (in percent, as darts reports them);
* scaled by the in-sample seasonal-naive error of ``train`` (needs ``train``): ``mase`` (MAE over
  the mean ``|y_t - y_{t-m}|``) and ``rmsse`` (root of MSE over the mean ``(y_t - y_{t-m})^2``,
  the M5 definition), ``m = season_length``;
* with quantile columns: ``pinball`` (``pinball_q<level>`` per level and ``pinball``, their mean:
  a discrete CRPS approximation like utilsforecast's ``mqloss``); and for each central interval
  ``q<a>``-``q<1-a>`` of nominal level ``L = 100 (1 - 2a)`` percent: ``coverage`` (``coverage_L``,
  the fraction of actuals inside, bounds included), ``width`` (``width_L``, mean upper - lower),
  ``mis`` (``mis_L``, mean interval score of Gneiting & Raftery 2007: width plus ``2/alpha`` times
  the distance of an actual outside) and ``msis`` (``msis_L``, that scaled like ``mase``, M4's MSIS);
* with the conformal interval columns of ``predict``/``backtest(level=[80, 95])``
  (``<target>_lo-80``/``_hi-80``): the same four at that level, named as utilsforecast names them,
  ``coverage_level80``, ``width_level80``, ``mis_level80`` and ``msis_level80`` (alpha ``1 - L/100``),
  beside the ``coverage_80`` etc. of a learned ``q0.1``-``q0.9`` band when the frame has both.

Actuals that are NaN (a backtest marks the values the fill policy invented as NaN) are left out of
every metric and counted in ``n_missing``; ``n`` counts the scored points. Conformal bounds that are
NaN where the point forecast is a number (a series of a ragged panel with too few held-out
calibration windows for the level) leave those points out of that level's interval metrics only,
counted in ``n_no_interval`` and named in a warning: a series without any gets NaN there, and the
"all" row averages the series that have them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ssm_ts.errors import ConfigError, DataError
from ssm_ts.evaluation_frame import forecast_points, frame_layout, interval_gaps
from ssm_ts.evaluation_metrics import (
    ALL_SERIES,
    GROUPINGS,
    METRICS,
    NEEDS_INTERVAL,
    NEEDS_TRAIN,
    POINT_METRICS,
    QUANTILE_METRICS,
    SCALED_METRICS,
    chosen_metrics,
    groupings,
    point_losses,
    summarise,
)
from ssm_ts.evaluation_scales import seasonal_scales
from ssm_ts.evaluation_tables import join_actuals
from ssm_ts.pipelines.forecasting.library_names import ours_or_theirs

__all__ = [
    "ALL_SERIES",
    "GROUPINGS",
    "METRICS",
    "POINT_METRICS",
    "QUANTILE_METRICS",
    "SCALED_METRICS",
    "evaluate",
]


def evaluate(
    frame: pd.DataFrame,
    metrics: Sequence[str] | None = None,
    *,
    train: str | os.PathLike | pd.DataFrame | None = None,
    season_length: int = 1,
    actuals: str | os.PathLike | pd.DataFrame | None = None,
    by: str | Sequence[str] = ("series",),
    aggregate: bool = True,
    id_col: str = "unique_id",
    time_col: str | None = None,
    read_options: Mapping[str, Any] | None = None,
    train_df: str | os.PathLike | pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Score a backtest (or a forecast with ``actuals``): one row per group, one column per metric.

    Args:
        frame: a :meth:`Forecaster.backtest` frame, wide or long, or a :meth:`Forecaster.predict`
            frame (then pass ``actuals``). Columns follow the forecasters' naming: ``<target>``,
            ``<target>_q<level>``, ``<target>_actual``, ``<target>_lo-<L>``/``_hi-<L>`` (long: ``y``,
            ``y_q<level>``, ``y_actual``, ``y_lo-<L>``/``y_hi-<L>``).
        metrics: names from :data:`METRICS`; default all that apply (the scaled ones need ``train``,
            ``pinball`` quantile columns, the interval ones a pair ``q<a>`` and ``q<1-a>`` or the
            ``_lo-<L>``/``_hi-<L>`` columns of ``level=``).
        train: the series' history (a CSV path or a DataFrame with the time column), wide or long
            whatever the frame's layout (a table with ``id_col`` is long, its value column the one
            besides the series and time, or ``y``): the scale of ``mase``, ``rmsse`` and ``msis`` is
            the mean seasonal-naive error of each series over its rows before that series' own first
            forecast time (in a ragged panel each series has its own), so the table the backtest ran on
            can be passed as it is. NaN values there are skipped, and missing steps (gaps) are put back
            first, so pairs are ``m`` steps apart in time. A frame that ``fill=`` filled (the fitted
            ``Forecaster.history_``, or a slice or copy of it) is read with its fill record: the values
            the fill invented are skipped like NaN, so the scale is over observed pairs only. A CSV
            (and a text time column) is read as ``Forecaster.fit`` reads it: separator and decimal
            comma detected, day-first dates (``31/01/2020``) read day first, UTC offsets that change
            (daylight saving) read as UTC; the times are then put in the forecasts' time zone.
        season_length: ``m`` of the seasonal-naive scale (e.g. 24 for hourly data with a daily cycle).
        actuals: the observed values for a ``predict`` frame (CSV path or DataFrame, wide or long as
            ``train``), matched on time (and series); values a fill invented (as in ``train``) are NaN.
        by: ``"series"``, ``"cutoff"`` (a backtest's windows), ``"horizon"`` (step 1..H within a
            window), or several; scores are computed per series within each group either way.
        aggregate: add rows whose series is ``"all"``: the mean of the series' scores (counts summed)
            within each cutoff / horizon group. Without ``"series"`` in ``by`` only they are returned.
        id_col: the series column of a long frame. time_col: the time column (default: inferred, the
            first column that is not ``cutoff`` or ``id_col``, as the forecasters write it).
        read_options: ``pandas.read_csv`` settings for a ``train``/``actuals`` CSV the reader cannot
            work out by itself, as ``Forecaster.fit(read_options=...)`` takes them (e.g.
            ``{"dayfirst": True}`` or ``{"date_format": "%d.%m.%Y"}``); pass those of the fit.
        train_df: utilsforecast's name for ``train``: either may be given.

    Returns:
        A DataFrame with the ``by`` columns, ``n`` (points scored), ``n_missing`` (NaN actuals left
        out), ``n_zero_actual`` with ``mape`` (actuals of 0, left out of MAPE only), ``n_no_interval``
        with the conformal levels' interval metrics (scored points with a NaN bound at some level, left
        out of that level's), then the metrics.

    Zeros: ``mape`` = ``100 mean |y - f| / |y|`` over the points whose actual is not 0 (NaN when
    none is left); ``smape`` = ``100 mean 2 |y - f| / (|y| + |f|)`` in [0, 200], a point where both
    are 0 counting as 0 (utilsforecast's ``smape`` is this divided by 200). A training series with
    a zero seasonal-naive scale (constant) gives an infinite scaled score.

    Raises:
        ConfigError: an unknown metric or ``by`` name, a metric the inputs cannot give (``mase``
            without ``train``, ``coverage`` without a pair of quantiles or interval columns), ``actuals`` with a frame
            that already holds actual columns, ``read_options`` without a CSV to read.
        DataError: not a forecast frame, no actual columns, a NaN forecast, a series or time column
            missing from ``train``/``actuals``, a training series too short for ``season_length``.
    """
    train = ours_or_theirs("evaluate", "train", train, "train_df", train_df, "utilsforecast")
    if not isinstance(frame, pd.DataFrame):
        raise DataError(
            f"evaluate() scores a forecast DataFrame, got {type(frame).__name__}; pass "
            "Forecaster.backtest(data) (or Forecaster.predict(...) with actuals=...)."
        )
    if (
        not isinstance(season_length, (int, np.integer))
        or isinstance(season_length, bool)
        or season_length < 1
    ):
        raise ConfigError(f"season_length must be a whole number >= 1, got {season_length!r}.")
    if not isinstance(aggregate, (bool, np.bool_)):  # "no" would read as True
        raise ConfigError(f"aggregate must be True (add the 'all' rows) or False, got {aggregate!r}.")
    if read_options is not None and all(s is None or isinstance(s, pd.DataFrame) for s in (train, actuals)):
        raise ConfigError(
            f"read_options {dict(read_options)} read a train=/actuals= CSV file, but none is given; pass "
            "the CSV's path, or leave read_options out (a DataFrame is read already)."
        )
    layout = frame_layout(frame, id_col, time_col, with_actuals=actuals is not None)
    groups = groupings(by, layout)
    chosen = chosen_metrics(metrics, layout, has_train=train is not None)
    points = forecast_points(frame, layout, id_col)
    if actuals is not None:
        points["actual"] = join_actuals(points, actuals, layout, id_col, read_options)
    if NEEDS_TRAIN & set(chosen):
        scales = seasonal_scales(train, layout, id_col, season_length, points, read_options)
        points = points.join(scales, on="series")
    if layout.levels and NEEDS_INTERVAL & set(chosen):
        points["no_interval"] = interval_gaps(points, layout)
    scored = point_losses(points, layout, chosen)
    scores = summarise(scored, points, groups, aggregate, chosen)
    return with_series_ids(scores, frame[id_col]) if layout.long and "series" in scores else scores


def with_series_ids(scores: pd.DataFrame, ids: pd.Series) -> pd.DataFrame:
    """``scores`` with its ``series`` (the ids as text) as the long frame's ``ids`` are: numbers (``1``,
    not ``"1"``) as utilsforecast gives them back, in their dtype unless ``"all"`` rows are among them."""
    from ssm_ts.pipelines.forecasting.series_ids import numeric_id_dtype

    if numeric_id_dtype(ids) is None:  # text ids: the names are the ids
        return scores
    distinct = pd.unique(ids)
    by_name = dict(zip(pd.Series(distinct).astype(str), distinct, strict=True))
    series = scores["series"].map(lambda name: by_name.get(name, name))
    return scores.assign(series=series if (series == ALL_SERIES).any() else series.astype(ids.dtype))
