"""Read a CSV file the way spreadsheets and loggers export it, or fail saying what was found and the fix.

One reader for every CSV the pipelines take (forecasting tables, sensor recordings). On top of
``pandas.read_csv`` it handles, predictably:

- compression, recognised by content: gzip, bz2, xz, or a zip archive holding one file;
- encodings: UTF-8 with or without a byte-order mark (Excel's "CSV UTF-8"), else Windows-1252
  (Excel's plain "CSV"), UTF-16 with a byte-order mark (Excel's "Unicode Text", tab-separated);
  binary files are refused with the fix;
- the separator: ``,`` unless the header line has no comma but a ``;`` or a tab (European and
  tab-separated exports); in such a file decimal commas (``1,5``) are read as numbers;
- thousands separators in quoted numbers (``"1,234.5"``; ``"1.234,5"`` with decimal commas),
  only in strict groups of three digits so that ``1,5`` is never read as fifteen;
- header names: surrounding spaces and byte-order marks are stripped;
- a trailing separator on every line (``a,b,``): the empty, unnamed last column is dropped;
- Excel workbooks, Parquet and Feather files, and metadata or comment lines above the header,
  are errors that say how to load the file instead.
"""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import lzma
import re
import zipfile
from pathlib import Path

import pandas as pd

from ssm_ts.errors import DataError

# Suffixes of formats pandas reads with another function: (what it is, how to read it).
OTHER_FORMATS = {
    ".xlsx": ("an Excel workbook", "pd.read_excel(path)"),
    ".xlsm": ("an Excel workbook", "pd.read_excel(path)"),
    ".xls": ("an Excel workbook", "pd.read_excel(path)"),
    ".ods": ("an OpenDocument spreadsheet", "pd.read_excel(path)"),
    ".parquet": ("a Parquet file", "pd.read_parquet(path)"),
    ".feather": ("a Feather file", "pd.read_feather(path)"),
}
_PARQUET_MAGIC = b"PAR1"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls
_DECOMPRESS = {b"\x1f\x8b": gzip.decompress, b"BZh": bz2.decompress, b"\xfd7zXZ\x00": lzma.decompress}
_DECIMAL_COMMA = re.compile(r"[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+),\d+")  # "1,5", "1.234,5"
# A number with strict thousands groups or none, per decimal mark: "1,234.5" / "1.234,5".
_GROUPED = {
    ".": re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?"),
    ",": re.compile(r"[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d*)?"),
}
_UNNAMED = re.compile(r"Unnamed: \d+")


def read_csv_file(path: Path, dtype: dict[str, type] | None = None) -> pd.DataFrame:
    """The CSV at ``path`` (an existing file) as a DataFrame, names stripped; see the module doc.

    ``dtype`` is passed to ``pandas.read_csv`` (e.g. ids read as text); those columns are never
    converted from grouped-number text.

    Raises:
        DataError: naming the file, what was found and the fix.
    """
    text = _decode(path, _raw_bytes(path))
    if not text.strip():
        raise DataError(f"{path} is empty: expected a CSV with a header row and data rows.")
    sep = _separator(text)
    frame = _parse(path, text, sep, ".", dtype)
    decimal = "," if sep != "," and _has_decimal_commas(frame) else "."
    if decimal == ",":
        frame = _parse(path, text, sep, ",", dtype)
    frame.columns = [str(c).replace("\ufeff", "").strip() for c in frame.columns]
    frame = _drop_empty_unnamed(frame)
    return _grouped_numbers(frame, decimal, set(dtype or ()))


def number_hint(value: object) -> str:
    """A hint for a cell that should be a number but is not: decimal commas get the fix, others ''."""
    if isinstance(value, str) and _DECIMAL_COMMA.fullmatch(value.strip()):
        return (
            f" ({value!r} has a decimal comma: save the file with decimal points, or with ';' as the "
            "separator, where decimal commas are read as numbers)"
        )
    return ""


# ---------------------------------------------------------------- bytes and text


def _raw_bytes(path: Path) -> bytes:
    """The file's bytes, decompressed (recognised by content, whatever the suffix)."""
    kind = OTHER_FORMATS.get(path.suffix.lower())
    if kind is not None:
        raise _other_format(path, *kind)
    data = path.read_bytes()
    if data.startswith(_PARQUET_MAGIC):
        raise _other_format(path, *OTHER_FORMATS[".parquet"])
    if data.startswith(_OLE_MAGIC):
        raise _other_format(path, *OTHER_FORMATS[".xls"])
    if data.startswith(b"PK\x03\x04"):
        return _unzip(path, data)
    for magic, decompress in _DECOMPRESS.items():
        if data.startswith(magic):
            try:
                return decompress(data)
            except (OSError, EOFError, lzma.LZMAError) as err:
                raise DataError(f"{path} is a damaged compressed file ({err}); compress it again.") from err
    return data


def _unzip(path: Path, data: bytes) -> bytes:
    """The one file inside a zip archive; an Excel workbook (also a zip) is refused with the fix."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = [n for n in archive.namelist() if not n.endswith("/")]
        if "xl/workbook.xml" in names:
            raise _other_format(path, *OTHER_FORMATS[".xlsx"])
        if len(names) != 1:
            raise DataError(
                f"{path} is a zip archive with {len(names)} files {names[:5]}; expected exactly one CSV "
                "inside: unzip it and pass the CSV's path."
            )
        return archive.read(names[0])


def _other_format(path: Path, what: str, reader: str) -> DataError:
    return DataError(
        f"{path} is {what}, not a CSV file. Save it as CSV (UTF-8), or in Python load it with pandas "
        f"(df = {reader}) and pass the DataFrame (e.g. Forecaster.fit(df))."
    )


def _decode(path: Path, data: bytes) -> str:
    """UTF-8 (a byte-order mark is dropped), else Windows-1252, Excel's legacy "CSV" encoding."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with its byte-order mark (Excel "Unicode Text")
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as err:
            raise DataError(
                f"{path} starts like UTF-16 text but does not decode as UTF-16 (offset {err.start}); "
                "save it as UTF-8 comma-separated text with one header row."
            ) from err
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as err:
            raise DataError(
                f"cannot decode {path} as text (byte {data[err.start]:#04x} at offset {err.start} is neither "
                "UTF-8 nor Windows-1252); save it as UTF-8 comma-separated text with one header row."
            ) from err
    if "\x00" in text[:4096]:
        raise DataError(
            f"{path} holds binary data (NUL bytes), not CSV text; save it as UTF-8 comma-separated text "
            "(a UTF-16 file without byte-order mark reads the same: save it as UTF-8)."
        )
    return text


def _separator(text: str) -> str:
    """``,``, unless the header line has none but a ``;`` or a tab."""
    header = text.lstrip("\r\n").split("\n", 1)[0]
    if "," in header:
        return ","
    if ";" in header:
        return ";"
    return "\t" if "\t" in header else ","


# ---------------------------------------------------------------- parsing


def _parse(path: Path, text: str, sep: str, decimal: str, dtype: dict[str, type] | None) -> pd.DataFrame:
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, decimal=decimal, dtype=dtype)
    except pd.errors.ParserError as err:
        raise _parse_error(path, text, sep, err) from err
    except pd.errors.EmptyDataError as err:
        raise DataError(f"{path} is empty: expected a CSV with a header row and data rows.") from err
    if isinstance(frame.index, pd.RangeIndex):
        return frame
    # pandas takes the first column as the index when rows have one more field than the header:
    # with an empty last field (a trailing separator) the columns are right once that is ignored.
    if frame.iloc[:, -1].isna().all():
        return pd.read_csv(io.StringIO(text), sep=sep, decimal=decimal, dtype=dtype, index_col=False)
    extra = frame.index.nlevels
    raise _preamble_error(path, text, sep) or DataError(
        f"{path}: the data rows have {extra} more field{'s' if extra > 1 else ''} than the header names "
        f"({frame.shape[1]} names); name every column in the header row, or remove the extra fields."
    )


def _parse_error(path: Path, text: str, sep: str, err: Exception) -> DataError:
    """Metadata lines above the header get their own fix; other ragged rows pandas' description."""
    detail = str(err).strip().replace("C error: ", "")
    return _preamble_error(path, text, sep) or DataError(
        f"cannot parse {path} as CSV ({detail}); every line needs as many fields as the header "
        f"(separator {sep!r}): fix those lines, or save the file as UTF-8 comma-separated text."
    )


def _preamble_error(path: Path, text: str, sep: str) -> DataError | None:
    """The error for comment or metadata lines above the header, naming the ``skiprows`` that reads
    the file; ``None`` when there are none. Such lines start with ``#`` or have under half the
    fields of the table below (a header one name short is a different mistake)."""
    lines = text.splitlines()[:50]
    counts = [len(row) for row in csv.reader(lines, delimiter=sep)]  # a blank line: 0 fields
    filled = [n for n in counts if n][1:]
    width = max(set(filled), key=filled.count) if filled else 0
    header = next((i for i, n in enumerate(counts) if n == width), 0)  # skiprows counts blank lines
    above = [(line, n) for line, n in zip(lines[:header], counts, strict=False) if n]
    if not above or not all(line.lstrip().startswith("#") or 2 * n < width for line, n in above):
        return None
    return DataError(
        f"{path}: the first {header} line(s) (e.g. {above[0][0][:60]!r}) have fewer fields than the "
        f"{width} columns of the table below: comment or metadata lines above the header. Delete "
        f"them, or read the file with pd.read_csv(path, skiprows={header}) and pass the DataFrame."
    )


def _has_decimal_commas(frame: pd.DataFrame) -> bool:
    """A text column holding ``1,5``-style numbers: in a ``;``/tab file these are decimal commas."""
    for name in frame.columns:
        column = frame[name]
        if _is_text(column) and column.dropna().astype(str).str.strip().str.fullmatch(_DECIMAL_COMMA).any():
            return True
    return False


def _drop_empty_unnamed(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop unnamed columns without any value: what a trailing separator on every line makes."""
    empty = [c for c in frame.columns if _UNNAMED.fullmatch(c) and frame[c].isna().all()]
    return frame.drop(columns=empty)


def _grouped_numbers(frame: pd.DataFrame, decimal: str, keep: set[str]) -> pd.DataFrame:
    """Text columns whose every cell is a number with thousands groups (``"1,234.5"``) -> float."""
    pattern, group = _GROUPED[decimal], "," if decimal == "." else "."
    for name in frame.columns:
        column = frame[name]
        if name in keep or not _is_text(column):
            continue
        present = column.dropna().astype(str).str.strip()
        if present.empty or not present.str.fullmatch(pattern).all():
            continue
        cleaned = column.astype(str).str.strip().str.replace(group, "", regex=False)
        frame[name] = pd.to_numeric(cleaned.str.replace(decimal, ".", regex=False).where(column.notna()))
    return frame


def _is_text(column: pd.Series) -> bool:
    return pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column)
