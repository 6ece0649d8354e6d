"""The ``pd.read_csv`` call that reads a CSV as the pipeline's reader did, for fixes that start from
the user's DataFrame: ``pd.read_csv(path)`` alone reads a ``;``-separated file with decimal commas
as one text column, and a Windows-1252 one not at all."""

from __future__ import annotations

from pathlib import Path

from ..csv_files import csv_read_keywords_used
from .parquet_table import parquet_path
from .reader import Table


def read_csv_keywords(path: Path, read_options: dict | None = None) -> str:
    """``", sep=';', decimal=','"``: the ``pd.read_csv`` keywords that read the CSV ``path`` as the
    reader does with ``read_options`` (the separator, decimal mark and encoding it detects, then the
    options given that pandas takes); ``""`` when none is needed."""
    return keywords_text(csv_read_keywords_used(path, dict(read_options or {})))


def keywords_text(keywords: dict) -> str:
    """``", sep=';', decimal=','"``: ``keywords`` as they follow the path in a ``pd.read_csv`` call."""
    return "".join(f", {key}={value!r}" for key, value in keywords.items())


def read_csv_code(table: Table) -> str:
    """``pd.read_csv(path, sep=';', decimal=',')`` for ``table`` read from a CSV (a long table's
    ``origin`` table for a pivoted one): the separator, decimal mark and encoding the reader detected,
    and the read options given (kept by the read, :attr:`Table.csv_keywords`); ``"pd.read_csv(path)"`` when
    none is needed."""
    source = table.origin.table if table.origin is not None else table
    if source.csv_keywords is not None:  # as the read found them: the file is not read again
        return f"pd.read_csv(path{keywords_text(source.csv_keywords)})"
    return f"pd.read_csv(path{read_csv_keywords(Path(source.name), source.read_options)})"


def read_first(table: Table) -> tuple[str, str]:
    """``(before, after)`` a fix to the user's DataFrame: for a CSV (a long table's too) ``before`` reads
    it, ``"df = pd.read_csv(path, sep=';'), then "``, for a Parquet file ``"df = pd.read_parquet(path),
    then "``, and ``after`` says to pass the DataFrame; ``("", "")`` for a DataFrame."""
    source = table.origin.table if table.origin is not None else table
    if parquet_path(source) is not None:
        return "df = pd.read_parquet(path), then ", ", and pass the DataFrame"
    if not source.is_file:
        return "", ""
    return f"df = {read_csv_code(table)}, then ", ", and pass the DataFrame"
