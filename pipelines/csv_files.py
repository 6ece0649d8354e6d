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

What it cannot work out (lines above the header, a ``|`` separator, ``-999`` markers, a date
format) the caller gives as ``read_options`` (see :mod:`.csv_options`): those options win, and
detection still runs for whatever they leave out.
"""

from __future__ import annotations

import bz2
import codecs
import csv
import gzip
import io
import lzma
import re
import warnings
import zipfile
from pathlib import Path

import pandas as pd

from ssm_ts.errors import DataError

from .csv_extra_fields import extra_fields_note
from .csv_options import ReadOptions, check_read_options, read_csv_keywords

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
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# The start of a file read for its first rows (read_csv_file with nrows), where it holds them.
_HEAD_BYTES = 1 << 16
_DECOMPRESS = {b"\x1f\x8b": gzip.decompress, b"BZh": bz2.decompress, b"\xfd7zXZ\x00": lzma.decompress}
_DECIMAL_COMMA = re.compile(r"[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+),\d+")  # "1,5", "1.234,5"
_UNNAMED = re.compile(r"Unnamed: \d+")
# Separators that are not detected but whose file is named with the read_options fix.
_OTHER_SEPARATORS = ("|", "^", "~")


def read_csv_file(
    path: Path,
    dtype: dict[str, type] | None = None,
    read_options: ReadOptions | None = None,
    used: dict[str, object] | None = None,
) -> pd.DataFrame:
    """The CSV at ``path`` (an existing file) as a DataFrame, names stripped; see the module doc.

    ``dtype`` is passed to ``pandas.read_csv`` (e.g. ids read as text); those columns are never
    converted from grouped-number text. ``read_options`` are ``pandas.read_csv`` settings (see
    :func:`~.csv_options.check_read_options`); those given replace detection, the rest is detected.
    The date options among them are not applied here: the caller parses dates. With ``nrows`` (and
    no ``skipfooter``) an uncompressed file over 64 KB is read from its first 64 KB where they hold
    those rows (as read from the whole file): the lines after them are neither read nor checked.
    ``used``, a dict, receives the keywords :func:`csv_read_keywords_used` gives, from this read (from
    such a read of the first rows, their encoding as the whole file's read names it, but where those
    rows are ASCII and bytes beyond them are not).

    Raises:
        ConfigError: a read option is unknown, owned by the pipeline, or of the wrong type.
        DataError: naming the file, what was found and the fix.
    """
    options = check_read_options(read_options)
    if "nrows" in options and not options.get("skipfooter"):
        # the first rows of a large file: from its start only
        frame, keywords = _read_head(path, dtype, options) or _read_detected(path, dtype, options)
    else:
        frame, keywords = _read_detected(path, dtype, options)
    if used is not None:
        used.update(keywords)
    return frame


def csv_read_keywords_used(path: Path, read_options: ReadOptions | None = None) -> dict[str, object]:
    """The ``pandas.read_csv`` keywords that read ``path`` as :func:`read_csv_file` reads it: the
    separator, decimal mark and encoding it detected (those that are not pandas' defaults), then the
    given ``read_options`` that pandas takes (``skiprows``, ``na_values``, ...). For fixes that start
    with ``pd.read_csv(path, ...)``: ``pd.read_csv(path)`` alone reads a ``;`` file with decimal commas
    as one text column, and a Windows-1252 one not at all."""
    return _read_detected(path, None, read_options)[1]


def _read_detected(
    path: Path, dtype: dict[str, type] | None, read_options: ReadOptions | None
) -> tuple[pd.DataFrame, dict[str, object]]:
    """:func:`read_csv_file`'s frame, and :func:`csv_read_keywords_used`'s keywords."""
    options = check_read_options(read_options)
    data = _raw_bytes(path)
    encoding = options.get("encoding") or _pandas_encoding(data)  # before the text: its check copies no text
    text = _decode(path, data, options.get("encoding"), options.get("encoding_errors"))
    del data  # the text is what is parsed: the bytes are not kept beside its parse
    return _read_text(path, text, encoding, dtype, options, whole=True)


class _WholeFileNeededError(Exception):
    """The start of a file does not tell what its whole text does: read all of it."""


def _read_head(
    path: Path, dtype: dict[str, type] | None, options: dict
) -> tuple[pd.DataFrame, dict[str, object]] | None:
    """:func:`_read_detected`'s frame of the first ``options["nrows"]`` rows and its keywords, read from
    the first :data:`_HEAD_BYTES` of an uncompressed file; ``None`` where those do not hold the same rows as
    the whole file (a smaller or compressed file, the rows or the header beyond them, a line or a
    character they cut, an error among them): the caller reads the whole file then, as before."""
    try:
        head = _head_text(path, options)
        if head is None:
            return None
        text, encoding = head
        frame, keywords = _read_text(path, text, encoding, dtype, options, whole=False)
        with warnings.catch_warnings():  # on_bad_lines="warn": said once, by the read above
            warnings.simplefilter("ignore")
            more = _read_text(
                path, text, None, None, {**options, "nrows": options["nrows"] + 1}, whole=False
            )[0]
    except (DataError, _WholeFileNeededError):
        return None
    # a row after those read: pandas looked at no line beyond the text (its first data row tells an index)
    return (frame, keywords) if len(frame) == options["nrows"] < len(more) else None


def _head_text(path: Path, options: dict) -> tuple[str, str | None] | None:
    """The text of the complete lines in the first :data:`_HEAD_BYTES` of ``path``, decoded as
    :func:`_decode` decodes the whole file, and the encoding ``pandas.read_csv`` must be told for it
    (:func:`_pandas_encoding`'s; ``None`` for UTF-8); ``None`` for a file no larger, or compressed (or of
    another format: the whole read names it)."""
    if path.suffix.lower() in OTHER_FORMATS or path.stat().st_size <= _HEAD_BYTES:
        return None
    with path.open("rb") as file:
        head = file.read(_HEAD_BYTES)
    if head.startswith((_PARQUET_MAGIC, _OLE_MAGIC, b"PK\x03\x04", *_DECOMPRESS)):
        return None
    encoding, errors = options.get("encoding"), options.get("encoding_errors")
    utf8 = None  # the whole file's UTF-8 or not decides the encoding only of text beyond ASCII
    if encoding is None and errors is None and not head.isascii() and not head.startswith(_UTF16_BOMS):
        utf8 = _utf8_throughout(path)
    text = _decode(path, head, encoding, errors, final=False, utf8=utf8)
    end = text.rfind(options.get("lineterminator") or "\n") + 1  # the last line may be cut
    if not end:
        raise _WholeFileNeededError
    found = "utf-16" if head.startswith(_UTF16_BOMS) else "cp1252" if utf8 is False else None
    return text[:end], encoding or found


def _utf8_throughout(path: Path) -> bool:
    """Whether the file at ``path`` is UTF-8 text, read in 1 MB slices (no copy of the file)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as file:
        try:
            for chunk in iter(lambda: file.read(1 << 20), b""):
                if not chunk.isascii() or decoder.getstate()[0]:  # ASCII after a whole character: UTF-8
                    decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def _read_text(
    path: Path, text: str, encoding: str | None, dtype: dict[str, type] | None, options: dict, whole: bool
) -> tuple[pd.DataFrame, dict[str, object]]:
    """:func:`_read_detected` of the file's ``text`` (decoded as ``encoding``); ``whole``: ``text``
    is all of the file, not the lines of its start (:func:`_read_head`)."""
    if not text or text.isspace():  # as `not text.strip()`, without a stripped copy of the whole text
        raise DataError(f"{path} is empty: expected a CSV with a header row and data rows.")
    reading = read_csv_keywords(options)
    sep = options.get("sep") or _separator(_header_line(text, options))
    frame = _parse(path, text, sep, options.get("decimal", "."), dtype, reading)
    decimal = options.get("decimal")
    if decimal is None:
        decimal = "," if sep != "," and _has_decimal_commas(frame) else "."
        if decimal == ",":
            frame = _parse(path, text, sep, ",", dtype, reading)
    if "sep" not in options and frame.shape[1] == 1:
        skipped = options.get("skiprows", 0)
        if not whole and len(text.splitlines()) < (skipped if isinstance(skipped, int) else 0) + 50:
            raise _WholeFileNeededError  # the lines the check looks at go beyond the text
        _check_other_separator(path, text, options)
    frame.columns = [str(c).replace("\ufeff", "").strip() for c in frame.columns]
    frame = _drop_empty_unnamed(frame)
    used = {
        **({"sep": sep} if sep != "," else {}),
        **({"decimal": decimal} if decimal != "." else {}),
        **({"encoding": encoding} if encoding else {}),
        **{key: value for key, value in reading.items() if key not in ("sep", "decimal")},
    }
    return _grouped_numbers(frame, decimal, options.get("thousands"), set(dtype or ())), used


def csv_data_line_numbers(path: Path, read_options: ReadOptions | None, n_rows: int) -> list[int] | None:
    """The 1-based line of the file each of the ``n_rows`` data rows was read from, as ``read_csv_file``
    reads them (after ``skiprows``, blank and comment lines, and the header); ``None`` where that cannot
    be told line by line (a ``skiprows`` function, a header below row 0, or quoted fields that span
    lines). For error messages: it reads the file again."""
    options = check_read_options(read_options)
    skip, header = options.get("skiprows", 0), options.get("header", 0)
    if callable(skip) or header not in (0, None):
        return None
    text = _decode(path, _raw_bytes(path), options.get("encoding"), options.get("encoding_errors"))
    skipped = set(range(skip)) if isinstance(skip, int) else set(skip)
    comment, skip_blank = options.get("comment"), options.get("skip_blank_lines", True)
    numbers, header_seen = [], header is None
    for index, line in enumerate(text.splitlines()):
        if index in skipped or (skip_blank and not line.strip()):
            continue
        if comment and line.lstrip().startswith(comment):
            continue
        if not header_seen:
            header_seen = True
            continue
        numbers.append(index + 1)
    limited = "nrows" in options or options.get("skipfooter")
    if len(numbers) < n_rows or (len(numbers) != n_rows and not limited):
        return None  # a quoted field across lines: lines and rows do not pair up
    return numbers[:n_rows]


def number_hint(value: object, frame_column: str | None = None) -> str:
    """A hint for a cell that should be a number but is not: a decimal comma gets the
    ``decimal`` option, other text the ``na_values`` option (it may mark a missing value).

    ``frame_column``: the cell is in this column of a DataFrame, which takes no read options (they
    read CSV files): the hint then gives the ``pd.read_csv`` option, or the column's conversion."""
    if not isinstance(value, str):
        return ""
    if frame_column is not None:
        return _frame_number_hint(value, frame_column)
    if _DECIMAL_COMMA.fullmatch(value.strip()):
        return (
            f" ({value!r} has a decimal comma: pass read_options={{'decimal': ','}} (CLI: --data.read_options "
            "'{decimal: \",\"}'), or save the file with decimal points)"
        )
    return (
        f" (if {value!r} marks a missing value, pass read_options={{'na_values': [{value!r}]}} (CLI: "
        f"--data.read_options '{{na_values: [{_yaml(value)}]}}') to read it as missing)"
    )


def _frame_number_hint(value: str, column: str) -> str:
    """:func:`number_hint` for a DataFrame's column."""
    cell = f"df[{column!r}]"
    if _DECIMAL_COMMA.fullmatch(value.strip()):
        return (
            f" ({value!r} has a decimal comma: read the CSV with pd.read_csv(path, decimal=','), or convert "
            f"the column: {cell} = {cell}.str.replace(',', '.').astype(float))"
        )
    return (
        f" (if {value!r} marks a missing value, read the CSV with pd.read_csv(path, na_values=[{value!r}]), "
        f"or replace it: {cell} = {cell}.replace({value!r}, float('nan')))"
    )


def _yaml(value: str) -> str:
    """``value`` quoted for a YAML flow list on the command line."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


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


def _decode(
    path: Path,
    data: bytes,
    encoding: str | None = None,
    errors: str | None = None,
    *,
    final: bool = True,
    utf8: bool | None = None,
) -> str:
    """UTF-8 (a byte-order mark is dropped), else Windows-1252, Excel's legacy "CSV" encoding;
    ``encoding`` (and ``errors``, as ``bytes.decode`` takes them) when the user gives one.
    ``final=False``: ``data`` is the file's start, which may end inside a character (left out);
    ``utf8``: whether the whole file is UTF-8 (``None``: as ``data`` is)."""
    if encoding is not None or errors is not None:
        return _decode_as(path, data, encoding or "utf-8-sig", errors or "strict", final)
    if data.startswith(_UTF16_BOMS):  # UTF-16 with its byte-order mark (Excel "Unicode Text")
        try:
            return _text(data, "utf-16", "strict", final)
        except UnicodeDecodeError as err:
            raise DataError(
                f"{path} starts like UTF-16 text but does not decode as UTF-16 (offset {err.start}); "
                "save it as UTF-8 comma-separated text with one header row."
            ) from err
    try:
        if utf8 is False:
            raise UnicodeDecodeError("utf-8", data, 0, 0, "a later byte of the file is not UTF-8")
        text = _text(data, "utf-8-sig", "strict", final)
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


def _pandas_encoding(data: bytes) -> str | None:
    """The encoding ``pandas.read_csv`` must be told for ``data`` as :func:`_decode` reads it without a
    given one: UTF-16 with a byte-order mark, Windows-1252 (Excel's plain "CSV"); ``None`` for UTF-8."""
    if data.isascii():  # UTF-8 without decoding a copy of the text
        return None
    if data.startswith(_UTF16_BOMS):
        return "utf-16"
    decoder = codecs.getincrementaldecoder("utf-8")()  # checked in slices: no decoded copy of the whole file
    view, size = memoryview(data), 1 << 20
    try:
        for start in range(0, len(data), size):
            decoder.decode(view[start : start + size])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp1252"
    return None


def _text(data: bytes, encoding: str, errors: str, final: bool) -> str:
    """``data.decode(encoding, errors)``; ``final=False``: a character cut at the end is left out."""
    if final:
        return data.decode(encoding, errors)
    return codecs.getincrementaldecoder(encoding)(errors).decode(data, final=False)


def _decode_as(path: Path, data: bytes, encoding: str, errors: str, final: bool = True) -> str:
    try:
        text = _text(data, encoding, errors, final)
    except UnicodeDecodeError as err:
        raise DataError(
            f"cannot decode {path} as {encoding} (read_options encoding): byte {data[err.start]:#04x} at offset "
            f"{err.start} is not {encoding}; give the file's encoding (e.g. 'cp1252', 'latin-1', 'utf-16'), or "
            "leave encoding out to detect UTF-8 / Windows-1252 / UTF-16."
        ) from err
    return text.removeprefix("\ufeff")


def _header_line(text: str, options: dict) -> str:
    """The line the header is on: after ``skiprows``, blank lines, comment lines and ``header``.
    Read from the text's start, as far as that line (a list of every line of a long file took
    several times its size)."""
    size = 1 << 16
    while True:
        whole = size >= len(text)
        lines = text[:size].splitlines()
        header = _header_among(lines if whole else lines[:-1], options)  # the last may be cut
        if header is not None or whole:
            return header or ""
        size *= 4


def _header_among(lines: list[str], options: dict) -> str | None:
    """:func:`_header_line` among the first ``lines`` of the text; ``None`` when they end above it."""
    skip = options.get("skiprows", 0)
    skipped = set() if isinstance(skip, int) else set(skip)
    lines = lines[skip:] if isinstance(skip, int) else [x for i, x in enumerate(lines) if i not in skipped]
    comment = options.get("comment")
    lines = [x for x in lines if x.strip() and not (comment and x.lstrip().startswith(comment))]
    row = options.get("header") or 0
    return lines[row] if row < len(lines) else None


def _separator(header: str) -> str:
    """``,``, unless the header line has none but a ``;`` or a tab."""
    if "," in header:
        return ","
    if ";" in header:
        return ";"
    return "\t" if "\t" in header else ","


# ---------------------------------------------------------------- parsing


def _parse(
    path: Path, text: str, sep: str, decimal: str, dtype: dict[str, type] | None, options: dict
) -> pd.DataFrame:
    """``text`` read by ``pandas.read_csv`` with the user's ``options`` (checked; ``sep`` and
    ``decimal``, given or detected, are the arguments)."""
    keywords = {**options, "sep": sep, "decimal": decimal, "dtype": dtype}
    if options.get("skipfooter") or (len(sep) > 1 and sep != r"\s+"):
        keywords["engine"] = "python"  # the C parser cannot; pandas would switch with a warning
    frame = _read(path, text, keywords, options)
    if isinstance(frame.index, pd.RangeIndex):
        return frame
    # pandas takes the first column as the index when rows have one more field than the header:
    # with an empty last field (a trailing separator) the columns are right once that is ignored.
    if frame.iloc[:, -1].isna().all():
        return _read(path, text, {**keywords, "index_col": False}, options)
    extra = frame.index.nlevels
    counted = f"the data rows have {extra} more field{'s' if extra > 1 else ''} than the header names"
    line = extra_fields_note(text, sep, options)  # which line, and why: e.g. a number's unquoted comma
    fix = "name every column in the header row, or remove the extra fields."
    raise _preamble_error(path, text, sep, options) or DataError(
        f"{path}: {counted} ({frame.shape[1]} names); " + (f"{line} Otherwise {fix}" if line else fix)
    )


def _read(path: Path, text: str, keywords: dict, options: dict) -> pd.DataFrame:
    """``pandas.read_csv`` of ``text``; its errors as DataErrors naming the file and the options."""
    try:
        return pd.read_csv(_parser_input(text, keywords), **keywords)
    except pd.errors.ParserError as err:
        raise _parse_error(path, text, keywords["sep"], err, options) from err
    except pd.errors.EmptyDataError as err:
        raise DataError(f"{path} is empty: expected a CSV with a header row and data rows.") from err
    except (ValueError, TypeError, IndexError) as err:  # pandas refusing a combination of options
        raise DataError(
            f"cannot read {path} with read_options {options} ({str(err).strip()}); change or drop those options."
        ) from err


def _parser_input(text: str, keywords: dict) -> io.TextIOBase:
    """The handle ``pandas.read_csv`` reads ``text`` from: for the C parser one that hands out its
    chunks as slices of ``text`` (those a ``StringIO`` hands out, but a ``StringIO`` of the whole text
    first widens it to 4 bytes a character), for the python engine, which reads lines, a ``StringIO``."""
    return io.StringIO(text) if keywords.get("engine") == "python" else _TextChunks(text)


class _TextChunks(io.TextIOBase):
    """``text`` read in chunks (``read(n)``: its next ``n`` characters), as the C parser reads a handle,
    or in lines (``readline``, iteration) as a ``StringIO`` gives them: to the python engine pandas
    switches to for an option the C parser lacks (a ``quotechar`` beyond ASCII)."""

    def __init__(self, text: str) -> None:
        self._text, self._at = text, 0

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> str:
        end = len(self._text) if size is None or size < 0 else min(self._at + size, len(self._text))
        chunk, self._at = self._text[self._at : end], end
        return chunk

    def readline(self, size: int | None = -1) -> str:
        end = self._text.find("\n", self._at) + 1 or len(self._text)
        if size is not None and size >= 0:
            end = min(end, self._at + size)
        line, self._at = self._text[self._at : end], end
        return line


def _parse_error(path: Path, text: str, sep: str, err: Exception, options: dict) -> DataError:
    """Metadata lines above the header get their own fix; other ragged rows pandas' description."""
    detail = str(err).strip().replace("C error: ", "")
    given = f" (read_options {options})" if options else ""
    line = extra_fields_note(text, sep, options)  # which line, and why: e.g. a number's unquoted comma
    return _preamble_error(path, text, sep, options) or DataError(
        f"cannot parse {path} as CSV{given} ({detail}); {f'{line} Otherwise ' if line else ''}"
        "every line needs as many fields as the header "
        f"(separator {sep!r}): fix those lines, or pass the separator (read_options={{'sep': '|'}}), a "
        "comment character ({'comment': '#'}) or lines to skip ({'skiprows': 3}) that read the file."
    )


def _preamble_error(path: Path, text: str, sep: str, options: dict) -> DataError | None:
    """The error for comment or metadata lines above the header, naming the ``skiprows`` that reads
    the file; ``None`` when there are none. Such lines start with ``#`` or have under half the
    fields of the table below (a header one name short is a different mistake). Lines the user
    already skips (a ``skiprows`` count, or the ``comment`` lines) are not such lines, and a
    ``skiprows`` count is included in the ``skiprows`` named."""
    skipped = options.get("skiprows", 0)
    if not isinstance(skipped, int) or sep not in (",", ";", "\t", "|", "^", "~", ":"):
        return None  # a list of lines or a regular-expression separator: no count to suggest
    lines = text.splitlines()[skipped : skipped + 50]
    counts = [len(row) for row in csv.reader(lines, delimiter=sep)]  # a blank line: 0 fields
    comment = options.get("comment")
    if comment:  # lines pandas already skips as comments are not what stops it: as blank ones
        counts = [0 if line.startswith(comment) else n for line, n in zip(lines, counts, strict=True)]
    filled = [n for n in counts if n][1:]
    width = max(set(filled), key=filled.count) if filled else 0
    header = next((i for i, n in enumerate(counts) if n == width), 0)  # skiprows counts blank lines
    above = [(line, n) for line, n in zip(lines[:header], counts, strict=False) if n]
    if not above or not all(line.lstrip().startswith("#") or 2 * n < width for line, n in above):
        return None
    total = skipped + header
    first = f"the {header} line(s) after the {skipped} skipped" if skipped else f"the first {header} line(s)"
    return DataError(
        f"{path}: {first} (e.g. {above[0][0][:60]!r}) have fewer fields than the {width} columns of "
        f"the table below: comment or metadata lines above the header. Pass read_options="
        f"{{'skiprows': {total}}} (CLI: --data.read_options '{{skiprows: {total}}}') to skip them, or delete them."
    )


def _check_other_separator(path: Path, text: str, options: dict) -> None:
    """A file read as one column whose lines split alike on another separator (``|``, ``^``,
    ``~``) is an error naming the ``sep`` option (and the ``skiprows`` for lines above the
    header), not a one-column table."""
    skipped = options.get("skiprows", 0)
    lines = text.splitlines()[skipped : skipped + 50] if isinstance(skipped, int) else []
    for candidate in _OTHER_SEPARATORS:
        counts = [len(row) for row in csv.reader(lines, delimiter=candidate)]
        filled = [n for n in counts if n > 1]
        width = max(set(filled), key=filled.count) if filled else 0
        if width < 2 or filled.count(width) < 2:
            continue
        header = counts.index(width)  # skiprows counts blank lines, as here
        fix = {"sep": candidate} if not header else {"sep": candidate, "skiprows": skipped + header}
        cli = ", ".join(f'{k}: "{v}"' if isinstance(v, str) else f"{k}: {v}" for k, v in fix.items())
        raise DataError(
            f"{path}: read as one column: its lines hold no ',', ';' or tab, but from line {skipped + header + 1} "
            f"({lines[header][:60]!r}) on, {width} fields separated by {candidate!r}. Pass read_options={fix} "
            f"(CLI: --data.read_options '{{{cli}}}') to read it."
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


def _grouped_pattern(decimal: str, group: str) -> re.Pattern:
    """A number with strict groups of three digits or none: ``1,234.5`` (``.``, ``,``), ``1.234,5``."""
    d, g = re.escape(decimal), re.escape(group)
    return re.compile(rf"[+-]?(?:\d{{1,3}}(?:{g}\d{{3}})+|\d+)(?:{d}\d*)?")


def _grouped_numbers(
    frame: pd.DataFrame, decimal: str, thousands: str | None, keep: set[str]
) -> pd.DataFrame:
    """Text columns whose every cell is a number with thousands groups (``"1,234.5"``) -> float.
    The group mark is ``thousands`` when given, else the one the decimal mark leaves."""
    group = thousands or ("," if decimal == "." else ".")
    pattern = _grouped_pattern(decimal, group)
    for name in frame.columns:
        column = frame[name]
        if name in keep or not _is_text(column):
            continue
        # the first rows first: a text column (ids, dates) is told by a cell there without a copy of it whole
        if not column.iloc[:100].dropna().astype(str).str.strip().str.fullmatch(pattern).all():
            continue
        present = column.dropna().astype(str).str.strip()
        if present.empty or not present.str.fullmatch(pattern).all():
            continue
        cleaned = column.astype(str).str.strip().str.replace(group, "", regex=False)
        frame[name] = pd.to_numeric(cleaned.str.replace(decimal, ".", regex=False).where(column.notna()))
    return frame


def _is_text(column: pd.Series) -> bool:
    return pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column)
