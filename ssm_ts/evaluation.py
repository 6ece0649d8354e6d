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
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ssm_ts.errors import ConfigError, DataError

POINT_METRICS = ("mae", "mse", "rmse", "mape", "smape")
SCALED_METRICS = ("mase", "rmsse")
QUANTILE_METRICS = ("pinball", "coverage", "width", "mis", "msis")
METRICS = (*POINT_METRICS, *SCALED_METRICS, *QUANTILE_METRICS)
_NEEDS_TRAIN = {"mase", "rmsse", "msis"}
_NEEDS_INTERVAL = {"coverage", "width", "mis", "msis"}
GROUPINGS = ("series", "cutoff", "horizon")
ALL_SERIES = "all"

_QUANTILE = re.compile(r"_q([0-9.e+-]+)$")
_LEVEL = re.compile(r"_(lo|hi)-([0-9.e+]+)$")  # predict/backtest(level=...): <target>_lo-80, _hi-80
_ACTUAL = "_actual"


@dataclass(frozen=True)
class _Layout:
    """Where things are in a forecast frame: the series and, per series, its columns."""

    time_col: str
    long: bool  # rows per (series, time) with an id column, else one column per series
    series: list[str]
    point: dict[str, str]  # series -> point forecast column (long: the one value column)
    actual: dict[str, str | None]  # series -> actual column (None: joined from actuals=)
    quantiles: dict[float, dict[str, str]]  # level -> series -> column
    levels: dict[str, dict[str, tuple[str, str]]]  # conformal level ("80") -> series -> (lo, hi) columns
    has_cutoff: bool


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
    if read_options is not None and all(s is None or isinstance(s, pd.DataFrame) for s in (train, actuals)):
        raise ConfigError(
            f"read_options {dict(read_options)} read a train=/actuals= CSV file, but none is given; pass "
            "the CSV's path, or leave read_options out (a DataFrame is read already)."
        )
    layout = _layout(frame, id_col, time_col, with_actuals=actuals is not None)
    groups = _groupings(by, layout)
    chosen = _chosen_metrics(metrics, layout, has_train=train is not None)
    points = _points(frame, layout, id_col)
    if actuals is not None:
        points["actual"] = _join_actuals(points, actuals, layout, id_col, read_options)
    if _NEEDS_TRAIN & set(chosen):
        scales = _seasonal_scales(train, layout, id_col, season_length, points, read_options)
        points = points.join(scales, on="series")
    if layout.levels and _NEEDS_INTERVAL & set(chosen):
        points["no_interval"] = _interval_gaps(points, layout)
    scored = _point_losses(points, layout, chosen)
    return _summarise(scored, points, groups, aggregate, chosen)


# ---------------------------------------------------------------- reading the frame


def _layout(frame: pd.DataFrame, id_col: str, time_col: str | None, with_actuals: bool) -> _Layout:
    columns = [str(c) for c in frame.columns]
    has_cutoff = "cutoff" in columns
    long = id_col in columns
    if time_col is None:
        rest = [c for c in columns if c not in ("cutoff", id_col)]
        time_col = rest[0] if rest else None
        if time_col is None or pd.api.types.is_float_dtype(frame[time_col]):
            raise DataError(
                f"the frame's columns {columns[:8]} have no time column where a forecast has it (first, "
                f"after cutoff/{id_col}); pass time_col=..., or score a Forecaster.backtest() frame."
            )
    elif time_col not in columns:
        raise DataError(f"time_col={time_col!r} is not a column of the frame (columns: {columns[:8]}).")
    actual_of = {
        c[: -len(_ACTUAL)]: c for c in columns if c.endswith(_ACTUAL) and c[: -len(_ACTUAL)] in columns
    }
    if actual_of and with_actuals:
        raise ConfigError(
            f"the frame already holds actual columns ({list(actual_of.values())[:3]}) and actuals= was "
            "given too; leave actuals out to score those, or drop the *_actual columns."
        )
    quantile_of: dict[str, dict[float, str]] = {}
    for column in columns:
        match = _QUANTILE.search(column)
        if match and column[: match.start()] in columns:
            try:
                level = float(match.group(1))
            except ValueError:
                continue
            quantile_of.setdefault(column[: match.start()], {})[level] = column
    level_of = _level_columns(columns)
    if actual_of:
        targets = list(actual_of)
    elif with_actuals:  # a predict frame: every value column that is not a quantile of another
        owned = {c for levels in quantile_of.values() for c in levels.values()}
        owned |= {c for levels in level_of.values() for pair in levels.values() for c in pair}
        targets = [c for c in columns if c not in ("cutoff", id_col, time_col) and c not in owned]
    else:
        raise DataError(
            f"the frame has no actual columns (<target>_actual; its columns: {columns[:8]}"
            f"{' ...' if len(columns) > 8 else ''}): score a Forecaster.backtest(data) frame, or a "
            "predict() frame with actuals=<the observed table>."
        )
    targets = [t for t in targets if pd.api.types.is_numeric_dtype(frame[t])]
    if not targets:
        raise DataError(
            f"the frame has no numeric forecast column (columns: {columns[:8]}); nothing to score."
        )
    if long:
        if len(targets) != 1:
            raise DataError(
                f"a long frame (with {id_col!r}) has one value column, found {targets}; pass id_col=... "
                "if the series column has another name, or score one value column at a time."
            )
        value = targets[0]
        series = [str(s) for s in pd.unique(frame[id_col])]
        point = dict.fromkeys(series, value)
        actual = dict.fromkeys(series, actual_of.get(value))
        levels = quantile_of.get(value, {})
        quantiles = {q: dict.fromkeys(series, c) for q, c in sorted(levels.items())}
        intervals = {label: dict.fromkeys(series, pair) for label, pair in level_of.get(value, {}).items()}
    else:
        series = targets
        point = {s: s for s in series}
        actual = {s: actual_of.get(s) for s in series}
        common = set.intersection(*(set(quantile_of.get(s, {})) for s in series))
        quantiles = {q: {s: quantile_of[s][q] for s in series} for q in sorted(common)}
        shared = set.intersection(*(set(level_of.get(s, {})) for s in series))
        intervals = {label: {s: level_of[s][label] for s in series} for label in shared}
    intervals = dict(sorted(intervals.items(), key=lambda item: float(item[0])))
    return _Layout(time_col, long, series, point, actual, quantiles, intervals, has_cutoff)


def _level_columns(columns: list[str]) -> dict[str, dict[str, tuple[str, str]]]:
    """``{base column: {level: (lo column, hi column)}}`` of the ``<base>_lo-<L>``/``<base>_hi-<L>`` pairs
    whose base is a column too (a lone bound is no interval and is not scored)."""
    present = set(columns)
    found: dict[str, dict[str, tuple[str, str]]] = {}
    for column in columns:
        match = _LEVEL.search(column)
        base = column[: match.start()] if match else None
        if match is None or match.group(1) != "lo" or base not in present:
            continue
        try:
            label = f"{float(match.group(2)):g}"
        except ValueError:
            continue
        upper = f"{base}_hi-{match.group(2)}"
        if upper in present:
            found.setdefault(base, {})[label] = (column, upper)
    return found


def _points(frame: pd.DataFrame, layout: _Layout, id_col: str) -> pd.DataFrame:
    """One row per (series, forecast time[, cutoff]): ``series, [cutoff], horizon, time, actual,
    forecast, q<level>...`` in the frame's series order."""
    # long: every row is one point already; wide: one block of rows per series column
    blocks = (
        [(frame[id_col].astype(str).to_numpy(), None)] if layout.long else [(s, s) for s in layout.series]
    )
    pieces = []
    for series, s in blocks:
        s = s or layout.series[0]  # long: one value column, the same for every series
        piece = {"series": series, "time": frame[layout.time_col].array}
        if layout.has_cutoff:
            piece["cutoff"] = frame["cutoff"].array
        column = layout.actual[s]
        piece["actual"] = frame[column].to_numpy(dtype="float64") if column else np.nan
        piece["forecast"] = frame[layout.point[s]].to_numpy(dtype="float64")
        for level, by_series in layout.quantiles.items():
            piece[f"q{level:g}"] = frame[by_series[s]].to_numpy(dtype="float64")
        for label, by_series_pair in layout.levels.items():
            lo, hi = by_series_pair[s]
            piece[f"lo-{label}"] = frame[lo].to_numpy(dtype="float64")
            piece[f"hi-{label}"] = frame[hi].to_numpy(dtype="float64")
        pieces.append(pd.DataFrame(piece, index=frame.index))
    points = pd.concat(pieces)
    forecast_columns = ["forecast", *(c for c in points.columns if _QUANTILE_KEY.match(c))]
    if not layout.long:
        # a wide frame of a ragged panel has a row per time of any series: where a series has neither
        # a forecast nor an actual, the row is another series' window, not a point of this one
        absent = points[forecast_columns].isna().all(axis=1) & points["actual"].isna()
        points = points[~absent.to_numpy()]
    # a conformal bound may be NaN where the point forecast is not (a series of a ragged panel with too
    # few held-out calibration windows): only its interval metrics leave it out (_interval_gaps)
    model_columns = [c for c in forecast_columns if not c.startswith(("lo-", "hi-"))]
    bad = points[model_columns].isna().any(axis=1).to_numpy()
    if bad.any():
        first = points[bad].iloc[0]
        raise DataError(
            f"series {first['series']!r} has NaN forecasts at {int(bad.sum())} points (first: frame row "
            f"{points.index[bad][0]}, time {first['time']}); a forecast must be a number to be scored: "
            "check the model (a diverged fit) or drop those rows."
        )
    # horizon step 1..H: position in time within each window (the one forecast without cutoffs)
    window = ["series", "cutoff"] if layout.has_cutoff else ["series"]
    points = points.reset_index(drop=True)
    in_time_order = points.sort_values([*window, "time"], kind="stable")
    points["horizon"] = in_time_order.groupby(window, sort=False).cumcount() + 1  # aligns on the index
    return points


def _interval_gaps(points: pd.DataFrame, layout: _Layout) -> np.ndarray:
    """Per point, whether a conformal level's bound is NaN (``n_no_interval`` counts the scored ones);
    one warning names each series and level with such scored points."""
    scored = points["actual"].notna().to_numpy()
    gaps = np.zeros(len(points), dtype=bool)
    found = []
    for label in layout.levels:
        missing = (points[f"lo-{label}"].isna() | points[f"hi-{label}"].isna()).to_numpy()
        gaps |= missing
        counts = points.loc[missing & scored, "series"].value_counts(sort=False)
        found += [f"{series!r} at level {label} ({n} point{'s' * (n > 1)})" for series, n in counts.items()]
    if found:
        warnings.warn(
            f"evaluate: no conformal interval (NaN _lo-/_hi- bounds) for series {', '.join(found)}: "
            "predict/backtest(level=...) leave them NaN for a series with too few held-out calibration "
            "windows for the level (their warning says why). That level's coverage/width/mis/msis of such "
            "a series are NaN (or over its points with bounds), the points are counted in n_no_interval, "
            "and the 'all' row averages the series that have them; its point metrics are scored as usual.",
            UserWarning,
            stacklevel=3,
        )
    return gaps


_QUANTILE_KEY = re.compile(r"^(q|lo-|hi-)[0-9.e+-]+$")  # quantile and interval-bound columns of _points


def _groupings(by: str | Sequence[str], layout: _Layout) -> list[str]:
    keys = [by] if isinstance(by, str) else list(by)
    unknown = [k for k in keys if k not in GROUPINGS]
    if unknown:
        raise ConfigError(f"by={by!r}: {unknown} unknown; choose from {list(GROUPINGS)}.")
    if "cutoff" in keys and not layout.has_cutoff:
        raise ConfigError(
            "by='cutoff' needs a backtest frame (with a cutoff column); this one has none: drop 'cutoff'."
        )
    return [k for k in GROUPINGS if k in keys]  # a fixed column order


def _intervals(layout: _Layout) -> list[tuple[str, str, str, float]]:
    """``(lower key, upper key, metric suffix, alpha)`` of each interval in the points of :func:`_points`:
    the central quantile pairs ``q<a>``-``q<1-a>`` (suffix ``"80"``), then the conformal levels
    ``lo-<L>``/``hi-<L>`` (suffix ``"level80"``, utilsforecast's name)."""
    levels = list(layout.quantiles)
    pairs = []
    for lower in levels:
        upper = next((u for u in levels if lower < 0.5 and abs(lower + u - 1) < 1e-9), None)
        if upper is not None:
            label = f"{round(100 * (upper - lower), 6):g}"
            pairs.append((f"q{lower:g}", f"q{upper:g}", label, 1 - (upper - lower)))
    for label in layout.levels:
        pairs.append((f"lo-{label}", f"hi-{label}", f"level{label}", 1 - float(label) / 100))
    return pairs


def _chosen_metrics(metrics: Sequence[str] | None, layout: _Layout, has_train: bool) -> list[str]:
    if metrics is None:
        chosen = [*POINT_METRICS, *(SCALED_METRICS if has_train else ())]
        if layout.quantiles:
            chosen.append("pinball")
        if _intervals(layout):
            chosen += ["coverage", "width", "mis", *(["msis"] if has_train else [])]
        return chosen
    chosen = [metrics] if isinstance(metrics, str) else list(metrics)
    unknown = [m for m in chosen if m not in METRICS]
    if unknown:
        raise ConfigError(f"unknown metric(s) {unknown}; valid names: {', '.join(METRICS)}.")
    needs_train = [m for m in chosen if m in _NEEDS_TRAIN]
    if needs_train and not has_train:
        raise ConfigError(
            f"{needs_train} scale errors by each series' in-sample seasonal-naive error: pass train=<the "
            "table the model was fitted or backtested on> (and season_length=...), or leave them out."
        )
    if "pinball" in chosen and not layout.quantiles:
        raise ConfigError(
            "['pinball'] need quantile columns (<target>_q<level>), and this frame has none: fit the "
            "Forecaster with quantiles=[0.1, 0.5, 0.9], or leave it out."
        )
    interval = [m for m in chosen if m in _NEEDS_INTERVAL]
    if interval and not _intervals(layout):
        if not layout.quantiles:
            raise ConfigError(
                f"{interval} need quantile columns (<target>_q<level>) or interval columns "
                "(<target>_lo-<L>/_hi-<L>), and this frame has neither: fit the Forecaster with "
                "quantiles=[0.1, 0.5, 0.9], or backtest/predict with level=[80, 95], or leave them out."
            )
        raise ConfigError(
            f"{interval} need a central interval (quantiles a and 1-a, e.g. 0.1 and 0.9, or the "
            f"<target>_lo-<L>/_hi-<L> columns of level=[80, 95]); the frame has quantile levels "
            f"{list(layout.quantiles)}. Fit with such a pair, backtest/predict with level=..., or leave them out."
        )
    return list(dict.fromkeys(chosen))


# ---------------------------------------------------------------- train and actuals tables


def _series_table(
    source, what: str, layout: _Layout, id_col: str, times: pd.Series, read_options: Mapping[str, Any] | None
) -> pd.DataFrame:
    """``source`` (wide or long, CSV path or DataFrame) as a time-indexed, sorted frame with one
    column per series of ``layout``, the time column parsed like the forecasts' ``times``."""
    from ssm_ts.pipelines.forecasting.frames import to_wide_forecast
    from ssm_ts.pipelines.forecasting.reader import read_table
    from ssm_ts.pipelines.forecasting.series import SeriesSpec

    # the forecasting reader, as fit reads a CSV (separator, decimal comma); options are for files only
    table = read_table(source, None if isinstance(source, pd.DataFrame) else read_options)
    raw = table.frame
    time_col = layout.time_col
    if time_col not in raw.columns:
        raise DataError(
            f"{what} ({table.name}) has no column {time_col!r}, the forecasts' time column (its columns: "
            f"{[str(c) for c in raw.columns[:8]]}); pass the table the model was fitted on."
        )
    if isinstance(source, pd.DataFrame):
        raw = _without_fills(raw, source, time_col, id_col)
    # parsed before the duplicate checks: "2020-01-01" and "01/01/2020" are one time
    parsed = _like_times(table, time_col, times, what)
    _warn_if_times_go_back(table, time_col, parsed, id_col, what)
    raw = raw.assign(**{time_col: parsed})
    value_col = _long_value_column(raw, what, table.name, layout, id_col)
    if value_col is not None:  # a long table, whatever the forecasts' layout
        duplicated = raw.duplicated([id_col, time_col], keep=False).to_numpy()
        if duplicated.any():
            raise DataError(
                f"{what} ({table.name}) has several rows per ({id_col}, {time_col}) at "
                f"{table.rows_text(np.flatnonzero(duplicated))}; keep one row per series and time."
            )
        raw = raw.assign(**{id_col: raw[id_col].astype(str)})
        spec = SeriesSpec(time_col, list(layout.series), freq="", id_col=id_col, value_col=value_col)
        wide = to_wide_forecast(raw[[id_col, time_col, value_col]], spec).set_index(time_col)
    else:
        duplicated = raw.duplicated(time_col, keep=False).to_numpy()
        if duplicated.any():
            raise DataError(
                f"{what} ({table.name}) repeats times in {time_col!r} at "
                f"{table.rows_text(np.flatnonzero(duplicated))}; keep one row per time (a wide table: one "
                f"column per series), or, for a long table (one row per series and time), name its series "
                f"column {id_col!r} or pass id_col=<its name>."
            )
        wide = raw.set_index(time_col)
    wide.index = pd.Index(wide.index, name=time_col)  # a Series of Periods/dates as an index of them
    wide.columns = [str(c) for c in wide.columns]
    missing = [s for s in layout.series if s not in wide.columns]
    if missing:
        where = f"{id_col!r} values" if layout.long else "columns"
        raise DataError(
            f"{what} ({table.name}) lacks series {missing[:5]}{' ...' if len(missing) > 5 else ''} that the "
            f"forecasts hold (as {where}); pass the table with every forecast series."
        )
    values = wide[layout.series]
    non_numeric = [s for s in layout.series if not pd.api.types.is_numeric_dtype(values[s])]
    if non_numeric:
        raise DataError(
            f"{what} ({table.name}): series {non_numeric[:5]} are not numeric; clean those values "
            "(or read the CSV so that they parse as numbers)."
        )
    return values.astype("float64").sort_index()


def _without_fills(raw: pd.DataFrame, given: pd.DataFrame, time_col: str, id_col: str) -> pd.DataFrame:
    """``raw`` (the rows of ``given``, a copy) with NaN where ``given``'s fill record (a loaded frame's
    :class:`~ssm_ts.pipelines.forecasting.series.SeriesNotes`: ``Forecaster.history_`` or a slice of it)
    says the fill policy invented the value: those are no data to scale or score by. Matched on the
    frame's own times (recorded by time, before they are parsed like the forecasts'), per series column
    (wide) or per ``id_col`` value (long: its value columns)."""
    from ssm_ts.pipelines.forecasting.series import series_notes

    filled = series_notes(given).filled
    if not filled:
        return raw
    raw = raw.copy()
    times = raw[time_col]
    long = id_col in raw.columns
    values = [c for c in raw.columns if c not in (time_col, id_col)]
    for name, invented in filled.items():
        rows = times.isin(invented)
        if long:
            rows &= raw[id_col].astype(str) == name
        columns = values if long else [name] if name in raw.columns else []
        for column in columns:
            raw[column] = raw[column].where(~rows)  # NaN there (integers become floats)
    return raw


def _long_value_column(raw: pd.DataFrame, what: str, name: str, layout: _Layout, id_col: str) -> str | None:
    """The value column of ``raw`` when it is a long table (it has ``id_col``), else ``None`` (wide):
    its one column besides the series and time, or the one the forecasts name (``y`` by default)."""
    if id_col not in raw.columns:
        return None
    values = [str(c) for c in raw.columns if c not in (id_col, layout.time_col)]
    if len(values) == 1:
        return values[0]
    named = layout.point[layout.series[0]] if layout.long else "y"
    if named in values:
        return named
    raise DataError(
        f"{what} ({name}) is a long table (it has the series column {id_col!r}) with several value columns "
        f"{values[:5]} and none named {named!r}: keep one value column (e.g. {what}[[{id_col!r}, "
        f"{layout.time_col!r}, <values>]]), or pass {what} in wide layout (one column per series)."
    )


def _like_times(table, time_col: str, times: pd.Series, what: str) -> pd.Series:
    """The time column of ``table`` read as the forecasts' ``times`` are (dates in their zone, Periods
    at their frequency or integer steps), text dates read as ``Forecaster.fit`` reads them.

    Raises:
        DataError: cells that do not read so (rows named), or zoned times against zone-less forecasts.
    """
    from ssm_ts.pipelines.forecasting.dates import infer_frequency, parse_text_times
    from ssm_ts.pipelines.forecasting.periods import (
        dates_to_periods,
        is_period,
        period_alias,
        period_text_freq,
        text_to_periods,
    )

    raw = table.frame[time_col]
    where = f"{what} ({table.name}): column {time_col!r}"
    is_dates = pd.api.types.is_datetime64_any_dtype
    try:
        if isinstance(times.dtype, pd.PeriodDtype):
            freq = period_alias(times.dtype.freq)
            if is_period(raw):
                parsed = raw
            elif is_dates(raw):
                parsed = dates_to_periods(raw, freq)
            elif pd.api.types.is_integer_dtype(raw) or period_text_freq(raw) is not None:
                parsed = text_to_periods(raw, freq)
            else:  # days or hours as text: read as fit reads dates, then as Periods
                parsed = dates_to_periods(parse_text_times(raw, where, None, **table.dates), freq)
        elif is_dates(times):
            if is_dates(raw):
                parsed = raw
            elif is_period(raw):
                parsed = raw.dt.to_timestamp()
            else:  # the forecasts' step settles a day-first/month-first reading that is otherwise a tie
                step = infer_frequency(pd.Series(times.drop_duplicates().sort_values()))
                parsed = parse_text_times(
                    raw, where, step.freqstr if step is not None else None, **table.dates
                )
            parsed = _in_zone(parsed, getattr(times.dtype, "tz", None), where)
        else:
            parsed = raw.astype(times.dtype)
    except DataError:  # the reader's own (day-first and month-first dates mixed, ...): it names the fix
        raise
    except (ValueError, TypeError) as error:
        raise DataError(
            f"{where}: its times ({raw.head(3).tolist()} ...) do not read as the forecasts' times "
            f"({times.dtype}, e.g. {times.iloc[0]}): {error}"
        ) from None
    unread = np.flatnonzero((parsed.isna() & raw.notna()).to_numpy())
    if unread.size:
        raise DataError(
            f"{where} has values that do not read as the forecasts' times ({times.dtype}, e.g. "
            f"{times.iloc[0]}) at {table.rows_text(unread)} (e.g. {raw.iloc[unread[0]]!r}); fix those rows, "
            "or pass read_options (e.g. {'date_format': '%d.%m.%Y'}) as the model was fitted with."
        )
    return parsed


def _warn_if_times_go_back(table, time_col: str, parsed: pd.Series, id_col: str, what: str) -> None:
    """Warn when a CSV's text dates, as read, go back in time within a series: a format the detector
    reads two ways (``00:00 09/10/2016``: month first, ``00:00 13/10/2016``: day first) gives a wrong
    scale without an error; ``fit`` refuses such a file, so the fix is the ``read_options`` of the fit."""
    text = table.frame[time_col]
    if (
        not table.is_file
        or not pd.api.types.is_datetime64_any_dtype(parsed)
        or pd.api.types.is_datetime64_any_dtype(text)
    ):
        return
    series = table.frame[id_col] if id_col in table.frame.columns else pd.Series(0, index=parsed.index)
    back = np.flatnonzero((parsed.groupby(series.to_numpy(), sort=False).diff() < pd.Timedelta(0)).to_numpy())
    if back.size:
        warnings.warn(
            f"{what} ({table.name}): column {time_col!r} goes back in time at {table.rows_text(back)} "
            f"({text.iloc[back[0]]!r} read as {parsed.iloc[back[0]]}): its dates may be misread (fit refuses "
            "such a file). Pass read_options=... as the model was fitted with (e.g. {'date_format': "
            "'%H:%M %d/%m/%Y'}), or sort the file by time.",
            UserWarning,
            stacklevel=5,  # evaluate's caller: evaluate > _seasonal_scales/_join_actuals > _series_table
        )


def _in_zone(parsed: pd.Series, tz, where: str) -> pd.Series:
    """Dates in the forecasts' zone ``tz``: zone-less ones localised there, zoned ones (a CSV's UTC
    offsets, read as UTC when they change at a daylight-saving switch) converted."""
    zone = getattr(parsed.dt, "tz", None)
    if tz is None:
        if zone is not None:
            raise DataError(
                f"{where} has times with a UTC offset (e.g. {parsed.dropna().iloc[0]}), the forecasts' times "
                "have none; pass the table the model was fitted on (or drop the offsets: "
                "df[col] = df[col].dt.tz_localize(None))."
            )
        return parsed
    return parsed.dt.tz_localize(tz) if zone is None else parsed.dt.tz_convert(tz)


def _seasonal_scales(
    train, layout: _Layout, id_col: str, m: int, points: pd.DataFrame, read_options: Mapping[str, Any] | None
) -> pd.DataFrame:
    """Per series: ``scale_ae`` = mean ``|y_t - y_{t-m}|`` and ``scale_se`` = mean ``(y_t - y_{t-m})^2``
    over the rows of ``train`` before that series' own first forecast time in ``points`` (a ragged
    panel's series start and end apart; steps missing from ``train`` are put back as NaN first)."""
    if train is None:
        raise ConfigError("scaled metrics need train=...")  # _chosen_metrics names the fix first
    first_forecast = points.groupby("series", sort=False)["time"].min()
    values = _series_table(train, "train", layout, id_col, points["time"], read_options)
    history = _on_regular_grid(values[values.index < first_forecast.max()])[list(first_forecast.index)]
    # each series' history ends where its own forecasts begin
    history = history.apply(lambda column: column.where(history.index < first_forecast[column.name]))
    diffs = history - history.shift(m)  # NaN where either value is missing: skipped below
    counts = diffs.notna().sum()
    short = list(counts.index[counts == 0])
    if short:
        rows = history[short].notna().sum()
        found = "; ".join(f"{s!r}: {rows[s]} values before {first_forecast[s]}" for s in short[:5])
        raise DataError(
            f"train has no pair of values {m} steps apart (season_length={m}) before the series' first "
            f"forecast time for series {short[:5]}{' ...' if len(short) > 5 else ''} ({found}); pass the "
            "history before the forecasts, or a smaller season_length."
        )
    return pd.DataFrame({"scale_ae": diffs.abs().mean(), "scale_se": (diffs**2).mean()})


def _on_regular_grid(history: pd.DataFrame) -> pd.DataFrame:
    """``history`` with a row (NaN) at every missing step of its frequency, so that ``shift(m)`` is
    ``m`` steps back, not ``m`` rows back across a gap (a CSV with missing weeks, as the CO2 record)."""
    from ssm_ts.pipelines.forecasting.dates import infer_frequency
    from ssm_ts.pipelines.forecasting.series import time_grid

    index = history.index
    if len(index) < 3:
        return history
    if isinstance(index, pd.PeriodIndex):
        step = index.freq
    elif isinstance(index, pd.DatetimeIndex):
        step = infer_frequency(pd.Series(index))
    elif pd.api.types.is_integer_dtype(index):
        step = max(int(np.gcd.reduce(np.diff(index.to_numpy()))), 1)  # gaps are multiples of the step
    else:
        step = None
    if step is None:
        return history  # irregular times: rows are all there is
    grid = time_grid(index[0], index[-1], step)
    if not index.isin(grid).all():  # times off the grid (an offset that does not fit): leave them
        return history
    return history.reindex(grid)


def _join_actuals(
    points: pd.DataFrame, actuals, layout: _Layout, id_col: str, read_options: Mapping[str, Any] | None
) -> np.ndarray:
    observed = _series_table(actuals, "actuals", layout, id_col, points["time"], read_options)
    stacked = observed.stack(future_stack=True).rename("actual")  # (time, series) -> value
    keys = pd.MultiIndex.from_arrays([points["time"], points["series"]])
    values = stacked.reindex(keys).to_numpy()
    if np.isnan(values).all():
        raise DataError(
            f"actuals cover {observed.index.min()} .. {observed.index.max()} but hold no value at the "
            f"forecast times {points['time'].min()} .. {points['time'].max()}; pass the observed values "
            "of the forecast period."
        )
    return values


# ---------------------------------------------------------------- scoring


def _point_losses(points: pd.DataFrame, layout: _Layout, chosen: list[str]) -> pd.DataFrame:
    """Per point, the quantity each chosen metric averages (:func:`_summarise` leaves out the points
    whose actual is NaN)."""
    y, f = points["actual"].to_numpy(), points["forecast"].to_numpy()
    error = y - f
    losses: dict[str, np.ndarray] = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        if "mae" in chosen:
            losses["mae"] = np.abs(error)
        if {"mse", "rmse"} & set(chosen):
            losses["mse"] = error**2
        if "mape" in chosen:  # a zero actual has no percentage error: left out (and counted)
            losses["mape"] = np.where(y == 0, np.nan, 100 * np.abs(error) / np.abs(y))
        if "smape" in chosen:  # both zero: a perfect forecast, 0
            denominator = np.abs(y) + np.abs(f)
            losses["smape"] = np.where(denominator == 0, 0.0, 200 * np.abs(error) / denominator)
        if "mase" in chosen:
            losses["mase"] = np.abs(error) / points["scale_ae"].to_numpy()
        if "rmsse" in chosen:
            losses["msse"] = error**2 / points["scale_se"].to_numpy()
        if "pinball" in chosen:
            for level in layout.quantiles:
                e = y - points[f"q{level:g}"].to_numpy()
                losses[f"pinball_q{level:g}"] = np.maximum(level * e, (level - 1) * e)
        for lower, upper, label, alpha in _intervals(layout) if _NEEDS_INTERVAL & set(chosen) else []:
            lo, hi = points[lower].to_numpy(), points[upper].to_numpy()
            if "coverage" in chosen:  # no interval (a NaN bound): no coverage either, not 0
                inside = ((lo <= y) & (y <= hi)).astype("float64")
                losses[f"coverage_{label}"] = np.where(np.isnan(lo) | np.isnan(hi), np.nan, inside)
            if "width" in chosen:
                losses[f"width_{label}"] = hi - lo
            if {"mis", "msis"} & set(chosen):
                score = (hi - lo) + 2 / alpha * (np.maximum(lo - y, 0) + np.maximum(y - hi, 0))
                if "mis" in chosen:
                    losses[f"mis_{label}"] = score
                if "msis" in chosen:
                    losses[f"msis_{label}"] = score / points["scale_ae"].to_numpy()
    return pd.DataFrame(losses, index=points.index)


def _summarise(
    losses: pd.DataFrame, points: pd.DataFrame, groups: list[str], aggregate: bool, chosen: list[str]
) -> pd.DataFrame:
    keys = ["series", *(g for g in groups if g != "series")]
    observed = points["actual"].notna()
    counts = pd.DataFrame({"n": observed.astype("int64"), "n_missing": (~observed).astype("int64")})
    if "mape" in chosen:
        counts["n_zero_actual"] = (points["actual"] == 0).astype("int64")
    if "no_interval" in points:  # scored points without a conformal interval at some level
        counts["n_no_interval"] = (observed & points["no_interval"]).astype("int64")
    key_frame = points[keys].copy()
    key_frame["series"] = pd.Categorical(
        key_frame["series"], categories=list(dict.fromkeys(points["series"]))
    )
    # a NaN actual is a value the fill policy invented (or none at all): no metric may score it
    grouped = pd.concat([key_frame, counts, losses.where(observed, np.nan)], axis=1).groupby(
        keys, sort=True, observed=True
    )
    per_series = grouped[list(counts.columns)].sum().join(grouped[list(losses.columns)].mean())
    if "rmse" in chosen:
        per_series["rmse"] = np.sqrt(per_series["mse"])
    if "rmsse" in chosen:
        per_series["rmsse"] = np.sqrt(per_series.pop("msse"))
    pinball = [c for c in per_series.columns if c.startswith("pinball_q")]
    if pinball:
        per_series["pinball"] = per_series[pinball].mean(axis=1)
    per_series = per_series.reset_index()
    per_series["series"] = per_series["series"].astype(object)
    metric_columns = _metric_order(per_series.columns, chosen)
    result = per_series[[*keys, *counts.columns, *metric_columns]]
    pieces = [result] if "series" in groups else []
    if aggregate or "series" not in groups:
        pieces.append(_all_series(result, keys, list(counts.columns), metric_columns))
    out = pd.concat(pieces, ignore_index=True)
    if "series" not in groups:
        out = out.drop(columns="series")
    return out


def _all_series(result: pd.DataFrame, keys: list[str], counts: list[str], metrics: list[str]) -> pd.DataFrame:
    """The mean of the series' scores (counts summed) within each other group."""
    others = [k for k in keys if k != "series"]
    if others:
        grouped = result.groupby(others, sort=True)
        summary = grouped[counts].sum().join(grouped[metrics].mean()).reset_index()
    else:
        summary = pd.DataFrame([{**result[counts].sum(), **result[metrics].mean()}])
    labels = set(result["series"])
    summary["series"] = ALL_SERIES if ALL_SERIES not in labels else f"{ALL_SERIES} series"
    for column in counts:
        summary[column] = summary[column].astype("int64")
    return summary[[*keys, *counts, *metrics]]


def _metric_order(columns, chosen: list[str]) -> list[str]:
    """The output columns of the chosen metrics, in ``chosen`` order (per-level ones by level)."""
    ordered = []
    for metric in chosen:
        if metric in ("mae", "mse", "rmse", "mape", "smape", "mase", "rmsse"):
            ordered.append(metric)
        elif metric == "pinball":
            ordered += [c for c in columns if c.startswith("pinball_q")] + ["pinball"]
        else:
            ordered += [c for c in columns if c.startswith(f"{metric}_")]
    return ordered
