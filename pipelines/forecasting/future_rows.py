"""Future rows: the trailing rows with every target empty, kept for prediction or dropped (with a
warning) from history, and those whose known-future covariates can still feed ``predict()``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ssm_ts.rank_zero_warnings import warn_on_rank_zero
from ssm_ts.wording import counted

from .frames import future_times
from .reader import Table
from .series_spec import SeriesSpec


def trailing_future_rows(values: pd.DataFrame, targets: list[str]) -> int:
    empty = values[targets].isna().all(axis=1).to_numpy()
    count = 0
    for is_empty in empty[::-1]:
        if not is_empty:
            break
        count += 1
    return count


def warn_dropped_future_rows(
    table: Table, values: pd.DataFrame, time_col: str, targets: list[str], future: list[str], count: int
) -> None:
    times = values[time_col]
    one = count == 1
    use = (
        f"predict() without data takes the known-future covariates {future} from {'it' if one else 'them'}"
        if future
        else "predict(df) forecasts the steps after the last observed row"
    )
    when = f"{times.iloc[-1]}" if one else f"{times.iloc[-count]} to {times.iloc[-1]}"
    warn_on_rank_zero(
        f"{table.name}: the last {counted(count, 'row')} ({when}) {'has' if one else 'have'} no value in any "
        f"target {targets}: {'it is treated as a future row' if one else 'they are treated as future rows'}, not "
        f"history, and left out of training (no fill policy invents {'it' if one else 'them'}); {use}.",
        UserWarning,
        stacklevel=None,  # the user's line, however deep the call
    )


def usable_future_rows(
    observed: pd.DataFrame, dropped: pd.DataFrame, spec: SeriesSpec, fill: str | None
) -> pd.DataFrame | None:
    """The dropped future rows that can feed ``predict()``: their known-future covariates filled
    like the prediction path fills them, cut at the first row still missing one (never an error:
    these rows were not asked for). ``None`` without known-future covariates or usable rows."""
    future = spec.future_covariates
    if not future:
        return None
    rows = dropped[[spec.time_col, *spec.input_columns]].reset_index(drop=True)
    if fill is not None:
        joined = pd.concat(
            [observed[[spec.time_col, *future]], rows[[spec.time_col, *future]]], ignore_index=True
        )
        block = joined[future].replace([np.inf, -np.inf], np.nan)
        block = (
            block.ffill()
            if fill == "ffill"
            else block.interpolate(method="linear", limit_direction="forward")
        )
        rows[future] = block.iloc[len(observed) :].to_numpy()
    complete = np.isfinite(rows[future].to_numpy(dtype="float64")).all(axis=1)
    n_usable = len(complete) if complete.all() else int(np.argmin(complete))
    return rows.iloc[:n_usable].reset_index(drop=True) if n_usable else None


def future_rows_fix(spec: SeriesSpec, n_rows: int, last_time) -> str:
    """How to give the known-future covariates of the ``n_rows`` steps after ``last_time`` (the last
    observed time), in the layout the model was fitted on: rows with the covariate columns filled and
    the targets empty (wide), or rows of the covariate series alone (long: a target's row there would
    be an observation)."""
    times = future_times(last_time, spec.freq, n_rows)
    when = f"{spec.time_col} {times[0]}" + (f" to {times[-1]}" if n_rows > 1 else "")
    if spec.long_format:
        return (
            f"add rows of the series {spec.future_covariates} ({spec.id_col} {spec.future_covariates[0]!r}, "
            f"values in {spec.value_col!r}) for the {counted(n_rows, 'time')} after the last observation ({when}), "
            "and none of the targets there"
        )
    return (
        f"append {counted(n_rows, 'row')} after the last observation ({when}) with those columns filled and the "
        "targets empty"
    )
