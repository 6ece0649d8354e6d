"""Covariates of a long table over the times their targets read them.

A long table's series are empty outside their own span (:mod:`.spans`), and no check or fill touches
those empty ends: a target's are outside its windows, but a covariate series that starts after a
target does (or ends before it) is empty inside that target's windows, which then read NaN (a fit
stopped at its first batch with a NaN loss; a forecast came back NaN). Gaps inside a covariate's
span are gaps as ever.

The forecasting data module runs the check once its series are read (:meth:`~.datamodule.
ForecastDataModule.setup`), so ``ssm-ts forecast fit``, ``Forecaster.fit`` and ``tune`` refuse such a
table alike; ``Forecaster.predict``, which reads without a data module, runs it over the lookback.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ssm_ts.errors import DataError

from .series_spec import SeriesSpec
from .spans import n_observed_rows


def require_covered_targets(
    frame: pd.DataFrame,
    spec: SeriesSpec,
    reads: list[list[int]] | None,
    source: str,
    last_rows: int | None = None,
) -> None:
    """Each covariate a target reads holds values from the target's first to its last observed row
    (``last_rows``: over its last ``last_rows`` observed rows only, the window a forecast reads).

    ``frame``: a checked frame of ``spec`` (its trailing future rows are the future rows' concern);
    ``reads``: per target, the covariate positions it reads (a model's ``covariate_index``); ``None``:
    every covariate. ``source`` names the data in the error.

    Raises:
        DataError: naming the covariate, the series, the times it lacks and the fix.
    """
    covariates = [*spec.past_covariates, *spec.future_covariates]
    if not spec.long_format or not covariates:
        return
    end = n_observed_rows(frame, spec.targets)
    held = frame[covariates].iloc[:end].notna().to_numpy()  # (rows, n_covariates)
    firsts = np.where(held.any(axis=0), held.argmax(axis=0), end)
    lasts = np.where(held.any(axis=0), end - 1 - held[::-1].argmax(axis=0), -1)
    times = frame[spec.time_col]
    # (rows, n_targets), once: a Series per target was slow at 1,000 series
    targets = frame[spec.targets].iloc[:end].notna().to_numpy()
    for j, target in enumerate(spec.targets):
        observed = np.flatnonzero(targets[:, j])
        if not len(observed):
            continue
        # the span's rows (gaps inside it are filled or refused already)
        rows = np.arange(observed[0], observed[-1] + 1)[-(last_rows or 0) :]
        for i in range(len(covariates)) if reads is None else reads[j]:
            if firsts[i] <= rows[0] and lasts[i] >= rows[-1]:
                continue
            name = covariates[i]
            if lasts[i] < 0:  # no value in the observed rows at all
                lacks, fix = "has no values", f"leave {name!r} out of the covariates"
            else:
                late = firsts[i] > rows[0]
                cut = times.iloc[firsts[i] if late else lasts[i]]
                lacks = f"has no values {'before' if late else 'after'} {cut}"
                fix = (
                    f"leave the rows outside its times out: df = df[{_time_column(spec)} "
                    f"{'>=' if late else '<='} {_time_literal(cut)}]"
                )
            raise DataError(
                f"{source}: covariate {name!r} {lacks}, and series {target!r} reads it from "
                f"{times.iloc[rows[0]]} to {times.iloc[rows[-1]]}: its windows there would read no value (a "
                f"NaN training loss, or no forecast). Give {name!r} for those times, or {fix}."
            )


def require_covered_future(
    frame: pd.DataFrame, spec: SeriesSpec, reads: list[list[int]] | None, source: str, steps: int
) -> None:
    """Each known-future covariate a target reads holds a value at the future rows its forecast reads
    (of the ``steps`` after ``frame``'s last observation; a ragged panel's series that ended earlier
    reads fewer of them, or none). Such a covariate given for one series' forecast steps but not
    another's (a futr_df short of one series' first row) is empty outside its own span there, which
    no check reached: that series got no forecast, unsaid. ``reads``, ``source``: as
    :func:`require_covered_targets`; rows ``frame`` lacks are :func:`~.forecast_inputs.last_window`'s
    concern.

    Raises:
        DataError: naming the covariate, the series that reads it, the times and the fix.
    """
    future = spec.future_covariates
    if not spec.long_format or not future:
        return
    end = n_observed_rows(frame, spec.targets)
    held = frame[future].iloc[end : end + steps].notna().to_numpy()  # (future rows, n_future)
    if held.all():
        return
    observed = frame[spec.targets].iloc[:end].notna().to_numpy()  # (rows, n_targets)
    lasts = end - 1 - observed[::-1].argmax(axis=0)
    n_past = len(spec.past_covariates)
    for j, target in enumerate(spec.targets):
        reach = min(int(lasts[j]) + 1 + steps - end, len(held))  # future rows its forecast reads
        if not observed[:, j].any() or reach <= 0:
            continue
        for i in range(len(future)) if reads is None else [k - n_past for k in reads[j] if k >= n_past]:
            lacking = np.flatnonzero(~held[:reach, i])
            if not len(lacking):
                continue
            name = future[i]
            times = frame[spec.time_col].iloc[end + lacking]
            shown = ", ".join(map(str, times.iloc[:3])) + (", ..." if len(times) > 3 else "")
            feature = name[: -len(target) - 2] if name.endswith(f"[{target}]") else None
            give = (
                f"a row of series {target!r} at each of those times with its {feature!r} (futr_df: a row per "
                f"series and forecast step)"
                if feature
                else f"the rows of {name!r} at those times"
            )
            what = (
                f"column {feature!r} of series {target!r}" if feature else f"known-future covariate {name!r}"
            )
            raise DataError(
                f"{source}: {what} has no value at {spec.time_col} {shown} "
                f"({len(times)} of the forecast steps of series {target!r}, which reads it there): no row, "
                f"or an empty one, so {target!r} would get no forecast. Give {give}."
            )


def feature_reads(spec: SeriesSpec) -> list[list[int]] | None:
    """Per target of ``spec``, the covariate positions it reads as far as the covariates' names tell:
    the shared covariates and its own per-series features (``price[store_1]`` is read by
    ``store_1`` alone, :func:`~.series_features.feature_series`); ``None`` (every covariate) when no
    covariate is such a feature. A feature of a series that starts late is empty where another series
    reads nothing of it: checked against every target, a valid ragged panel would be refused.
    ``(n_targets, n_read)``."""
    covariates = [*spec.past_covariates, *spec.future_covariates]
    # each name's owner read from its brackets, not tried against every target (seconds at 1,000 series)
    order = {t: k for k, t in enumerate(spec.targets)}
    owner: dict[int, str] = {}
    for i, name in enumerate(covariates):
        if not name.endswith("]"):
            continue
        named = [name[p + 1 : -1] for p, c in enumerate(name[:-1]) if c == "[" and name[p + 1 : -1] in order]
        if named:  # the last of the targets it may name, as ever (only odd ids name two)
            owner[i] = max(named, key=order.__getitem__)
    if not owner:
        return None
    shared = [i for i in range(len(covariates)) if i not in owner]
    own: dict[str, list[int]] = {t: [] for t in spec.targets}
    for i, t in owner.items():
        own[t].append(i)
    return [shared + own[target] for target in spec.targets]


def _time_column(spec: SeriesSpec) -> str:
    """The user's time column as the fix compares it: dates as dates (a CSV's text read by pandas too)."""
    if spec.integer_times or spec.periods:
        return f"df[{spec.time_col!r}]"
    return f"pd.to_datetime(df[{spec.time_col!r}])"


def _time_literal(time: object) -> str:
    """``time`` as Python a user can paste beside ``df['ds']``: ``pd.Timestamp('2020-01-05')``, ``7``."""
    if isinstance(time, pd.Timestamp):
        return f"pd.Timestamp({str(time)!r})"
    if isinstance(time, pd.Period):
        return f"pd.Period({str(time)!r})"
    return repr(time.item() if isinstance(time, np.generic) else time)
