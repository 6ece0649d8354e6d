"""The recordings' sampling step, as the readers find it in their time stamps, and the check that a
model meets recordings at the step it was trained on.

A step is a float in the units of the time column (numbers), a :class:`pandas.Timedelta` (dates and
times), or ``None`` (no times: NumPy, ``.arff``, a CSV without a time column). A model trained on
recordings sampled every ``s_train`` reads recordings sampled every ``s`` right with ``rate = s /
s_train`` (training sample rate / their rate, as ``SSMClassifier.predict(X, rate=...)`` and
``--model.rate`` take it). :func:`check_sampling_step` warns when the rate given does not match.

It warns rather than raises: a number column's unit is not known (times in milliseconds against a
training file in seconds differ 1000x with the same sample rate), so the steps can only hint that the
rate is wrong, and a warning names the rate to pass without blocking a prediction that is right.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ssm_ts.rank_zero_warnings import warn_on_rank_zero

Step = float | pd.Timedelta | None

# Steps (and rates) within 2% of each other count as equal: times rounded to the millisecond at 30 Hz
# differ by about 1%, and a 2% rate error hardly moves an SSM's kernels.
RELATIVE_TOLERANCE = 0.02


class SamplingStepWarning(UserWarning):
    """Recordings sampled at another step than the training ones (or than each other) without the
    matching rate; ``warnings.filterwarnings("error", category=SamplingStepWarning)`` makes it an error."""


def parse_times(column: pd.Series, dates: dict[str, Any] | None = None) -> np.ndarray | None:
    """A time column as float64 numbers or ``datetime64[ns]`` (``NaN``/``NaT`` where empty), or
    ``None`` when its values are neither numbers nor dates (then no step is known).

    ``dates``: ``dayfirst`` / ``date_format`` read options, as the rows are ordered by them."""
    if pd.api.types.is_datetime64_any_dtype(column):
        times = column
    else:
        numbers = pd.to_numeric(column, errors="coerce")
        if not (numbers.isna() & column.notna()).any():
            return numbers.to_numpy(dtype=np.float64)
        times = _dates(column, dates or {})
        if times is None:
            return None
    if getattr(times.dt, "tz", None) is not None:
        times = times.dt.tz_convert("UTC").dt.tz_localize(None)
    return times.to_numpy().astype("datetime64[ns]")


def _dates(column: pd.Series, dates: dict[str, Any]) -> pd.Series | None:
    """``column`` read as dates (the format inferred from its first cell, else cell by cell). Without
    a ``date_format``, text with fewer than two numbers in a cell is no date: pandas' free parser reads
    step names such as ``"t1"`` as dates of 1754, a day apart, which sorted as text ('t10' before 't2')."""
    given = column.dropna()
    if not dates.get("date_format") and (given.astype(str).str.count(r"\d+") < 2).any():
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas warns when it infers a format cell by cell
        for fmt in (dates.get("date_format"), "mixed"):
            try:
                times = pd.to_datetime(
                    column, format=fmt, dayfirst=dates.get("dayfirst", False), errors="coerce"
                )
            except (ValueError, TypeError):
                continue
            if not (times.isna() & column.notna()).any():
                return times
    return None


def recording_step(times: np.ndarray | None) -> Step:
    """The median positive difference of one recording's ``times`` (from :func:`parse_times`):
    robust to jitter and to a few gaps; ``None`` with fewer than two distinct times."""
    if times is None:
        return None
    is_date = np.issubdtype(times.dtype, np.datetime64)
    if is_date:  # nanoseconds from the first time: as float64 since 1970 they are 256 ns apart
        nanoseconds = times[~np.isnat(times)].astype(np.int64)
        values = (nanoseconds - (nanoseconds.min() if len(nanoseconds) else 0)).astype(np.float64)
    else:
        values = times.astype(np.float64)
    values = np.sort(values[np.isfinite(values)])
    diffs = np.diff(values)
    positive = diffs[diffs > 0]
    if not len(positive):
        return None
    median = float(np.median(positive))
    # 12 digits: times written as decimals (0.07 = 0.07000000000000001) give steps such as 0.020000000000000018
    return pd.Timedelta(nanoseconds=round(median)) if is_date else float(f"{median:.12g}")


def describe_step(step: Step) -> str:
    """``0.02`` (a number: the time column's units) or ``0.02 s`` (dates)."""
    if isinstance(step, pd.Timedelta):
        return f"{step.total_seconds():g} s"
    return f"{step:g}"


def _ratio(a: Step, b: Step) -> float | None:
    """``a / b`` when both are steps of the same kind (numbers or durations), else ``None``."""
    if a is None or b is None or isinstance(a, pd.Timedelta) != isinstance(b, pd.Timedelta):
        return None
    return float(a / b)


def file_step(steps: Sequence[Step], ids: Sequence[str], source: str) -> Step:
    """One step for a file from its recordings' steps: their median. Recordings that differ from it
    by more than :data:`RELATIVE_TOLERANCE` get a :class:`SamplingStepWarning` naming them: the model
    reads every recording at one step, so they would be classified at a wrong rate."""
    known = [(i, s) for i, s in zip(ids, steps, strict=True) if s is not None]
    if not known:
        return None
    if isinstance(known[0][1], pd.Timedelta):
        median: Step = pd.Timedelta(nanoseconds=round(float(np.median([s.value for _, s in known]))))
    else:
        median = float(np.median([s for _, s in known]))
    off = [(i, s) for i, s in known if abs(_ratio(s, median) - 1) > RELATIVE_TOLERANCE]
    if off:
        named = ", ".join(f"{i!r} every {describe_step(s)}" for i, s in off[:5])
        warn_on_rank_zero(
            f"{source}: {len(off)} of {len(known)} recordings are sampled at another step than the file's "
            f"median {describe_step(median)} ({named}{', ...' if len(off) > 5 else ''}). A model reads every "
            "recording of a file at one step: resample them to one step, or put them in a file of their own "
            "and give that file its rate.",
            SamplingStepWarning,
            stacklevel=None,  # the user's line
        )
    return median


def step_state(step: Step) -> dict[str, Any] | None:
    """``step`` as plain values for a checkpoint or a JSON export (no pandas object to unpickle)."""
    if step is None:
        return None
    if isinstance(step, pd.Timedelta):
        return {"seconds": step.total_seconds(), "kind": "duration"}
    return {"value": float(step), "kind": "number"}


def step_from_state(state: dict[str, Any] | None) -> Step:
    """The inverse of :func:`step_state` (``None`` for a model saved without a step)."""
    if not state:
        return None
    if state.get("kind") == "duration":
        return pd.Timedelta(seconds=float(state["seconds"]))
    return float(state["value"])


def check_sampling_step(trained: Step, step: Step, rate: float, *, source: str, fix: str) -> str | None:
    """Warn (:class:`SamplingStepWarning`) when recordings sampled every ``step`` go through a model
    trained on recordings sampled every ``trained`` with a ``rate`` that does not match ``step /
    trained``; return the message (``None``: nothing to say).

    Nothing is checked when either step is unknown, or when one is a number and the other a duration
    (a number's unit is unknown). ``source`` names the data; ``fix`` says how to pass a rate, with
    ``{rate}`` for it (``"predict(X, rate={rate})"``, ``"--model.rate {rate}"``)."""
    expected = _ratio(step, trained)
    if expected is None or abs(rate / expected - 1) <= RELATIVE_TOLERANCE:
        return None
    numeric = not isinstance(step, pd.Timedelta)  # dates carry their unit; a number's is unknown
    units = " (in the units of their time columns)" if numeric else ""
    steps = (
        f"sampled every {describe_step(step)}, the training recordings every {describe_step(trained)}{units}"
    )
    pass_rate = fix.format(rate=f"{expected:.6g}")
    if abs(rate - 1) <= RELATIVE_TOLERANCE:
        message = (
            f"{source}: {steps}. Without a rate the model reads them as if sampled at the training rate and "
            f"its labels are unreliable: pass {pass_rate}, the rate being their step / the training step = "
            f"{describe_step(step)} / {describe_step(trained)} (training sample rate / theirs)."
        )
        if numeric:
            message += (
                " If their times are in other units than the training file's (milliseconds against "
                "seconds), the rate is 1 and this warning does not apply."
            )
    else:
        message = (
            f"{source}: rate {rate:g} was given, but the recordings are {steps}, which makes the rate "
            f"{expected:.6g} ({describe_step(step)} / {describe_step(trained)}): pass {pass_rate}"
            + (", or check the units of the time columns." if numeric else ".")
        )
    warn_on_rank_zero(message, SamplingStepWarning, stacklevel=None)
    return message
