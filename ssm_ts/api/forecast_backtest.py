"""``Forecaster.backtest``: rolling-origin forecasts over the end of the data, with the fitted model or
with models refitted as the cutoff moves (:mod:`ssm_ts.api.forecast_refit`), and their conformal intervals.

Window ``i`` forecasts the ``horizon`` rows starting at ``T - horizon - (n_windows - 1 - i) * step``; in a
ragged panel each series' windows end at its own last observed row."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
import torch

from ssm_ts.api.conformal import ConformalScores, check_interval_request
from ssm_ts.api.forecast_intervals import (
    check_calibrated,
    fitted_bands,
    flat_bounds,
    interval_bounds,
    long_to_wide_with_intervals,
    with_long_intervals,
    with_wide_intervals,
)
from ssm_ts.api.forecast_ported_args import ported_arguments
from ssm_ts.api.forecast_refit import (
    check_refit_calibration,
    check_refit_observed,
    check_refit_rows,
    refit_forecaster,
    refit_module,
)
from ssm_ts.api.forecast_subset import absent_series, read_given_series, without_series
from ssm_ts.errors import ConfigError, DataError
from ssm_ts.pipelines.forecasting import (
    Spans,
    filled_targets,
    forecast_frame,
    point_index,
    quantile_column,
    series_spans,
    to_long_forecast,
    to_wide_forecast,
    window_inputs,
)
from ssm_ts.pipelines.forecasting.fills import carry_trailing_fills
from ssm_ts.pipelines.forecasting.library_names import ours_or_theirs
from ssm_ts.pipelines.forecasting.reader import TableSource
from ssm_ts.pipelines.forecasting.series_ids import restore_ids, shown_ids
from ssm_ts.pipelines.forecasting.spans import require_channel_independent
from ssm_ts.whole_numbers import is_whole_number

if TYPE_CHECKING:
    from ssm_ts.api.forecaster import Forecaster


def refit_every(refit: Any) -> int:
    """``backtest(refit=...)`` as the number of windows between refits: ``0`` (never), ``1`` (``True``) or ``k``."""
    if isinstance(refit, (bool, np.bool_)):
        return int(bool(refit))
    if is_whole_number(refit) and refit >= 1:
        return int(refit)
    raise ConfigError(
        f"refit={refit!r}: use False (forecast every window with the fitted model), True (refit before every "
        "window) or a positive whole number k (refit before every k-th window)."
    )


class BacktestMixin:
    """The ``backtest`` method of :class:`~ssm_ts.api.forecaster.Forecaster`, a mixin it inherits."""

    @ported_arguments
    def backtest(
        self,
        data: TableSource | None = None,
        n_windows: int = 5,
        step: int | None = None,
        *,
        long: bool | None = None,
        read_options: dict[str, Any] | None = None,
        level: float | list[float] | None = None,
        interval_method: Literal["residual", "cqr"] | None = None,
        refit: bool | int = False,
        step_size: int | None = None,
        df: TableSource | None = None,
    ) -> pd.DataFrame:
        """Rolling-origin forecasts over the end of ``data``, with the fitted weights or (``refit``) with
        models refitted as the cutoff moves.

        Window ``i`` forecasts the ``horizon`` rows starting at ``T - horizon - (n_windows - 1 - i) * step``.
        Returns one row per (window, step): ``cutoff`` (last row the model saw), the time column, the
        forecast columns as in :meth:`predict`, and ``<target>_actual``: the data, NaN where the
        fill policy invented the value (the forecast there is still given). ``data`` may be
        ``history_`` or a slice or copy of it (``fc.history_.iloc[:n]``): its values are filled
        already, and the fill record it carries (``DataFrame.attrs``) keeps those unscored; a frame
        rebuilt without it (from a CSV written from ``history_``) cannot say which values were
        invented: pass the raw data then. ``long`` as in
        :meth:`predict` (long tables get ``cutoff, unique_id, ds, y, ..., y_actual``); ``read_options``,
        ``level`` and ``interval_method`` as in :meth:`predict` (the conformal ``<target>_lo-<level>``
        and ``_hi-<level>`` columns follow the actuals).

        ``refit`` (neuralforecast's ``cross_validation(refit=...)``, darts' ``retrain``): ``False`` (the
        default) forecasts every window with this fitted model; ``True`` fits a fresh model before every
        window, an integer ``k`` before windows 1, k + 1, 2k + 1, ... (each forecasts the windows until
        the next refit). A refit has this Forecaster's settings (model, seed, epochs, early stopping,
        ...) and sees only the rows before its first window's first forecast time: they are split into
        training and validation rows in the ratio of this Forecaster's split (``"standard"``: 7:1 as its
        70% / 10%; ``"ett_h"``/``"ett_m"``, whose fixed rows cannot apply to a shorter prefix: 3:1 as
        their 60% / 20%; ``fractions`` or ``boundaries``: their train:validation ratio), with no test
        split (the backtest windows are its test). Its scaler is fitted on its training rows only, and
        ``level=`` intervals are calibrated on its own validation rows. Refits are not logged to MLflow;
        their checkpoints go to a temporary folder that is removed, and this Forecaster (its model,
        scores and ``out_dir``) is left as it was. A refit needs ``lookback + horizon`` training rows
        and ``horizon`` validation rows before the first window (a clear error otherwise). With
        ``level=``, what the refits could only refuse after training is checked before the first one:
        ``interval_method`` against the quantile bands they will have, and the highest level against
        the calibration windows of the first refit (the fewest of any refit: ``calibration_budget``
        applies, each series of a ragged panel cut at its own cutoff); a level no series has enough
        windows for is an error naming them, a series short of them gets NaN bounds and a warning.

        In a ragged panel (series of a long table that start and end at different times) each
        series' windows end at its own last observed row, so ``cutoff`` is per series; the wide
        layout then has a row per ``(cutoff, time)`` pair, NaN for the series without that window. A
        refit there sees each series up to its own cutoff, and each series needs a training window in
        the first refit's training rows (a clear error names those without one); a series that ends
        before a refit's validation rows has no calibration windows there: NaN ``level=`` bounds, a warning.

        With ``fill="interpolate"`` the data is filled whole, so a gap just before a window was drawn
        toward the window's own values; no window or refit reads them (see
        :mod:`ssm_ts.pipelines.forecasting.fills`): a window's target and past-covariate inputs that end
        in filled rows carry the last observed value (as ``predict`` on the rows before it would), its
        known-future covariates are read up to its last forecast row (never later), and a refit refills
        every column from its own rows (an error if a column has no observed value there). Calibration
        windows (``fit``'s, :meth:`calibrate`'s) are read the same way. ``fill="ffill"`` reads only the past.

        A long ``data`` may hold only some of the fitted series (as neuralforecast's
        ``cross_validation(df)`` backtests the ids of ``df``): a channel-independent model backtests
        those, with the rows they get beside the others (:mod:`ssm_ts.api.forecast_subset`). A
        multivariate model (``channel_independent=False``) and ``refit`` (a refit trains on every
        series) still need them all. A series the model was not fitted on gets no forecast, with a warning.

        ``step_size`` and ``df`` are neuralforecast's ``cross_validation`` names for ``step`` and
        ``data``: either may be given.
        """
        self._require_fitted()
        data = ours_or_theirs("backtest", "data", data, "df", df)
        step = ours_or_theirs("backtest", "step", step, "step_size", step_size)
        every = refit_every(refit)
        # a refit has this model's quantiles, so its bands: a method it cannot use fails before any refit
        levels = check_interval_request(level, interval_method, fitted_bands(self))
        if levels is not None and not every:  # refits are calibrated on their own validation rows
            check_calibrated(self, levels, interval_method)
        # a long table of some series, read as the data is (a CSV with the given read_options)
        absent = absent_series(self, self._data_path(data, read_options), read_options)
        if absent and every:
            raise_refit_needs_every_series(self, data, absent)
        result, ragged, prediction, _, calibrations = backtest_windows(
            self, data, n_windows, step, read_options, every, levels, absent
        )
        long = self._long(long)
        out = backtest_frame(self, result, ragged, prediction, calibrations, long, levels, interval_method)
        return without_backtest_series(out, self, absent, long, levels) if absent else out


def backtest_frame(
    fc: Forecaster,
    result: pd.DataFrame,
    ragged: bool,
    prediction: np.ndarray,
    calibrations: list[tuple[slice, ConformalScores | None]],
    long: bool,
    levels: list[float] | None,
    interval_method: Literal["residual", "cqr"] | None,
) -> pd.DataFrame:
    """The frame :meth:`BacktestMixin.backtest` returns, in the ``long`` or wide layout, with the
    conformal bounds of ``levels``: ``result``, ``ragged``, ``prediction`` (``(n_windows, horizon,
    n_targets, n_quantiles)``) and ``calibrations`` are :func:`backtest_windows`'."""
    spec = fc.spec_
    if levels is None:
        if ragged:
            return result if long else to_wide_forecast(result, spec)
        return to_long_forecast(result, spec) if long else result
    # each (n_windows, horizon, n_targets): a refit's windows with its own scores
    parts = []  # a loop, not a comprehension: its own frame would take the warnings' stacklevel
    for group, scores in calibrations:
        parts.append(interval_bounds(fc, prediction[group], levels, interval_method, scores))
    bounds = {lv: tuple(np.concatenate([part[lv][k] for part in parts]) for k in (0, 1)) for lv in levels}
    if not ragged and not long:  # wide rows: window, step
        return with_wide_intervals(result, spec, flat_bounds(bounds, (0, 1, 2)))
    # long rows: series, window, step
    result = with_long_intervals(
        result if ragged else to_long_forecast(result, spec), spec, flat_bounds(bounds, (2, 0, 1))
    )
    return result if long else long_to_wide_with_intervals(result, spec)


def raise_refit_needs_every_series(fc: Forecaster, data: TableSource | None, absent: list[str]) -> None:
    """A :class:`DataError`: ``backtest(refit=...)`` of a long table without the rows of the fitted
    series ``absent``. A refit trains a new model on every series: on some, it would be another model
    than the one whose backtest of those series ``refit=False`` gives."""
    source = "the DataFrame" if isinstance(data, pd.DataFrame) else str(data)
    spec = fc.spec_
    shown = shown_ids(absent, spec.id_dtype)
    raise DataError(
        f"backtest(refit=...): {source} has no rows of the series {shown} ({spec.id_col}), and a refit trains "
        f"on every series the model was fitted on ({shown_ids(list(spec.targets), spec.id_dtype)}). Give "
        "the rows of every series to refit, or backtest just these series with the fitted model "
        "(refit=False)."
    )


def without_backtest_series(
    out: pd.DataFrame, fc: Forecaster, absent: list[str], long: bool, levels: list[float] | None
) -> pd.DataFrame:
    """A backtest (long or wide) without the ``absent`` series' rows or columns (their actuals too)."""
    out = without_series(out, fc, absent, long, levels)
    return out if long else out.drop(columns=[f"{t}_actual" for t in absent])


def backtest_windows(
    fc: Forecaster,
    data: TableSource | None,
    n_windows: int,
    step: int | None,
    read_options: dict[str, Any] | None,
    refit_every: int = 0,
    levels: list[float] | None = None,
    absent: list[str] | None = None,
) -> tuple[pd.DataFrame, bool, np.ndarray, np.ndarray, list[tuple[slice, ConformalScores | None]]]:
    """``(frame, ragged, prediction (n_windows, horizon, n_targets, n_quantiles), actual (n_windows,
    horizon, n_targets), calibrations)``: the frame is wide (window, step rows), or long for a ragged
    panel; the actuals are NaN where the fill policy invented the value or a series has no such
    window. ``refit_every``: ``0`` forecasts with the fitted model, ``k`` refits before every k-th
    window (:func:`window_forecasts`, which checks that the refits can calibrate ``levels``);
    ``calibrations``: ``(windows, conformal scores)`` of the model that forecast them. ``absent``: the
    fitted series a long ``data`` has no rows of (:func:`~ssm_ts.api.forecast_subset.absent_series`),
    read as stand-ins whose windows the caller drops."""
    task = fc._require_fitted()
    spec, lookback, horizon = fc.spec_, task.hparams.lookback, task.hparams.horizon
    step = horizon if step is None else step
    for name, value, unit in (("n_windows", n_windows, "windows"), ("step", step, "rows")):
        if not is_whole_number(value) or value < 1:
            raise ConfigError(f"{name} must be a positive whole number of {unit}, got {value!r}.")
    if absent:  # a long table of some series: the others are stand-ins (copies of a given one)
        frame = read_given_series(
            fc, fc._data_path(data, read_options), absent, read_options, allow_future_rows=False
        )
    else:
        frame = fc._read(data, allow_future_rows=False, read_options=read_options)
    spans = series_spans(frame, spec.targets)
    if spans.ragged:
        return ragged_backtest_windows(fc, frame, spans, n_windows, step, refit_every, levels, absent)
    n_rows = len(frame)
    origins = [n_rows - horizon - (n_windows - 1 - i) * step for i in range(n_windows)]
    if origins[0] < lookback:
        needed = lookback + horizon + (n_windows - 1) * step
        if data is None:  # a loaded export keeps only the last lookback rows, not the series
            raise DataError(
                f"backtest() without data uses the history held by this Forecaster: {n_rows} rows, but "
                f"{n_windows} windows need {needed}. A saved and loaded model keeps only the last {lookback} "
                "rows (its lookback): pass the series, backtest(data)."
            )
        raise DataError(
            f"{n_windows} backtest windows of horizon {horizon} every {step} rows need {needed} rows "
            f"(lookback {lookback} included); the data has {n_rows}. Use fewer windows, a smaller step, "
            "or more data."
        )
    inputs, targets = window_inputs(frame, spec, horizon)
    targets = np.where(filled_targets(frame, spec), np.nan, targets)  # actuals are data, not fills
    x = np.stack([inputs[o - lookback : o] for o in origins])
    firsts = np.repeat(np.asarray(origins)[:, None], len(spec.targets), axis=1)
    carry_trailing_fills(x, frame, spec, firsts, horizon)  # nothing filled from the window or later
    prediction, calibrations = window_forecasts(fc, x, frame, firsts, refit_every, levels)
    times = frame[spec.time_col]
    # every window's rows at once (rows: window, then step): a frame per window took 3 ms a window
    rows = (np.asarray(origins)[:, None] + np.arange(horizon)).ravel()
    table = forecast_frame(prediction.reshape(len(rows), *prediction.shape[2:]), pd.Index(times.iloc[rows]),
                           spec.time_col, spec.targets, task.hparams.quantiles)  # fmt: skip
    # all actuals in one block: a column per series inserted one by one is quadratic
    actual = pd.DataFrame(targets[rows], columns=[f"{name}_actual" for name in spec.targets])
    table = pd.concat([table, actual], axis=1)
    table.insert(0, "cutoff", times.iloc[np.repeat(np.asarray(origins) - 1, horizon)].reset_index(drop=True))
    actuals = targets[rows].reshape(len(origins), horizon, len(spec.targets))
    return table, False, prediction, actuals, calibrations


def ragged_backtest_windows(
    fc: Forecaster,
    frame: pd.DataFrame,
    spans: Spans,
    n_windows: int,
    step: int,
    refit_every: int = 0,
    levels: list[float] | None = None,
    absent: list[str] | None = None,
) -> tuple[pd.DataFrame, bool, np.ndarray, np.ndarray, list[tuple[slice, ConformalScores | None]]]:
    """Backtest windows per series of a ragged panel, in long layout (rows: series, window, step),
    with ``True`` (ragged) and the arrays of :func:`backtest_windows` (whose ``absent`` stand-ins no
    error names)."""
    task, spec = fc._require_fitted(), fc.spec_
    lookback, horizon, quantiles = task.hparams.lookback, task.hparams.horizon, task.hparams.quantiles
    times = frame[spec.time_col]
    require_channel_independent(spans, times, bool(task.hparams.channel_independent))
    needed = lookback + horizon + (n_windows - 1) * step
    # a stand-in is as short as the series it copies: the error names that one
    short = (spans.lengths < needed) & ~np.isin(spec.targets, absent or [])
    if short.any():
        leave_out = (
            ", or leave them out of a long table to backtest the others"
            if task.hparams.channel_independent
            else " (a multivariate model forecasts every series it was fitted on, so none can be left out)"
        )
        raise DataError(
            f"{n_windows} backtest windows of horizon {horizon} every {step} rows need {needed} rows of each "
            f"series (lookback {lookback} included); {int(short.sum())} series have fewer: "
            f"{spans.listed(short, times, id_dtype=spec.id_dtype)}. Use fewer windows or a smaller step, or give "
            f"a longer history of those series{leave_out}."
        )
    # origin[i, j]: the first forecast row of window i of series j, counted back from its own end
    origins = spans.last[None, :] + 1 - horizon - (n_windows - 1 - np.arange(n_windows))[:, None] * step
    values = frame[spec.targets].to_numpy(dtype="float64")
    actual = np.where(filled_targets(frame, spec), np.nan, values)  # actuals are data, not fills
    series = np.arange(len(spec.targets))
    if spec.input_columns != spec.targets:  # covariates: each series' windows read their own rows of them
        x = windows_by_end(frame, spec, spans, origins, lookback, horizon)
    else:
        x = values[origins[:, None, :] + np.arange(-lookback, 0)[None, :, None], series]  # (n, L, C)
        carry_trailing_fills(x, frame, spec, origins, horizon)  # nothing filled from the window
    # (n, H, C, Q)
    prediction, calibrations = window_forecasts(fc, x, frame, origins, refit_every, levels)
    rows = origins[:, None, :] + np.arange(horizon)[None, :, None]  # (n, H, C)

    def by_series(block: np.ndarray) -> np.ndarray:  # (n, H, C) -> series, window, step order
        return block.transpose(2, 0, 1).ravel()

    rows_long = by_series(rows)
    columns: dict[str, Any] = {
        "cutoff": times.to_numpy()[by_series(np.broadcast_to(origins[:, None, :] - 1, rows.shape))],
        spec.id_col: np.repeat(
            restore_ids(np.asarray(spec.targets, dtype=object), spec.id_dtype), n_windows * horizon
        ),
        spec.time_col: times.to_numpy()[rows_long],
        spec.value_col: by_series(prediction[..., point_index(quantiles)]),
    }
    for k, level in enumerate(quantiles or []):
        columns[quantile_column(spec.value_col, level)] = by_series(prediction[..., k])
    columns[f"{spec.value_col}_actual"] = actual[rows_long, np.repeat(series, n_windows * horizon)]
    result = pd.DataFrame(columns)
    if spec.periods:  # to_numpy gives Period objects: keep the column's Period dtype
        for column in ("cutoff", spec.time_col):
            result[column] = result[column].astype(times.dtype)
    return result, True, prediction, actual[rows, series], calibrations


def windows_by_end(
    frame: pd.DataFrame, spec, spans: Spans, origins: np.ndarray, lookback: int, horizon: int
) -> WindowsByEnd:
    """The backtest inputs of a ragged panel with covariates: series that end at the same row share
    their windows ``(n_windows, n_ends, lookback, n_channels)``, which hold the covariates of their
    own rows (a covariate is shared by every series, so one window cannot serve series that end at
    different rows). Target channels outside their span are 0 (a channel-independent model reads each
    series alone: they touch no kept forecast)."""
    inputs, _ = window_inputs(frame, spec, horizon)
    ends, which = np.unique(spans.last, return_inverse=True)
    first_of_end = np.array([np.flatnonzero(which == g)[0] for g in range(len(ends))])
    n_targets = len(spec.targets)
    groups = []
    for j in first_of_end:
        own = np.repeat(
            origins[:, j : j + 1], n_targets, axis=1
        )  # (n_windows, n_targets): this end's origins
        x = np.stack([inputs[o - lookback : o] for o in own[:, 0]])  # (n_windows, L, n_channels)
        carry_trailing_fills(x, frame, spec, own, horizon)  # nothing filled from the window
        groups.append(x)
    x = np.stack(groups, axis=1)
    x[..., :n_targets] = np.nan_to_num(x[..., :n_targets], nan=0.0)
    return WindowsByEnd(x, which.reshape(-1))


@dataclasses.dataclass
class WindowsByEnd:
    """Backtest inputs ``x (n_windows, n_ends, lookback, n_channels)`` and the end group of each series
    ``which (n_targets,)``: :func:`windows_by_end`. Sliced by window, as an array is."""

    x: np.ndarray
    which: np.ndarray

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, windows: slice) -> WindowsByEnd:
        return WindowsByEnd(self.x[windows], self.which)


def forecast_inputs(task, x: np.ndarray | WindowsByEnd) -> np.ndarray:
    """``(n_windows, horizon, n_targets, n_quantiles)`` forecasts of backtest inputs: windows ``(n_windows,
    lookback, n_channels)``, or :class:`WindowsByEnd` (each series' forecast from its own end group's window)."""
    if not isinstance(x, WindowsByEnd):
        with torch.no_grad():
            return task.forecast(torch.as_tensor(x, dtype=torch.float64)).numpy()
    n_windows, n_ends = x.x.shape[:2]
    with torch.no_grad():
        flat = task.forecast(
            torch.as_tensor(x.x.reshape(n_windows * n_ends, *x.x.shape[2:]), dtype=torch.float64)
        )
    grouped = flat.numpy().reshape(n_windows, n_ends, *flat.shape[1:])  # (n, n_ends, H, n_targets, Q)
    series = np.arange(len(x.which))
    return grouped[:, x.which, :, series, :].transpose(
        1, 2, 0, 3
    )  # (n_targets, n, H, Q) -> (n, H, n_targets, Q)


def window_forecasts(
    fc: Forecaster,
    x: np.ndarray | WindowsByEnd,
    frame: pd.DataFrame,
    firsts: np.ndarray,
    refit_every: int,
    levels: list[float] | None = None,
) -> tuple[np.ndarray, list[tuple[slice, ConformalScores | None]]]:
    """Forecasts ``(n_windows, horizon, n_targets, n_quantiles)`` of the backtest inputs ``x
    (n_windows, lookback, n_channels)``, and ``(windows, conformal scores)`` of the model that made them.

    ``refit_every`` ``0``: the fitted model forecasts every window. ``k``: a model is refitted before
    windows ``0, k, 2k, ...`` on the rows of ``frame`` (the checked backtest data) before each series'
    first forecast row ``firsts[i, j]`` (``(n_windows, n_targets)``) and forecasts the next ``k`` windows.
    Before the first refit trains, its rows and (with ``levels``) its calibration windows are checked.
    """
    if not refit_every:
        return forecast_inputs(fc._require_fitted(), x), [(slice(0, len(x)), fc.conformal_)]
    starts = range(0, len(x), refit_every)
    check_refit_rows(fc, frame, firsts[0])  # the shortest prefix: before any training
    check_refit_observed(fc, frame, firsts, starts)  # every refit's: a later one must not fail late
    first_module = refit_module(fc, frame, firsts[0])
    if levels is not None:
        check_refit_calibration(fc, first_module, levels, frame, firsts[0])
    predictions, calibrations = [], []
    for start in starts:
        group = slice(start, min(start + refit_every, len(x)))
        module = first_module if start == 0 else refit_module(fc, frame, firsts[start])
        first_module = None  # each refit's module is freed with its model
        refitted = refit_forecaster(fc, module)
        predictions.append(forecast_inputs(refitted.task_, x[group]))
        scores = refitted.conformal_
        if scores is not None:  # its warnings say which refit's validation rows
            source = scores.source.replace("the validation split", "the validation rows", 1)
            scores = dataclasses.replace(scores, source=f"{source} of the refit before window {start + 1}")
        calibrations.append((group, scores))
    return np.concatenate(predictions), calibrations
