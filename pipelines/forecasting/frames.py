"""Forecast DataFrames: timestamps that continue the series' frequency, one column per target."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset


def future_times(last_time: pd.Timestamp, freq: str, horizon: int) -> pd.DatetimeIndex:
    """The ``horizon`` timestamps after ``last_time`` on the ``freq`` grid."""
    offset = to_offset(freq)
    return pd.date_range(pd.Timestamp(last_time) + offset, periods=horizon, freq=offset)


def restore_times(texts: list[str], tz: str | None) -> pd.DatetimeIndex:
    """ISO timestamps saved with ``Timestamp.isoformat()`` back in the series' zone ``tz``.

    Saved tz-aware times carry UTC offsets that change at a daylight-saving switch, which pandas
    refuses to parse as one zone; reading them as UTC and converting restores the named zone.
    """
    if tz is None:
        return pd.DatetimeIndex(pd.to_datetime(texts))
    return pd.DatetimeIndex(pd.to_datetime(texts, utc=True)).tz_convert(tz)


def quantile_column(target: str, level: float) -> str:
    """``OT_q0.1``: the column of one predicted quantile level."""
    return f"{target}_q{level:g}"


def forecast_frame(
    prediction: np.ndarray,
    times: pd.DatetimeIndex,
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


def point_index(quantiles: list[float] | None) -> int:
    """Index of the point forecast along the quantile axis: the median, or the only output."""
    if not quantiles:
        return 0
    return int(np.argmin([abs(q - 0.5) for q in quantiles]))
