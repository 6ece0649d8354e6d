"""The time points of an in-memory frame's time axis (a ``pd-multiindex`` frame's last index level, the
index of a nested frame's cells), read as a CSV time column is: as numbers or dates, to put the rows in
time order, find the gaps and the sampling step.

sktime takes integer, datetime or period time points; text is refused here with its conversion: sorted
as text, ``"t10"`` comes before ``"t2"`` and the steps were read out of order (and pandas' free date
parser reads ``"t1"`` as a date of 1754). Text of numbers (``"10"``) or ISO dates is read as them.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ssm_ts.errors import DataError

from .sampling_step import Step, recording_step

# one number inside text, as "t1", "step_10", "10s": the fix extracts it
_ONE_NUMBER = re.compile(r"\D*\d+\D*")


def index_times(index: pd.Index) -> np.ndarray | None:
    """``index`` ``(length,)`` as float64 numbers or ``datetime64[ns]`` (durations and periods as
    dates from 1970, so their step is a duration), ``None`` for text that is neither numbers nor ISO
    dates (the caller refuses it with :func:`text_times_fix`)."""
    if isinstance(index, pd.PeriodIndex):
        index = index.to_timestamp()
    elif isinstance(index, pd.TimedeltaIndex):
        index = pd.Timestamp(0) + index
    if isinstance(index, pd.DatetimeIndex):
        if index.tz is not None:
            index = index.tz_convert("UTC").tz_localize(None)
        return index.to_numpy().astype("datetime64[ns]")
    if pd.api.types.is_numeric_dtype(index.dtype) and not pd.api.types.is_bool_dtype(index.dtype):
        return index.to_numpy(dtype=np.float64)
    numbers = pd.to_numeric(pd.Series(index), errors="coerce")
    if not (numbers.isna() & pd.Series(index).notna()).any():
        return numbers.to_numpy(dtype=np.float64)
    try:  # ISO only: pandas' mixed parser reads "t1" as a date
        dates = pd.to_datetime(pd.Series(index), format="ISO8601", errors="coerce", utc=True)
    except (TypeError, ValueError):
        return None
    if (dates.isna() & pd.Series(index).notna()).any():
        return None
    return dates.dt.tz_localize(None).to_numpy().astype("datetime64[ns]")


def time_order(times: np.ndarray) -> np.ndarray:
    """The positions of ``times`` in time order (stable: equal times keep their rows' order; NaN and
    NaT last)."""
    return np.argsort(times, kind="stable")


def frame_step(times: np.ndarray) -> Step:
    """One recording's sampling step from its sorted ``times``, as a CSV's (its median step), except
    integer time points at step 1: sample numbers (sktime's default time index, a frame made from an
    array), which say nothing of the rate, so a model fitted on them is not compared with timed data."""
    step = recording_step(times)
    if step == 1.0 and not isinstance(step, pd.Timedelta):
        finite = times[np.isfinite(times)]
        if np.array_equal(finite, np.round(finite)):
            return None
    return step


def text_times_fix(labels: pd.Index, numbered: str, in_order: str) -> str:
    """The conversion for text time points ``labels``: ``numbered`` (a line with ``{pattern}`` for the
    number inside each label) when every label holds one number and no two the same, else
    ``in_order`` (numbering the rows as they come)."""
    texts = [str(label) for label in labels]
    numbers = [re.sub(r"\D", "", text) for text in texts]
    unique = len({int(n) for n in numbers if n}) == len(texts)
    if all(_ONE_NUMBER.fullmatch(text) for text in texts) and unique:
        return numbered
    return in_order


def numbered_text_out_of_order(labels: pd.Index) -> bool:
    """Whether text time points ``labels`` name one number each (``t1``, ..., ``t10``) and sort as text in
    another order than their numbers (``t10`` before ``t2``); zero-padded ones (``t001``) sort right."""
    if not text_times_fix(labels, "numbered", ""):  # no one number per label: its order cannot be told
        return False
    numbers = labels.str.extract(r"(\d+)", expand=False).astype(int)
    by_text = np.argsort(labels.to_numpy(), kind="stable")
    return not np.array_equal(by_text, np.argsort(numbers.to_numpy(), kind="stable"))


def text_times_error(where: str, what: str, labels: pd.Index, fix: str) -> DataError:
    """The DataError for text time points ``labels`` of ``what`` (``"the time level 'time'"``)."""
    shown = ", ".join(repr(str(label)) for label in labels[:3])
    return DataError(
        f"{where}: {what} holds text ({shown}, ...), neither numbers nor dates; text sorts as text ('t10' "
        "before 't2'), so the steps would be read out of order. sktime's time points are integers, dates or "
        f"periods: convert them, {fix}"
    )
