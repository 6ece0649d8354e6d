"""Long tables (``unique_id, ds, y`` rows, as neuralforecast users have) pivoted to one column per
series; each series is NaN outside its own span."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd

from ssm_ts.errors import DataError
from ssm_ts.rank_zero_warnings import warn_on_rank_zero

from ..na_markers import default_na_markers, keep_text_hint
from ..saved_index_rule import counts_rows, is_unnamed
from .feature_origin import table_variable
from .number_text import meant_numeric
from .parquet_table import parquet_path
from .read_code import read_first
from .reader import Table
from .time_column import _mostly_dates, detect_time_column, parse_times  # the one test of dates
from .value_columns import is_nested
from .zone_text import without_zone_names


def is_long(frame: pd.DataFrame, id_col: str, value_col: str, time_col: str | None) -> bool:
    """``unique_id`` and ``y`` columns and a time column: ``time_col``, or (not given) any other column,
    found as a wide table's is (``unique_id, date, y`` is long too, as neuralforecast's ``ds`` is)."""
    columns = frame.columns
    if id_col not in columns or value_col not in columns:
        return False
    return time_col in columns if time_col else len(columns) > 2


def long_time_column(table: Table, id_col: str, value_col: str) -> str:
    """The time column of a long table given without ``time_col``: ``ds``, else the one found among
    its other columns as in a wide table (``date``, ``timestamp``, a column of dates)."""
    if "ds" in table.frame.columns:
        return "ds"
    others = table.frame.drop(columns=[id_col, value_col])
    return detect_time_column(dataclasses.replace(table, frame=others))


def unnamed_long_table_note(table: Table, time_col: str, times: pd.Series) -> str:
    """The fix for a table read as wide whose rows repeat each time once per series, named in one
    column (``store, date, sales``): a long table whose columns are not ``unique_id`` and ``y``, which
    would otherwise get the advice to drop its duplicate times; or named in the DataFrame's index
    (``df.set_index("unique_id")``, as neuralforecast before 1.0 took it), which was dropped. ``""``
    otherwise."""
    frame = table.frame
    index = _index_ids_note(table, time_col, times)
    if index or times.duplicated(keep=False).mean() < 0.5:
        return index  # a few repeated times: repeated rows, not a series per row
    # text columns first: a series column of numbers (store 1, 2, 3) is a candidate only after them
    candidates = sorted(
        (c for c in frame.columns if c not in (time_col, _VALUE_COL) and _may_name_series(frame[c])),
        key=lambda c: pd.api.types.is_numeric_dtype(frame[c]),
    )
    for name in candidates:
        ids = frame[name]
        if not 2 <= ids.nunique() <= len(frame) // 2:
            continue
        if pd.DataFrame({"time": times.to_numpy(), "id": ids.to_numpy()}).duplicated().any():
            continue  # the same series twice at one time: no series column
        rename = {name: _ID_COL, **_value_rename(frame, (time_col, name))}
        settings = dict(zip(("id_col", "value_col"), rename, strict=False))  # value_col: when one is known
        cli = " ".join(f"--data.{setting} {column}" for setting, column in settings.items())
        return (
            f"the rows look like a long table (one row per series and time) with its series in column "
            f"{name!r}: name its series column {_ID_COL!r} and its value column {_VALUE_COL!r}, "
            f"df = df.rename(columns={rename}) (df = pd.read_csv(path) for a CSV), and pass the DataFrame "
            f"(on the command line: {cli})."
        )
    return ""


_ID_COL, _VALUE_COL = "unique_id", "y"  # the long layout's columns, as the API names them


def _index_ids_note(table: Table, time_col: str, times: pd.Series) -> str:
    """For a DataFrame (or Parquet file) whose named index was dropped as row numbers
    (:attr:`~.reader.Table.dropped_index`) and whose times repeat: the index held the series of a long
    table (``df.set_index("unique_id")``), and the fix makes it a column again, ``df.reset_index()``
    (renamed to ``unique_id``), when most of the times repeat. An index named ``unique_id`` whose ids
    repeat is read as the series; one dropped repeats none (row numbers), so holds no series."""
    name = table.dropped_index
    if name in (None, _ID_COL) or times.duplicated(keep=False).mean() < 0.5:
        return ""
    rename = {name: _ID_COL, **_value_rename(table.frame, (time_col,))}
    code = f"df = df.reset_index().rename(columns={rename})"
    read, then = read_first(table)  # a Parquet file's index comes back with pd.read_parquet
    written = (
        " (or write it back so, df.to_parquet(path), for the command line)" if parquet_path(table) else ""
    )
    return (
        f"the index {name!r} seems to hold the series of a long table (one row per series and time), and an index "
        f"is read only as the times (a DatetimeIndex or PeriodIndex): make it the series column, "
        f"{read}{code}{then or ', and pass the DataFrame'}{written}; do not drop the repeated times, which "
        "would mix the series into one."
    )


def _value_rename(frame: pd.DataFrame, others: tuple[str, ...]) -> dict[str, str]:
    """``{column: "y"}`` for the one numeric column of ``frame`` besides ``others`` (its time and
    series columns) when it has no ``y``; ``{}`` otherwise (no such column, or several)."""
    if _VALUE_COL in frame.columns:
        return {}
    values = [c for c in frame.columns if c not in others and pd.api.types.is_numeric_dtype(frame[c])]
    return {values[0]: _VALUE_COL} if len(values) == 1 else {}


def _may_name_series(values: pd.Series) -> bool:
    """Whether a column could hold series ids: not floats with a fraction (``30.531``: readings, though
    rounded ones repeat as ids do); whole floats (``1.0``, ids a NaN made floats) may."""
    if not pd.api.types.is_float_dtype(values):
        return True
    numbers = values.to_numpy(dtype="float64", na_value=np.nan)
    return bool(np.all(np.isnan(numbers) | (numbers == np.round(numbers))))


# the unread-columns warnings given in this process: said once, not again for each trial of a search
# (each fits the table anew), each fit of a loop, or the test split's read after the fit's
_SAID: set[tuple] = set()  # (table, its id, time and value columns, the columns named)
_MASK = "available_mask"  # neuralforecast's column: 0 where the value column holds no reading


def warn_unread_columns(
    table: Table, time_col: str, id_col: str, value_col: str, named: list[str] | None = None
) -> None:
    """Warn (once a process for a table and its columns) that the long ``table``'s other columns are not
    read, with how to use them: those with one value per series (``region``, ``capacity``: static
    features) as ``static_df``, those of numbers that change over time within a series as
    ``past_covariates=``; and how to silence it. Not named: columns the same in every row (a unit, a
    source), a saved index's row numbers (``Unnamed: 0`` of ``df.to_csv(path)``), dates, text that
    names each series (a second id: one-hot encoded it is the series' id again), and the ``named`` ones
    (the covariates given; per-series ones are the expanded table's rows already). Neuralforecast's
    ``available_mask`` is no feature: its 0 rows' values are read as readings, and the fix makes them
    missing.
    """
    frame = table.frame
    read = (id_col, time_col, value_col, *(named or []))
    # a list column (Parquet list<double>) has no distinct values to count: value_columns names those
    others = [c for c in frame.columns if c not in read and not is_nested(frame[c])]
    if not others:
        return
    if table.features is not None:  # the rows of the covariate series it was expanded with: not the user's
        frame = frame[~frame[id_col].astype(str).isin(list(table.features.names))]
    series, n_series = _codes(frame[id_col])
    same = series[1:] == series[:-1]  # a row of the series of the row before it
    firsts = np.flatnonzero(np.r_[True, ~same])
    contiguous = len(firsts) == n_series  # each series' rows together, as a long table has them
    static, varying, masks = [], [], []
    for column in others:
        values = frame[column]
        if _row_numbers(values, firsts[1:]) or pd.api.types.is_datetime64_any_dtype(values):
            continue
        if column == _MASK and pd.api.types.is_numeric_dtype(values) and bool((values == 0).any()):
            masks.append(column)  # a mask, not a feature: its 0 rows' y are no readings
            continue
        if contiguous:
            one = _one_value_a_series(values, same)
            distinct = values.iloc[firsts].nunique(dropna=False) if one else None
        else:
            codes, distinct = _codes(values)
            by_series = pd.Series(codes).groupby(series)
            distinct = distinct if (by_series.min() == by_series.max()).all() else None
        if distinct is not None:  # one value per series
            text = not pd.api.types.is_numeric_dtype(values)
            # text naming each series is a second id; dates written as text are no category to encode
            if 1 < distinct and not (text and (distinct == n_series or _mostly_dates(values, table.dates))):
                static.append(column)
        elif meant_numeric(values):
            varying.append(column)
    if not static and not varying and not masks:
        return
    name = table.features.source.name if table.features is not None else table.name
    said = (name, id_col, time_col, value_col, tuple(static), tuple(varying), tuple(masks))
    if said in _SAID:  # before the fix's code: a CSV's is its read keywords, which read the file again
        return
    _SAID.add(said)
    parts = [_static_fix(table, static, id_col)] if static else []
    if varying:
        one = len(varying) == 1
        parts.append(
            f"{_columns_text(varying)} change{'s' if one else ''} over time within a series and "
            f"{'is' if one else 'are'} not read: to read {'it' if one else 'them'}, name "
            f"{'it' if one else 'them'} in past_covariates={varying!r} (future_covariates= for values known "
            "ahead), each series reading its own."
        )
    if masks:
        parts.append(
            f"The column {_MASK!r} (neuralforecast's) is not read: {value_col!r} is read as observed in every "
            f"row, those it marks 0 too. To leave those out of training and scores, make their values missing "
            f"and fill them: df.loc[df[{_MASK!r}] == 0, {value_col!r}] = float('nan'), then fit(df, "
            "fill='interpolate') (the values a fill invents are model inputs only, as neuralforecast's mask)."
        )
    unread = [*static, *varying, *masks]
    message = (
        f"{name}: a long table is read as its {id_col!r}, {time_col!r} and {value_col!r} columns and the "
        f"covariates named. {' '.join(parts)} To silence this, drop "
        f"{'it' if len(unread) == 1 else 'them'}: df.drop(columns={unread!r})."
    )
    warn_on_rank_zero(
        message,
        UserWarning,
        stacklevel=None,  # the user's line, however deep the call
    )


def _codes(values: pd.Series) -> tuple[np.ndarray, int]:
    """``(codes, n)``: each row's value (a series' id, a column's value) as a number ``0..n-1`` (``n``
    distinct values, NaN one of them), whose min and max by series tell whether a series holds one."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return codes, len(uniques)


def _one_value_a_series(values: pd.Series, same: np.ndarray) -> bool:
    """Whether each row of ``values`` equals the row before it where that row is of the same series
    (``same``, ``(n - 1,)``): one value a series, for rows series by series. A pass of numpy over the
    numbers (text: its codes), where a groupby factorizes a column of numbers first (0.04 s for 200,000
    rows) and counts each series' values."""
    if not pd.api.types.is_numeric_dtype(values):
        values = pd.Series(_codes(values)[0])  # NaN a code of its own
    numbers = values.to_numpy()
    equal = numbers[1:] == numbers[:-1]
    missing = pd.isna(numbers)
    equal |= missing[1:] & missing[:-1]  # NaN is one value too
    return bool(equal[same].all())


def _row_numbers(values: pd.Series, starts: np.ndarray) -> bool:
    """Whether ``values`` is a saved index of row numbers (``Unnamed: 0``, as ``df.to_csv(path)`` writes
    it): counted over the table, or from 0 again at each row that ``starts`` a series (a frame
    concatenated from one a series)."""
    if not is_unnamed(values.name) or not pd.api.types.is_integer_dtype(values):
        return False
    return counts_rows(values.to_numpy(), holes=True, starts=starts)


def _columns_text(columns: list[str]) -> str:
    """``The column 'x'`` or ``The columns ['x', 'y']``, to start a sentence."""
    return f"The column {columns[0]!r}" if len(columns) == 1 else f"The columns {columns!r}"


def _static_fix(table: Table, static: list[str], id_col: str) -> str:
    """The sentence and code that give the long table's ``static`` columns as ``static_df`` (text ones
    one-hot encoded, as static_df takes numbers only), the long table passed without them."""
    source = table.features.source if table.features is not None else table
    read, _ = read_first(source)  # a file read first: pd.read_csv with the options that read it
    text = [c for c in static if not pd.api.types.is_numeric_dtype(table.frame[c])]
    dummies = f", then static_df = pd.get_dummies(static_df, columns={text!r}, dtype=float)" if text else ""
    one = len(static) == 1
    return (
        f"{_columns_text(static)} hold{'s' if one else ''} one value per series and {'is' if one else 'are'} "
        f"not read: to read {'it' if one else 'them'} as static features, give {'it' if one else 'them'} "
        f"as static_df (one row per series): {read}static_df = df[{[id_col, *static]!r}]"
        f".drop_duplicates({id_col!r}){dummies}, then fit(df.drop(columns={static!r}), static_df=static_df) "
        "(CLI: --data.static_path, a CSV of those columns)."
    )


def pivot_long(
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
    require_series_ids(table, id_col)
    duplicated = frame.duplicated(subset=[id_col, time_col], keep=False)
    if duplicated.any():
        rows = np.flatnonzero(duplicated.to_numpy())
        read, then = read_first(table)  # the fix as code that runs as written (a CSV read first)
        series = frame[id_col].iloc[rows[0]]  # a series' own covariate (load[A]) as the user's id
        shown = _plain(series) if table.features is None else table.features.shown_id(str(series))
        var = table_variable(table.name)
        repeated = _autumn_hour_note(table, time_col, rows, frame[id_col].iloc[rows] == series, shown)
        if repeated:
            raise DataError(repeated)
        raise DataError(
            f"{table.name}: series {shown!r} has duplicate timestamps at "
            f"{table.rows_text(rows)}; keep one row per ({id_col}, {time_col}) pair, e.g. the last: "
            f"{read}{var} = {var}.drop_duplicates(subset=[{id_col!r}, {time_col!r}], keep='last'){then} (or "
            "aggregate them)."
        )
    # Parse before pivoting so spans and the row order are by time, not by the text of the dates.
    ids = frame[id_col]
    long = pd.DataFrame(
        {
            time_col: parse_times(table, time_col, freq, periods),
            # text ids as they are: to_numpy() made a Python string of each row (30 MB a 300,000 rows)
            id_col: ids.array if ids.dtype == "str" else ids.to_numpy(),
            value_col: frame[value_col].to_numpy(),
        },
        copy=False,  # the table's columns, only read here (a copy of the whole table before)
    )
    return pivot_to_wide(long, time_col, id_col, value_col), (long[time_col], long[id_col].astype(str))


def _autumn_hour_note(
    table: Table, time_col: str, rows: np.ndarray, in_first: pd.Series, shown: object
) -> str:
    """For duplicate times (``rows``, positions in ``table``) that are all one zone name's repeated
    autumn hour (``2016-10-30 02:00:00 Europe/Berlin`` twice, two instants an hour apart): the error
    naming it, the rows of the first series (``in_first``, a mask of ``rows``) and the fix, UTC offsets;
    ``""`` for other duplicates (dropping those drops nothing real)."""
    text = table.frame[time_col].iloc[rows]
    named = without_zone_names(text.astype(str)) if pd.api.types.is_string_dtype(text) else None
    if named is None or named[1].isna().any():
        return ""
    times, zones = named
    try:
        wall = pd.to_datetime(times, format="mixed", errors="coerce")
    except (ValueError, TypeError):  # offsets as well as names ('+01:00[Europe/Berlin]'), mixed
        return ""
    if isinstance(wall.dtype, pd.DatetimeTZDtype) or wall.isna().any():
        return ""
    zone = zones.iloc[0]
    if (zones != zone).any():
        return ""
    summer = wall.dt.tz_localize(zone, ambiguous=np.ones(len(wall), bool), nonexistent="NaT")
    winter = wall.dt.tz_localize(zone, ambiguous=np.zeros(len(wall), bool), nonexistent="NaT")
    if not (summer != winter).all() or summer.isna().any():
        return ""  # some are no repeated hour: duplicates as any others
    first, second = (stamp.iloc[0].isoformat(sep=" ") for stamp in (summer, winter))
    return (
        f"{table.name}: series {shown!r} has the time {text.iloc[0]!r} more than once, at "
        f"{table.rows_text(rows[in_first.to_numpy()])}: {zone!r} repeats that hour where daylight saving "
        f"time ends (first at {first[-6:]}, then at {second[-6:]}), and the zone name cannot tell the two "
        "apart. They are two instants an hour apart, not duplicates (dropping one would drop a real hour): "
        f"write the times with their UTC offsets instead ({first!r}, then {second!r}), or in UTC."
    )


def _plain(value: object) -> object:
    """A NumPy scalar as its Python value, for a message (``1.0``, not ``np.float64(1.0)``)."""
    return value.item() if isinstance(value, np.generic) else value


def require_series_ids(table: Table, id_col: str, where: str | None = None) -> None:
    """Every row of a long table names its series: an empty ``id_col`` cell (NaN, None, blank text)
    belongs to no series, and pivoting would drop the row unseen. ``where`` names the table in the
    error (default: its name).

    Raises:
        DataError: naming the empty rows (and CSV lines) and the fix.
    """
    # the distinct ids checked, not every row's text: a quarter second per million rows of objects
    codes, names = pd.factorize(table.frame[id_col])  # NaN and None: code -1
    blank = [i for i, name in enumerate(names) if isinstance(name, str) and not name.strip()]
    empty = (codes < 0) | np.isin(codes, blank)
    if empty.any():
        rows = np.flatnonzero(empty)
        raise DataError(
            f"{where or table.name}: column {id_col!r} (the series of a long table) is empty on {len(rows)} "
            f"row{'s' if len(rows) > 1 else ''}, {table.rows_text(rows)}; fill in the series those rows "
            f"belong to, or drop them (df.dropna(subset=[{id_col!r}]))." + _marker_note(table, id_col, rows)
        )
    _require_distinct_names(table, id_col, names, where)


def _require_distinct_names(table: Table, id_col: str, ids: pd.Index, where: str | None) -> None:
    """Distinct ids (``ids``, the column's unique values) with one text (``1`` and ``"1"``, from a
    concat of tables whose ids had other dtypes): a series is named by its id's text, so they would
    become two columns of one name (pandas then failed with "'DataFrame' object has no attribute 'str'").

    Raises:
        DataError: naming the ids and the conversion to one dtype."""
    text = pd.Index(ids.astype(str))
    if text.is_unique:
        return
    same = [i for i, name in zip(ids, text, strict=True) if (text == name).sum() > 1][:4]
    shown = ", ".join(f"{_plain(i)!r} ({type(_plain(i)).__name__})" for i in same)
    raise DataError(
        f"{where or table.name}: column {id_col!r} holds ids that differ only in type: {shown}; a series is "
        f"named by its id's text, so they would be one name for two series. Give the ids one type, "
        f"df[{id_col!r}] = df[{id_col!r}].astype(str), if they are one series (its rows read from two "
        "sources), or rename one of them if they are two."
    )


def require_covariate_series(table: Table, covariates: dict[str, list[str]], fitted: bool = False) -> None:
    """In a long table every variable is a series: a covariate is the rows whose ``id_col`` names it
    (values in the value column), shared by every target. ``table`` is the pivoted one (its
    :class:`~.reader.LongOrigin` the long table); ``covariates``: ``{"past_covariates": [...], ...}``.

    Raises:
        DataError: naming the covariates that are no series, telling a column of the long table
            (neuralforecast's per-series exogenous columns) from a name it does not hold.
    """
    origin = table.origin
    missing = {kind: [n for n in names if n not in table.frame.columns] for kind, names in covariates.items()}
    kind, names = next(((k, v) for k, v in missing.items() if v), (None, []))
    if not names:
        return
    long, id_col, value_col = origin.table, origin.id_col, origin.value_col
    series = list(dict.fromkeys(origin.ids))
    shown = series[:20] + ([f"... ({len(series)} in all)"] if len(series) > 20 else [])
    columns = [n for n in names if n in long.frame.columns]
    where = (
        f"{columns} {'is a column' if len(columns) == 1 else 'are columns'} of the long table, not series"
        if columns
        else f"it has no rows with {id_col} {' or '.join(map(repr, names))}"
    )
    fix = (
        f"The model was fitted with these {kind}: give their rows too"
        if fitted
        else f"Name series of {shown} as {kind}, or leave them out"
    )
    if columns and long.is_file:  # neuralforecast's per-series exogenous columns: read from a DataFrame
        raise DataError(
            f"{kind} {columns} {'is a column' if len(columns) == 1 else 'are columns'} of the long table "
            f"{long.name}, not series: per-series covariates (each series' own values beside its {value_col!r}) "
            f"are read from a long DataFrame. Read the CSV first: "
            f"fit(pd.read_csv({long.name!r}), {kind}={columns!r}) (with the read options it needs)."
        )
    raise DataError(
        f"{kind} {names} not found in {long.name}: {where}. In a long table every variable is a series: a "
        f"covariate is the rows whose {id_col!r} names it (its values in {value_col!r}), and every target "
        f"reads it; other columns (as neuralforecast's per-series exogenous columns) are read per series "
        f"from a long DataFrame given to fit. {fix}; "
        f"a column that is the same for every series can be added as rows of its own ({id_col} "
        f"{(columns or names)[0]!r}, its values in {value_col!r}), or pass a wide table (a time column, one "
        "column per series and covariate)."
    )


def _marker_note(table: Table, id_col: str, rows: np.ndarray) -> str:
    """For a CSV whose empty ids hold ``NA``/``None`` text: that pandas read them as missing, and the
    read options that keep such series names."""
    if not table.is_file:
        return ""
    markers = default_na_markers(Path(table.name), table.read_options, id_col, rows)
    if not markers:
        return ""
    held = " and ".join(
        f"{text!r} on {count} row{'s' if count > 1 else ''}" for text, count in markers.items()
    )
    return (
        f" Of those, {held} hold text that pandas reads as missing by default; if it names a series, "
        f"{keep_text_hint(table.read_options)}."
    )


def pivot_to_wide(long: pd.DataFrame, time_col: str, id_col: str, value_col: str) -> pd.DataFrame:
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
