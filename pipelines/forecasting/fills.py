"""No look-ahead through filled cells: what a window (training, validation, test, backtest,
calibration) and a refit read.

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
(:func:`carry_trailing_fills`; the data module's windows, which share one filled table, get the same
:func:`trailing_carries` applied as each is read): what ``predict`` on the rows up to that cutoff
sees, since the fill carries the last value at the end of a table. A refit, which may read nothing
after its cutoff, refills its rows from themselves (:func:`refill_before`): what a fit on those rows
alone gives.

``fill="ffill"`` reads only the past (a leading gap aside, back-filled from the first value): both
steps give its values again, bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ssm_ts.errors import DataError

from .fill_policy import with_columns
from .series import SeriesSpec, fill_values, filled_cells, series_notes


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


@dataclass(frozen=True)
class Carries:
    """Where windows' inputs carry a value over the filled rows that end what they may read: channel
    ``channel[k]`` of window ``window[k]`` holds ``value[k]`` from input row ``offset[k]`` to its last.
    All ``(n_carries,)``, sorted by window; only carries that change a value are listed."""

    window: np.ndarray  # int
    channel: np.ndarray  # int
    offset: np.ndarray  # int, 0 .. lookback - 1
    value: np.ndarray  # float64

    def __len__(self) -> int:
        return len(self.window)

    def apply(self, x: np.ndarray) -> None:
        """Write them, in place, into ``x (n_windows, lookback, n_channels)``."""
        for i, c, offset, value in zip(self.window, self.channel, self.offset, self.value, strict=True):
            x[i, offset:, c] = value


def trailing_carries(
    frame: pd.DataFrame, spec: SeriesSpec, origins: np.ndarray, horizon: int, lookback: int
) -> Carries:
    """The carries of :func:`carry_trailing_fills` for windows of ``lookback`` rows whose first forecast
    rows are ``origins (n_windows, n_targets)``, without the windows: cheap for every window of a split
    (only those whose readable rows end in a filled row have any), and none for ``fill="ffill"`` or a
    table without fills (their trailing fills hold the last observed value already).
    """
    filled = filled_cells(frame, spec)  # (rows, n_channels)
    none = Carries(*(np.zeros(0, dtype=int),) * 3, np.zeros(0))
    if not filled.any():
        return none
    ends = readable_ends(origins, spec, horizon)  # (n_windows, n_channels)
    channels = np.arange(filled.shape[1])
    window, channel = np.nonzero(filled[ends - 1, channels])  # the window's last readable row is filled
    if not len(window):
        return none
    rows = np.arange(len(filled))[:, None]
    last_observed = np.maximum.accumulate(np.where(filled, -1, rows), axis=0)  # per row: -1 if none yet
    end = ends[window, channel]
    last = last_observed[end - 1, channel]
    known = last >= 0  # a column filled from its first row on has no value to carry and keeps its fill
    window, channel, end, last = window[known], channel[known], end[known], last[known]
    first = np.maximum(last + 1, end - lookback)  # the first carried row of the column
    values = frame[spec.input_columns].to_numpy(dtype="float64")
    value = values[last, channel]
    # rows last + 1 .. end - 1 are all filled: a carry changes nothing where each holds its last observed value
    differs = filled & (values != values[np.maximum(last_observed, 0), channels])  # (rows, n_channels)
    differing = np.concatenate([np.zeros((1, len(channels)), dtype=int), np.cumsum(differs, axis=0)])
    changes = differing[end, channel] > differing[first, channel]
    start = end - lookback
    return Carries(window[changes], channel[changes], (first - start)[changes], value[changes])


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
    trailing_carries(frame, spec, origins, horizon, x.shape[1]).apply(x)


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
    # a frame fitted without fill= may hold cells a given frame's fill invented: refilled by that policy
    policy = str(spec.fill or series_notes(frame).policy or "interpolate")
    names = [spec.input_columns[c] for c in columns]
    values = frame[names].to_numpy(dtype="float64", copy=True)  # (rows, len(columns))
    rows = np.arange(len(frame))[:, None]
    readable = rows < ends[columns]  # each column's own rows: what a fit on them alone reads
    invented = filled[:, columns] & readable
    own = np.where(invented | ~readable, np.nan, values)
    empty = np.flatnonzero(np.isnan(own).all(axis=0))
    if empty.size:
        name, end = names[empty[0]], int(ends[columns[empty[0]]])
        raise DataError(
            f"column {name!r} has no observed value up to {frame[spec.time_col].iloc[end - 1]} (row {end - 1}), the "
            f"last row a refitted model trains on: every value there was filled (fill={policy!r}) from later rows, "
            "so it would train on the future. Use fewer backtest windows or a smaller step (later cutoffs), leave "
            "the column out, or backtest with refit=False."
        )
    # all columns at once (one per series took 1.9 s a refit at 2,000 series): a fill reads no row after
    # a column's own end, empty here, so each column's cells are those of a fill of its rows alone
    refilled = fill_values(pd.DataFrame(own), policy).to_numpy()
    values[invented] = refilled[invented]
    return with_columns(frame, pd.DataFrame(values, index=frame.index, columns=names))  # the notes kept
