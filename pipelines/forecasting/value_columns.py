"""The value columns: the targets picked (a saved index column left out), the columns named present
once each, and their values read as numbers (a cell that is none named by row).

A Parquet file's columns are named with their Parquet type in errors, and their fixes read the file
first. Nested columns (a Parquet ``list<double>`` or ``struct<...>``, a DataFrame's lists or dicts)
hold several values a row: left out of the targets picked with a warning where they hold numbers
(text-only ones, such as tags, stay silent as text columns do), refused when named, both with the
code that gives each value a column of its own.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter

import numpy as np
import pandas as pd

from ssm_ts.errors import DataError
from ssm_ts.rank_zero_warnings import warn_on_rank_zero

from .number_text import meant_numeric, number_text_hint
from .parquet_table import parquet_path, parquet_type
from .read_code import read_first
from .reader import LongOrigin, Table
from .saved_index import holds_row_numbers, warn_row_number_columns
from .series_ids import numeric_id_dtype, shown_ids
from .shown_numbers import shown_number_hint


def resolve_targets(
    table: Table,
    time_col: str,
    target: str | list[str] | None,
    covariates: list[str],
    id_col: str = "unique_id",
    value_col: str = "y",
) -> list[str]:
    if target is not None:
        targets = [target] if isinstance(target, str) else list(target)
        if not targets:
            raise DataError("target=[] names no column; name at least one target column or leave it out.")
        return targets
    excluded = {time_col, *covariates}
    index_columns = [
        c for c in table.frame.columns if c not in excluded and holds_row_numbers(table.frame, c)
    ]
    if index_columns:
        warn_row_number_columns(table, index_columns)
    excluded.update(index_columns)
    # a numeric dtype by the dtypes at once: a Series per column cost a second at 1,000 series
    dtypes = dict(zip(table.frame.columns, table.frame.dtypes, strict=True))
    targets = [
        c for c in table.frame.columns
        if c not in excluded and (_plain_number(dtypes[c]) or meant_numeric(table.frame[c]))
    ]  # fmt: skip
    nested = [c for c in table.frame.columns if c not in excluded and is_nested(table.frame[c])]
    if nested:
        warn_nested_columns(table, nested)
    if not targets:
        require_value_column(table, id_col, value_col, fitted=False)
        raise DataError(
            f"{table.name} has no numeric column to forecast besides {time_col!r}; columns are "
            f"{list(table.frame.columns)}. Name the target with target=."
        )
    return targets


def require_columns(
    table: Table,
    columns: list[str],
    fitted: bool = False,
    id_col: str = "unique_id",
    value_col: str = "y",
    kinds: dict[str, str] | None = None,
) -> None:
    """Every one of ``columns`` is in the table, once. ``kinds`` (``{column: "known-future covariate",
    ...}``) names what a missing one is to the model, in the error."""
    missing = [c for c in columns if c not in table.frame.columns]
    origin = table.origin
    if missing and isinstance(origin, LongOrigin):
        # a long table: the names are series (unique_id values), not columns, shown as the user's ids
        # (integer ids as 10, not '10', which would read as text ids to pass)
        id_dtype = numeric_id_dtype(origin.table.frame[origin.id_col])
        missing, columns = shown_ids(missing, id_dtype), shown_ids(columns, id_dtype)
        known = shown_ids(list(dict.fromkeys(origin.ids)), id_dtype)
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
        require_value_column(table, id_col, value_col, fitted, missing)
        raise DataError(
            f"column{'s' if len(missing) > 1 else ''} {missing} not found in {table.name}; columns are "
            f"{list(table.frame.columns)}. {_kinds_text(missing, kinds or {})}"
            + _missing_columns_fix(table, missing, [c for c in columns if c not in missing], fitted)
        )
    duplicated = sorted(c for c, n in Counter(columns).items() if n > 1)  # columns.count per column: n^2
    if duplicated:
        raise DataError(
            f"columns {duplicated} are named twice (as target and covariate); name each column once."
        )


def _kinds_text(missing: list[str], kinds: dict[str, str]) -> str:
    """``"('x': known-future covariate.) "``: what each missing column is to the model, when known."""
    known = [f"{c!r}: {kinds[c]}" for c in missing if c in kinds]
    return f"({'; '.join(known)}.) " if known else ""


def _missing_columns_fix(table: Table, missing: list[str], found: list[str], fitted: bool) -> str:
    """A column of the table spelled alike (another case, a typo) for each missing one: at fit, the
    name to pass instead; for a fitted model, the rename that gives it the name the model was fitted
    with. Else what to give."""
    unused = [str(c) for c in table.frame.columns if c not in found]
    meant: dict[str, str] = {}  # {table column: missing name}
    for name in missing:
        by_case = [c for c in unused if c.strip().lower() == str(name).strip().lower()]
        close = by_case or difflib.get_close_matches(str(name), unused, n=1, cutoff=0.6)
        if close and close[0] not in meant:
            meant[close[0]] = name
    if meant and not fitted:
        return " ".join(
            f"If {column!r} is meant, pass {column!r} instead of {name!r}." for column, name in meant.items()
        )
    if meant:
        rename = f"df = df.rename(columns={meant})"
        where = (
            f"rename the header in the file, or pass the DataFrame renamed: {rename}"
            if table.is_file
            else rename
        )
        return f"If {' and '.join(map(repr, meant))} {'is' if len(meant) == 1 else 'are'} meant, {where}."
    if fitted:
        return (
            "The model reads every column it was fitted with: give each under that name (other columns "
            "are left out)."
        )
    return "Name columns of the table (target=, past_covariates=, future_covariates=)."


def require_value_column(
    table: Table, id_col: str, value_col: str, fitted: bool, series: list[str] | None = None
) -> None:
    """A wide table whose columns are missing, but which has a long table's series column ``id_col``
    and not its value column: a long table (``unique_id, ds, y``) without its values. The error names
    the value column, not the series (which a long table holds as rows, not columns)."""
    columns = list(table.frame.columns)
    if id_col not in columns or value_col in columns:
        return
    if fitted:
        fix = f"Give the rows of the series {series} the model was fitted on their values in {value_col!r}"
    else:
        fix = (
            f"Name the column holding the values {value_col!r} (df.rename(columns={{<its name>: "
            f"{value_col!r}}})), or drop {id_col!r} to pass a wide table (a time column, one column per series)"
        )
    raise DataError(
        f"{table.name} has the series column {id_col!r} of a long table (one row per series and time) "
        f"but no value column {value_col!r}; columns are {columns}. {fix}."
    )


def _plain_number(dtype: object) -> bool:
    """A numeric dtype other than bool: its column is read as numbers as it is."""
    return pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)


def numeric_columns(table: Table, columns: list[str]) -> pd.DataFrame:
    """``(n_rows, len(columns))`` float64 values of ``columns`` (NaN where empty): those of a numeric
    dtype as one block, the others one by one (:func:`numeric_column`, whose errors they raise in
    ``columns``' order). A column at a time cost a second at 1,000 series."""
    columns = list(dict.fromkeys(columns))
    dtypes = dict(zip(table.frame.columns, table.frame.dtypes, strict=True))
    numbers = [_plain_number(dtypes[c]) for c in columns]
    plain = [j for j, number in enumerate(numbers) if number]
    # column-major: each column's values contiguous, as pandas lays out a frame's columns, so the
    # frame below shares the block and sums over a column add in the order a copied frame's would
    block = np.empty((len(table.frame), len(columns)), order="F")
    for j in (j for j, number in enumerate(numbers) if not number):
        block[:, j] = numeric_column(table, columns[j])
    if plain:
        block[:, plain] = table.frame[[columns[j] for j in plain]].to_numpy(dtype="float64", na_value=np.nan)
    return pd.DataFrame(block, columns=columns, copy=False)  # the block is ours: no second copy of it


def numeric_column(table: Table, name: str) -> np.ndarray:
    """``(n_rows,)`` float64 values of column ``name`` (NaN where empty)."""
    # an array, not a Series: a Series per column costs an index copy each (a second at 1,000 series)
    raw = table.frame[name]
    if pd.api.types.is_bool_dtype(raw):
        raise DataError(f"{table.name}: column {name!r} is boolean, not a number; convert it to 0/1 first.")
    if pd.api.types.is_numeric_dtype(raw):
        return raw.to_numpy(dtype="float64", na_value=np.nan)
    if is_nested(raw):
        raise nested_column_error(table, name)
    converted = pd.to_numeric(raw, errors="coerce")
    bad = np.flatnonzero((converted.isna() & raw.notna()).to_numpy())
    if bad.size:
        kind = parquet_type(table, name)
        typed = f" (Parquet {kind})" if kind else ""
        raise DataError(
            f"{table.name}: {table.column_text(name)}{typed} has non-numeric values at "
            f"{table.cells_text(name, bad, table.frame.iloc[:, 0])} "
            f"(e.g. {raw.iloc[bad[0]]!r}){_value_hint(table, name, raw.iloc[bad[0]])}; "
            "forecast targets and covariates must be numbers. "
            "Fix or blank those cells (blanks can be filled with fill=), or leave the column out."
        )
    return converted.to_numpy(dtype="float64", na_value=np.nan)


def _value_hint(table: Table, column: str, value: object) -> str:
    """How to read ``value`` of ``column`` as a number: the read options of a CSV (a long table's
    too), the ``pd.read_csv`` options or the column's conversion for a DataFrame (it takes none)."""
    origin = table.origin
    in_file = table.is_file or (isinstance(origin, LongOrigin) and origin.table.is_file)
    name = origin.value_col if isinstance(origin, LongOrigin) else column  # the user's column
    features = origin.table.features if isinstance(origin, LongOrigin) else None
    if features is not None and column in features.names:  # a series' own covariate: load, not y
        name = features.names[column][0]
    shown = shown_number_hint(table.frame[column], value, name, table)  # 12.5%, $1,234.50, (7.25)
    given = (origin.table if isinstance(origin, LongOrigin) else table).read_options
    if shown:
        return shown
    hint = number_text_hint(table.frame[column], value, None if in_file else name, given)
    source = origin.table if isinstance(origin, LongOrigin) else table
    return _read_from_parquet(hint) if parquet_path(source) is not None else hint


_SAMPLE = 50  # the first present cells of a nested column that tell whether it holds numbers
# a DataFrame's hint reading its CSV with pd.read_csv options, of no use to a Parquet file
_CSV_READ = re.compile(r"read the CSV with pd\.read_csv\(path, [^()]*\), or ")


def _read_from_parquet(hint: str) -> str:
    """A DataFrame's :func:`number_text_hint` (`` ('0,5' has a decimal comma: read the CSV with
    pd.read_csv(path, decimal=','), or convert the column: df['x'] = ...)``) for a Parquet file's
    column: the conversion alone, the file read first and the DataFrame passed."""
    hint = _CSV_READ.sub("", hint)
    first = hint.find("df[")
    if first < 0 or not hint.endswith(")"):
        return hint
    return f"{hint[:first]}df = pd.read_parquet(path), then {hint[first:-1]}, and pass the DataFrame)"


def is_nested(column: pd.Series) -> bool:
    """Whether ``column`` holds a list, an array or a record in each cell (a Parquet ``list`` or
    ``struct`` column as pandas reads it), by its first present cell."""
    if column.dtype != object:
        return False
    present = column.dropna()
    return bool(len(present)) and isinstance(present.iloc[0], (list, tuple, dict, np.ndarray))


def warn_nested_columns(table: Table, columns: list[str]) -> None:
    """Warn that the nested ``columns`` of ``table`` that hold numbers are left out of the targets
    picked (a ``list<double>`` column of readings would be left out unsaid), naming each one's type
    and the code that unnests it; nested columns of text only (tags) stay silent, as text columns do."""
    numeric = [
        c for c in columns if any(_holds_numbers(cell) for cell in table.frame[c].dropna().head(_SAMPLE))
    ]
    if not numeric:
        return
    kinds = ", ".join(f"{c!r} ({_kind(table, c)})" for c in numeric)
    read, then = read_first(table)
    unnest = ", ".join(_unnest_code(table.frame[c]) for c in numeric)
    several = len(numeric) > 1
    warn_on_rank_zero(
        f"{table.name}: column{'s' if several else ''} {kinds} hold{'' if several else 's'} several values "
        f"in each row, not one number, and {'are' if several else 'is'} left out of the series forecast. To "
        f"forecast {'their' if several else 'its'} values, give each value a column of its own: "
        f"{read}{unnest}{then}; to silence this, name the targets with target= (or drop "
        f"{'those columns' if several else 'the column'}).",
        UserWarning,
        stacklevel=None,  # the user's line, however deep the call
    )


def nested_column_error(table: Table, name: str) -> DataError:
    """The error for the nested column ``name`` named as a target or covariate: its type, and the code
    that gives each of its values a column of its own."""
    read, then = read_first(table)
    cell = table.frame[name].dropna().iloc[0]
    columns = [f"{name}_{key}" for key in _unnested_keys(table.frame[name])]
    shown = columns if len(columns) <= 4 else [*columns[:3], "..."]
    return DataError(
        f"{table.name}: column {name!r} ({_kind(table, name)}) holds several values in each row (e.g. "
        f"{_shown(cell)}), not one number; forecast targets and covariates need one number per row. Give "
        f"each value a column of its own: {read}{_unnest_code(table.frame[name])}{then}, naming its columns "
        f"{', '.join(shown)} instead of {name!r}."
    )


def _kind(table: Table, name: str) -> str:
    """``"Parquet list<element: double>"`` for a Parquet file's column, else what its cells are."""
    kind = parquet_type(table, name)
    if kind is not None:
        return f"Parquet {kind}"
    return "records" if isinstance(table.frame[name].dropna().iloc[0], dict) else "lists"


def _unnest_code(column: pd.Series) -> str:
    """Python that adds a column per value of the nested ``column`` of ``df`` (``name_0``, ... for lists,
    as many as the longest; ``name_<field>`` for records). A row whose cell is empty (a Parquet null)
    gets NaN there: ``pd.DataFrame`` of the cells with the nulls among them makes one column holding the
    lists. Lists of several lengths are given as records of their positions (pandas pads lists of
    several lengths with a deprecation warning, and will refuse them)."""
    name = column.name
    cells = f"df[{name!r}].dropna()"
    rows = f"[dict(enumerate(cell)) for cell in {cells}]" if _ragged(column) else f"{cells}.tolist()"
    return f"df = df.join(pd.DataFrame({rows}, index={cells}.index).add_prefix({name + '_'!r}))"


def _ragged(column: pd.Series) -> bool:
    """Whether the nested ``column`` holds lists of several lengths (records: never)."""
    cells = column.dropna()
    return not isinstance(cells.iloc[0], dict) and cells.map(len).nunique() > 1


def _unnested_keys(column: pd.Series) -> list:
    """The keys :func:`_unnest_code` makes columns of: every record's fields in order of appearance, or
    the positions of the longest list (ragged lists: ``0..`` the most values a row holds)."""
    cells = column.dropna()
    if isinstance(cells.iloc[0], dict):
        return list(dict.fromkeys(key for cell in cells for key in cell))
    return list(range(max(len(cell) for cell in cells)))


def _holds_numbers(cell: object) -> bool:
    """Whether the nested ``cell`` holds a number (an empty list holds none: the next cells tell)."""
    values = cell.values() if isinstance(cell, dict) else cell
    return any(isinstance(v, (int, float, np.number)) and not isinstance(v, bool) for v in values)


def _shown(cell: object) -> str:
    """A nested cell as short text: a list of its values, or a record."""
    shown = repr(cell.tolist() if isinstance(cell, np.ndarray) else cell)
    return shown if len(shown) <= 60 else shown[:57] + "..."
