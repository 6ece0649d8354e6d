"""A frequency that changes midway (hourly rows, then daily ones, as in a log that was thinned out):
named as such, not as thousands of "missing" timestamps that a fill policy would invent."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

from ssm_ts.errors import DataError

from .reader import Table

MIN_RUN = 5  # consecutive steps at one spacing (and a tenth of the rows) make a stretch at a frequency


@dataclass(frozen=True)
class Stretch:
    """Rows ``first`` to ``last`` (of the sorted, unique times), each ``spacing`` after the one before."""

    first: int
    last: int
    spacing: pd.Timedelta | int


def spacing_stretches(times: pd.Series) -> list[Stretch]:
    """The long stretches of ``times`` (sorted, unique; dates or integer steps) at one spacing: at least
    :data:`MIN_RUN` steps, and a tenth of all steps, long; in time order."""
    dates = pd.api.types.is_datetime64_any_dtype(times)
    # timedelta64 for dates (with a zone too: Series.diff, not np.diff of Timestamp objects), else int64
    steps = times.diff().to_numpy()[1:] if dates else np.diff(times.to_numpy())
    if steps.size < 2 * MIN_RUN:
        return []
    starts = np.flatnonzero(np.r_[True, steps[1:] != steps[:-1]])  # the step opening each run
    ends = np.r_[starts[1:], steps.size]  # one past each run's last step
    shortest = max(MIN_RUN, steps.size // 10)
    return [
        Stretch(int(s), int(e), pd.Timedelta(steps[s]) if dates else int(steps[s]))
        for s, e in zip(starts, ends, strict=True)
        if e - s >= shortest
    ]


def check_one_spacing(table: Table, times: pd.Series, time_col: str) -> None:
    """``times`` (sorted, unique) keep one spacing, apart from gaps and short irregular stretches.

    Raises:
        DataError: two long stretches lie at different spacings; naming where the spacing changes and
            the fix (keep one part, or resample to the coarser spacing).
    """
    stretches = spacing_stretches(times)
    others = [s for s in stretches if s.spacing != stretches[0].spacing]
    if not others:
        return
    before, after = stretches[0], others[0]
    coarser = max(before.spacing, after.spacing)

    def where(stretch: Stretch) -> str:  # times, not rows: a fill policy has sorted the rows
        first, last = times.iloc[stretch.first], times.iloc[stretch.last]
        count = f"{stretch.last - stretch.first + 1} {'times (of all series)' if table.origin else 'rows'}"
        return f"{count} from {first} to {last} are {spacing_text(stretch.spacing)} apart"

    resample = f"one row per {coarser} steps"
    if isinstance(coarser, pd.Timedelta):
        by = f".groupby({table.origin.id_col!r})[{table.origin.value_col!r}]" if table.origin else ""
        resample = f"df.set_index({time_col!r}){by}.resample({spacing_text(coarser)}).mean().reset_index()"
    raise DataError(
        f"{table.name}: the spacing of column {time_col!r} changes: {where(before)}, but {where(after)}. "
        "A series has one frequency (filling the difference would invent most rows): keep the rows of one "
        f"part, or resample them all to the coarser spacing ({resample}) and pass that table."
    )


def spacing_text(spacing: pd.Timedelta | int) -> str:
    """``'h'``, ``'15min'``, ``'D'`` (a pandas alias) for a duration; the number for integer steps."""
    if not isinstance(spacing, pd.Timedelta):
        return str(spacing)
    days = spacing / pd.Timedelta(days=1)
    if days == int(days):  # pandas 3 names whole days in hours ('24h'); 'D' is what users write
        return repr(f"{int(days) if days > 1 else ''}D")
    return repr(to_offset(spacing).freqstr)
