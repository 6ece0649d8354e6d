"""validate/test/predict given a file whose columns are the fit's under other names (``series`` where the
model was fitted on ``unique_id``), with the options naming them (``--data.id_col series``): the model
reads its own column names, so the fix is to read the file under them, not to fit another model."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas is imported where a file is read: `ssm-ts --help` imports this module
    import pandas as pd

# the data settings that name one column of the file (a long table's ids and values, the time column)
ONE_COLUMN_SETTINGS = ("time_col", "id_col", "value_col")


def file_head(
    path: Any, read_options: dict[str, Any] | None, rows: int = 50
) -> tuple[pd.DataFrame, bool] | None:
    """The first ``rows`` rows of the CSV or Parquet file ``path`` as the data module reads them (a CSV with
    ``read_options``; a Parquet file's time index as a column), and whether it is a CSV; ``None`` for no
    such readable file."""
    from ssm_ts.errors import SSMTSError
    from ssm_ts.pipelines.csv_files import read_csv_file
    from ssm_ts.pipelines.forecasting.parquet_table import is_parquet_file, read_parquet_table
    from ssm_ts.pipelines.forecasting.reader import _index_to_columns

    if not isinstance(path, str | Path) or not Path(path).is_file():
        return None
    try:
        if is_parquet_file(Path(path)):
            return _index_to_columns(read_parquet_table(Path(path), None)).head(rows), False
        return read_csv_file(Path(path), read_options={**(read_options or {}), "nrows": rows}), True
    except (SSMTSError, OSError, ValueError):
        return None


def file_columns(path: Any, read_options: dict[str, Any] | None) -> tuple[list[str], bool] | None:
    """The column names of the CSV or Parquet file ``path`` as the data module reads them (a CSV with
    ``read_options``), and whether it is a CSV; ``None`` for no such readable file."""
    head = file_head(path, read_options, rows=1)
    return None if head is None else ([str(c) for c in head[0].columns], head[1])


def renamed_file_hint(err: Exception) -> str:
    """For an error reading the file given to a fitted forecaster that lacks columns it was fitted with,
    with no option naming them (``columns ['a', 'b'] not found in other.csv; columns are ['series', 'ds',
    'value']``): where the file holds, besides the fitted columns it has, as many columns as it lacks, and
    of their kinds (times, the fitted series' ids, numbers) in one way only, the read under the fitted
    names (:func:`renamed_columns_fix`), as a line; else ""."""
    from ssm_ts.cli.restored_data import FITTED_READ
    from ssm_ts.errors import DataError, DataFileNotFoundError

    spec, text = FITTED_READ.get("spec"), str(err)
    if not isinstance(err, DataError) or isinstance(err, DataFileNotFoundError) or "not found" not in text:
        return ""
    path = next((p for p in FITTED_READ.get("files", ()) if str(p) in text), None)
    read_options = FITTED_READ.get("read_options")
    head = file_head(path, read_options) if spec else None
    if head is None:
        return ""
    renames = _renames_by_kind(spec, head[0], read_options)
    fix = renamed_columns_fix(renames, path, read_options, "") if renames else ""
    return f"\n({fix})" if fix else ""


def _renames_by_kind(spec: Any, head: pd.DataFrame, read_options: dict[str, Any] | None) -> dict[str, str]:
    """``{file column: fitted column}`` for the fitted columns (the time column; a long table's ids and
    values, else the targets and covariates) ``head`` (a file's first rows) lacks, where its other
    columns are as many and fit their kinds one way only; ``{}`` otherwise (none lacking, another count,
    no way or several: two renamed number columns)."""
    needed = {str(spec["time_col"]): "time"}
    if spec.get("long_format"):
        needed.update({str(spec["id_col"]): "id", str(spec["value_col"]): "number"})
    else:
        for field in ("targets", "past_covariates", "future_covariates"):
            needed.update({str(c): "number" for c in spec.get(field) or []})
    columns = [str(c) for c in head.columns]
    missing = [name for name in needed if name not in columns]
    unused = [c for c in columns if c not in needed]
    if not missing or len(unused) != len(missing) or len(missing) > 4:
        return {}
    ids = {str(series) for series in spec.get("targets") or []}
    fits = {
        (column, kind): _is_kind(head[head.columns[columns.index(column)]], kind, ids, read_options)
        for column in unused
        for kind in set(needed.values())
    }
    ways = [
        order
        for order in itertools.permutations(unused)
        if all(fits[column, needed[name]] for column, name in zip(order, missing, strict=True))
    ]
    return dict(zip(ways[0], missing, strict=True)) if len(ways) == 1 else {}


def _is_kind(values: pd.Series, kind: str, ids: set[str], read_options: dict[str, Any] | None) -> bool:
    """Whether a column's first ``values`` are of ``kind``: ``"number"``, ``"time"`` (dates, or text read
    as dates, with the ``date_format`` of ``read_options`` where it gives one), ``"id"`` (holding some of
    the fitted series' ``ids``)."""
    import pandas as pd

    if kind == "id":
        return bool(ids & {str(value) for value in values.dropna()})
    numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
    if kind == "number":
        return numeric
    if pd.api.types.is_datetime64_any_dtype(values) or isinstance(values.dtype, pd.PeriodDtype):
        return True
    given = (read_options or {}).get("date_format")
    text = values.dropna().astype(str)
    if numeric or text.empty:
        return False
    parsed = pd.to_datetime(text, format=given if isinstance(given, str) else "mixed", errors="coerce")
    return bool(parsed.notna().all())


def renamed_columns_fix(
    renames: dict[str, str], path: Any, read_options: dict[str, Any] | None, options: str
) -> str:
    """The fix, to offer first, when ``path`` (the file given) holds each of ``renames``' keys (a column
    given, ``{"series": "unique_id"}``) and none of its values (the fitted column): leave ``options`` (the
    flags naming them: ``--data.id_col``) out and read the file under the fitted names (a CSV:
    ``--data.read_options '{header: 0, names: [unique_id, ds, y]}'``), or rename the columns in the file;
    "" when the file's columns are not so (:func:`file_columns`)."""
    from ssm_ts.cli.option_spelling import command_argument

    found = file_columns(path, read_options) if renames else None
    if found is None:
        return ""
    columns, csv = found
    if not all(given in columns and fitted not in columns for given, fitted in renames.items()):
        return ""
    listed = ", ".join(f"{given} -> {fitted}" for given, fitted in renames.items())
    them = "it holds" if len(renames) == 1 else "they hold"
    leave = f"leave {options} out and " if options else ""
    fix = (
        f"If {them} the data the model was fitted on, {leave}read {path} under the fitted names ({listed}): "
    )
    if csv:  # pandas' names= with the header row read (header 0): the file's header replaced as it is read
        given = dict(read_options or {})
        header = given.get("header", None if given.get("names") is not None else 0)
        names = [renames.get(column, column) for column in columns]
        fix += f"--data.read_options {command_argument({**given, 'header': header, 'names': names})}, or "
    return fix + f"rename {'that column' if len(renames) == 1 else 'those columns'} in the file"
