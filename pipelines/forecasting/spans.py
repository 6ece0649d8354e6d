"""Ragged panels: series of a long table that start and end at different times.

A long table (``unique_id, ds, y``) is pivoted onto the union of its series' times; a series is
empty (NaN) outside its own *span*, from its first to its last observed time. Channel-independent
models forecast every series from its own span:

- training windows: the split boundaries are times shared by all series (rows of the union grid); a
  window starting at row ``s`` counts for series ``j`` only if its ``lookback + horizon`` rows lie
  wholly inside the series' span, and belongs to the split its target rows fall in (as for a
  rectangular panel), so no window crosses a span or a split boundary;
- the scaler of a series is fitted on its own observed training rows;
- a forecast starts after each series' own last observed time.

Interior gaps stay errors (or are filled by ``fill``); only the empty ends are outside the span.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ssm_ts.errors import DataError
from ssm_ts.wording import counted

from .series_ids import shown_ids


@dataclass(frozen=True)
class Spans:
    """Per target, the first and last row (of the frame) holding an observed value; ``-1`` for none."""

    names: list[str]
    first: np.ndarray  # (n_targets,) int
    last: np.ndarray  # (n_targets,) int

    @property
    def ragged(self) -> bool:
        """True when the series start or end at different rows."""
        return bool(len(self.names)) and (np.ptp(self.first) > 0 or np.ptp(self.last) > 0)

    @property
    def lengths(self) -> np.ndarray:
        """``(n_targets,)`` rows in each span."""
        return self.last - self.first + 1

    def valid(self, starts: np.ndarray, length: int) -> np.ndarray:
        """``(len(starts), n_targets)`` bool: window rows ``[s, s + length)`` lie inside series ``j``'s span."""
        starts = np.asarray(starts)[:, None]
        return (starts >= self.first[None, :]) & (starts + length - 1 <= self.last[None, :])

    def names_of(self, which: np.ndarray) -> list[str]:
        """The names of the series where ``which`` (``(n_targets,)`` bool) is True."""
        return [self.names[j] for j in np.flatnonzero(which)]

    def listed(
        self, which: np.ndarray, times: pd.Series | None = None, limit: int = 5, id_dtype: str | None = None
    ) -> str:
        """``'a' (rows 10 to 40), 'b' (...) and 3 more`` for the series where ``which`` is True; with
        numeric ids (``id_dtype``, a long table's) named as the ids: ``4 (10 rows, ...)``."""
        picked = np.flatnonzero(which)
        shown = shown_ids([self.names[j] for j in picked[:limit]], id_dtype)
        parts = []
        for j, name in zip(picked[:limit], shown, strict=True):
            first, last = int(self.first[j]), int(self.last[j])
            if first == last:  # one row: its time, not 't to t'
                where = f"{times.iloc[first]}" if times is not None else f"row {first}"
            else:
                where = (
                    f"{times.iloc[first]} to {times.iloc[last]}"
                    if times is not None
                    else f"rows {first} to {last}"
                )
            parts.append(f"{name!r} ({counted(int(self.lengths[j]), 'row')}, {where})")
        more = f" and {len(picked) - limit} more" if len(picked) > limit else ""
        return ", ".join(parts) + more


def series_spans(frame: pd.DataFrame, targets: list[str]) -> Spans:
    """The span of each target column of a checked frame (NaN only outside the spans)."""
    observed = np.isfinite(frame[targets].to_numpy(dtype="float64")) if targets else np.zeros((len(frame), 0))
    any_value = observed.any(axis=0)
    first = np.where(any_value, observed.argmax(axis=0), -1)
    last = np.where(any_value, len(frame) - 1 - observed[::-1].argmax(axis=0), -1)
    return Spans(list(targets), first.astype(np.int64), last.astype(np.int64))


def n_observed_rows(frame: pd.DataFrame, targets: list[str]) -> int:
    """Rows up to the last one in which any target is observed (later rows are future rows)."""
    observed = frame[targets].notna().any(axis=1).to_numpy()
    return int(observed.nonzero()[0][-1]) + 1 if observed.any() else 0


def require_channel_independent(spans: Spans, times: pd.Series, channel_independent: bool) -> None:
    """A multivariate model reads every series in one joint window, which a ragged panel lacks."""
    if spans.ragged and not channel_independent:
        starts, ends = spans.first != spans.first.min(), spans.last != spans.last.max()
        raise DataError(
            "the series span different times (a ragged panel): "
            f"{spans.listed(starts | ends, times)} start later or end earlier than the others; a multivariate "
            "model (channel_independent=False) forecasts from one joint window of all series at once. Use "
            "channel_independent=True (the default), which trains on each series' own span, or trim every "
            "series to a common span."
        )
