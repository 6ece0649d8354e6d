"""``Forecaster.backtest(refit=...)``'s refits: the rows each refit trains and validates on, the checks
that fail before any refit trains, and the refit itself (unlogged, its checkpoints in a temporary folder).

A refit sees only the rows before its first window's first forecast time, split into training and
validation rows in the train:validation ratio of the forecaster's split, with no test split."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ssm_ts.api.conformal import (
    MAX_CALIBRATION_WINDOWS,
    highest_level,
    needed_windows,
    score_kinds,
    windows_to_keep,
)
from ssm_ts.api.forecast_validation_scores import calibration_windows
from ssm_ts.errors import DataError
from ssm_ts.pipelines.forecasting import ForecastDataModule, filled_targets, series_spans
from ssm_ts.pipelines.forecasting.fills import refill_before
from ssm_ts.pipelines.forecasting.series_ids import shown_ids

if TYPE_CHECKING:
    from ssm_ts.api.forecaster import Forecaster


def refit_train_rows(fc: Forecaster, n_rows: int) -> int:
    """The training rows of a refit on ``n_rows`` rows (the rest validate it, no test split): this
    Forecaster's train:validation ratio, as a preset's fixed rows cannot apply to a shorter prefix."""
    s = fc.settings
    if s["fractions"] is not None:
        train, val = s["fractions"][0], s["fractions"][1]
    elif s["boundaries"] is not None:
        train, val = s["boundaries"][0], s["boundaries"][1] - s["boundaries"][0]
    elif s["split"] in ("ett_h", "ett_m"):
        train, val = 0.6, 0.2  # rows [0, 8640) and [8640, 11520) of 14400
    else:  # "standard": 70% train, 20% test, the 10% between them validation
        train, val = 0.7, 0.1
    return int(train / (train + val) * n_rows)


def check_refit_rows(fc: Forecaster, frame: pd.DataFrame, firsts: np.ndarray) -> None:
    """A clear error when the rows before the first refit's window (its series' first forecast rows
    ``firsts``) hold no training window of lookback + horizon rows or no validation window of
    horizon rows in the rows after them (:func:`refit_train_rows`)."""
    hp = fc._require_fitted().hparams
    rows = int(firsts.max())

    def enough(n: int) -> bool:
        train = refit_train_rows(fc, n)
        return train >= hp.lookback + hp.horizon and n - train >= hp.horizon

    if enough(rows):
        check_refit_series(fc, frame, firsts)
        return
    needed = next(n for n in itertools.count(rows + 1) if enough(n))
    first_time = frame[fc.spec_.time_col].iloc[rows]
    raise DataError(
        f"backtest(refit=...): window 1 (first forecast at {first_time}) has {rows} rows before it, and a refit "
        f"needs {needed}: a training window of lookback {hp.lookback} + horizon {hp.horizon} rows in its "
        f"training rows ({refit_train_rows(fc, needed)} of {needed}, the train:validation ratio of this "
        f"Forecaster's split) and a validation window of horizon {hp.horizon} rows after them. Use fewer "
        "windows or a smaller step, a shorter lookback or horizon, more data, or refit=False."
    )


def check_refit_observed(fc: Forecaster, frame: pd.DataFrame, firsts: np.ndarray, starts: range) -> None:
    """A clear error, before any refit trains, when the training or validation rows of the refit
    before a window of ``starts`` (its series' first forecast rows ``firsts[start]``) hold no target
    value the data has: all were filled. The refit's data module refuses such a split (its loss and
    scores would be over invented values only), and for a later refit it did so after the earlier
    ones had trained, naming fixes (split fractions) that do not say which refit."""
    hp, spec = fc._require_fitted().hparams, fc.spec_
    observed = ~filled_targets(frame, spec)  # (rows, n_targets), as the refit's data module reads it
    if observed.all():
        return
    times = frame[spec.time_col]
    for start in starts:
        rows = int(firsts[start].max())
        train = refit_train_rows(fc, rows)
        for split, (first, end) in (("training", (hp.lookback, train)), ("validation", (train, rows))):
            if end <= first or observed[first:end].any():
                continue
            raise DataError(
                f"backtest(refit=...): the refit before window {start + 1} (first forecast at "
                f"{times.iloc[rows]}) would have {split} rows {times.iloc[first]} to {times.iloc[end - 1]} "
                f"(rows {first}-{end - 1}, by the train:validation ratio of this Forecaster's split) whose "
                f"targets were all filled by fill={spec.fill!r}, none observed: it would be "
                f"{'trained' if split == 'training' else 'validated'} on invented values only. No refit was "
                "trained. Move that refit's cutoff (another step, n_windows or refit=k), give its "
                "validation rows observed values (Forecaster(fractions=...)), use data with fewer gaps "
                "there, or refit=False."
            )


def check_refit_series(fc: Forecaster, frame: pd.DataFrame, firsts: np.ndarray) -> None:
    """A clear error when a series of a ragged panel has no training window in the first refit: its
    rows from its first observed one to its own cutoff (``firsts[j] - 1``) or to the end of the
    refit's training rows, whichever comes first. Later refits have more of both."""
    hp, spec = fc._require_fitted().hparams, fc.spec_
    spans = series_spans(frame, spec.targets)
    if not spans.ragged:
        return
    rows = int(firsts.max())
    train = refit_train_rows(fc, rows)
    ends = np.minimum(firsts, train)  # each series' training rows: [first, end)
    none = ends - spans.first < hp.lookback + hp.horizon
    if not none.any():
        return
    times = frame[spec.time_col]

    def listed(j: int) -> str:
        first, end = int(spans.first[j]), int(ends[j])
        name = shown_ids([spec.targets[j]], spec.id_dtype)[0]  # an integer id as 4, not '4'
        if end <= first:
            return f"{name!r} (none: it starts at {times.iloc[first]})"
        return f"{name!r} ({end - first} rows, {times.iloc[first]} to {times.iloc[end - 1]})"

    named = [listed(j) for j in np.flatnonzero(none)]
    more = f" and {len(named) - 5} more" if len(named) > 5 else ""
    raise DataError(
        f"backtest(refit=...): the refit before window 1 trains on the first {train} of {rows} rows (the "
        "train:validation ratio of this Forecaster's split), each series up to its own cutoff, and "
        f"{int(none.sum())} of {len(spec.targets)} series have no training window of lookback {hp.lookback} "
        f"+ horizon {hp.horizon} rows there: {', '.join(named[:5])}{more}. Use fewer windows or a smaller "
        "step (later refits have more rows), a shorter lookback or horizon, or refit=False (a refit trains "
        "on every series the model was fitted on, so none can be left out of it)."
    )


def check_refit_calibration(
    fc: Forecaster, module: ForecastDataModule, levels: list[float], frame: pd.DataFrame, firsts: np.ndarray
) -> None:
    """A clear error, before any refit trains, when the first refit (``module``, the shortest
    prefix) will have too few calibration windows for the highest of ``levels`` in every series:
    its validation windows as :func:`validation_scores` will score them (this Forecaster's
    ``calibration_budget``; a ragged panel's series each cut at their own cutoff ``firsts[j] - 1``;
    filled actuals left out). Later refits see more rows. A series short of windows while others
    have enough gets NaN bounds and a warning after the refits, as without refit.
    """
    hp, spec, s = fc._require_fitted().hparams, fc.spec_, fc.settings
    windows, chosen, actual = calibration_windows(module, hp.quantiles, s["calibration_budget"])
    counts = np.sum(~np.isnan(actual), axis=0).min(axis=0)  # (n_targets,): fewest at any step
    level = max(levels)
    needed = needed_windows(level)
    if counts.size and counts.max() >= needed:
        return
    best = int(np.argmax(counts)) if counts.size else 0
    n = int(counts[best]) if counts.size else 0
    rows, train = len(module.frame), module.bounds.train_end
    first_time = frame[spec.time_col].iloc[int(firsts.max())]
    fixes = [f"a level of at most {highest_level(n):g}" if n else None]
    if len(chosen) < min(len(windows), MAX_CALIBRATION_WINDOWS):  # the budget kept fewer than there are
        kept = f"it keeps {len(chosen)} of {len(windows)}"
        fixes.append(f"a larger Forecaster(calibration_budget=...) ({kept})")
    more_rows = refit_rows_for(fc, needed, rows) if not module.ragged else None
    fixes.append(
        "fewer windows or a smaller step (window 1 later, its refit on more rows)"
        + (f": window 1 needs {more_rows} rows before it" if more_rows else "")
    )
    fixes.append("more data, or refit=False (the fitted model's own calibration)")
    raise DataError(
        f"backtest(refit=...): level {level:g}% needs at least {needed} calibration windows per horizon step "
        f"and series, and the refit before window 1 (first forecast at {first_time}) would have at most {n}"
        f"{f' ({spec.targets[best]!r})' if n else ''}: its calibration windows are the windows of its "
        f"validation rows, the last {rows - train} of the {rows} rows before window 1 (the train:validation "
        "ratio of this Forecaster's split, each series up to its own cutoff). No refit was trained. "
        f"Ask for {'; '.join(f for f in fixes if f)}."
    )


def refit_rows_for(fc: Forecaster, n_windows: int, rows: int) -> int | None:
    """The fewest rows (more than ``rows``) whose refit split has ``n_windows`` validation windows
    (each series observed throughout), ``None`` when the budget or the cap of 1000 keeps fewer."""
    hp, s = fc._require_fitted().hparams, fc.settings
    per_window = hp.horizon * len(fc.spec_.targets) * score_kinds(hp.quantiles)
    if windows_to_keep(n_windows, per_window, s["calibration_budget"]) < n_windows:
        return None
    for n in itertools.count(rows + 1):
        train = refit_train_rows(fc, n)
        if n - hp.horizon + 1 - max(train, hp.lookback) >= n_windows:
            return n
    return None  # unreachable: the validation rows grow with n


def refit_module(fc: Forecaster, frame: pd.DataFrame, firsts: np.ndarray) -> ForecastDataModule:
    """The data of a refit, set up: the rows of ``frame`` before each series' first forecast row
    ``firsts (n_targets,)`` (a ragged panel's series each end at their own), split into training and
    validation rows (:func:`refit_train_rows`), no test rows."""
    spec, s = fc.spec_, fc.settings
    prefix = frame.iloc[: int(firsts.max())].copy()  # .copy() keeps the SeriesNotes (filled values)
    for name, first in zip(spec.targets, firsts, strict=True):
        prefix.loc[prefix.index >= first, name] = np.nan  # after its own cutoff: outside its span
    # the table was filled whole: a gap before the cutoff was drawn toward the rows after it
    prefix = refill_before(prefix, spec, firsts)
    # read and checked already: read again, its ended series would look like gaps, its fill notes lost
    module = ForecastDataModule.from_checked(
        prefix, spec, lookback=s["lookback"], horizon=s["horizon"],
        boundaries=[refit_train_rows(fc, len(prefix)), len(prefix)],
        batch_size=s["batch_size"], shuffle_seed=s["seed"],
    )  # fmt: skip
    module.setup("fit")
    return module


def refit_forecaster(fc: Forecaster, module: ForecastDataModule) -> Forecaster:
    """A fresh model with this Forecaster's settings fitted on ``module`` (:func:`refit_module`),
    unlogged, its checkpoints in a temporary folder: ``fc`` and its ``out_dir`` are not touched."""
    import tempfile

    from ssm_ts.api.forecaster import Forecaster  # which imports this module

    s = fc.settings
    with tempfile.TemporaryDirectory(prefix="ssm-ts-refit-") as folder:
        settings = {**s, "log_to_mlflow": False, "register_as": None, "out_dir": folder}
        refitted = Forecaster(**settings)
        refitted._refit = True  # unlogged: callbacks that only log (LearningRateMonitor) are left out
        refitted.series_features_ = fc.series_features_  # each series reads its own covariates and statics
        refitted = refitted._train(module)
    refitted.out_dir_ = refitted.best_checkpoint_ = None  # removed with the folder
    return refitted
