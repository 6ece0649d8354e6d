"""Turn a raw table into a clean, regular, numeric series: the checks and the fill policy.

``load_series`` accepts wide tables (a time column and one column per series) and long tables
(``unique_id, ds, y``, as neuralforecast users have), finds the time column, picks targets and
covariates, infers the frequency (pandas 3 aliases: ``h``, ``min``, ``D``, ``W-SUN``, ``MS``; for an
integer time column, as neuralforecast allows, the integer step between rows; a pandas Period
column keeps its Periods and its own frequency, see :mod:`.periods`),
and rejects what would silently corrupt a forecast: duplicate or unsorted timestamps, gaps,
NaN/inf and non-numeric values. With ``fill="ffill"`` or ``"interpolate"`` gaps and missing
values are filled (and unsorted rows sorted) instead.

The series of a long table may start and end at different times (a ragged panel, see
:mod:`.spans`): each is NaN outside its own span, and only the cells inside it are checked or
filled. A wide table is one rectangular panel: an empty cell is a missing value wherever it is
(the error for a column empty only at its ends says how to pass it as a long table).
"""

from __future__ import annotations

import dataclasses
import re
import warnings
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from ssm_ts.errors import DataError

from ..csv_files import number_hint
from ..csv_options import ReadOptions, check_read_options
from .dates import date_offset, excel_serial_hint, infer_frequency, parse_text_times
from .frames import is_integer_step
from .periods import (
    check_period_freq,
    dates_to_periods,
    is_period,
    period_alias,
    period_ordinals,
    period_text_freq,
    same_period_freq,
    text_to_periods,
)
from .reader import LongOrigin, Table, TableSource, read_table

FillPolicy = Literal["ffill", "interpolate"]
FILL_POLICIES = ("ffill", "interpolate")
TIME_COLUMN_NAMES = ("ds", "date", "datetime", "timestamp", "time", "period", "month", "week")
STEP_COLUMN_NAMES = (*TIME_COLUMN_NAMES, "year", "step")  # integer columns taken as time steps by name
UNNAMED_INDEX = re.compile(r"Unnamed: \d+")  # what pandas names an index written by df.to_csv(path)


@dataclass(frozen=True)
class _Hints:
    """The fix to suggest: at fit the caller can pass ``fill=``/``freq=``; a fitted model's
    ``predict``/``backtest`` cannot (they reuse the policy and frequency chosen at fit)."""

    fill: str
    freq: str

    @classmethod
    def for_fit(cls) -> _Hints:
        return cls(
            fill='or pass fill="ffill" / fill="interpolate" to fill them',
            freq="pass freq= (a pandas alias such as 'h', '15min', 'D', 'W', 'MS')",
        )

    @classmethod
    def for_fitted(cls, freq: str | int, periods: bool = False) -> _Hints:
        fill = (
            "or fill them in the DataFrame (predict and backtest apply the fill policy chosen at fit, "
            'here none; fit with fill="ffill" / fill="interpolate" to fill them automatically)'
        )
        if is_integer_step(freq):
            return cls(fill=fill, freq=f"pass integer times at the step of {freq} the model was fitted at")
        if periods:
            return cls(
                fill=fill, freq=f"pass one row per {freq!r} period, the Periods the model was fitted on"
            )
        return cls(
            fill=fill,
            freq=f"pass rows on the {freq!r} grid the model was fitted at "
            f"(e.g. df.resample({freq!r}, on=<time column>).mean())",
        )


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
    masks = [times.isin(filled.get(name, ())).to_numpy() for name in names]
    return np.stack(masks, axis=1) if masks else np.zeros((len(frame), 0), dtype=bool)


def filled_targets(frame: pd.DataFrame, spec: SeriesSpec) -> np.ndarray:
    """``(n_rows, n_targets)`` bool: True where the fill policy invented that target value."""
    return filled_cells(frame, spec, spec.targets)


def with_given_fills(frame: pd.DataFrame, given: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (``given`` read again by :func:`load_series`) noting as filled, besides its own filled
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


def fill_values(block: pd.DataFrame, fill: str) -> pd.DataFrame:
    """``block (rows, columns)`` with its NaN cells filled by the policy ``fill``: ``"ffill"`` (a
    leading gap, which has no past value, back-filled) or ``"interpolate"`` (linear; before the first
    and after the last value the nearest value is carried)."""
    if fill == "ffill":
        return block.ffill().bfill()
    return block.interpolate(method="linear", limit_direction="both")


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


def load_series(
    source: TableSource,
    *,
    time_col: str | None = None,
    target: str | list[str] | None = None,
    past_covariates: list[str] | None = None,
    future_covariates: list[str] | None = None,
    freq: str | int | None = None,
    fill: FillPolicy | None = None,
    id_col: str = "unique_id",
    value_col: str = "y",
    allow_future_rows: bool = False,
    fitted: bool = False,
    read_options: ReadOptions | None = None,
    periods: bool | None = None,
) -> tuple[pd.DataFrame, SeriesSpec]:
    """Read and check a series; return ``(frame, spec)``.

    ``frame`` has the time column (datetime64, regular at ``spec.freq``, sorted, unique; a
    timezone-aware input keeps its timezone, and offsets that differ, as across a daylight-saving
    change, are read as UTC; an integer column stays int64, regular at the integer step
    ``spec.freq``, e.g. years 1940, 1941, ...; a Period column, or text pandas writes for Periods
    such as ``2015Q1``, is ``period[<freq>]`` at its own frequency, ``spec.periods`` True) then
    ``spec.input_columns`` as float64 with no NaN/inf.

    Trailing rows whose targets are *all* empty have one meaning everywhere: they are future rows
    (unknown targets, possibly known-future covariates), never history, so the fill policy never
    invents their targets. With ``allow_future_rows`` (prediction input) they are kept, their targets
    left NaN; otherwise (training, backtest) they are dropped with a warning. Empty targets inside
    the series are gaps: an error, or filled by ``fill``. A ``source`` frame loaded before (a fitted
    ``Forecaster.history_``, or a slice or copy of it) keeps its record of the cells its fill invented
    (:func:`with_given_fills`): they are filled already, so no check finds them, but they are no data.

    ``fitted`` words the hints for a fitted model's caller (``predict``/``backtest`` take no
    ``fill=``/``freq=``). ``read_options`` read a CSV ``source`` (``pandas.read_csv`` settings such
    as ``{"sep": "|", "skiprows": 3, "na_values": ["-999"], "date_format": "%d.%m.%Y %H:%M"}``,
    see :mod:`ssm_ts.pipelines.csv_options`); ``spec.read_options`` records them. ``periods``
    (a fitted spec's): ``True`` reads the time column as Periods at ``freq`` (from Periods, their
    text, or dates), ``False`` as timestamps (Periods at their start); ``None`` decides by the column.

    Raises:
        ConfigError: read options that are not valid, or given with a DataFrame.
        DataError: naming the column, the rows and the fix.
    """
    if fill is not None and fill not in FILL_POLICIES:
        raise DataError(
            f"fill={fill!r} is not a fill policy; use one of {FILL_POLICIES} or None (strict checks)."
        )
    hints = _Hints.for_fitted(freq or "?", bool(periods)) if fitted else _Hints.for_fit()
    options = check_read_options(read_options)
    table = read_table(source, options)
    frame = table.frame
    long_format = _is_long(frame, id_col, value_col, time_col)
    if long_format:
        time_col = time_col or "ds"
        frame, rows = _pivot_long(table, time_col, id_col, value_col, fill, freq, periods)
        origin = LongOrigin(table, *rows, id_col, value_col)
        table = dataclasses.replace(
            table, frame=frame, name=table.name + " (pivoted from long format)", is_file=False, origin=origin
        )
    time_col = time_col or _detect_time_column(table)
    if time_col not in frame.columns:
        fix = (
            f"Name the time column {time_col!r}, as in the data the model was fitted on"
            if fitted
            else "Pass time_col= with one of them"
        )
        raise DataError(
            f"time column {time_col!r} not found in {table.name}; columns are {list(frame.columns)}. {fix}."
        )
    times = _parse_times(table, time_col, freq, periods)
    past = list(past_covariates or [])
    future = list(future_covariates or [])
    targets = _resolve_targets(table, time_col, target, past + future)
    columns = [*targets, *past, *future]
    _require_columns(table, columns, fitted)
    values = pd.DataFrame({name: _numeric_column(table, name) for name in columns})
    values.insert(0, time_col, times)

    values = _order_rows(table, values, time_col, fill, hints)
    step = _resolve_frequency(table, values[time_col], freq, hints)
    values = _regularise(table, values, time_col, step, fill, hints, long_format)
    n_future_rows = _trailing_future_rows(values, targets)
    if n_future_rows == len(values):
        n_future_rows = 0  # nothing observed: the checks below name the empty columns
    dropped = None
    if n_future_rows and not allow_future_rows:
        _warn_dropped_future_rows(table, values, time_col, targets, future, n_future_rows)
        dropped = values.iloc[len(values) - n_future_rows :]
        values = values.iloc[: len(values) - n_future_rows]
        n_future_rows = 0
    observed = values.iloc[: len(values) - n_future_rows]
    # A long table's series may start and end at different times: empty ends lie outside a series'
    # span (see .spans), neither checked nor filled; inside it, empty cells are gaps as ever.
    # which cells the fill invents, noted before the fill hides them
    filled = _missing_times(observed, time_col, [*targets, *past], long_format)
    observed = _check_or_fill_values(table, observed, [*targets, *past], fill, hints, long_format, targets)
    if future:
        values = pd.concat([observed, values.iloc[len(values) - n_future_rows :]], ignore_index=True)
        filled.update(_missing_times(values, time_col, future))  # over the future rows too: known there
        values[future] = _check_or_fill_values(table, values[[time_col, *future]], future, fill, hints)[
            future
        ]
    else:
        values = observed
    in_periods = is_period(values[time_col])
    spec = SeriesSpec(
        time_col=time_col,
        targets=targets,
        freq=step if is_integer_step(step) else period_alias(step) if in_periods else step.freqstr,
        past_covariates=past,
        future_covariates=future,
        fill=fill,
        long_format=long_format,
        id_col=id_col,
        value_col=value_col,
        tz=_zone_name(values[time_col]),
        read_options=options,
        periods=in_periods,
    )
    values = values.reset_index(drop=True)
    future_rows = _usable_future_rows(values, dropped, spec, fill) if dropped is not None else None
    values.attrs[NOTES_KEY] = SeriesNotes(filled=filled, future=future_rows, policy=fill)
    if isinstance(source, pd.DataFrame):  # a loaded frame read again: its invented values are no data
        with_given_fills(values, source)
    return values, spec


def load_like(
    source: TableSource,
    spec: SeriesSpec,
    allow_future_rows: bool = False,
    read_options: ReadOptions | None = None,
) -> pd.DataFrame:
    """Read new data for a fitted model: same columns, frequency and fill policy as ``spec``.

    A CSV is read with ``read_options`` when given (they replace the fitted ones; ``{}`` reads by
    detection alone), else with ``spec.read_options``, the options the training CSV was read with.
    Errors suggest fixes a fitted model's caller can apply (the data, or refitting), not ``fill=``.
    The frame carries the same :class:`SeriesNotes` as :func:`load_series` gives.
    """
    if read_options is None and not isinstance(source, pd.DataFrame):
        read_options = spec.read_options
    frame, new_spec = load_series(
        source,
        time_col=spec.time_col,
        target=spec.targets,
        past_covariates=spec.past_covariates,
        future_covariates=spec.future_covariates,
        freq=spec.freq,
        fill=spec.fill,  # type: ignore[arg-type]
        id_col=spec.id_col,
        value_col=spec.value_col,
        allow_future_rows=allow_future_rows,
        fitted=True,
        read_options=read_options,
        periods=spec.periods,
    )
    return frame


# ---------------------------------------------------------------- format and columns


def _is_long(frame: pd.DataFrame, id_col: str, value_col: str, time_col: str | None) -> bool:
    return id_col in frame.columns and value_col in frame.columns and (time_col or "ds") in frame.columns


def _pivot_long(
    table: Table,
    time_col: str,
    id_col: str,
    value_col: str,
    fill: str | None,
    freq: str | int | None,
    periods: bool | None,
) -> tuple[pd.DataFrame, tuple[pd.Series, pd.Series]]:
    """``unique_id, ds, y`` rows -> one column per series on the union of their timestamps, and the
    long table's ``(times, series names)`` per row (for errors, :class:`~.reader.LongOrigin`).

    Series that start or end at different times are NaN before their first and after their last
    row: outside their span (see :mod:`.spans`), which no check or fill policy touches.
    """
    frame = table.frame
    duplicated = frame.duplicated(subset=[id_col, time_col], keep=False)
    if duplicated.any():
        rows = np.flatnonzero(duplicated.to_numpy())
        raise DataError(
            f"{table.name}: series {frame[id_col].iloc[rows[0]]!r} has duplicate timestamps at {table.rows_text(rows)}; "
            f"keep one row per ({id_col}, {time_col}) pair (e.g. aggregate them)."
        )
    # Parse before pivoting so spans and the row order are by time, not by the text of the dates.
    long = pd.DataFrame(
        {
            time_col: _parse_times(table, time_col, freq, periods),
            id_col: frame[id_col].to_numpy(),
            value_col: frame[value_col].to_numpy(),
        }
    )
    return _pivot(long, time_col, id_col, value_col), (long[time_col], long[id_col].astype(str))


def _pivot(long: pd.DataFrame, time_col: str, id_col: str, value_col: str) -> pd.DataFrame:
    """``long.pivot(index=time_col, columns=id_col, values=value_col).reset_index()`` with the
    series' names as text: the time column, then one column per series, both sorted.

    Numeric values are scattered into one ``(n_times, n_series)`` float64 array (pandas' unstack
    takes about a second per million rows); integers become floats, as the checks make them anyway.
    Other values (text to report, booleans to refuse) keep pandas' pivot and their dtype.
    """
    values = long[value_col]
    rows, times = pd.factorize(long[time_col], sort=True)
    columns, names = pd.factorize(long[id_col], sort=True)
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values) or (columns < 0).any():
        wide = long.pivot(index=time_col, columns=id_col, values=value_col)
        wide.columns = [str(c) for c in wide.columns]
        return wide.reset_index()
    block = np.full((len(times), len(names)), np.nan)
    block[rows, columns] = values.to_numpy(dtype="float64", na_value=np.nan)
    wide = pd.DataFrame(block, columns=[str(c) for c in names])
    wide.insert(0, time_col, times)
    return wide


def _detect_time_column(table: Table) -> str:
    frame = table.frame
    for column in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[column]) or is_period(frame[column]):
            return column
    by_name = {c.lower(): c for c in frame.columns}
    for name in TIME_COLUMN_NAMES:
        if name in by_name and (
            _is_integer(frame[by_name[name]]) or _mostly_dates(frame[by_name[name]], table.dates)
        ):
            return by_name[name]
    for name in STEP_COLUMN_NAMES:
        if name in by_name and _is_integer(frame[by_name[name]]):
            return by_name[name]
    for column in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[column]) and _mostly_dates(frame[column], table.dates):
            return column
    raise DataError(
        f"no time column found in {table.name} (columns {list(frame.columns)}): expected a column of dates such as "
        "'date' or 'ds' (or of integer steps such as 'year' or 'step'). Add one, or name it with time_col=."
        + _excel_serial_notes(frame)
    )


def _excel_serial_notes(frame: pd.DataFrame) -> str:
    """`` Note: ...`` for each date-named column that holds Excel serial dates; '' if none does."""
    hints = [excel_serial_hint(frame[c], c) for c in frame.columns if c.lower() in TIME_COLUMN_NAMES]
    return "".join(f" Note: {hint}" for hint in hints if hint)


def _is_integer(column: pd.Series) -> bool:
    """Integer steps: an integer column, or floats that are all whole numbers (pandas stores integer
    years as floats once a cell is empty; the empty cells are then reported as bad times)."""
    if pd.api.types.is_bool_dtype(column):
        return False
    if pd.api.types.is_integer_dtype(column):
        return True
    if not pd.api.types.is_float_dtype(column):
        return False
    values = column.dropna().to_numpy(dtype="float64")
    return values.size > 0 and bool(np.isfinite(values).all() and (values == np.round(values)).all())


def _mostly_dates(column: pd.Series, dates: dict[str, Any]) -> bool:
    """At least 90% of the first 50 values parse as dates (with the user's ``date_format``/``dayfirst``)."""
    sample = column.dropna().astype(str).head(50)
    if sample.empty:
        return False
    if period_text_freq(sample) is not None:  # 2015Q1, 2015-01, 2015-01-05/2015-01-11
        return True
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            parsed = pd.to_datetime(
                sample,
                errors="coerce",
                format=dates.get("date_format", "mixed"),
                dayfirst=dates.get("dayfirst", False),
            )
        except (ValueError, TypeError):  # e.g. "mixed timezones" from text that only looks like dates
            parsed = None
        if parsed is None and dates.get("date_format") is None:
            try:  # UTC offsets that change at a daylight-saving switch: pandas 3 reads them with utc=True only
                parsed = pd.to_datetime(
                    sample, errors="coerce", format="mixed", dayfirst=dates.get("dayfirst", False), utc=True
                )
            except (ValueError, TypeError):
                return False
    return parsed is not None and bool(parsed.notna().mean() >= 0.9)


def _parse_times(
    table: Table, time_col: str, freq: str | int | None = None, periods: bool | None = None
) -> pd.Series:
    """The time column as datetime64 (tz-aware inputs keep their timezone; mixed UTC offsets -> UTC),
    as int64 steps when it holds integers (never read as nanoseconds since 1970), or as Periods
    (see :func:`_period_reading`)."""
    raw = table.frame[time_col]
    where = f"{table.name}: column {time_col!r}"
    reading = _period_reading(table, raw, time_col, freq, periods)
    if reading is not None:
        return _parse_periods(table, raw, time_col, reading)
    if is_period(raw):
        parsed = raw.dt.to_timestamp()  # a model fitted on timestamps: a period is dated at its start
    elif pd.api.types.is_datetime64_any_dtype(raw):
        parsed = raw
    elif _is_integer(raw):
        parsed = raw  # steps (years, step numbers): kept as integers, checked below like dates
        _warn_excel_serials(table, time_col)
    else:
        parsed = parse_text_times(raw, where, freq, **table.dates)
    bad = np.flatnonzero(parsed.isna().to_numpy())
    if bad.size and table.frame.iloc[bad].isna().all(axis=None):
        raise DataError(
            f"{table.name}: {table.rows_text(bad)} {'are' if bad.size > 1 else 'is'} blank (every cell empty, as the "
            "',,,' lines a spreadsheet export can leave at the end): delete them."
        )
    if bad.size:
        example = raw.iloc[bad[0]]
        raise DataError(
            f"{table.name}: column {time_col!r} has values that are not {'integer steps' if _is_integer(raw) else 'dates'} "
            f"at {table.rows_text(bad)} (e.g. {example!r}){_date_options_note(table)}; "
            f"{excel_serial_hint(raw, time_col) or 'fix or remove those rows.'}"
        )
    if _is_integer(raw):
        return parsed.astype("int64").reset_index(drop=True)
    # A timezone is kept, not dropped to wall-clock time: across a daylight-saving change wall-clock
    # hours repeat or vanish, which would read as duplicates and gaps. Forecasts continue in this zone.
    return parsed.reset_index(drop=True)


def _period_reading(
    table: Table, raw: pd.Series, time_col: str, freq: str | int | None, periods: bool | None
) -> str | None:
    """The Period alias to read the time column at, or ``None`` to read it as dates or steps.

    A fitted spec decides (``periods``, with its ``freq``); otherwise a Period column is read at its
    own frequency, and text as pandas writes Periods (``2015Q1``, ``2015-01``) at the frequency it
    shows, or at ``freq`` when that is a Period alias (``freq='Q-NOV'``: fiscal quarters); a
    timestamp alias such as ``freq='MS'`` reads the text as dates, as before.

    Raises:
        DataError: ``freq`` contradicts the frequency of a Period column.
    """
    if periods is not None:
        return str(freq) if periods else None
    if is_period(raw):
        if freq is not None and not same_period_freq(freq, raw.dtype):
            raise DataError(
                f"{table.name}: column {time_col!r} holds Periods at frequency {period_alias(raw.dtype.freq)!r}, "
                f"but freq={freq!r}; leave freq out (a Period column's own frequency is used), or convert the "
                f"column first (df[{time_col!r}].dt.asfreq(...) or resample the values)."
            )
        return period_alias(raw.dtype.freq)
    shown = period_text_freq(raw)
    if shown is None or freq is None:
        return shown
    try:
        return period_alias(freq) if isinstance(freq, str) else None
    except ValueError:  # a timestamp alias ('MS', 'QS'): read as dates
        return None


def _parse_periods(table: Table, raw: pd.Series, time_col: str, freq: str) -> pd.Series:
    """The time column as Periods at ``freq``: Periods (at that frequency), their text, or dates.

    Raises:
        DataError: Periods at another frequency, or cells that are no Period (rows named).
    """
    where = f"{table.name}: column {time_col!r}"
    if is_period(raw):
        check_period_freq(raw, freq, where)
        parsed = raw
    elif pd.api.types.is_datetime64_any_dtype(raw):
        parsed = dates_to_periods(raw, freq)
    elif _is_integer(raw) or period_text_freq(raw) is not None:
        parsed = text_to_periods(raw, freq)
    else:  # dates as text (days, hours): read with the user's date options, then as Periods
        parsed = dates_to_periods(parse_text_times(raw, where, None, **table.dates), freq)
    bad = np.flatnonzero(parsed.isna().to_numpy())
    if bad.size:
        raise DataError(
            f"{where} has values that are not {freq!r} Periods at {table.rows_text(bad)} "
            f"(e.g. {raw.iloc[bad[0]]!r}); write them as pandas does (e.g. {str(pd.Period('2015-01-05', freq))!r}) "
            "or fix or remove those rows."
        )
    return parsed.reset_index(drop=True)


def _date_options_note(table: Table) -> str:
    """`` read with read_options date_format '%d.%m.%Y'``: the option that made those cells NaT."""
    if "date_format" in table.dates:
        return f" that match read_options date_format {table.dates['date_format']!r}"
    if "dayfirst" in table.dates:
        return f" read {'day' if table.dates['dayfirst'] else 'month'} first (read_options dayfirst)"
    return ""


def _warn_excel_serials(table: Table, time_col: str) -> None:
    """Integers under a date-like name in the range of Excel serial dates are read as steps (they may
    be), but the user is told how to read them as dates, since the forecast would continue as integers."""
    hint = excel_serial_hint(table.frame[time_col], time_col) if time_col.lower() in TIME_COLUMN_NAMES else ""
    if hint:
        warnings.warn(f"{table.name}: read as integer time steps, but {hint}", UserWarning, stacklevel=4)


def _zone_name(times: pd.Series) -> str | None:
    if not pd.api.types.is_datetime64_any_dtype(times):
        return None  # integer steps
    zone = times.dt.tz
    return None if zone is None else str(zone)


def _resolve_targets(
    table: Table, time_col: str, target: str | list[str] | None, covariates: list[str]
) -> list[str]:
    if target is not None:
        targets = [target] if isinstance(target, str) else list(target)
        if not targets:
            raise DataError("target=[] names no column; name at least one target column or leave it out.")
        return targets
    excluded = {time_col, *covariates}
    index_columns = [c for c in table.frame.columns if c not in excluded and _is_row_numbers(table.frame, c)]
    if index_columns:
        warnings.warn(
            f"{table.name}: column(s) {index_columns} hold the row numbers 0..{len(table.frame) - 1} (the index "
            "pandas writes with df.to_csv(path)); they are not used as targets. Name the targets with target= "
            "to override, or write the CSV with df.to_csv(path, index=False).",
            UserWarning,
            stacklevel=4,
        )
    excluded.update(index_columns)
    targets = [c for c in table.frame.columns if c not in excluded and _meant_numeric(table.frame[c])]
    if not targets:
        raise DataError(
            f"{table.name} has no numeric column to forecast besides {time_col!r}; columns are "
            f"{list(table.frame.columns)}. Name the target with target=."
        )
    return targets


def _is_row_numbers(frame: pd.DataFrame, column: str) -> bool:
    """An ``Unnamed: N`` column holding exactly 0..n-1: a saved index, not data."""
    values = frame[column]
    if not UNNAMED_INDEX.fullmatch(column) or not pd.api.types.is_integer_dtype(values):
        return False
    return bool(np.array_equal(values.to_numpy(), np.arange(len(values))))


def _meant_numeric(column: pd.Series) -> bool:
    """Numeric dtype, or text that is mostly numbers (a stray '?' should be reported, not hidden)."""
    if pd.api.types.is_bool_dtype(column):
        return False
    if pd.api.types.is_numeric_dtype(column):
        return True
    # Decimal commas count as numbers here, so such a column is reported with the fix, not skipped.
    present = column.dropna().astype(str).str.replace(",", ".", regex=False)
    return bool(len(present)) and bool(pd.to_numeric(present, errors="coerce").notna().mean() >= 0.5)


def _require_columns(table: Table, columns: list[str], fitted: bool = False) -> None:
    missing = [c for c in columns if c not in table.frame.columns]
    origin = table.origin
    if missing and isinstance(origin, LongOrigin):
        # a long table: the names are series (unique_id values), not columns
        known = list(dict.fromkeys(origin.ids))
        shown = known[:20] + ([f"... ({len(known)} in all)"] if len(known) > 20 else [])
        fix = (
            f"The model was fitted on the series {columns}: give rows of each (other series are left out)"
            if fitted
            else f"Pass --data.target / target= with some of {shown}, or leave it out for all of them"
        )
        raise DataError(
            f"series {missing} not found in {origin.table.name}: it has no rows with {origin.id_col} "
            f"{' or '.join(map(repr, missing))}; its series are {shown}. {fix}."
        )
    if missing:
        raise DataError(
            f"column{'s' if len(missing) > 1 else ''} {missing} not found in {table.name}; "
            f"columns are {list(table.frame.columns)}."
        )
    duplicated = sorted({c for c in columns if columns.count(c) > 1})
    if duplicated:
        raise DataError(
            f"columns {duplicated} are named twice (as target and covariate); name each column once."
        )


def _numeric_column(table: Table, name: str) -> np.ndarray:
    """``(n_rows,)`` float64 values of column ``name`` (NaN where empty)."""
    # an array, not a Series: a Series per column costs an index copy each (a second at 1,000 series)
    raw = table.frame[name]
    if pd.api.types.is_bool_dtype(raw):
        raise DataError(f"{table.name}: column {name!r} is boolean, not a number; convert it to 0/1 first.")
    if pd.api.types.is_numeric_dtype(raw):
        return raw.to_numpy(dtype="float64", na_value=np.nan)
    converted = pd.to_numeric(raw, errors="coerce")
    bad = np.flatnonzero((converted.isna() & raw.notna()).to_numpy())
    if bad.size:
        raise DataError(
            f"{table.name}: {table.column_text(name)} has non-numeric values at "
            f"{table.cells_text(name, bad, table.frame.iloc[:, 0])} "
            f"(e.g. {raw.iloc[bad[0]]!r}){number_hint(raw.iloc[bad[0]])}; forecast targets and covariates must be numbers. "
            "Fix or blank those cells (blanks can be filled with fill=), or leave the column out."
        )
    return converted.to_numpy(dtype="float64", na_value=np.nan)


# ---------------------------------------------------------------- time axis


def _order_rows(
    table: Table, values: pd.DataFrame, time_col: str, fill: str | None, hints: _Hints
) -> pd.DataFrame:
    times = values[time_col]
    duplicated = times.duplicated(keep=False).to_numpy()
    if duplicated.any():
        rows = np.flatnonzero(duplicated)
        raise DataError(
            f"{table.name}: column {time_col!r} has duplicate timestamps ({times.iloc[rows[0]]}) at "
            f"{table.rows_text(rows)}; keep one row per time step (e.g. drop_duplicates or aggregate them)."
            + _clock_change_note(times.iloc[rows].drop_duplicates(), time_col, "repeats")
        )
    if is_period(times):  # Periods differ by offsets, not numbers: compare their grid positions
        backwards = np.flatnonzero(np.diff(period_ordinals(times)) < 0) + 1
    else:
        zero = 0 if _is_integer(times) else pd.Timedelta(0)
        backwards = np.flatnonzero((times.diff() < zero).to_numpy())
    if backwards.size:
        if fill is None:
            raise DataError(
                f"{table.name}: column {time_col!r} is not sorted: the time goes backwards at "
                f"{table.rows_text(backwards)}; sort the rows by time, {hints.fill} (which also sorts)."
            )
        values = values.sort_values(time_col, kind="stable").reset_index(drop=True)
    return values


def _resolve_frequency(
    table: Table, times: pd.Series, freq: str | int | None, hints: _Hints
) -> pd.DateOffset | int:
    """The pandas offset of a date column, or the integer step of an integer one. A Period column's
    own frequency is the one (checked against ``freq`` as it was read)."""
    if is_period(times):
        return times.dtype.freq
    if _is_integer(times) or is_integer_step(freq):
        return _resolve_step(table, times, freq, hints)
    if freq is not None:
        return date_offset(freq)
    offset = infer_frequency(times)
    if offset is None:
        raise DataError(
            f"{table.name}: cannot infer a regular frequency from the time column ({len(times)} timestamps); "
            f"{hints.freq}."
        )
    return offset


def _resolve_step(table: Table, times: pd.Series, freq: str | int | None, hints: _Hints) -> int:
    """The step of an integer time column: ``freq`` if given, else the most common difference
    between consecutive steps (gaps are then reported, or filled, like missing dates)."""
    if not _is_integer(times):
        raise DataError(
            f"{table.name}: freq={freq!r} is an integer step, but the time column holds dates "
            f"(e.g. {times.iloc[0]}); {hints.freq}."
        )
    if freq is not None:
        if isinstance(freq, str):
            raise DataError(
                f"{table.name}: the time column holds integer steps (e.g. {times.iloc[0]}), but freq={freq!r} is a "
                "date frequency; pass dates in the time column, or an integer freq (the step between rows, e.g. 1)."
            )
        if not is_integer_step(freq) or int(freq) < 1:
            raise DataError(
                f"{table.name}: the time column holds integer steps (e.g. {times.iloc[0]}), so freq must be "
                f"the positive integer step between rows (e.g. freq=1), not {freq!r}."
            )
        return int(freq)
    steps = np.diff(times.to_numpy())
    if steps.size == 0:
        raise DataError(
            f"{table.name}: cannot infer the step of the integer time column from one row; pass freq= "
            "(the integer step between rows, e.g. 1) and more rows."
        )
    values, counts = np.unique(steps, return_counts=True)
    return int(values[np.argmax(counts)])  # ties: the smallest step


def time_grid(first: Any, last: Any, step: pd.DateOffset | int) -> pd.Index:
    """Every time from ``first`` to ``last`` on the grid: dates at an offset, Periods at theirs, or
    integers at a step."""
    if is_integer_step(step):
        return pd.Index(np.arange(first, last + 1, step), dtype="int64")
    if isinstance(first, pd.Period):
        return pd.period_range(first, last, freq=first.freq)
    return pd.date_range(first, last, freq=step)


def _step_text(step: pd.DateOffset | int, times: pd.Series) -> str:
    if is_integer_step(step):
        return f"step-{step}"
    return f"{period_alias(step)!r} Period" if is_period(times) else repr(step.freqstr)


def _regularise(
    table: Table,
    values: pd.DataFrame,
    time_col: str,
    step: pd.DateOffset | int,
    fill: str | None,
    hints: _Hints,
    inside_spans: bool = False,
) -> pd.DataFrame:
    """``values`` on every time of the grid from its first to its last time; missing times are gaps
    (an error, or rows for ``fill``). With ``inside_spans`` (a long table's series) a time outside
    every series' span, e.g. between one series' end and another's start, is no gap: its row is empty."""
    times = values[time_col]
    grid = time_grid(times.iloc[0], times.iloc[-1], step)
    off_grid = np.flatnonzero(~times.isin(grid).to_numpy())
    if off_grid.size:
        raise DataError(
            f"{table.name}: timestamps"
            + (
                "" if table.origin else f" at {table.rows_text(off_grid)}"
            )  # a long table: times, not its rows
            + f" (e.g. {times.iloc[off_grid[0]]}) do not fall "
            f"on the {_step_text(step, times)} grid starting {times.iloc[0]}; fix them, or {hints.freq}."
        )
    if len(grid) == len(times):
        return values
    missing = grid.difference(pd.Index(times))
    if inside_spans:
        missing = _inside_some_span(values, time_col, missing)
    if fill is None and len(missing):
        other = _other_regular_step(times)
        if other is not None and not inside_spans:  # not gaps: the rows are at another frequency
            raise DataError(
                f"{table.name}: its rows are {other!r} apart, not {_step_text(step, times)} "
                f"({len(missing)} timestamps of that grid missing); {hints.freq}."
            )
        after = pd.Index(times).searchsorted(missing[0]) - 1
        raise DataError(
            f"{table.name}: {len(missing)} timestamp{'s are' if len(missing) > 1 else ' is'} missing from the "
            f"{_step_text(step, times)} series (gaps), first {missing[0]}"
            + ("" if table.origin else f" after {table.rows_text([after])}")  # a long table: no row of it
            + "; "
            f"add the missing rows, {hints.fill}."
            + (_clock_change_note(pd.Series(missing), time_col, "skips") if not is_integer_step(step) else "")
        )
    return values.set_index(time_col).reindex(grid).rename_axis(time_col).reset_index()


def _other_regular_step(times: pd.Series) -> str | None:
    """The one spacing of date ``times`` (``"2 hours"``) when all consecutive rows are that far apart
    (data at another frequency than the grid's); ``None`` when they vary, or times are not dates."""
    if not pd.api.types.is_datetime64_any_dtype(times) or len(times) < 3:
        return None
    spacing = pd.Series(times).diff().dropna().unique()
    if len(spacing) != 1:
        return None
    return pd.tseries.frequencies.to_offset(pd.Timedelta(spacing[0])).freqstr


def _clock_change_note(times: pd.Series, time_col: str, change: str) -> str:
    """A sentence for duplicated (``change="repeats"``) or missing (``"skips"``) zone-less ``times``
    that look like a daylight-saving switch of local clock times: all within one early morning
    (00:00 to 03:59) and no more than an hour of them. ``""`` otherwise."""
    if not pd.api.types.is_datetime64_any_dtype(times) or getattr(times.dt, "tz", None) is not None:
        return ""
    span = times.max() - times.min()
    if not (times.dt.hour < 4).all() or span >= pd.Timedelta(hours=1) or times.dt.normalize().nunique() != 1:
        return ""
    option = ", ambiguous='infer'" if change == "repeats" else ""  # the repeated hour: first, then second
    return (
        f" If these are local clock times, the clock {change} an hour where daylight saving time "
        f"{'ends' if change == 'repeats' else 'starts'}: write the times in UTC or with their UTC offsets, e.g. "
        f"df[{time_col!r}] = df[{time_col!r}].dt.tz_localize('Europe/Berlin'{option}) with your zone."
    )


def _inside_some_span(values: pd.DataFrame, time_col: str, missing: pd.Index) -> pd.Index:
    """The ``missing`` times that lie between the first and last observed time of some column."""
    times = values[time_col]
    inside = np.zeros(len(missing), dtype=bool)
    for name in values.columns.drop(time_col):
        present = np.flatnonzero(values[name].notna().to_numpy())
        if present.size:
            inside |= np.asarray((missing > times.iloc[present[0]]) & (missing < times.iloc[present[-1]]))
    return missing[inside]


def _trailing_future_rows(values: pd.DataFrame, targets: list[str]) -> int:
    empty = values[targets].isna().all(axis=1).to_numpy()
    count = 0
    for is_empty in empty[::-1]:
        if not is_empty:
            break
        count += 1
    return count


def _warn_dropped_future_rows(
    table: Table, values: pd.DataFrame, time_col: str, targets: list[str], future: list[str], count: int
) -> None:
    times = values[time_col]
    use = (
        f"predict() without data takes the known-future covariates {future} from them"
        if future
        else "predict(df) forecasts the steps after the last observed row"
    )
    warnings.warn(
        f"{table.name}: the last {count} row{'s' if count > 1 else ''} ({times.iloc[-count]} to {times.iloc[-1]}) "
        f"have no value in any target {targets}: they are treated as future rows, not history, and left out of "
        f"training (no fill policy invents them); {use}.",
        UserWarning,
        stacklevel=3,
    )


def _missing_times(
    values: pd.DataFrame, time_col: str, columns: list[str], inside_spans: bool = False
) -> dict[str, tuple[Any, ...]]:
    """Per column, the times of its NaN/inf cells: what a fill policy is about to invent (with
    ``inside_spans``, only the cells between the series' first and last values)."""
    missing = {}
    for name in columns:
        bad = ~np.isfinite(values[name].to_numpy(dtype="float64"))
        if inside_spans and bad.any():
            bad &= _inside_span(values[name].to_numpy(dtype="float64"))
        if bad.any():
            missing[name] = tuple(values[time_col].to_numpy()[bad])
    return missing


def _usable_future_rows(
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


# ---------------------------------------------------------------- values


def _inside_span(column: np.ndarray) -> np.ndarray:
    """``(n_rows,)`` bool: rows from the first to the last finite value of ``column`` (inf counts as a
    value here: it is a bad cell to report, not an empty end)."""
    present = ~np.isnan(column)
    if not present.any():
        return np.ones(len(column), dtype=bool)  # no value at all: reported as such
    rows = np.arange(len(column))
    return (rows >= present.argmax()) & (rows <= len(column) - 1 - present[::-1].argmax())


def _leave_out(name: str, targets: list[str], long_format: bool) -> str:
    """`` (name the other targets: target=[...])`` for an empty target of a wide table, where a
    default target list picks every numeric column; ``""`` otherwise (a covariate is named by the caller,
    a long table's series is left out by its rows)."""
    others = [t for t in targets if t != name]
    return (
        f" (name the other targets: target={others})"
        if name in targets and others and not long_format
        else ""
    )


def _check_or_fill_values(
    table: Table,
    values: pd.DataFrame,
    columns: list[str],
    fill: str | None,
    hints: _Hints,
    inside_spans: bool = False,
    targets: list[str] | None = None,
) -> pd.DataFrame:
    """Report (strict) or fill the NaN/inf cells of ``columns``. With ``inside_spans`` (the series of
    a long table) only cells inside each column's span count; its empty ends stay NaN. A wide table's
    ``targets`` empty only at their start or end are told how to pass series of different spans."""
    values = values.copy()
    block = values[columns].to_numpy(dtype="float64", copy=True)
    infinite = np.isinf(block)
    missing = ~np.isfinite(block)
    inside = np.ones_like(missing)
    if inside_spans:
        for j in np.flatnonzero(missing.any(axis=0)):  # only the columns with an empty cell
            inside[:, j] = _inside_span(block[:, j])
        missing &= inside
    for j in np.flatnonzero(missing.any(axis=0)):  # only the columns with a problem, in order
        name = columns[j]
        if missing[:, j].all():
            raise DataError(
                f"{table.name}: {table.column_text(name)} has no values at all; leave it out"
                f"{_leave_out(name, targets or [], inside_spans)} or provide its data."
            )
        bad = np.flatnonzero(missing[:, j])
        if fill is None:
            kind = "inf" if infinite[bad, j].any() else "NaN (empty)"
            within = _inside_span(np.where(missing[:, j], np.nan, 0.0))
            ends_only = not within[bad].any() and not infinite[bad, j].any()
            time_col = values.columns[0]
            spans = (
                " If the series starts later or ends earlier than the others, pass the table in long "
                f"format, whose series each keep their own span: df.melt(id_vars={time_col!r}, "
                "var_name='unique_id', value_name='y').dropna(subset=['y'])"
                + ("" if time_col == "ds" else f" with time_col={time_col!r}")
                + "."
                if ends_only and name in (targets or []) and not inside_spans
                else ""
            )
            raise DataError(
                f"{table.name}: {table.column_text(name)} has {kind} values at "
                f"{table.cells_text(name, bad, values[time_col])}; "
                f"fix or remove them, {hints.fill}.{spans}"
            )
    if fill is None:
        return values
    block[infinite] = np.nan
    filled = fill_values(pd.DataFrame(block, columns=columns, index=values.index), fill)
    if inside_spans:  # gaps inside the spans only: the empty ends stay outside them
        filled = filled.where(inside)
    values[columns] = filled
    return values
