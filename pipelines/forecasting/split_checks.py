"""Checks that every split of a series can be trained on and scored: a ragged panel's series each
need a training window inside their own span, and a split whose filled targets are left out needs
some observed ones."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ssm_ts.errors import DataError

from .series_ids import leave_out_code
from .spans import Spans
from .split import SplitBoundaries

# The splits whose windows leave the targets the fill invented out (NaN in ``y``): what the task
# scores and early stopping reads, and what training fits (neuralforecast's ``available_mask``).
UNSCORED_FILLS_SPLITS = ("train", "val", "test")

# the most series ids an error's fix lists; more are told by a rule (their count of values)
LISTED_IDS = 10


def check_ragged_windows(
    bounds: SplitBoundaries,
    spans: Spans,
    times: pd.Series,
    lookback: int,
    horizon: int,
    source: str,
    id_col: str = "unique_id",
    id_dtype: str | None = None,
    time_col: str = "ds",
    value_col: str = "y",
) -> None:
    """Every series needs a training window inside its span (its scaler is fitted on its own
    training rows); the validation (and test) split needs a window of some series.

    ``times``: the frame's time column, ``(T,)``; ``source``: the data's name in the errors;
    ``id_col``, ``id_dtype``, ``time_col``, ``value_col``: the long table's columns and numeric id
    dtype, for the fix (more than :data:`LISTED_IDS` series are left out by their count of values
    before the split's end, not by a list of every id)."""
    length = lookback + horizon
    train = np.asarray(bounds.window_starts("train", lookback, horizon))
    none = ~spans.valid(train, length).any(axis=0)
    if none.any():
        end = times.iloc[bounds.train_end]
        fix = _leave_out_short(spans.names_of(none), end, length, id_col, id_dtype, time_col, value_col)
        raise DataError(
            f"{source}: {int(none.sum())} of {len(spans.names)} series {'has' if none.sum() == 1 else 'have'} "
            f"no training window (lookback "
            f"{lookback} + horizon {horizon} rows inside both the series' span and the training "
            f"split, which ends before {end} for all series): "
            f"{spans.listed(none, times, id_dtype=id_dtype)}. Leave those series out "
            f"({fix}), or use a shorter lookback or horizon or a larger training split."
        )
    for split in ("val", "test") if bounds.test_end > bounds.val_end else ("val",):
        starts = np.asarray(bounds.window_starts(split, lookback, horizon))
        if not spans.valid(starts, length).any():
            raise DataError(
                f"{source}: no series spans a whole {split} window (lookback {lookback} + horizon "
                f"{horizon} rows whose targets lie in the {split} split); use a shorter lookback or "
                "horizon, or other split fractions."
            )


def _leave_out_short(
    names: list, end: object, length: int, id_col: str, id_dtype: str | None, time_col: str, value_col: str
) -> str:
    """The pandas line that drops the series ``names`` without a training window: by their ids when
    there are at most :data:`LISTED_IDS`; else, not to print thousands of ids, those with fewer than
    ``length`` values before ``end`` (the training split's end; series with gaps inside their span may
    have a window with fewer, and are dropped too)."""
    if len(names) <= LISTED_IDS:
        return leave_out_code(names, id_col, id_dtype)
    if isinstance(end, pd.Timestamp):  # dates, also a CSV's, read as text
        before = f"pd.to_datetime(df[{time_col!r}]) < pd.Timestamp({str(end)!r})"
    elif isinstance(end, pd.Period):
        before = f"df[{time_col!r}] < pd.Period({str(end)!r}, freq={end.freqstr!r})"
    else:
        before = f"df[{time_col!r}] < {end.item() if isinstance(end, np.generic) else end!r}"  # 42, not np.int64(42)
    counts = f"n = df[{before}].groupby({id_col!r})[{value_col!r}].count()"
    return f"{counts}; df = df[df[{id_col!r}].isin(n[n >= {length}].index)]"


def check_observed_targets(
    bounds: SplitBoundaries,
    observed: np.ndarray | None,
    times: pd.Series,
    lookback: int,
    fill: str | None,
    source: str,
) -> None:
    """A split whose windows leave filled targets out needs some value the data holds: scores over
    nothing but invented values would be NaN (and early stopping would read NaN).

    ``observed (T, n_targets)``: the target values the data holds (``None``: the fill invented
    none); ``times``: the frame's time column, ``(T,)``; ``fill``: the spec's fill policy."""
    if observed is None:
        return
    splits = {"train": (0, bounds.train_end), "val": (bounds.train_end, bounds.val_end),
              "test": (bounds.val_end, bounds.test_end)}  # fmt: skip
    for split in UNSCORED_FILLS_SPLITS:
        start, end = splits[split]
        if split == "train":
            start = lookback  # the first target row of a training window
        if end <= start or (split == "test" and bounds.test_end <= bounds.val_end):
            continue
        if not observed[start:end].any():
            raise DataError(
                f"{source}: every target value of the {split} split ({times.iloc[start]} to "
                f"{times.iloc[end - 1]}, rows {start}-{end - 1}) was filled by fill={fill!r}, none "
                f"observed, so its loss and metrics would score invented values only. Give that split "
                "observed rows (other split fractions or boundaries), or data with fewer gaps there."
            )
