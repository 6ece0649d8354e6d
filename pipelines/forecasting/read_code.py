"""The ``pd.read_csv`` call that reads a CSV as the pipeline's reader did, for fixes that start from
the user's DataFrame: ``pd.read_csv(path)`` alone reads a ``;``-separated file with decimal commas
as one text column, and a Windows-1252 one not at all."""

from __future__ import annotations

import re
from pathlib import Path

from ..csv_files import _decode, _header_line, _raw_bytes, _separator
from ..csv_options import read_csv_keywords
from .reader import Table

# a field that is a number with a decimal comma ("1,5", "-1.234,5"), quoted or not
_DECIMAL_COMMA_FIELD = re.compile(
    r'(?:^|[;\t])\s*"?[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+),\d+"?\s*(?=[;\t]|$)', re.M
)


def read_csv_code(table: Table) -> str:
    """``pd.read_csv(path, sep=';', decimal=',')`` for ``table`` read from a CSV (a long table's
    ``origin`` table for a pivoted one): the separator, decimal mark and encoding the reader detected,
    and the read options given; ``"pd.read_csv(path)"`` when none is needed."""
    source = table.origin.table if table.origin is not None else table
    path, given = Path(source.name), dict(source.read_options)
    options = dict(read_csv_keywords(given))
    data = _raw_bytes(path)
    text = _decode(path, data, given.get("encoding"), given.get("encoding_errors"))
    found = {}
    sep = options.pop("sep", None) or _separator(_header_line(text, options))
    if sep != ",":
        found["sep"] = sep
    decimal = options.pop("decimal", None)
    if decimal is None and sep != "," and _DECIMAL_COMMA_FIELD.search(text):
        decimal = ","  # as the reader: decimal commas in a ';' or tab file
    if decimal not in (None, "."):
        found["decimal"] = decimal
    encoding = given.get("encoding") or _encoding(data)
    if encoding is not None:
        found["encoding"] = encoding
    found.update(options)  # the rest of the user's options (skiprows, na_values, ...)
    return "pd.read_csv(path" + "".join(f", {key}={value!r}" for key, value in found.items()) + ")"


def _encoding(data: bytes) -> str | None:
    """The encoding pandas needs told (its default, UTF-8, fails): UTF-16 with a byte-order mark,
    Windows-1252 (Excel's plain "CSV"); ``None`` for UTF-8."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252"
    return None


def read_first(table: Table) -> tuple[str, str]:
    """``(before, after)`` a fix to the user's DataFrame: for a CSV (a long table's too) ``before`` reads
    it, ``"df = pd.read_csv(path, sep=';'), then "``, and ``after`` says to pass the DataFrame;
    ``("", "")`` for a DataFrame."""
    source = table.origin.table if table.origin is not None else table
    if not source.is_file:
        return "", ""
    return f"df = {read_csv_code(table)}, then ", ", and pass the DataFrame"
