"""``read_options``: the ``pandas.read_csv`` settings a user gives for a CSV the reader cannot
work out by itself (metadata lines above the header, a ``|`` separator, ``-999`` markers, a date
format), checked before anything is read.

Options the user gives win; what they leave out is still detected (see :mod:`.csv_files`).
``dayfirst`` and ``date_format`` are not ``read_csv``'s: the pipeline parses the time column
itself and applies them there. Options that would break the pipeline (``index_col``, ``usecols``,
``parse_dates``, ``dtype`` ...) are refused, each with what to use instead.
"""

from __future__ import annotations

import codecs
import difflib
from collections.abc import Mapping
from typing import Any

from ssm_ts.errors import ConfigError

ReadOptions = Mapping[str, Any]

# What each accepted option is for (shown in errors as the valid choices).
ACCEPTED = {
    "sep": "the separator, e.g. '|' or r'\\s+' (detected: ',', ';' or tab)",
    "decimal": "the decimal mark, e.g. ',' (detected in ';'/tab files)",
    "thousands": "the thousands separator, e.g. '.', ' ' or \"'\"",
    "encoding": "the text encoding, e.g. 'cp1252', 'latin-1' (detected: UTF-8, Windows-1252, UTF-16)",
    "encoding_errors": "what to do with undecodable bytes, e.g. 'replace'",
    "skiprows": "lines above the header to skip (a count, or a list of 0-based line numbers)",
    "skipfooter": "lines at the end to skip",
    "nrows": "read only this many data rows",
    "header": "the header's row number, or None with names=",
    "names": "column names, for a file without a header row (with header=None)",
    "comment": "a character that starts a comment, e.g. '#'",
    "na_values": "extra markers of a missing value, e.g. ['-999', 'n/a']",
    "keep_default_na": "also treat pandas' default markers ('', 'NA', 'NaN', ...) as missing",
    "skip_blank_lines": "skip empty lines",
    "skipinitialspace": "ignore spaces after the separator",
    "quotechar": "the quote character",
    "quoting": "csv.QUOTE_* quoting mode (0-3)",
    "doublequote": "a doubled quote inside a quoted field is one quote",
    "escapechar": "the escape character",
    "lineterminator": "the line terminator (one character)",
    "on_bad_lines": "'error' (default), 'warn' or 'skip' rows with too many fields",
    "float_precision": "'high' or 'round_trip' number parsing",
    "dayfirst": "read numeric dates day first (True) or month first (False) instead of detecting",
    "date_format": "the time column's strftime format, e.g. '%d.%m.%Y %H:%M'",
}
# Applied by the pipeline's own date parsing, not passed to read_csv.
DATE_OPTIONS = ("dayfirst", "date_format")
# read_csv options the pipeline sets itself: why, and what to use instead.
_OWNED = {
    "filepath_or_buffer": "the file is the data path itself",
    "delim_whitespace": "use sep=r'\\s+'",
    "index_col": "every column stays a column: name the time column with time_col= instead",
    "usecols": "choose columns with target= / past_covariates= / future_covariates= (forecasting) "
    "or channels= (sensor CSVs) instead",
    "parse_dates": "the pipeline parses the time column itself: use dayfirst / date_format",
    "cache_dates": "the pipeline parses the time column itself: use dayfirst / date_format",
    "dtype": "the pipeline decides column types (values as numbers, ids and labels as text)",
    "converters": "the pipeline decides column types (values as numbers, ids and labels as text)",
    "dtype_backend": "values are read as NumPy numbers",
    "true_values": "boolean columns are not forecast or classified",
    "false_values": "boolean columns are not forecast or classified",
    "na_filter": "empty cells must stay missing, to be reported or filled",
    "compression": "compression (gzip, bz2, xz, zip) is recognised from the file's content",
    "engine": "the reader picks the parser (python for a regular-expression sep or skipfooter)",
    "iterator": "the whole table is read at once",
    "chunksize": "the whole table is read at once",
    "low_memory": "the whole table is read at once",
    "memory_map": "the file is read into memory first",
    "storage_options": "give a local path",
    "dialect": "give sep, quotechar, doublequote, escapechar ... instead",
}
_CHARACTERS = ("decimal", "thousands", "comment", "quotechar", "escapechar", "lineterminator")
_TEXTS = ("sep", "encoding", "encoding_errors", "date_format")
_FLAGS = ("dayfirst", "keep_default_na", "skip_blank_lines", "skipinitialspace", "doublequote")
_COUNTS = ("skipfooter", "nrows")
_CHOICES = {"on_bad_lines": ("error", "warn", "skip"), "float_precision": ("high", "legacy", "round_trip")}
# Names other libraries and habits use for an accepted option.
_ALIASES = {
    "separator": "sep", "seperator": "sep", "delim": "sep", "decimal_separator": "decimal",
    "decimal_point": "decimal", "thousands_separator": "thousands", "skip_rows": "skiprows", "skip": "skiprows",
    "na": "na_values", "nan_values": "na_values", "missing_values": "na_values", "na_value": "na_values",
    "day_first": "dayfirst", "format": "date_format", "datetime_format": "date_format", "date_fmt": "date_format",
}  # fmt: skip
READ_OPTIONS_EXAMPLE = (
    "read_options={'sep': ';', 'skiprows': 3} (CLI: --data.read_options '{sep: \";\", skiprows: 3}')"
)


def check_read_options(options: ReadOptions | None) -> dict[str, Any]:
    """``options`` as a plain dict (``delimiter`` renamed ``sep``), checked key by key.

    Raises:
        ConfigError: naming the key, what is wrong and the valid choices.
    """
    if options is None:
        return {}
    if not isinstance(options, Mapping):
        raise ConfigError(
            f"read_options must be a mapping of pandas.read_csv options, got {type(options).__name__} "
            f"{options!r}; e.g. {READ_OPTIONS_EXAMPLE}."
        )
    checked: dict[str, Any] = {}
    for key, value in options.items():
        name = "sep" if key == "delimiter" else key
        if name == "sep" and "sep" in checked:
            raise ConfigError("read_options: give the separator once, as 'sep' (not also as 'delimiter').")
        _check_key(key)
        checked[name] = _check_value(name, value)
    if "decimal" in checked and checked.get("thousands") == checked["decimal"]:
        raise ConfigError(
            f"read_options: thousands and decimal are both {checked['decimal']!r}; they must differ "
            "(e.g. {'decimal': ',', 'thousands': '.'})."
        )
    if checked.get("names") is not None and "header" not in checked:
        checked["header"] = None  # names= replaces a header row only when there is none
    return checked


def read_csv_keywords(options: ReadOptions) -> dict[str, Any]:
    """The checked options ``pandas.read_csv`` takes itself (not the date options, nor the
    encoding: the reader decodes the bytes)."""
    skip = (*DATE_OPTIONS, "encoding", "encoding_errors")
    return {k: v for k, v in options.items() if k not in skip}


def date_options(options: ReadOptions) -> dict[str, Any]:
    """The checked options the pipeline's date parsing applies: ``dayfirst``, ``date_format``."""
    return {k: options[k] for k in DATE_OPTIONS if k in options}


def _check_key(key: object) -> None:
    if not isinstance(key, str):
        raise ConfigError(f"read_options: key {key!r} is not a name; valid keys: {sorted(ACCEPTED)}.")
    if key in ACCEPTED or key == "delimiter":
        return
    if key in _OWNED:
        raise ConfigError(
            f"read_options: {key!r} is set by the pipeline and cannot be given ({_OWNED[key]}). "
            f"Valid keys: {sorted(ACCEPTED)}."
        )
    close = _ALIASES.get(key.lower()) or next(iter(difflib.get_close_matches(key, ACCEPTED, n=1)), None)
    hint = f" Did you mean {close!r}?" if close else ""
    raise ConfigError(
        f"read_options: {key!r} is not a pandas.read_csv option.{hint} Valid keys: {sorted(ACCEPTED)}."
    )


def _check_value(name: str, value: Any) -> Any:
    """``value`` for option ``name``, JSON-friendly (lists, not tuples); a ConfigError if it cannot be one."""
    what = f"read_options[{name!r}]"
    if name in _CHARACTERS and not (isinstance(value, str) and len(value) == 1):
        raise ConfigError(f"{what} must be one character, e.g. {_example(name)}; got {value!r}.")
    if name in _TEXTS and not (isinstance(value, str) and value):
        raise ConfigError(f"{what} must be a non-empty text, e.g. {_example(name)}; got {value!r}.")
    if name in ("encoding", "encoding_errors"):
        _check_codec(name, value)
    if name in _FLAGS and not isinstance(value, bool):
        raise ConfigError(f"{what} must be true or false; got {value!r}.")
    if name in _COUNTS and not _is_count(value):
        raise ConfigError(f"{what} must be a whole number >= 0; got {value!r}.")
    if name in _CHOICES and value not in _CHOICES[name]:
        raise ConfigError(f"{what} must be one of {_CHOICES[name]}; got {value!r}.")
    if name == "quoting" and value not in (0, 1, 2, 3):
        raise ConfigError(f"{what} must be a csv.QUOTE_* number 0-3; got {value!r}.")
    if name == "skiprows":
        return _check_skiprows(value)
    if name == "header" and value is not None and not _is_count(value):
        raise ConfigError(
            f"{what} must be the header's row number (>= 0) or None (with names=); got {value!r}."
        )
    if name == "names":
        if not isinstance(value, list | tuple) or not value or not all(isinstance(n, str) for n in value):
            raise ConfigError(f"{what} must be a list of column names, e.g. ['date', 'load']; got {value!r}.")
        return list(value)
    if name == "na_values":
        return _check_na_values(value)
    return value


def _example(name: str) -> str:
    return {"decimal": "','", "thousands": "'.'", "comment": "'#'", "sep": "'|'", "encoding": "'cp1252'",
            "date_format": "'%d.%m.%Y %H:%M'", "encoding_errors": "'replace'"}.get(name, "'\"'")  # fmt: skip


def _check_codec(name: str, value: str) -> None:
    try:
        codecs.lookup(value) if name == "encoding" else codecs.lookup_error(value)
    except LookupError:
        example = "'utf-8', 'cp1252', 'latin-1'" if name == "encoding" else "'strict', 'replace', 'ignore'"
        raise ConfigError(
            f"read_options[{name!r}]: {value!r} is not known to Python; e.g. {example}."
        ) from None


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _check_skiprows(value: Any) -> int | list[int]:
    if _is_count(value):
        return value
    if isinstance(value, list | tuple) and value and all(_is_count(v) for v in value):
        return sorted(set(value))
    raise ConfigError(
        f"read_options['skiprows'] must be a count of lines above the header (e.g. 3) or a list of 0-based "
        f"line numbers (e.g. [0, 1, 5]); got {value!r}."
    )


def _check_na_values(value: Any) -> list[Any] | dict[str, list[Any]]:
    """Markers as a list (per column: a dict of lists); numbers such as ``-999`` match as pandas
    matches them (``-999`` and ``-999.0``)."""

    def markers(item: Any) -> list[Any]:
        items = item if isinstance(item, list | tuple) else [item]
        if not items or not all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in items):
            raise ConfigError(
                f"read_options['na_values'] must be markers such as ['-999', 'n/a'] (or per column, "
                f"{{'load': ['-999']}}); got {value!r}."
            )
        return list(items)

    if isinstance(value, Mapping):
        return {str(column): markers(item) for column, item in value.items()}
    return markers(value)
