"""Forecast DataFrames: times (dates, Periods or integer steps) that continue the series' frequency,
one column per target."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

from .series_ids import ids_as_names, restore_ids


def future_times(last_time, freq: str | int, horizon: int) -> pd.Index:
    """The ``horizon`` times after ``last_time`` on the ``freq`` grid.

    ``freq`` is a pandas alias (a ``DatetimeIndex`` comes back) or, for a series indexed by integer
    steps, the integer step (an int64 ``Index``: 2020, 2021 after 2019). After a ``pd.Period`` the
    next Periods at its own frequency come back (a ``PeriodIndex``: 2015Q2, 2015Q3 after 2015Q1).
    """
    if isinstance(last_time, pd.Period):
        return pd.period_range(last_time + 1, periods=horizon, freq=last_time.freq)
    if is_integer_step(freq):
        return pd.Index(int(last_time) + int(freq) * np.arange(1, horizon + 1), dtype="int64")
    offset = to_offset(freq)
    return pd.date_range(pd.Timestamp(last_time) + offset, periods=horizon, freq=offset)


def is_integer_step(freq: object) -> bool:
    """True when ``freq`` is the integer step of a series indexed by integers (not a pandas alias)."""
    return isinstance(freq, int | np.integer) and not isinstance(freq, bool)


def times_to_json(times: pd.Series | pd.Index) -> list:
    """Times as JSON values: ISO strings (``Timestamp.isoformat()``), integer steps as ints, Periods
    as the ISO time they start (the spec keeps their frequency)."""
    if pd.api.types.is_integer_dtype(times):
        return [int(t) for t in times]
    if isinstance(times.dtype, pd.PeriodDtype):
        return [t.isoformat() for t in pd.PeriodIndex(times).to_timestamp()]
    return [t.isoformat() for t in pd.DatetimeIndex(times)]


def restore_times(saved: list, tz: str | None) -> pd.Index:
    """Times written by :func:`times_to_json` back: integer steps as int64, ISO timestamps in the
    series' zone ``tz``.

    Saved tz-aware times carry UTC offsets that change at a daylight-saving switch, which pandas
    refuses to parse as one zone; reading them as UTC and converting restores the named zone.
    """
    if saved and all(is_integer_step(t) for t in saved):
        return pd.Index(saved, dtype="int64")
    if tz is None:
        return pd.DatetimeIndex(pd.to_datetime(saved))
    return pd.DatetimeIndex(pd.to_datetime(saved, utc=True)).tz_convert(tz)


def quantile_column(target: str, level: float) -> str:
    """``OT_q0.1``: the column of one predicted quantile level."""
    return f"{target}_q{level:g}"


def forecast_frame(
    prediction: np.ndarray,
    times: pd.Index,
    time_col: str,
    targets: list[str],
    quantiles: list[float] | None,
) -> pd.DataFrame:
    """A user-facing forecast from ``prediction (horizon, n_targets, n_quantiles)`` in original units.

    Columns: ``time_col``, then per target the point forecast ``<target>`` (the median when
    quantiles are set) and ``<target>_q<level>`` for each quantile level.
    """
    point = point_index(quantiles)
    # One DataFrame from all columns at once: inserting them one by one is quadratic in the series.
    columns: dict[str, Any] = {time_col: times}
    for j, target in enumerate(targets):
        columns[target] = prediction[:, j, point]
        for k, level in enumerate(quantiles or []):
            columns[quantile_column(target, level)] = prediction[:, j, k]
    return pd.DataFrame(columns)


def forecast_frame_by_series(
    prediction: np.ndarray,
    last_times: pd.Series,
    freq: str | int,
    horizon: int,
    time_col: str,
    targets: list[str],
    quantiles: list[float] | None,
) -> pd.DataFrame:
    """:func:`forecast_frame` for series that end at different times (a ragged panel): series ``j``
    forecasts the ``horizon`` steps after ``last_times[j]``. The rows are the union of those times;
    a series has NaN at the times it has no forecast for. Series that all end together give exactly
    :func:`forecast_frame` of their common future times.

    ``prediction (horizon, n_targets, n_quantiles)``, ``last_times (n_targets,)``.
    """
    ends = pd.Index(last_times)
    if ends.nunique() <= 1:
        times = future_times(ends[0], freq, horizon)
        return forecast_frame(prediction, times, time_col, targets, quantiles)
    per_series = [future_times(end, freq, horizon) for end in ends]
    times = per_series[0].append(per_series[1:]).unique().sort_values()
    rows = np.stack([times.get_indexer(own) for own in per_series], axis=1)  # (horizon, n_targets)
    block = np.full((len(times), *prediction.shape[1:]), np.nan)
    block[rows, np.arange(len(targets))[None, :]] = prediction
    return forecast_frame(block, times, time_col, targets, quantiles)


def to_long_forecast(frame: pd.DataFrame, spec, forecast_rows_only: bool = False) -> pd.DataFrame:
    """A wide forecast (``time_col``, one column per series, ``<series>_q<level>``, and in a backtest
    ``<series>_actual``) as the long table a long input came in (neuralforecast's layout):
    ``id_col, time_col, value_col``, ``<value_col>_q<level>`` and ``<value_col>_actual``, one row per
    series and time, series in ``spec.targets`` order, ids in the input's dtype (``spec.id_dtype``).
    Other columns (a backtest's ``cutoff``) lead.

    ``forecast_rows_only``: leave out the rows of a series without a forecast (NaN point forecast),
    the times of other series in the forecast of a ragged panel (:func:`forecast_frame_by_series`).
    """
    if forecast_rows_only:
        long = to_long_forecast(frame, spec)
        present = long[spec.value_col].notna().to_numpy()
        return long if present.all() else long[present].reset_index(drop=True)
    targets = list(spec.targets)
    owned = _owned_columns(frame.columns, targets)
    taken = set(targets) | {column for column, _, _ in owned}
    shared = [c for c in frame.columns if c not in taken and c != spec.time_col]
    n_rows = len(frame)
    long = frame[shared].iloc[np.tile(np.arange(n_rows), len(targets))].reset_index(drop=True)
    ids = restore_ids(np.asarray(targets, dtype=object), getattr(spec, "id_dtype", None))  # 1, not "1"
    long[spec.id_col] = np.repeat(ids, n_rows)
    long[spec.time_col] = np.tile(frame[spec.time_col].to_numpy(), len(targets))
    long[spec.value_col] = _stack_by_target(frame, {t: t for t in targets if t in frame.columns}, targets)
    for suffix in dict.fromkeys(suffix for _, _, suffix in owned):  # in order of first appearance
        sources = {target: column for column, target, s in owned if s == suffix}
        long[spec.value_col + suffix] = _stack_by_target(frame, sources, targets)
    return long[[*shared, spec.id_col, *[c for c in long.columns if c not in (*shared, spec.id_col)]]]


_OWN_SUFFIX = re.compile(r"(_q[0-9.e+-]+|_actual)$")  # a quantile or a backtest's actuals


def _owned_columns(columns: pd.Index, targets: list[str]) -> list[tuple[str, str, str]]:
    """``(column, target, suffix)`` for each ``<target>_q<level>`` / ``<target>_actual`` column,
    in column order. The suffix never contains ``_``, so each column splits in one way only."""
    names = set(targets)
    owned = []
    for column in columns:
        match = _OWN_SUFFIX.search(str(column))
        if match and str(column)[: match.start()] in names:
            owned.append((column, str(column)[: match.start()], match.group(1)))
    return owned


def _stack_by_target(frame: pd.DataFrame, sources: dict[str, str], targets: list[str]) -> np.ndarray:
    """``(n_targets * n_rows,)``: column ``sources[target]`` for each target in turn, NaN for a
    target without one (as ``pd.concat`` pads it)."""
    if len(sources) == len(targets):
        return frame[[sources[t] for t in targets]].to_numpy().T.ravel()
    block = np.full((len(targets), len(frame)), np.nan)
    for i, target in enumerate(targets):
        if target in sources:
            block[i] = frame[sources[target]].to_numpy(dtype="float64")
    return block.ravel()


def to_wide_forecast(frame: pd.DataFrame, spec) -> pd.DataFrame:
    """The inverse of :func:`to_long_forecast` (a wide forecast is returned as it is)."""
    if spec.id_col not in frame.columns:
        return frame
    # a backtest's rows are (cutoff, time) pairs; each series of a ragged panel has its own cutoffs
    index = [c for c in ("cutoff",) if c in frame.columns] + [spec.time_col]
    values = [c for c in frame.columns if c not in (spec.id_col, *index)]
    frame = ids_as_names(frame, spec.id_col)  # integer ids name the series "1", "2"
    wide = frame.pivot(index=index, columns=spec.id_col, values=values)
    wide.columns = [target + column[len(spec.value_col) :] for column, target in wide.columns]
    quantiles: dict[str, list[str]] = {}  # per series, its quantile columns in column order
    for column, target, suffix in _owned_columns(wide.columns, list(spec.targets)):
        if suffix.startswith("_q"):
            quantiles.setdefault(target, []).append(column)
    present = set(wide.columns)
    ordered = [c for t in spec.targets for c in ([t] if t in present else []) + quantiles.get(t, [])]
    ordered += [f"{t}_actual" for t in spec.targets if f"{t}_actual" in present]  # a backtest's, last
    return wide[ordered].reset_index()


def point_index(quantiles: list[float] | None) -> int:
    """Index of the point forecast along the quantile axis: the median, or the only output."""
    if not quantiles:
        return 0
    return int(np.argmin([abs(q - 0.5) for q in quantiles]))
