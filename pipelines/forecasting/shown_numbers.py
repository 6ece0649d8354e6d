"""Numbers as a spreadsheet shows them: Excel's "Save as CSV" writes each cell in its number format,
so a percent, currency or accounting column arrives as ``12.5%``, ``$1,234.50``, ``1.234,50 €`` or
``(1,234.50)`` (a negative). Such a column is meant as numbers: it is reported (not left out of the
targets as text), with the conversion that reads it."""

from __future__ import annotations

import re

import pandas as pd

from .read_code import read_first
from .reader import Table

# a number with a format's marks around it: a sign or currency before, percent or currency after,
# parentheses around (a negative); grouping marks inside (spaces, no-break spaces, apostrophes)
_SHOWN = re.compile(
    r"\(?\s*[-+]?\s*[$€£¥]?\s*[-+]?\d[\d.,'’\s\u00a0\u202f]*\s*[%$€£¥]?\s*\)?", flags=re.UNICODE
)
_MARKS = re.compile(r"[%$€£¥()]")
_AFFIXES = r"[%$€£¥\s]"  # removed by the conversion (spaces too: "1 234 €", "12,5 %")
_NEGATIVE = (r"^\((.*)\)$", r"-\1")  # accounting: (12.50) is -12.50


def shown_numbers(column: pd.Series) -> pd.Series:
    """``(n,)`` bool: cells of ``column`` (text) that are numbers with a number format's marks."""
    text = column.astype(str).str.strip()
    return text.str.fullmatch(_SHOWN) & text.str.contains(_MARKS)


def shown_number_hint(column: pd.Series, value: object, name: str, table: Table) -> str:
    """`` ('12.5%' is a number as a spreadsheet shows it ...)``: for ``value``, a cell of ``column``
    (a long table's value column or a wide one's column ``name``) in a number format, the conversion
    to numbers (percent as points: ``12.5%`` is 12.5), reading ``table``'s CSV first when it is one;
    ``""`` for other cells."""
    if not isinstance(value, str) or not shown_numbers(pd.Series([value])).iloc[0]:
        return ""
    present = column.dropna().astype(str)
    cell = f"df[{name!r}]"
    code = f"{cell}.str.replace({_AFFIXES!r}, '', regex=True)"
    if present.str.contains("(", regex=False).any():
        code += f".str.replace({_NEGATIVE[0]!r}, {_NEGATIVE[1]!r}, regex=True)"
    thousands, decimal = _marks(present)
    if thousands:
        code += f".str.replace({thousands!r}, '')"
    if decimal == ",":
        code += ".str.replace(',', '.')"
    read, then = read_first(table)
    return (
        f" ({value!r} is a number as a spreadsheet shows it, with its format's marks: save the column in a "
        f"plain number format, or convert it: {read}{cell} = pd.to_numeric({code}){then})"
    )


def _marks(present: pd.Series) -> tuple[str | None, str]:
    """``(thousands, decimal)`` marks of the numbers in ``present`` (their format's marks and spaces
    removed): a mark seen twice in a number, or before the other one, groups thousands."""
    cores = present.str.replace(r"[%$€£¥()\s\u00a0\u202f+-]", "", regex=True)
    if (
        cores.str.contains(r"\d,\d{3}\.", regex=True).any()
        or cores.str.contains(r",\d{3},", regex=True).any()
    ):
        return ",", "."
    if (
        cores.str.contains(r"\d\.\d{3},", regex=True).any()
        or cores.str.contains(r"\.\d{3}\.", regex=True).any()
    ):
        return ".", ","
    if cores.str.contains("'", regex=False).any() or cores.str.contains("’", regex=False).any():
        return ("'" if cores.str.contains("'", regex=False).any() else "’"), "."
    if cores.str.fullmatch(r"\d+,\d{1,2}").any():  # "12,5": a decimal comma (no thousands group)
        return None, ","
    if cores.str.contains(",", regex=False).any():  # "1,234": comma groups (as Excel's US formats)
        return ",", "."
    return None, "."
