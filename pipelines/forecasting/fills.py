"""No look-ahead through filled cells: what a backtest window, a calibration window and a refit read.

:func:`~.series.load_series` fills the whole table at once (``fill=``) and notes every cell it
invented (:class:`~.series.SeriesNotes`, each input column). A filled cell drawn from later rows holds
the future for a forecast made before those rows: with ``fill="interpolate"`` a gap just before a
backtest window is drawn toward the window's own first values. By column kind, a forecast whose
first forecast row is ``origin`` may read:

- targets and past covariates (known up to the cutoff): rows before ``origin``;
- known-future covariates (known over the horizon, fed ``horizon`` rows early, see
  :func:`~.windows.model_inputs`): rows before ``origin + horizon``. A gap before the window is
  still interpolated toward the window's own values, as the whole-table fill did; never toward later rows.

Filled cells at the end of what a window may read are carried forward from the last observed value
(:func:`carry_trailing_fills`): what ``predict`` on the rows up to that cutoff sees, since the fill
carries the last value at the end of a table. A refit, which may read nothing after its cutoff,
refills its rows from themselves (:func:`refill_before`): what a fit on those rows alone gives.

``fill="ffill"`` reads only the past (a leading gap aside, back-filled from the first value): both
steps give its values again, bit for bit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ssm_ts.errors import DataError

from .series import SeriesSpec, fill_values, filled_cells


def readable_ends(origins: np.ndarray, spec: SeriesSpec, horizon: int) -> np.ndarray:
    """``(n_windows, n_channels)`` int: per window and input column (``spec.input_columns`` order), the
    first row the window may not read.

    ``origins (n_windows, n_targets)``: each window's first forecast row per series (a ragged panel's
    series each have their own; it has no covariates). Covariates share the table's cutoff, the latest
    origin; known-future covariates are readable ``horizon`` rows further.
    """
    origins = np.asarray(origins)
    cutoff = origins.max(axis=1, keepdims=True)
    past = np.repeat(cutoff, len(spec.past_covariates), axis=1)
    future = np.repeat(cutoff + horizon, len(spec.future_covariates), axis=1)
    return np.concatenate([origins, past, future], axis=1)


def carry_trailing_fills(
    x: np.ndarray, frame: pd.DataFrame, spec: SeriesSpec, origins: np.ndarray, horizon: int
) -> None:
    """Carry, in place, the last observed value over the filled rows that end a window's readable rows.

    ``x (n_windows, lookback, n_channels)``: window inputs cut from the checked ``frame`` (targets,
    past covariates, known-future covariates ``horizon`` rows early: see :func:`~.windows.model_inputs`),
    so channel ``c`` of window ``i`` holds rows ``[end - lookback, end)`` of its column, ``end`` from
    :func:`readable_ends` of ``origins (n_windows, n_targets)``. Filled rows with an observed row after
    them inside that range keep their fill (both ends are readable); a column filled from its first
    row on has no observed value to carry and keeps its fill too.
    """
    filled = filled_cells(frame, spec)  # (rows, n_channels)
    if not filled.any():
        return
    ends = readable_ends(origins, spec, horizon)
    channels = np.arange(filled.shape[1])
    trailing = filled[ends - 1, channels]  # (n_windows, n_channels): the window's last readable row filled
    if not trailing.any():
        return
    rows = np.arange(len(filled))[:, None]
    last_observed = np.maximum.accumulate(np.where(filled, -1, rows), axis=0)  # per row: -1 if none yet
    values = frame[spec.input_columns].to_numpy(dtype="float64")
    lookback = x.shape[1]
    for i, c in zip(*np.nonzero(trailing), strict=True):
        end = int(ends[i, c])
        last = int(last_observed[end - 1, c])
        if last < 0:
            continue
        start = end - lookback
        x[i, max(last + 1, start) - start :, c] = values[last, c]


def refill_before(frame: pd.DataFrame, spec: SeriesSpec, firsts: np.ndarray) -> pd.DataFrame:
    """``frame`` (a refit's rows, NaN from each series' own cutoff on) with its filled cells refilled
    from its own rows only: each target ``j`` from its rows before ``firsts[j]``, each covariate from
    all of ``frame`` (they end with the table). Interpolated inside those rows, carried at their end.

    Raises:
        DataError: a column with no observed value in those rows (all of it was filled from later rows).
    """
    filled = filled_cells(frame, spec)
    ends = np.concatenate(
        [np.asarray(firsts, dtype=int), np.full(len(spec.input_columns) - len(firsts), len(frame))]
    )
    columns = [c for c in range(len(ends)) if filled[: ends[c], c].any()]
    if not columns:
        return frame
    frame = frame.copy()  # keeps the SeriesNotes (attrs)
    times = frame[spec.time_col]
    for c in columns:
        name, end = spec.input_columns[c], int(ends[c])
        own = frame[name].to_numpy(dtype="float64", copy=True)[:end]
        rows = np.flatnonzero(filled[:end, c])
        own[rows] = np.nan
        if np.isnan(own).all():
            raise DataError(
                f"column {name!r} has no observed value up to {times.iloc[end - 1]} (row {end - 1}), the last row a "
                f"refitted model trains on: every value there was filled (fill={spec.fill!r}) from later rows, so it "
                "would train on the future. Use fewer backtest windows or a smaller step (later cutoffs), leave "
                "the column out, or backtest with refit=False."
            )
        refilled = fill_values(pd.DataFrame({name: own}), str(spec.fill))[name].to_numpy()
        frame.iloc[rows, frame.columns.get_loc(name)] = refilled[rows]
    return frame
