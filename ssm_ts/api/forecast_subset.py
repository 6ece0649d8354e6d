"""``predict`` of some of the fitted series: a long table holding the rows of only some of the series
a channel-independent model was fitted on is forecast for those series, as neuralforecast's
``predict(df=...)`` forecasts the ids of ``df``.

A channel-independent model forecasts each series from its own window (and the shared covariates),
so the others are not needed: their columns are stand-ins (a copy of a given series) that fill the
windows' shape. ``predict`` and ``plot`` run the network on the series given alone (3 of 300 series
forecast 3); ``backtest`` and the CLI forecast the stand-ins too and drop them (:func:`without_series`).
A multivariate model (``channel_independent=False``) reads every series at once and still needs them
all (the error says so).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import pandas as pd

from ssm_ts.api.conformal import interval_columns
from ssm_ts.pipelines.forecasting import load_like, quantile_column
from ssm_ts.pipelines.forecasting.reader import TableSource
from ssm_ts.pipelines.forecasting.unknown_series import given_series, warn_unknown_series
from ssm_ts.pipelines.forecasting.value_range import check_value_range

if TYPE_CHECKING:
    from ssm_ts.api.forecaster import Forecaster


def absent_series(fc: Forecaster, data: TableSource | None, read_options: dict[str, Any] | None) -> list[str]:
    """The fitted targets without rows in ``data``, a long table for a channel-independent model that
    holds the rows of at least one of them; ``[]`` otherwise (then the data is read as ever, and
    a series it lacks is an error naming it). Series of ``data`` the model was not fitted on get a
    warning: they get no forecast (:func:`~ssm_ts.pipelines.forecasting.unknown_series.warn_unknown_series`)."""
    spec = fc.spec_
    if data is None or not spec.long_format:
        return []
    found = given_series(data, spec, read_options)
    if found is None:
        return []
    name, given = found
    warn_unknown_series(name, given, spec)
    held = set(given)  # not a scan of the ids given for each fitted series (thousands of each)
    absent = [t for t in spec.targets if t not in held]
    if not bool(fc.task_.hparams.channel_independent):
        return []
    return absent if len(absent) < len(spec.targets) else []


def read_for_forecast(
    fc: Forecaster, data: TableSource | None, read_options: dict[str, Any] | None
) -> tuple[pd.DataFrame, list[str]]:
    """``(frame, absent)``: ``data`` read for a forecast of the fitted ``fc`` (``None``: its history), a
    long table's feature rows added once; a long table of some of the fitted series read for those
    (:func:`read_given_series`), ``absent`` the others (their columns stand-ins). ``predict`` and
    ``plot`` read their data so."""
    from ssm_ts.api.forecast_saved_read_options import saved_read_options_named

    with saved_read_options_named(fc.spec_, data, read_options):  # a CSV the fit's options misread
        # a long table of some series, read as the data is (a CSV with the given read_options); its
        # feature rows added once (each expansion is a new table of every row)
        expanded = fc._data_path(data, read_options)
        absent = absent_series(fc, expanded, read_options)
        if absent:
            return read_given_series(fc, expanded, absent, read_options), absent
        return fc._read(data, read_options=read_options, expanded=expanded), absent


def read_given_series(
    fc: Forecaster,
    data: TableSource,
    absent: list[str],
    read_options: dict[str, Any] | None,
    allow_future_rows: bool = True,
) -> pd.DataFrame:
    """``data`` read as :meth:`Forecaster._read` reads it (``allow_future_rows`` as there: ``False``
    for a backtest), for the series it holds; each ``absent`` series' column a copy of the first
    given one (a stand-in: ``predict`` forecasts the given series alone, a backtest's stand-in forecasts
    :func:`without_series` drops)."""
    spec = fc.spec_
    given = [t for t in spec.targets if t not in absent]
    sub = dataclasses.replace(spec, targets=given)
    frame = load_like(data, sub, allow_future_rows=allow_future_rows, read_options=read_options)
    stand_ins = pd.DataFrame({t: frame[given[0]].to_numpy() for t in absent}, index=frame.index)
    full = pd.concat([frame, stand_ins], axis=1)[[spec.time_col, *spec.input_columns]]
    full.attrs = frame.attrs
    source = "the DataFrame" if isinstance(data, pd.DataFrame) else str(data)
    check_value_range(full, spec, fc.task_.scaler_state(spec.input_columns), source, fitted=True)
    return full


def without_series(
    forecast: pd.DataFrame, fc: Forecaster, absent: list[str], long: bool, levels: list[float] | None
) -> pd.DataFrame:
    """``forecast`` (long or wide, with interval columns of ``levels``) without the ``absent`` series."""
    spec = fc.spec_
    if long:
        keep = ~forecast[spec.id_col].astype(str).isin(absent).to_numpy()
        return forecast[keep].reset_index(drop=True)
    quantiles = fc.task_.hparams.quantiles or []
    dropped = [
        *absent,
        *(quantile_column(t, q) for t in absent for q in quantiles),
        *(c for t in absent for level in levels or [] for c in interval_columns(t, level)),
    ]
    return forecast.drop(columns=dropped)
