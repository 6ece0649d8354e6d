"""Parquet files given by path (``fit("sales.parquet")``, ``--data.path sales.parquet``): read with
pandas as the typed table they are, where a CSV is detected and parsed.

A Parquet file keeps its column types (dates are dates, numbers numbers), so it is read as a
DataFrame is: no ``read_options``, and errors name its rows, not the lines a CSV would have, and
the column's Parquet type (:func:`parquet_type`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from ssm_ts.errors import ConfigError, DataError

if TYPE_CHECKING:
    from .reader import Table

PARQUET_SUFFIXES = (".parquet", ".pq")
_MAGIC = b"PAR1"


def is_parquet_file(path: Path) -> bool:
    """Whether ``path`` (an existing file) is a Parquet file, by its suffix or its first bytes."""
    if path.suffix.lower() in PARQUET_SUFFIXES:
        return True
    with path.open("rb") as file:
        return file.read(len(_MAGIC)) == _MAGIC


def fitted_read_options(source: object, saved: dict | None) -> dict | None:
    """The read options a fitted model reads a later ``source`` with, when none are given: ``saved``
    (its fit's, ``pandas.read_csv`` settings), or ``None`` for a Parquet file (an existing path), which
    is read with its own column types: a model fitted on a ';' CSV forecasts a Parquet file too."""
    if not saved or not isinstance(source, (str, os.PathLike)):
        return saved
    path = Path(source).expanduser()
    return None if path.is_file() and is_parquet_file(path) else saved


def read_parquet_table(path: Path, read_options: dict | None) -> pd.DataFrame:
    """The table of the Parquet file ``path`` (its index, such as a saved DatetimeIndex, kept).

    Raises:
        ConfigError: ``read_options`` given (they are ``pandas.read_csv`` settings), or no Parquet
            engine installed.
        DataError: the file is a damaged Parquet file.
    """
    if read_options:
        raise ConfigError(
            f"read_options {read_options} are CSV settings, but {path} is a Parquet file, read with its own column "
            "types: leave them out (CLI: drop --data.read_options)."
        )
    try:
        return pd.read_parquet(path)
    except ImportError as error:
        raise ConfigError(f"reading {path} needs a Parquet engine: pip install pyarrow ({error}).") from error
    except (OSError, ValueError) as error:  # pyarrow's ArrowInvalid is a ValueError
        raise DataError(
            f"{path} is a Parquet file, but pd.read_parquet(path) cannot read it ({error}): write it again, or "
            "pass the table as a DataFrame or a CSV file."
        ) from error


def parquet_path(table: Table) -> Path | None:
    """The Parquet file ``table`` was read from; ``None`` for a CSV or a DataFrame."""
    if table.is_file or table.name == "the DataFrame":
        return None
    path = Path(table.name)
    return path if path.is_file() and is_parquet_file(path) else None


def parquet_type(table: Table, column: str) -> str | None:
    """The Parquet (Arrow) type of ``column`` in the file ``table`` was read from (``"string"``,
    ``"list<element: double>"``); ``None`` for a CSV or a DataFrame, or a schema pyarrow cannot read."""
    path = parquet_path(table)
    if path is None:
        return None
    try:
        import pyarrow.parquet as pq

        schema = pq.read_schema(path)  # the file's footer: no rows read
    except (ImportError, OSError, ValueError):
        return None
    types = {str(name).strip(): str(kind) for name, kind in zip(schema.names, schema.types, strict=True)}
    return types.get(column)
