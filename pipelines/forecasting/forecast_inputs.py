"""The model's input arrays of a checked frame, and the input window a forecast after its last
observed row starts from (each series' own, for a ragged panel).

Input channels are ``targets + past covariates + known-future covariates``, the last group shifted
by the horizon (:func:`~.windows.model_inputs`). Known-future rows a forecast lacks are named in the
user's terms (:func:`missing_future_error`): a model's per-series features (``promo[store_1]``, the
covariate series ``Forecaster.fit`` builds of a long table's ``promo`` column) as that column of
those series, its fix a ``futr_df``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import numpy as np
import pandas as pd

from ssm_ts.errors import ConfigError, DataError
from ssm_ts.wording import counted

from .feature_origin import own_covariate
from .frames import future_times
from .future_rows import future_rows_fix
from .series import SeriesSpec
from .spans import n_observed_rows, series_spans
from .windows import model_inputs


def window_inputs(frame: pd.DataFrame, spec: SeriesSpec, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """``(inputs (T, n_channels), targets (T, n_targets))`` float arrays of a checked frame."""
    values = frame[spec.input_columns].to_numpy(dtype="float64")
    inputs = model_inputs(values, len(spec.future_covariates), horizon)
    return inputs, values[:, : len(spec.targets)]


def last_window(
    frame: pd.DataFrame, spec: SeriesSpec, lookback: int, horizon: int
) -> tuple[np.ndarray, pd.Timestamp]:
    """The input window that forecasts the ``horizon`` steps after the last observed row.

    ``frame`` may end with up to ``horizon`` future rows (targets empty) that carry known-future
    covariates; they are required when the model uses such covariates. For series that end at
    different rows (a ragged panel) see :func:`last_windows`.

    Returns:
        ``(x (lookback, n_channels), last observed time)``.
    """
    n_observed = n_observed_rows(frame, spec.targets)
    if n_observed < lookback:
        raise DataError(
            f"forecasting needs the last {lookback} observed rows (the lookback); the data has {n_observed}. "
            f"{LONGER_HISTORY_FIX}."
        )
    if spec.future_covariates and len(frame) - n_observed < horizon:
        last_time = frame[spec.time_col].iloc[n_observed - 1]
        raise missing_future_error(
            spec, horizon, last_time, len(frame) - n_observed, f"the {horizon} forecast steps"
        )
    frame = frame.iloc[: n_observed + (horizon if spec.future_covariates else 0)]
    inputs, _ = window_inputs(frame, spec, horizon)
    return inputs[n_observed - lookback : n_observed], frame[spec.time_col].iloc[n_observed - 1]


def last_windows(
    frame: pd.DataFrame, spec: SeriesSpec, lookback: int, horizon: int
) -> tuple[np.ndarray, pd.Series]:
    """Each series' own last ``lookback`` observed rows, side by side: what a channel-independent
    model forecasts every series of a ragged panel from, after its own last observed time.

    Column ``j`` of ``x`` holds series ``j``'s rows ``[last_j - lookback + 1, last_j]``; a panel whose
    series all end at the same row gets exactly :func:`last_window`'s window.

    Returns:
        ``(x (lookback, n_channels), last observed time of each target (n_targets,))``.

    Raises:
        DataError: a series has fewer than ``lookback`` observed rows (named, with the fix).
    """
    spans = series_spans(frame, spec.targets)
    times = frame[spec.time_col]
    if not spans.ragged or (spec.input_columns != spec.targets and _same_ends(spans)):
        if spans.ragged:  # a series that starts late would read empty rows (its forecast NaN, unseen)
            _require_lookback(spans, times, spec, lookback)
        x, last_time = last_window(frame, spec, lookback, horizon)
        return x, pd.Series([last_time] * len(spec.targets), dtype=times.dtype)
    if spec.input_columns != spec.targets:  # one window cannot hold each series' own covariate rows
        raise DataError(
            "the series end at different rows and the model reads covariates: each series needs a window "
            "of its own (last_windows_by_end gives them)."
        )
    _require_lookback(spans, times, spec, lookback)
    rows = spans.last[None, :] + np.arange(1 - lookback, 1)[:, None]  # (lookback, n_targets)
    values = frame[spec.targets].to_numpy(dtype="float64")
    x = np.take_along_axis(values, rows, axis=0)
    return x, times.iloc[spans.last].reset_index(drop=True)


def last_windows_by_end(
    frame: pd.DataFrame, spec: SeriesSpec, lookback: int, horizon: int
) -> tuple[np.ndarray, np.ndarray, pd.Series]:
    """The input windows that forecast each series after its own last observed row, for any model:
    one window when the series end together or the model reads no covariates
    (:func:`last_windows`), else one per distinct end row. A covariate is shared by every series, so
    a series that ends earlier reads the covariates of its own lookback and horizon, never the
    panel's last ones. Target channels outside their span in another series' window are 0 (a
    channel-independent model reads each series alone, so they touch no kept forecast).

    Returns:
        ``(x (n_windows, lookback, n_channels), which (n_targets,): the window of each series,
        last observed time of each target (n_targets,))``.

    Raises:
        DataError: a series has fewer than ``lookback`` observed rows, or the known-future covariates
            lack the ``horizon`` rows after a series' end (named, with the fix).
    """
    spans = series_spans(frame, spec.targets)
    n_targets = len(spec.targets)
    if spec.input_columns == spec.targets or not spans.ragged or _same_ends(spans):
        x, last_times = last_windows(frame, spec, lookback, horizon)
        return x[None], np.zeros(n_targets, dtype=int), last_times
    times = frame[spec.time_col]
    _require_lookback(spans, times, spec, lookback)
    ends, which = np.unique(spans.last, return_inverse=True)
    windows = []
    for end in ends:
        # the rows up to this end (targets after it are future rows) and the horizon after it
        cut = frame.iloc[: end + 1 + (horizon if spec.future_covariates else 0)].copy()
        cut.iloc[end + 1 :, [cut.columns.get_loc(t) for t in spec.targets]] = np.nan
        windows.append(last_window(cut, spec, lookback, horizon)[0])
    x = np.stack(windows)
    x[..., :n_targets] = np.nan_to_num(x[..., :n_targets], nan=0.0)  # other series' rows outside their span
    return x, which.reshape(-1), times.iloc[spans.last].reset_index(drop=True)


def _same_ends(spans) -> bool:
    return bool((spans.last == spans.last.max()).all())


def _require_lookback(spans, times: pd.Series, spec: SeriesSpec, lookback: int) -> None:
    short = spans.lengths < lookback
    if short.any():
        raise DataError(
            f"forecasting needs the last {lookback} observed rows (the lookback) of every series; "
            f"{int(short.sum())} series {'has' if short.sum() == 1 else 'have'} fewer: "
            f"{spans.listed(short, times, id_dtype=spec.id_dtype)}. "
            f"{LONGER_HISTORY_FIX} of them. A channel-independent model given a long table forecasts the "
            "series it holds, so one without them forecasts the others; a multivariate model "
            "(channel_independent=False) forecasts every series it was fitted on, so none can be left out."
        )


def check_rollable(frame: pd.DataFrame, spec: SeriesSpec, n: int, horizon: int) -> None:
    """A rollout of ``n > horizon`` steps feeds the model its own forecasts of the targets. Past-only
    covariates have no forecast, so they cannot be rolled; known-future covariates must be given for
    every step of every block the model reads (``ceil(n / horizon) * horizon`` rows after the last
    observation), and the error naming them asks for that many (not the horizon's).

    Checked before any window is cut, by ``Forecaster.predict`` and the data module of
    ``ssm-ts forecast predict --n`` alike, so both name the rows of the steps asked for."""
    if spec.past_covariates:
        raise ConfigError(
            f"n={n} steps is more than the horizon ({horizon}), which needs a rollout that feeds the forecasts "
            f"back as inputs; the past covariates {spec.past_covariates} have no future values to feed. Ask for "
            f"n <= {horizon}, or refit with a horizon of at least {n}, or declare those columns as "
            "future_covariates if their future is known (then give their future rows), or fit without them."
        )
    if spec.future_covariates:
        needed = -(-n // horizon) * horizon
        n_observed = n_observed_rows(frame, spec.targets)
        found = len(frame) - n_observed
        if found < needed:
            rounded = f" ({n} rounded up to whole blocks of the horizon {horizon})" if needed != n else ""
            last_time = frame[spec.time_col].iloc[n_observed - 1]
            steps = f"all {needed} steps the rollout reads{rounded}"
            # a shorter forecast is a fix only when the rows given cover one horizon at least
            fewer = f", or ask for n <= {(found // horizon) * horizon}" if found >= horizon else ""
            raise missing_future_error(spec, needed, last_time, found, steps, n, fewer)


# the static_df features of the model forecasting now (Forecaster.predict sets them): known at every
# time, kept by the model, so a fix asks for no values of theirs
_STATICS: ContextVar[frozenset[str]] = ContextVar("static_features", default=frozenset())


@contextmanager
def static_features_named(columns: Iterable[str]) -> Iterator[None]:
    """Inside, :func:`missing_future_error` knows ``columns`` (``static_df``'s) as the model's own."""
    token = _STATICS.set(frozenset(columns))
    try:
        yield
    finally:
        _STATICS.reset(token)


# the end of missing_future_error's fix, the Python call (group 1: its n): a front end that is no Python
# call (the command line, the MLflow model) says it in its own terms
FIX_CALL = re.compile(r"then predict\((?:n=(\d+), )?futr_df=futr\)")
# a rollout's other fix, a shorter forecast (group 1: the most steps the rows given cover)
FEWER_STEPS = re.compile(r", or ask for n <= (\d+)")
# the fix of a history too short for the lookback (the error says "(the lookback)"); "of them" (group 1)
# when it names the short series of a long table. The MLflow model asks for the rows in the request
LONGER_HISTORY_FIX = "Pass a longer history"
LONGER_HISTORY = re.compile(re.escape(LONGER_HISTORY_FIX) + r"( of them)?\.")
# the attribute of a too-short error of new rows alone (the API's forecast_short_history) holding its fix
# that gives the earlier rows with them (in Python and on the command line), for the MLflow model's request
BOTH_ROWS_FIX = "both_rows_fix"

# the steps asked of predict (its n) while the first horizon is forecast: the fix of a forecast short of
# known-future rows repeats them (the call pasted without them asked for the whole horizon)
_STEPS: ContextVar[int | None] = ContextVar("forecast_steps", default=None)


@contextmanager
def steps_asked(n: int | None) -> Iterator[None]:
    """Inside, :func:`missing_future_error` repeats ``n`` (``predict``'s steps; ``None``: none given) in
    the ``predict(n=..., futr_df=futr)`` of its fix."""
    token = _STEPS.set(n)
    try:
        yield
    finally:
        _STEPS.reset(token)


def missing_future_error(
    spec: SeriesSpec,
    n_rows: int,
    last_time,
    found: int,
    steps: str,
    n: int | None = None,
    otherwise: str = "",
) -> DataError:
    """The error for known-future rows a forecast lacks: ``n_rows`` after ``last_time`` (``found`` given)
    for ``steps`` (``"the 6 forecast steps"``); ``n``: the steps asked of ``predict`` (its fix repeats
    it; ``None``: those :func:`steps_asked` names, if any); ``otherwise``: another fix
    (``", or ask for n <= 6"``).

    A long table's per-series features (``promo[store_1]``, :func:`~.series_features.feature_series`)
    are named as the column ``promo`` of ``store_1``, with a ``futr_df`` that gives it (``static_df``'s
    features need none: the model keeps them); other covariates as their rows
    (:func:`~.future_rows.future_rows_fix`)."""
    n = _STEPS.get() if n is None else n
    call = f"predict({f'n={n}, ' if n else ''}futr_df=futr)"
    owned = _feature_owners(spec)
    if not owned:
        apart = f", or give them apart: {_futr_code(spec, n_rows, last_time)}, then {call}"
        return DataError(
            f"known-future covariates {spec.future_covariates} are needed for {steps}: "
            f"{future_rows_fix(spec, n_rows, last_time)} (found {found}){apart}{otherwise}."
        )
    statics = _STATICS.get()
    features = list(dict.fromkeys(f for f, _ in owned.values()))
    series = list(dict.fromkeys(t for _, t in owned.values()))
    columns = [f for f in features if f not in statics]
    kept = [f for f in features if f in statics]
    shared = [c for c in spec.future_covariates if c not in owned]
    times = future_times(last_time, spec.freq, n_rows)
    when = f"{spec.time_col} {times[0]}" + (f" to {times[-1]}" if n_rows > 1 else "")
    needs = [f"the column{'s' if len(columns) > 1 else ''} {columns} of series {series}"] if columns else []
    needs += [f"the series {shared}"] if shared else []
    # the covariate series' rows are futr's too, their values in the value column (the pasted code gives them)
    grid = _long_grid(spec, [*series, *shared], times)
    values = [_values_code(columns, series if shared else None)] if columns else []
    values += [_values_code([spec.value_col], shared)] if shared else []
    filled = "".join(f", then {v}" for v in values)
    if columns:
        fix = (
            f"Give futr_df, a row per series and time with {', '.join(columns)}: {grid}{filled}, then {call}"
        )
    else:
        fix = f"Give futr_df of those times (the model adds the statics): {grid}{filled}, then {call}"
    held = f" (static_df's {kept} the model keeps)" if kept and (columns or shared) else ""
    alone = f"static_df's {kept}, which the model gives by itself for its horizon only"
    return DataError(
        f"known-future inputs are needed for {steps}, the {counted(n_rows, 'time')} after the last observation ({when}; "
        f"{found} given): {' and '.join(needs) or alone}{held}. {fix}{otherwise}."
    )


def _futr_code(spec: SeriesSpec, n_rows: int, last_time) -> str:
    """Python that builds the ``futr_df`` of the ``n_rows`` steps after ``last_time`` (to paste): wide,
    the time column, then each known-future covariate to fill; long, a row per covariate series and
    time, then the value column to fill (those covariates are series of their own)."""
    times = future_times(last_time, spec.freq, n_rows)
    if spec.long_format:
        grid = _long_grid(spec, spec.future_covariates, times)
        return f"{grid}, then {_values_code([spec.value_col])}"
    frame = f"futr = pd.DataFrame({{{spec.time_col!r}: {_times_code(times, spec)}}})"
    return f"{frame}, then {_values_code(spec.future_covariates)}"


def _long_grid(spec: SeriesSpec, series: list[str], times: pd.Index) -> str:
    """Python that builds a long ``futr``: a row per series of ``series`` and time of ``times`` (the
    id and time columns), to paste."""
    return (
        f"futr = pd.MultiIndex.from_product([{series!r}, {_times_code(times, spec)}], "
        f"names=[{spec.id_col!r}, {spec.time_col!r}]).to_frame(index=False)"
    )


def _values_code(columns: list[str], rows_of: list | None = None) -> str:
    """The columns of ``futr`` the user fills, one assignment each (``rows_of``: the series whose rows
    hold them, the others' left empty; ``None``: every row's)."""
    held = "its values" if rows_of is None else f"the values of the series {rows_of}"
    rest = "" if rows_of is None else ", empty in the others"
    return ", ".join(f"futr[{c!r}] = <{held}, in futr's row order{rest}>" for c in columns)


def _feature_owners(spec: SeriesSpec) -> dict[str, tuple[str, str]]:
    """``{covariate: (feature, series)}`` of a long table's known-future per-series features
    (``promo[store_1]``: ``("promo", "store_1")``), told by the name ``Forecaster.fit`` gives them."""
    future = spec.future_covariates
    return {name: own for name in future if (own := own_covariate(name, spec.targets, spec.long_format))}


def _times_code(times: pd.Index, spec: SeriesSpec) -> str:
    """Python that makes ``times`` (dates, Periods or integer steps), to paste."""
    if isinstance(times, pd.PeriodIndex):
        return f"pd.period_range({str(times[0])!r}, periods={len(times)}, freq={times.freqstr!r})"
    if isinstance(times, pd.DatetimeIndex):
        return f"pd.date_range({str(times[0])!r}, periods={len(times)}, freq={spec.freq!r})"
    step = int(spec.freq)
    return f"range({int(times[0])}, {int(times[-1]) + step}, {step})"
