"""What a loaded series is: its :class:`SeriesSpec` (the columns, frequency and fill policy, stored
with a fitted model) and the :class:`SeriesNotes` that :func:`~.series.load_series` leaves in a
frame's ``attrs`` (the cells its fill policy invented, the future rows it dropped)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .frames import is_integer_step

NOTES_KEY = "ssm_ts.series_notes"  # key of the SeriesNotes in a loaded frame's ``attrs``


@dataclass(frozen=True, eq=False)
class SeriesNotes:
    """What ``load_series`` did that a frame's values cannot show; kept in ``frame.attrs[NOTES_KEY]``.

    ``filled`` maps each input column (targets and covariates) to the times whose value the fill
    policy invented (keyed by time, not row position, so any slice of the frame still finds its own
    cells): actuals there are not data, and :mod:`.fills` keeps forecasts from reading fills drawn
    from later rows. ``future`` holds the
    trailing rows with all targets empty that were dropped (time column + input columns, targets
    NaN; only rows whose known-future covariates are complete), or ``None``. ``policy`` is the fill
    policy that invented the ``filled`` cells (``"ffill"``/``"interpolate"``; ``None`` if none did).

    Immutable and compared by identity: pandas deep-copies ``attrs`` on every operation and
    ``pd.concat`` compares them, which an array or a DataFrame inside would break.
    """

    filled: dict[str, tuple[Any, ...]]
    future: pd.DataFrame | None = None
    policy: str | None = None

    def __deepcopy__(self, memo: dict) -> SeriesNotes:
        return self

    def __eq__(self, other: object) -> bool:
        return self is other

    __hash__ = object.__hash__


def series_notes(frame: pd.DataFrame) -> SeriesNotes:
    """The notes ``load_series`` left on ``frame`` (or a slice of it); empty notes for any other frame."""
    notes = frame.attrs.get(NOTES_KEY)
    return notes if isinstance(notes, SeriesNotes) else SeriesNotes(filled={})


def filled_cells(frame: pd.DataFrame, spec: SeriesSpec, columns: list[str] | None = None) -> np.ndarray:
    """``(n_rows, len(columns))`` bool: True where the fill policy invented that value; ``columns``
    default to ``spec.input_columns`` (targets, past covariates, known-future covariates)."""
    filled = series_notes(frame).filled
    times = frame[spec.time_col]
    names = spec.input_columns if columns is None else columns
    cells = np.zeros((len(frame), len(names)), dtype=bool)
    listed = [(j, filled[name]) for j, name in enumerate(names) if filled.get(name)]
    if not listed:
        return cells
    rows = _rows_of_times(times, [t for _, noted in listed for t in noted])
    if rows is None:  # times that repeat, or notes of another kind of time: compared column by column
        for j, noted in listed:
            cells[:, j] = times.isin(noted).to_numpy()
        return cells
    columns_of = np.repeat([j for j, _ in listed], [len(noted) for _, noted in listed])
    found = rows >= 0
    cells[rows[found], columns_of[found]] = True
    return cells


def _rows_of_times(times: pd.Series, wanted: list[Any]) -> np.ndarray | None:
    """``(len(wanted),)`` int: the row of ``times`` holding each of ``wanted`` (-1: none), found in one
    look-up for every series at once (one ``isin`` per series is slow with thousands of series);
    ``None`` when ``times`` repeat or ``wanted`` are another kind of time than ``times``."""
    index = pd.Index(times)
    want = pd.Index(wanted)
    if not index.is_unique or want.dtype != index.dtype:
        return None
    return index.get_indexer(want)


def filled_targets(frame: pd.DataFrame, spec: SeriesSpec) -> np.ndarray:
    """``(n_rows, n_targets)`` bool: True where the fill policy invented that target value."""
    return filled_cells(frame, spec, spec.targets)


def with_given_fills(frame: pd.DataFrame, given: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (``given`` read again by :func:`~.series.load_series`) noting as filled, besides its own filled
    cells, those that ``given``'s :class:`SeriesNotes` call filled: ``given`` may be a loaded frame
    (``Forecaster.history_``) or a slice or copy of it, whose gaps are filled already, so reading it again
    finds no gap and would take the invented values for data (a fit would train on them, a backtest
    score them). The notes are keyed by time, so a slice finds its own cells. ``frame``'s ``attrs`` are
    updated in place; a ``given`` without notes leaves ``frame`` as it is. Returns ``frame``."""
    notes = series_notes(given)
    if not notes.filled:
        return frame
    own = series_notes(frame)
    filled = dict(own.filled)
    for name, times in notes.filled.items():  # a union of times, each kept once
        filled[name] = tuple(dict.fromkeys([*filled.get(name, ()), *times]))
    # read without a fill policy, the given one invented the cells: a refit refills them with it
    policy = own.policy or notes.policy
    frame.attrs[NOTES_KEY] = SeriesNotes(filled=filled, future=own.future, policy=policy)
    return frame


@dataclass
class SeriesSpec:
    """What a series looks like once resolved; stored with a fitted model as JSON.

    Input channel order everywhere: ``targets + past_covariates + future_covariates``.
    """

    time_col: str
    targets: list[str]
    freq: str | int  # a pandas alias, or the step of an integer time column (older specs: always str)
    past_covariates: list[str] = field(default_factory=list)
    future_covariates: list[str] = field(default_factory=list)
    fill: str | None = None
    long_format: bool = False
    id_col: str = "unique_id"
    value_col: str = "y"
    tz: str | None = None  # the time column's zone (None: naive); restores saved ISO times in it
    # the time column holds pandas Periods at ``freq`` (a Period alias: 'M', 'Q-DEC', 'W-SUN'), and
    # forecasts continue as Periods; saved times are their start timestamps
    periods: bool = False
    # pandas.read_csv settings the CSV was read with; new CSVs for the fitted model are read alike
    read_options: dict[str, Any] = field(default_factory=dict)
    # a long table's numeric id dtype ("int64"): long outputs give the ids back in it (None: as text;
    # older specs, and text ids); see .series_ids
    id_dtype: str | None = None
    # the pd.read_csv keywords that read the fitted CSV as the reader did: the separator, decimal mark and
    # encoding it detected (a fit by detection: read_options {}), then the read_options pandas takes; for
    # fixes that print code reading the earlier file. None: a DataFrame or Parquet file, or an older spec
    csv_keywords: dict[str, Any] | None = None

    @property
    def integer_times(self) -> bool:
        """True when the time column holds integer steps (years, step numbers) instead of dates."""
        return is_integer_step(self.freq)

    @property
    def input_columns(self) -> list[str]:
        return [*self.targets, *self.past_covariates, *self.future_covariates]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SeriesSpec:
        return cls(**data)
