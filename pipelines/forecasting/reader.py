"""Read a forecasting table (CSV path or DataFrame) into a plain DataFrame, and name rows in errors.

Row numbers in every message are 0-based data rows; for CSV files the 1-based file line (the
header is line 1) is given too, so a user can jump to it in an editor.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ssm_ts.errors import ConfigError, DataError, DataFileNotFoundError

from ..csv_files import csv_data_line_numbers, read_csv_file
from ..csv_options import ReadOptions, check_read_options, date_options
from .column_names import check_no_header_rows, check_unique_names
from .feature_origin import FeatureOrigin
from .parquet_table import PARQUET_SUFFIXES, is_parquet_file, read_parquet_table
from .series_ids import numeric_id_dtype, shown_ids

TableSource = str | os.PathLike | pd.DataFrame
# the API's series column of a long table: an index of that name holds the series (df.set_index("unique_id"),
# the layout neuralforecast took before 1.0), a column again as a (unique_id, ds) MultiIndex's levels are
ID_INDEX = "unique_id"


@dataclass(frozen=True)
class Table:
    """A raw table and where it came from (for error messages)."""

    frame: pd.DataFrame
    name: str  # the file path, or "the DataFrame"
    is_file: bool
    dates: dict[str, Any] = field(default_factory=dict)  # dayfirst / date_format from read_options
    read_options: dict[str, Any] = field(default_factory=dict)  # how the file was read (its lines, in errors)
    # a long table pivoted to one column per series: where its cells came from (None: a wide table)
    origin: LongOrigin | None = None
    # a DataFrame's named index that was dropped as row numbers (df.set_index("year")), for the hint
    # to reset_index() when no time column is found
    dropped_index: str | None = None
    # a long table expanded with per-series inputs: the user's table, columns and rows it came from
    features: FeatureOrigin | None = None
    # a CSV's: the pd.read_csv keywords that read it as it was read (its detected separator, decimal mark
    # and encoding, the read_options pandas takes); None for other sources, or not known
    csv_keywords: dict[str, Any] | None = None

    def column_text(self, name: str) -> str:
        """``column 'x'``, or for a pivoted long table ``series 'x' (unique_id 'x', values in 'y')``, or
        ``column 'load' of series 'A' (unique_id 'A')`` for a series' own covariate: what the user's
        table calls the column ``name`` of :attr:`frame`."""
        if self.origin is None:
            return f"column {name!r}"
        features = self.origin.table.features
        if features is not None and features.column_text(name) is not None:
            return features.column_text(name)
        shown = self.origin.shown_id(name)
        return f"series {shown!r} ({self.origin.id_col} {shown!r}, values in {self.origin.value_col!r})"

    def __str__(self) -> str:
        return self.name  # a Table given where a source is named (a CSV's path) reads as its name

    def cells_text(self, name: str, positions, times: pd.Series, limit: int = 5) -> str:
        """Where the cells ``positions`` of column ``name`` are, in a frame of this table's columns
        timed ``times`` (this table's rows, or a regular grid of them): :meth:`rows_text`, or for a
        pivoted long table those times and the long table's rows (a time without a row said so)."""
        if self.origin is None:
            return self.rows_text(positions, limit)
        return self.origin.cells_text(name, times.iloc[list(positions)], limit)

    def rows_text(self, positions, limit: int = 5) -> str:
        """``rows 3, 17 (CSV lines 5, 19)`` for the first ``limit`` positions, with a count if more;
        an expanded table's rows as the user's table's (:attr:`features`)."""
        if self.features is not None:
            return self.features.source.rows_text(self.features.user_rows(positions), limit)
        positions = [int(p) for p in positions]
        shown = positions[:limit]
        more = f" and {len(positions) - limit} more" if len(positions) > limit else ""
        text = f"row{'s' if len(positions) > 1 else ''} {', '.join(map(str, shown))}{more}"
        if self.is_file:
            lines = csv_data_line_numbers(Path(self.name), self.read_options, len(self.frame))
            if lines is not None:  # skipped, blank and comment lines shift the rows' lines
                text += (
                    f" (CSV line{'s' if len(shown) > 1 else ''} {', '.join(str(lines[p]) for p in shown)})"
                )
        return text


@dataclass(frozen=True)
class LongOrigin:
    """The long table (``unique_id, ds, y``) a wide one was pivoted from, for errors that name a cell
    where the user can find it: the series and time, and the long table's row (and CSV line)."""

    table: Table
    times: pd.Series  # (n_rows,) the long table's times, parsed
    ids: pd.Series  # (n_rows,) its series names, as text
    id_col: str
    value_col: str

    def shown_id(self, name: str) -> Any:
        """Series ``name`` as the table's id: an integer id as ``1``, not the text ``'1'`` it is named by;
        a series' own covariate (``load[A]``) as the user's series id."""
        if self.table.features is not None:
            return self.table.features.shown_id(name)
        return shown_ids([name], numeric_id_dtype(self.table.frame[self.id_col]))[0]

    def _row(self, time: Any, name: str) -> int | None:
        """The long table's row of series ``name`` at ``time``; ``None`` if it has none. A scan, only
        for an error's few cells: an index of every cell would cost each long table a build."""
        rows = np.flatnonzero(((self.ids == name) & (self.times == time)).to_numpy())
        return int(rows[0]) if rows.size else None

    def cells_text(self, name: str, times: pd.Series, limit: int = 5) -> str:
        """``times 2016-07-05 04:00:00, ... (rows 360, 361 (CSV lines 362, 363); no row at 2016-07-05
        06:00:00)`` for series ``name`` at the first ``limit`` of ``times``."""
        shown = list(times)[:limit]
        more = f" and {len(times) - limit} more" if len(times) > limit else ""
        found = [self._row(t, name) for t in shown]
        rows = [r for r in found if r is not None]
        absent = [str(t) for t, r in zip(shown, found, strict=True) if r is None]
        places = ([self.table.rows_text(rows, limit)] if rows else []) + (
            [f"no row for {self.shown_id(name)!r} at {', '.join(absent)}"] if absent else []
        )
        return f"time{'s' if len(times) > 1 else ''} {', '.join(map(str, shown))}{more} ({'; '.join(places)})"


def require_table_source(data: object, name: str = "data") -> None:
    """A :class:`ConfigError` for ``data`` that is neither a CSV path nor a DataFrame (a Series, an
    array, a list), naming the conversion, before it fails deep inside as a path; ``name`` is the
    argument's name in the message (``train`` for ``evaluate(..., train=...)``)."""
    if isinstance(data, (pd.DataFrame, str, os.PathLike)):
        return
    fix = (
        "pass series.to_frame() (its DatetimeIndex, or PeriodIndex, is read as the times)"
        if isinstance(data, pd.Series)
        else "for arrays, build a DataFrame with a time column and one column per series"
    )
    raise ConfigError(f"{name} must be a CSV path or a pandas DataFrame, got {type(data).__name__}; {fix}.")


def read_table(source: TableSource | Table, read_options: ReadOptions | None = None) -> Table:
    """Load ``source`` (a CSV or Parquet path, or a DataFrame) without interpreting any column yet.

    ``read_options`` (``pandas.read_csv`` settings, see :mod:`ssm_ts.pipelines.csv_options`) read
    a CSV file; its date options are kept on the table for the time column's parsing.

    Raises:
        ConfigError: read options with a DataFrame, or options that are not valid.
        DataFileNotFoundError: the path does not exist.
        DataError: the file is empty, has no data rows, cannot be parsed as CSV, names a column
            twice, or repeats its header row among the data.
    """
    if isinstance(source, Table):  # read already (a long CSV with its per-series rows added): as it is
        return source
    require_table_source(source)
    options = check_read_options(read_options)
    if isinstance(source, pd.DataFrame):
        if options:
            raise ConfigError(
                f"read_options {options} apply to CSV files, but the data is a DataFrame; set them in "
                "pd.read_csv(path, ...) where the DataFrame is read, or pass the CSV's path."
            )
        # no copy of the user's frame: _index_to_columns returns a new frame sharing its columns (copy-on-write
        # copies one only when written; pandas 2 copies there), so renaming its columns leaves the user's
        table = Table(_index_to_columns(source), "the DataFrame", is_file=False,
                      dropped_index=_dropped_index_name(source.index))  # fmt: skip
    elif is_parquet_file(path := _existing_file(source)):
        frame = read_parquet_table(path, options)
        table = Table(
            _index_to_columns(frame), str(path), is_file=False, dropped_index=_dropped_index_name(frame.index)
        )
    else:
        keywords: dict[str, Any] = {}
        frame = read_csv_file(path, read_options=options, used=keywords)
        table = Table(frame, str(path), True, date_options(options), options, csv_keywords=keywords)
    if isinstance(source, pd.DataFrame):
        check_separator(table.frame, table.name, source.index)
    if table.frame.columns.size == 0 or len(table.frame) == 0:
        raise DataError(
            f"{table.name} has no data rows: expected a header row followed by one row per time step."
        )
    labels = list(table.frame.columns)  # a DataFrame's as given (1 and "1" are two labels, one name)
    table.frame.columns = [str(c).strip() for c in table.frame.columns]  # DataFrame input too
    check_unique_names(table.frame, table.name, path if table.is_file else None, options, labels)
    check_no_header_rows(table)
    return table


# separators of CSVs a ',' read leaves in one column: Europe's ';', tabs, pipes
OTHER_SEPARATORS = (";", "\t", "|")


def joined_columns(header: Any, columns: list[str] | None = None) -> tuple[str, list[str]] | None:
    """``(";", ["date", "OT"])`` when ``header``, the one column of a table, is column names joined by
    another separator than ',' (``'date;OT'``): a CSV written with ``;`` read with ``,``, pandas' default.
    ``columns``: the names expected (a fitted model's), at least two of them (or the one) among the parts;
    ``None``: any two names or more. ``None`` when ``header`` is not so."""
    if not isinstance(header, str):
        return None
    for sep in OTHER_SEPARATORS:
        parts = [part.strip().strip('"') for part in header.split(sep)]
        if len(parts) < 2 or not all(parts):
            continue
        if columns is None or sum(part in columns for part in parts) >= min(2, len(columns)):
            return sep, parts
    return None


def separator_text(header: str, sep: str, parts: list[str]) -> str:
    """``"one column 'date;OT': the columns ['date', 'OT'] joined by ';', ..."``: what a table of the one
    column ``header`` (:func:`joined_columns`) holds, for the error that refuses it."""
    shown = header if len(header) <= 60 else header[:57] + "..."
    return (
        f"one column {shown!r}: the columns {parts} joined by {sep!r}, a CSV written with {sep!r} between its "
        "fields read with ',' between them"
    )


def check_separator(frame: pd.DataFrame, name: str, labels: pd.Index) -> None:
    """Refuse a DataFrame ``frame`` (named ``name`` in the error; its index read into columns, ``labels`` the
    index as given) of one column holding column names joined
    by ';', a tab or '|' (:func:`joined_columns`), read by ``pd.read_csv(path)`` from a file written with
    that separator: no time column or series can be found in it, and the error said only "columns are
    ['date;OT']". The fix reads it with the separator, and ``decimal=','`` where the rows had a field
    more than the header (``30,53`` split by the ',' read: the row labels hold the separator).

    Raises:
        DataError: naming the separator and the ``pd.read_csv`` call that reads the file.
    """
    if frame.shape[1] != 1 or (joined := joined_columns(frame.columns[0])) is None:
        return
    sep, parts = joined
    commas = labels.dtype == object or pd.api.types.is_string_dtype(labels.dtype)
    decimal = ", decimal=','" if commas and labels.astype(str).str.contains(sep, regex=False).any() else ""
    raise DataError(
        f"{name} has {separator_text(frame.columns[0], sep, parts)}. Read the file so: "
        f"pd.read_csv(path, sep={sep!r}{decimal}), or pass its path, whose separator is found."
    )


# where a CSV's path comes from, in every front end that reads one
_PATH_GIVEN = "--data.path (or the path given to fit, predict, backtest or evaluate)"


def _existing_file(source: str | os.PathLike) -> Path:
    """``source`` as a path (``~`` expanded, as pandas does) to an existing file."""
    path = Path(source).expanduser()
    if path.is_dir():
        if (
            path.suffix.lower() in PARQUET_SUFFIXES
            or any(path.glob("*.parquet"))
            or any(path.glob("*=*/*.parquet"))
        ):
            raise DataError(
                f"{path} is a folder of Parquet files (a partitioned data set, as Spark and "
                "df.to_parquet(partition_cols=...) write), not one file: write it as one file, "
                f"pd.read_parquet({str(path)!r}).to_parquet('data.parquet'), and point {_PATH_GIVEN} at "
                "that, or pass pd.read_parquet(path) as a DataFrame."
            )
        raise DataError(f"{path} is a folder, not a CSV file; point {_PATH_GIVEN} at the CSV file.")
    if not path.is_file():
        raise DataFileNotFoundError(f"CSV file not found: {path}; check {_PATH_GIVEN}.")
    return path


def index_hint(table: Table) -> str:
    """`` The DataFrame's index 'year' ...``: for an error that finds no time column, the named index
    :func:`_index_to_columns` dropped as row numbers (it may hold the times); '' if none was."""
    name = table.dropped_index
    if name is None:
        return ""
    return (
        f" The DataFrame's index {name!r} is not read (only a DatetimeIndex or PeriodIndex is taken as the "
        f"times): if it holds them, make it a column with df.reset_index() (and time_col={name!r})."
    )


def _dropped_index_name(index: pd.Index) -> str | None:
    """The name of ``index`` when :func:`_index_to_columns` drops it though it has one: a named index
    of integers or text, which may hold the times (``df.set_index("year")``)."""
    if (
        isinstance(index, pd.MultiIndex)
        or _is_time_index(index)
        or index.name is None
        or _holds_series(index)
    ):
        return None
    return str(index.name)


def _holds_series(index: pd.Index) -> bool:
    """Whether ``index`` holds a long table's series (``df.set_index("unique_id")``): named ``unique_id``,
    each id on several rows. A wide table's row numbers named so (``df.rename_axis("unique_id")``) repeat
    none, and are no series (read as one, they were fitted as a target)."""
    return index.name == ID_INDEX and bool(index.has_duplicates)


def _is_time_index(index: pd.Index) -> bool:
    """A DatetimeIndex or PeriodIndex, or an Index of pyarrow-backed dates (``timestamp[ns][pyarrow]``,
    which is no DatetimeIndex): read as the times."""
    return isinstance(index, pd.DatetimeIndex | pd.PeriodIndex) or pd.api.types.is_datetime64_any_dtype(
        index.dtype
    )


def _index_to_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Move a meaningful index into columns: a time index (DatetimeIndex or PeriodIndex, as darts
    and statsmodels users hold series) becomes the time column, named as the index or ``ds``; a
    ``(unique_id, ds)`` MultiIndex becomes its columns, and so does an index named ``unique_id`` whose ids
    repeat (a long table's series) unless a column holds them too. A plain row-number index is dropped.

    Raises:
        DataError: the index would collide with a column of the same name.
    """
    index = frame.index
    if isinstance(index, pd.MultiIndex):
        names = [name if name is not None else f"level_{i}" for i, name in enumerate(index.names)]
    elif _is_time_index(index):
        names = [index.name or "ds"]
    elif _holds_series(index) and ID_INDEX not in frame.columns:
        names = [ID_INDEX]
    else:
        return frame.reset_index(drop=True)
    clashing = [name for name in names if name in frame.columns]
    if clashing:
        raise DataError(
            f"the DataFrame's index ({type(index).__name__} named {names}) would become column(s) {clashing}, "
            "but columns of that name already exist; drop the index (df.reset_index(drop=True)) or give "
            "it another name (e.g. df.rename_axis('time'))."
        )
    return frame.reset_index(names=names)
