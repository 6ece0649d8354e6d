"""Gaps in a CSV recording's times: rows whose times jump by several sampling steps (samples lost in
transmission, a paused logger). Read row after row they are consecutive samples: the recording comes
out shorter than it was and everything after a gap shifted in time. The CSV readers find them
(:func:`find_gaps`) and, under ``nan_policy`` ``"interpolate"`` or ``"zero"``, insert the missing
steps as missing values for that policy to fill (:func:`fill_gaps`), as the ``.ts`` reader places
``@timeStamps`` on a grid; under ``"error"`` a :class:`TimeGapWarning` names them and the fix.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ssm_ts.errors import DataError
from ssm_ts.rank_zero_warnings import warn_on_rank_zero

from .sampling_step import SamplingStepWarning, Step, describe_step

# A jump of at least 1.5 steps (rounded: 2 or more steps) is a gap; jitter of sensor clocks (a few
# percent of a step) stays well below it.
GAP_STEPS = 1.5
# A fill may insert at most this many times the steps a recording has: more is no lost sample but a
# pause (or two recordings under one id), and filling it would invent most of the recording.
MAX_FILLED = 10


class TimeGapWarning(SamplingStepWarning):
    """A recording's times jump by several sampling steps and its rows are read as consecutive samples;
    ``warnings.filterwarnings("error", category=TimeGapWarning)`` makes it an error."""


@dataclass(frozen=True)
class Gap:
    """One gap: between sorted rows ``after`` and ``after + 1`` of a recording, ``missing`` steps."""

    after: int
    missing: int


def _offsets(times: np.ndarray) -> np.ndarray:
    """Sorted ``times`` (float64, or ``datetime64[ns]``) as float64 offsets from the first (dates in ns)."""
    if np.issubdtype(times.dtype, np.datetime64):
        nanoseconds = times.astype(np.int64).astype(np.float64)
        nanoseconds[np.isnat(times)] = np.nan  # NaT is the smallest int64: no gap to or from it
        known = nanoseconds[np.isfinite(nanoseconds)]
        return nanoseconds - (known[0] if len(known) else 0.0)
    return times.astype(np.float64)


def _step_size(step: Step) -> float | None:
    if step is None:
        return None
    return float(step.value) if isinstance(step, pd.Timedelta) else float(step)


def find_gaps(times: np.ndarray, step: Step) -> list[Gap]:
    """The gaps of one recording whose rows are in time order (``times`` ``(length,)``, from
    :func:`~.sampling_step.parse_times`, sorted) sampled every ``step`` (its median step): each jump
    of at least :data:`GAP_STEPS` steps, with the number of steps missing in it. Missing times (NaN,
    NaT) are not gaps (the rows' values are read as they are)."""
    size = _step_size(step)
    if size is None or size <= 0 or len(times) < 2:
        return []
    offsets = _offsets(times)
    jumps = np.diff(offsets) / size
    found = np.flatnonzero(jumps >= GAP_STEPS)  # NaN compares False
    return [Gap(int(i), int(np.floor(jumps[i] + 0.5)) - 1) for i in found]


def fill_gaps(values: np.ndarray, gaps: list[Gap]) -> np.ndarray:
    """``values`` ``(channels, length)`` with ``gap.missing`` NaN steps inserted after each gap's row:
    ``(channels, length + sum of missing)``, every sample at its place in time."""
    if not gaps:
        return values
    parts, start = [], 0
    for gap in gaps:
        parts.append(values[:, start : gap.after + 1])
        parts.append(np.full((values.shape[0], gap.missing), np.nan))
        start = gap.after + 1
    parts.append(values[:, start:])
    return np.concatenate(parts, axis=1)


def describe_gap(gap: Gap, times: list, lines: str | None, step: Step) -> str:
    """``time 0.3 to 0.7 (lines 17 and 18): 19 missing steps of 0.02``; ``times`` the recording's sorted
    time cells as written, ``lines`` the two rows' file lines (``None``: not from a file)."""
    start, end = times[gap.after], times[gap.after + 1]
    # as written: numbers and text as they are, a Timestamp as its text
    start, end = (t.item() if isinstance(t, np.generic) else t for t in (start, end))
    start, end = (t if isinstance(t, (str, int, float)) else str(t) for t in (start, end))
    where = f" ({lines})" if lines else ""
    return f"time {start!r} to {end!r}{where}: {gap.missing} missing step(s) of {describe_step(step)}"


def warn_of_gaps(source: str, found: list[tuple[str, str]], fix: str) -> None:
    """A :class:`TimeGapWarning` for ``found``: ``(recording, its first gap described)`` pairs, the
    recordings of ``source`` with gaps; ``fix`` how to choose ``nan_policy='interpolate'`` there."""
    if not found:
        return
    shown = "; ".join(f"{name}: {gap}" for name, gap in found[:3])
    more = f"; and {len(found) - 3} more recording(s)" if len(found) > 3 else ""
    warn_on_rank_zero(
        f"{source}: {len(found)} recording(s) have gaps in their times ({shown}{more}). Their rows are read as "
        "consecutive samples, so each recording is read shorter than it was, the samples after a gap out of "
        f"place in time. To insert the missing steps and fill them, {fix}; or resample the recordings to "
        "one step first.",
        TimeGapWarning,
        stacklevel=None,  # the user's line
    )


def place_gaps(
    recording: np.ndarray,
    times: np.ndarray | None,
    cells: list,
    nan_policy: str,
    lines: Callable[[int, int], str] | None = None,
    source: str = "a recording",
) -> tuple[np.ndarray, str | None]:
    """``recording`` ``(channels, length)`` whose steps are at ``times`` (sorted, from
    :func:`~.sampling_step.parse_times`; ``None``: unknown), ``cells`` those times as given: with its
    gaps' missing steps inserted as NaN when ``nan_policy`` fills missing values, else as it is, with its
    first gap described for :func:`warn_of_gaps` (``None``: no gap). ``lines(i, j)`` names where steps
    ``i`` and ``j`` are (a file's lines; called for a gap only, it may read the file again).

    Raises:
        DataError: filling would insert more than :data:`MAX_FILLED` times the recording's own steps
            (``source`` names it): two recordings under one id, or a pause to trim, not lost samples.
    """
    from .sampling_step import recording_step

    step = recording_step(times)
    gaps = find_gaps(times, step) if times is not None else []
    if not gaps:
        return recording, None
    more = f" (and {len(gaps) - 1} more gap(s))" if len(gaps) > 1 else ""
    first = gaps[0]
    where = lines(first.after, first.after + 1) if lines is not None else None
    described = describe_gap(first, cells, where, step) + more
    if nan_policy == "error":
        return recording, described
    missing = sum(gap.missing for gap in gaps)
    if missing > MAX_FILLED * recording.shape[1]:  # a pause of hours in a recording of seconds
        raise DataError(
            f"{source}: {described}: filling {missing} missing steps would invent more than {MAX_FILLED}x the "
            f"{recording.shape[1]} samples read. If these are recordings under one id, give each its own; "
            "else trim or resample the recording first."
        )
    return fill_gaps(recording, gaps), None  # the policy fills the inserted steps, as a .ts file's gaps
