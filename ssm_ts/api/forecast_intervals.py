"""Conformal intervals of a fitted :class:`~ssm_ts.api.forecaster.Forecaster`'s forecasts: the checked
request, the bounds, the frames' interval columns (``<target>_lo-<level>``/``_hi-<level>``, long:
``y_lo-<level>``) and the CLI's forecast files with them (``ssm-ts forecast predict --level 80``)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from ssm_ts.api.conformal import (
    ConformalScores,
    check_levels,
    default_method,
    interval_columns,
    intervals,
    learned_bands,
    shortfall_message,
    shortfalls,
)
from ssm_ts.errors import ConfigError
from ssm_ts.pipelines.forecasting import ForecastDataModule, SeriesSpec, to_wide_forecast
from ssm_ts.pipelines.forecasting.series_ids import ids_as_names
from ssm_ts.rank_zero_warnings import warn_on_rank_zero
from ssm_ts.tasks.forecast_outputs import write_forecast_files  # noqa: F401  (imported from here by the CLI)
from ssm_ts.tasks.forecasting import ForecastingTask

if TYPE_CHECKING:
    from ssm_ts.api.forecaster import Forecaster


# ------------------------------------------------------------ a fitted forecaster's intervals


def fitted_bands(fc: Forecaster) -> tuple[tuple[float, float], ...]:
    """The fitted model's learned quantile bands (what ``interval_method="cqr"`` widens)."""
    return learned_bands(fc._require_fitted().hparams.quantiles)


def check_calibrated(fc: Forecaster, level: Any, interval_method: str | None) -> list[float]:
    """Checked levels; the model must be calibrated and the method possible."""
    levels = check_levels(level)
    if fc.conformal_ is None:
        raise ConfigError(
            "level= needs conformal calibration scores and this model has none: its export holds no "
            "conformal.safetensors (written by an older ssm-ts; Forecaster.fit and ssm-ts forecast fit keep "
            "them now). Call .calibrate(data, n_windows=...) on rows it was not trained on (.save() then "
            "keeps the scores), or refit; ssm-ts forecast predict --ckpt_path CKPT --level 80 calibrates a "
            "checkpoint without them on its validation split."
        )
    default_method(fc.conformal_, interval_method)
    return levels


def interval_bounds(
    fc: Forecaster,
    prediction: np.ndarray,
    levels: list[float],
    interval_method: str | None,
    scores: ConformalScores | None = None,
) -> dict[float, tuple[np.ndarray, np.ndarray]]:
    """``{level: (lower, upper)}`` of ``prediction (..., steps, n_targets, n_quantiles)`` from ``scores``
    (default: this model's); one warning names the series left NaN for a level (too few calibration
    windows), the others keep theirs."""
    task = fc._require_fitted()
    scores = fc.conformal_ if scores is None else scores
    default_method(scores, interval_method)
    bounds = intervals(prediction, scores, levels, task.hparams.quantiles, fc.spec_.targets,
                       interval_method)  # fmt: skip
    short = shortfalls(scores, levels, fc.spec_.targets, prediction.shape[-3], interval_method)
    if short:  # the user's call of Forecaster.predict or .backtest, however deep
        warn_on_rank_zero(shortfall_message(short, scores), UserWarning, stacklevel=None)
    return bounds


# ------------------------------------------------------------ the CLI's forecast files with intervals


def write_forecast_with_intervals(
    task: ForecastingTask,
    datamodule: ForecastDataModule,
    out_dir: str | os.PathLike,
    level: float | list[float],
    interval_method: Literal["residual", "cqr"] | None = None,
    n: int | None = None,
) -> list[Path]:
    """``forecast.csv`` and ``forecast.png`` of ``ssm-ts forecast predict --level 80`` (or ``[80, 95]``):
    the forecast with ``<target>_lo-<L>``/``_hi-<L>`` columns (long: ``y_lo-<L>``) and its conformal
    bands, as :meth:`Forecaster.predict` and :meth:`Forecaster.plot` give them.

    A CLI fit stores its calibration scores in its best checkpoint (``--ckpt_path best``), and those are
    used. For a checkpoint without them (``last.ckpt``, or one written before ssm-ts stored them) they
    are computed here as ``fit`` computes them: the model scored on the validation split of the data
    ``datamodule`` read (the fit's data, restored from the checkpoint, unless ``--data.path`` names
    another file: then its validation rows must be rows the model was not trained on).
    """
    check_levels(level)  # a bad level fails before the calibration pass
    forecaster = scored_forecaster(task, datamodule)
    forecast = forecaster.predict(n=n, level=level, interval_method=interval_method)
    return write_forecast_files(forecast, forecaster.plot(forecast, level=level), out_dir)


def scored_forecaster(
    task: ForecastingTask, datamodule: ForecastDataModule, calibrate: bool = True
) -> Forecaster:
    """A :class:`Forecaster` around the CLI's ``task`` and ``datamodule`` with the conformal scores
    its checkpoint stores (a CLI fit keeps them in its best checkpoint). A checkpoint without them (of
    an older ssm-ts, or not the best one: ``last.ckpt``) is calibrated here on ``datamodule``'s
    validation split when ``calibrate`` (``--level`` given), else gets no scores."""
    from ssm_ts.api.forecaster import Forecaster  # which imports this module

    stored = task.conformal_for(datamodule.spec)
    if stored is not None or not calibrate:
        return Forecaster.around(task, datamodule, stored)
    return Forecaster._calibrated_on(task, datamodule)


# ------------------------------------------------------------ interval columns

Bounds = dict[float, tuple[np.ndarray, np.ndarray]]


def flat_bounds(bounds: Bounds, order: tuple[int, int, int]) -> Bounds:
    """``(n_windows, horizon, n_targets)`` bounds flattened in ``order`` (``(2, 0, 1)``: series, window,
    step as long rows; ``(0, 1, 2)``: window, step rows with a column per series)."""
    if order == (0, 1, 2):
        return {k: tuple(b.reshape(-1, b.shape[-1]) for b in pair) for k, pair in bounds.items()}  # type: ignore[misc]
    return {k: tuple(b.transpose(order).ravel() for b in pair) for k, pair in bounds.items()}  # type: ignore[misc]


def bounds_on_rows(bounds: Bounds, steps: np.ndarray, present: np.ndarray) -> Bounds:
    """Bounds of each series' own steps ``(steps, n_targets)`` put on the forecast rows ``(rows, n_targets)``
    (``steps``: the step of each row per series; NaN where a series has no forecast)."""
    columns = np.broadcast_to(np.arange(present.shape[1]), present.shape)

    def on_rows(block: np.ndarray) -> np.ndarray:
        out = np.full(present.shape, np.nan)
        out[present] = block[steps[present], columns[present]]
        return out

    return {k: (on_rows(lo), on_rows(hi)) for k, (lo, hi) in bounds.items()}


def with_wide_intervals(frame: pd.DataFrame, spec: SeriesSpec, bounds: Bounds) -> pd.DataFrame:
    """``frame`` with ``<target>_lo-<level>``/``_hi-<level>`` columns from ``(rows, n_targets)`` bounds."""
    columns: dict[str, np.ndarray] = {}
    for j, target in enumerate(spec.targets):
        for level, (lower, upper) in bounds.items():
            lo, hi = interval_columns(target, level)
            columns[lo], columns[hi] = lower[:, j], upper[:, j]
    return pd.concat([frame, pd.DataFrame(columns, index=frame.index)], axis=1)


def with_long_intervals(frame: pd.DataFrame, spec: SeriesSpec, bounds: Bounds) -> pd.DataFrame:
    """``frame`` (long) with ``<value_col>_lo-<level>``/``_hi-<level>`` columns from flat bounds."""
    columns: dict[str, np.ndarray] = {}
    for level, (lower, upper) in bounds.items():
        lo, hi = interval_columns(spec.value_col, level)
        columns[lo], columns[hi] = lower, upper
    return pd.concat([frame, pd.DataFrame(columns, index=frame.index)], axis=1)


def level_text(levels: list[float]) -> str:
    """``80`` for one level, ``[80, 95]`` for several: as a user writes ``level=``."""
    texts = [f"{v:g}" for v in levels]
    return texts[0] if len(texts) == 1 else f"[{', '.join(texts)}]"


def long_to_wide_with_intervals(frame: pd.DataFrame, spec: SeriesSpec) -> pd.DataFrame:
    """:func:`to_wide_forecast` of a long backtest frame that has interval columns too (which it
    does not know): those are pivoted on the same ``(cutoff, time)`` rows and appended."""
    extra = [c for c in frame.columns if "_lo-" in c or "_hi-" in c]
    wide = to_wide_forecast(frame.drop(columns=extra), spec)
    index = [c for c in ("cutoff", spec.time_col) if c in frame.columns]
    pivoted = ids_as_names(frame, spec.id_col).pivot(index=index, columns=spec.id_col, values=extra)
    pivoted.columns = [target + column[len(spec.value_col) :] for column, target in pivoted.columns]
    ordered = [
        c
        for t in spec.targets
        for c in pivoted.columns
        if c.startswith(f"{t}_") and c[len(t) + 1 :][:3] in ("lo-", "hi-")
    ]
    return wide.merge(pivoted[ordered].reset_index(), on=index, how="left")
