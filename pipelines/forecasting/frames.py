"""Forecast DataFrames: times (dates or integer steps) that continue the series' frequency, one column per target."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset


def future_times(last_time, freq: str | int, horizon: int) -> pd.Index:
    """The ``horizon`` times after ``last_time`` on the ``freq`` grid.

    ``freq`` is a pandas alias (a ``DatetimeIndex`` comes back) or, for a series indexed by integer
    steps, the integer step (an int64 ``Index``: 2020, 2021 after 2019).
    """
    if is_integer_step(freq):
        return pd.Index(int(last_time) + int(freq) * np.arange(1, horizon + 1), dtype="int64")
    offset = to_offset(freq)
    return pd.date_range(pd.Timestamp(last_time) + offset, periods=horizon, freq=offset)


def is_integer_step(freq: object) -> bool:
    """True when ``freq`` is the integer step of a series indexed by integers (not a pandas alias)."""
    return isinstance(freq, int | np.integer) and not isinstance(freq, bool)


def times_to_json(times: pd.Series | pd.Index) -> list:
    """Times as JSON values: ISO strings (``Timestamp.isoformat()``), integer steps as ints."""
    if pd.api.types.is_integer_dtype(times):
        return [int(t) for t in times]
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
    frame = pd.DataFrame({time_col: times})
    for j, target in enumerate(targets):
        frame[target] = prediction[:, j, point_index(quantiles)]
        for k, level in enumerate(quantiles or []):
            frame[quantile_column(target, level)] = prediction[:, j, k]
    return frame


def to_long_forecast(frame: pd.DataFrame, spec) -> pd.DataFrame:
    """A wide forecast (``time_col``, one column per series, ``<series>_q<level>``, and in a backtest
    ``<series>_actual``) as the long table a long input came in (neuralforecast's layout):
    ``id_col, time_col, value_col``, ``<value_col>_q<level>`` and ``<value_col>_actual``, one row per
    series and time, series in ``spec.targets`` order. Other columns (a backtest's ``cutoff``) lead."""
    own = {target: re.compile(rf"{re.escape(target)}(_q[0-9.e+-]+|_actual)") for target in spec.targets}
    taken = {c for c in frame.columns for t in spec.targets if c == t or own[t].fullmatch(str(c))}
    shared = [c for c in frame.columns if c not in taken and c != spec.time_col]
    parts = []
    for target in spec.targets:
        part = frame[shared].reset_index(drop=True)
        part[spec.id_col] = target
        part[spec.time_col] = frame[spec.time_col].to_numpy()
        part[spec.value_col] = frame[target].to_numpy()
        for column in frame.columns:
            match = own[target].fullmatch(str(column))
            if match:
                part[spec.value_col + match.group(1)] = frame[column].to_numpy()
        parts.append(part)
    long = pd.concat(parts, ignore_index=True)
    return long[[*shared, spec.id_col, *[c for c in long.columns if c not in (*shared, spec.id_col)]]]


def to_wide_forecast(frame: pd.DataFrame, spec) -> pd.DataFrame:
    """The inverse of :func:`to_long_forecast` (a wide forecast is returned as it is)."""
    if spec.id_col not in frame.columns:
        return frame
    values = [c for c in frame.columns if c not in (spec.id_col, spec.time_col)]
    wide = frame.pivot(index=spec.time_col, columns=spec.id_col, values=values)
    wide.columns = [target + column[len(spec.value_col) :] for column, target in wide.columns]
    ordered = [c for t in spec.targets for c in wide.columns if c == t or c.startswith(f"{t}_q")]
    return wide[ordered].reset_index()


def point_index(quantiles: list[float] | None) -> int:
    """Index of the point forecast along the quantile axis: the median, or the only output."""
    if not quantiles:
        return 0
    return int(np.argmin([abs(q - 0.5) for q in quantiles]))
