"""The conformal scores ``fit`` keeps: a fitted task scored on the validation windows of its data.

Inputs that end in filled rows come carried from the last observed value by the data module's windows,
and actuals the fill policy invented are not scored."""

from __future__ import annotations

import numpy as np
import torch

from ssm_ts.pipelines.forecasting import ForecastDataModule, ForecastWindows, filled_targets
from ssm_ts.pipelines.forecasting.frames import times_to_json
from ssm_ts.tasks.conformal_budget import DEFAULT_SCORE_BUDGET, MAX_CALIBRATION_WINDOWS, windows_to_keep
from ssm_ts.tasks.conformal_scores import ConformalScores, compute_scores, score_kinds
from ssm_ts.tasks.forecasting import ForecastingTask

# windows per forward pass of the end-of-fit calibration: on a CPU, 32-128 ran a 1000-window pass of
# ETTh1 (7 series, horizon 96) in 0.29 s, 256 in 0.45 s and 1000 in 1.1 s (larger batches leave the cache)
CALIBRATION_BATCH = 128


def validation_scores(
    task: ForecastingTask,
    datamodule: ForecastDataModule,
    budget: int = DEFAULT_SCORE_BUDGET,
    device: torch.device | str | None = None,
) -> ConformalScores:
    """Conformal scores of ``task`` on the validation windows of ``datamodule`` (as many as ``budget``
    holds, evenly spaced: :func:`~ssm_ts.tasks.conformal_budget.windows_to_keep`), actuals that the fill policy
    invented left out; inputs that end in filled rows come carried from the last observed value by the
    data module's windows (the rule of :func:`~ssm_ts.pipelines.forecasting.fills.carry_trailing_fills`). The windows
    are forecast :data:`CALIBRATION_BATCH` at a time on ``device`` (the fit's, e.g. ``cuda:0``;
    ``None``: where the task is), and the task is put back where it was."""
    spec = datamodule.spec
    windows, chosen, actual = calibration_windows(datamodule, task.hparams.quantiles, budget)
    # (n_windows, lookback, n_channels), a copy: the module's arrays stay as they are
    inputs = np.stack([windows[i][0].numpy() for i in chosen])  # carried already by the windows
    home = task.device
    device = home if device is None else torch.device(device)
    predictions = []
    try:
        task.to(device)
        with torch.no_grad():
            for batch in torch.from_numpy(inputs).split(CALIBRATION_BATCH):
                predictions.append(task.forecast(batch.to(device)).cpu().numpy())
    finally:
        task.to(home)
    capped = len(chosen) < min(len(windows), MAX_CALIBRATION_WINDOWS)  # by the budget, not the 1000
    source = f"the validation split ({len(chosen)} of its {len(windows)} windows"
    source += f", as many as calibration_budget={budget} holds)" if capped else ")"
    notes = _unscored_notes(datamodule, ~np.isnan(actual).all(axis=(0, 1)))
    # the last training row's time, so calibrate() can leave out windows of rows the model was trained on
    train_end = times_to_json(datamodule.frame[spec.time_col].iloc[[datamodule.bounds.train_end - 1]])[0]
    return compute_scores(
        np.concatenate(predictions), actual, task.hparams.quantiles, source, notes, train_end
    )


def calibration_windows(
    datamodule: ForecastDataModule, quantiles: list[float] | None, budget: int = DEFAULT_SCORE_BUDGET
) -> tuple[ForecastWindows, np.ndarray, np.ndarray]:
    """``(windows, chosen, actual)``: the validation windows of ``datamodule`` (set up), the indices of
    those :func:`validation_scores` scores for a model with ``quantiles`` (as many as ``budget`` holds,
    evenly spaced), and their actuals ``(len(chosen), horizon, n_targets)``, NaN where the fill policy
    invented the value or a series of a ragged panel has no such window (those are not scored)."""
    windows = datamodule.windows("val")
    per_window = datamodule.horizon * len(datamodule.spec.targets) * score_kinds(quantiles)
    kept = windows_to_keep(len(windows), per_window, budget)
    chosen = np.unique(np.linspace(0, len(windows) - 1, kept).round()).astype(int)
    filled = filled_targets(datamodule.frame, datamodule.spec)
    ys = []
    for i in chosen:
        first = int(windows.starts[i]) + windows.lookback
        ys.append(np.where(filled[first : first + windows.horizon], np.nan, windows[i][1].numpy()))
    actual = np.stack(ys) if ys else np.zeros((0, windows.horizon, len(datamodule.spec.targets)))
    return windows, chosen, actual


def _unscored_notes(datamodule: ForecastDataModule, scored: np.ndarray) -> dict[str, str]:
    """Why each series without a scored validation window (``scored[j]`` False) has none: a series of
    a ragged panel that ends before the validation split, starts too late for it, or whose window
    rows there are all filled."""
    spans, bounds = datamodule.spans, datamodule.bounds
    times = datamodule.frame[datamodule.spec.time_col]
    start, end = times.iloc[bounds.train_end], times.iloc[bounds.val_end - 1]
    notes = {}
    for j in np.flatnonzero(~scored):
        first, last = int(spans.first[j]), int(spans.last[j])
        if last < bounds.train_end:
            why = f"it ends at {times.iloc[last]}, before the validation split (from {start})"
        elif first > bounds.val_end - datamodule.lookback - datamodule.horizon:
            why = (
                f"it starts at {times.iloc[first]}, too late for a window of the validation split (to {end})"
            )
        else:
            why = (
                f"no window of lookback {datamodule.lookback} + horizon {datamodule.horizon} rows inside its span "
                f"({times.iloc[first]} to {times.iloc[last]}) has observed targets in the validation split "
                f"({start} to {end})"
            )
        notes[datamodule.spec.targets[j]] = why
    return notes
