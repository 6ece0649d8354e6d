"""validate/test/predict given a file whose columns are the fit's under other names (``series`` where the
model was fitted on ``unique_id``), with the options naming them (``--data.id_col series``): the model
reads its own column names, so the fix is to read the file under them, not to fit another model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

# the data settings that name one column of the file (a long table's ids and values, the time column)
ONE_COLUMN_SETTINGS = ("time_col", "id_col", "value_col")


def file_columns(path: Any, read_options: dict[str, Any] | None) -> tuple[list[str], bool] | None:
    """The column names of the CSV or Parquet file ``path`` as the data module reads them (a CSV with
    ``read_options``), and whether it is a CSV; ``None`` for no such readable file."""
    from ssm_ts.errors import SSMTSError
    from ssm_ts.pipelines.csv_files import read_csv_file
    from ssm_ts.pipelines.forecasting.parquet_table import is_parquet_file

    if not isinstance(path, str | Path) or not Path(path).is_file():
        return None
    try:
        if is_parquet_file(Path(path)):
            import pyarrow.parquet

            return [str(name) for name in pyarrow.parquet.read_schema(path).names], False
        frame = read_csv_file(Path(path), read_options={**(read_options or {}), "nrows": 0})
        return [str(c) for c in frame.columns], True
    except (SSMTSError, OSError, ValueError):
        return None


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
    fix = (
        f"If {them} the data the model was fitted on, leave {options} out and read {path} under the fitted "
        f"names ({listed}): "
    )
    if csv:  # pandas' names= with the header row read (header 0): the file's header replaced as it is read
        given = dict(read_options or {})
        header = given.get("header", None if given.get("names") is not None else 0)
        names = [renames.get(column, column) for column in columns]
        fix += f"--data.read_options {command_argument({**given, 'header': header, 'names': names})}, or "
    return fix + f"rename {'that column' if len(renames) == 1 else 'those columns'} in the file"
