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

The steps live beside this module, one job each: :mod:`.time_column` (find and parse the time
column), :mod:`.long_table` (pivot a long table), :mod:`.value_columns` (targets, covariates,
numbers), :mod:`.sentinels` (numbers such as ``-9999`` that code a missing reading: a warning),
:mod:`.regular_grid` (order, frequency, gaps), :mod:`.future_rows`, :mod:`.fill_policy`
(check or fill the values) and :mod:`.series_spec` (the spec and the notes a loaded frame keeps).
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from ssm_ts.errors import DataError

from ..csv_options import ReadOptions, check_read_options
from .dates import infer_frequency
from .fill_policy import FILL_POLICIES, FillPolicy, check_or_fill_values, fill_values, missing_times
from .fix_hints import FixHints
from .frames import is_integer_step
from .future_rows import trailing_future_rows, usable_future_rows, warn_dropped_future_rows
from .long_table import is_long, long_time_column, pivot_long, require_covariate_series, warn_unread_columns
from .long_table import pivot_to_wide as _pivot  # noqa: F401 (its name here before the split)
from .output_names import check_output_names
from .parquet_table import fitted_read_options
from .periods import is_period, period_alias
from .reader import LongOrigin, TableSource, index_hint, read_table
from .regular_grid import order_rows, regularise, resolve_frequency, time_grid
from .sentinels import warn_sentinels
from .series_ids import numeric_id_dtype, series_names
from .series_spec import (
    NOTES_KEY,
    SeriesNotes,
    SeriesSpec,
    filled_cells,
    filled_targets,
    series_notes,
    with_given_fills,
)
from .shared_grid import check_shared_grid
from .time_column import detect_time_column, in_fitted_zone, parse_times, warn_zone_less_times, zone_name
from .value_columns import numeric_columns, require_columns, require_value_column, resolve_targets
from .written_ids import with_written_ids

# what other modules import from here; pickles made before the split name SeriesSpec/SeriesNotes here too
__all__ = [
    "FILL_POLICIES",
    "NOTES_KEY",
    "FillPolicy",
    "SeriesNotes",
    "SeriesSpec",
    "fill_values",
    "filled_cells",
    "filled_targets",
    "infer_frequency",
    "load_like",
    "load_series",
    "series_notes",
    "time_grid",
    "with_given_fills",
]


def column_list(names: str | list[str] | None) -> list[str]:
    """Covariate names as a list: one column may be named alone, as ``target=`` takes it (``"LULL"``
    is that column, not the columns ``L``, ``U``, ``L``, ``L``)."""
    if names is None:
        return []
    # one name (a long table's series may be named by a number id: past_covariates=2)
    return [names] if isinstance(names, str) or not hasattr(names, "__iter__") else list(names)


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
    hints = FixHints.for_fitted(freq or "?", bool(periods)) if fitted else FixHints.for_fit()
    options = check_read_options(read_options)
    table = read_table(source, options)
    frame = table.frame
    if time_col is not None and not isinstance(time_col, str):  # a column labelled 0 (pd.DataFrame(array))
        time_col = str(time_col)  # columns are named by their text, as the series are
    long_format = is_long(frame, id_col, value_col, time_col)
    id_dtype = None
    if long_format:
        time_col = time_col or long_time_column(table, id_col, value_col)
        table = with_written_ids(table, id_col)  # store codes "007" stay text, not 7
        frame = table.frame
        id_dtype = numeric_id_dtype(frame[id_col])
        if not fitted:  # said once, at fit: a fitted model's new data is read as the fit's was
            named = [*column_list(past_covariates), *column_list(future_covariates)]
            warn_unread_columns(table, time_col, id_col, value_col, named)
        frame, rows = pivot_long(table, time_col, id_col, value_col, fill, freq, periods)
        origin = LongOrigin(table, *rows, id_col, value_col)
        table = dataclasses.replace(
            table,
            frame=frame,
            name=table.name + " (pivoted from long format)",
            is_file=False,
            origin=origin,
            features=None,  # the long table's (origin.table's): its rows, not the pivoted one's
        )
    time_col = time_col or detect_time_column(table)
    if time_col not in frame.columns:
        fix = (
            f"Name the time column {time_col!r}, as in the data the model was fitted on"
            if fitted
            else "Pass time_col= with one of them"
        )
        raise DataError(
            f"time column {time_col!r} not found in {table.name}; columns are {list(frame.columns)}. {fix}."
            + index_hint(table)
        )
    times = parse_times(table, time_col, freq, periods)
    past, future = column_list(past_covariates), column_list(future_covariates)
    # series are named by text: a number id of a long table, or a wide CSV's numbered column
    # (exchange_rate's "0".."6"), may be named by the number (target=0 is "0")
    known = [str(name) for name in frame.columns]
    past, future = series_names(past, known), series_names(future, known)
    if target is not None:
        target = series_names(column_list(target), known)
    if long_format:
        require_covariate_series(table, {"past_covariates": past, "future_covariates": future}, fitted)
    targets = resolve_targets(table, time_col, target, past + future, id_col, value_col)
    check_output_names(table, targets)  # "sales" beside "sales_actual": the outputs would mix them up
    columns = [*targets, *past, *future]
    if time_col in columns:
        raise DataError(
            f"{table.name}: column {time_col!r} is the time column, and is named as a "
            f"{'target' if time_col in targets else 'covariate'} too; name the series' value columns "
            f"(columns: {list(frame.columns)[:10]}), or, if {time_col!r} is one, name the time column with time_col=."
        )
    kinds = {**{c: "past covariate" for c in past}, **{c: "known-future covariate" for c in future}}
    require_columns(table, columns, fitted, id_col, value_col, {**kinds, **{c: "target" for c in targets}})
    if times.duplicated().any():  # a long table whose values are not in value_col reads as a wide one
        require_value_column(table, id_col, value_col, fitted, targets)
    values = numeric_columns(table, columns)
    warn_sentinels(table, values, columns, times, fill, fitted)  # -9999 and the like, in the table's rows
    values.insert(0, time_col, times)

    values = order_rows(table, values, time_col, fill, hints)
    step = resolve_frequency(table, values[time_col], freq, hints)
    values = regularise(table, values, time_col, step, fill, hints, long_format)
    check_shared_grid(table, values, time_col, columns)  # no fill of every other row
    n_future_rows = trailing_future_rows(values, targets)
    if n_future_rows == len(values):
        n_future_rows = 0  # nothing observed: the checks below name the empty columns
    dropped = None
    if n_future_rows and not allow_future_rows:
        warn_dropped_future_rows(table, values, time_col, targets, future, n_future_rows)
        dropped = values.iloc[len(values) - n_future_rows :]
        values = values.iloc[: len(values) - n_future_rows]
        n_future_rows = 0
    observed = values.iloc[: len(values) - n_future_rows]
    # A long table's series may start and end at different times: empty ends lie outside a series'
    # span (see .spans), neither checked nor filled; inside it, empty cells are gaps as ever.
    # which cells the fill invents, noted before the fill hides them
    filled = missing_times(observed, time_col, [*targets, *past], long_format)
    observed = check_or_fill_values(table, observed, [*targets, *past], fill, hints, long_format, targets)
    if future:
        values = pd.concat([observed, values.iloc[len(values) - n_future_rows :]], ignore_index=True)
        filled.update(missing_times(values, time_col, future))  # over the future rows too: known there
        # a long table's known-future series keep their own spans too (a per-series column of a series that
        # ends early); covariate_spans checks them against the targets that read them
        checked = check_or_fill_values(table, values[[time_col, *future]], future, fill, hints, long_format)
        # one concat, not a column at a time (a second at 1,000 per-series columns); the columns' order kept
        values = pd.concat([values.drop(columns=future), checked[future]], axis=1)[list(values.columns)]
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
        tz=zone_name(values[time_col]),
        read_options=options,
        periods=in_periods,
        id_dtype=id_dtype,
        csv_keywords=table.csv_keywords,
    )
    values = values.reset_index(drop=True)
    future_rows = usable_future_rows(values, dropped, spec, fill) if dropped is not None else None
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
        read_options = fitted_read_options(source, spec.read_options)  # a Parquet file: none
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
    warn_zone_less_times(frame[spec.time_col], spec.tz, spec.time_col)
    frame[spec.time_col] = in_fitted_zone(frame[spec.time_col], spec.tz, spec.freq)
    return frame
