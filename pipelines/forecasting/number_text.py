"""Numbers written as text in a value column: which cells are meant as numbers (decimal commas and
thousands groups included, so that such a column is reported with its fix, not left out), and the
read options or conversion that read them."""

from __future__ import annotations

import re

import pandas as pd

from ..csv_files import number_hint
from .shown_numbers import shown_numbers

# thousands grouped by a space, a no-break space (French Excel), or an apostrophe (Swiss): "30 531,25"
_SPACED_GROUPS = re.compile(r"[+-]?\d{1,3}(?:([ \u00a0\u202f'’])\d{3})(?:\1\d{3})*(?:([.,])\d+)?")
# thousands grouped by a comma or a point, then a decimal part after the other one, or several groups:
# "30,531.25", "30.531,25", "1,234,567" (text a DataFrame holds as a spreadsheet showed it)
_PUNCTUATED_GROUPS = re.compile(r"[+-]?\d{1,3}([,.])\d{3}(?:(?:\1\d{3})+(?:(?!\1)[.,]\d+)?|(?!\1)[.,]\d+)")
# one group and no decimal part: "176,569" is 176569 or 176.569 ("2.060" pandas reads as 2.06)
_ONE_GROUP = re.compile(r"[+-]?\d{1,3}[,.]\d{3}")
_ONE_COMMA_GROUP = re.compile(r"[+-]?\d{1,3},\d{3}")


def meant_numeric(column: pd.Series) -> bool:
    """Numeric dtype, or text that is mostly numbers (a stray '?' should be reported, not hidden),
    numbers as a spreadsheet shows them (``12.5%``, ``$1,234.50``) included."""
    if pd.api.types.is_bool_dtype(column):
        return False
    if pd.api.types.is_numeric_dtype(column):
        return True
    present = column.dropna().astype(str).str.strip()
    spaced = present.str.fullmatch(_SPACED_GROUPS)
    punctuated = present.str.fullmatch(_PUNCTUATED_GROUPS).to_numpy(dtype=bool)
    present = present.where(~spaced, present.str.replace(r"[ \u00a0\u202f'’]", "", regex=True))
    present = present.str.replace(",", ".", regex=False)
    numbers = pd.to_numeric(present, errors="coerce").notna().to_numpy() | punctuated
    numbers |= shown_numbers(present).to_numpy(
        dtype=bool
    )  # 12.5%: reported with its conversion, not left out
    return bool(len(present)) and bool(numbers.mean() >= 0.5)


def number_text_hint(
    column: pd.Series, value: object, frame_column: str | None = None, given: dict | None = None
) -> str:
    """How to read ``value``, a cell of ``column`` that is no number, as one: the read options of a
    CSV, or (``frame_column``: a DataFrame's column, which takes none) the ``pd.read_csv`` options
    and the column's conversion. Thousands groups are told from the column's other cells too: in
    ``"2,060"`` beside ``"1,234,567"`` the comma groups thousands; a column of one-group numbers only
    (``"176,569"``) gets both readings. A CSV's read options ``given`` by the user are kept in those
    it names (a ``skipfooter`` dropped there would fail the next read)."""
    grouping = _grouping(value) or _column_grouping(column)
    if grouping is not None:
        return _grouping_text(value, *grouping, frame_column, kept=given or {})
    present = column.dropna().astype(str).str.strip()
    if frame_column is not None and len(present) and present.str.fullmatch(_ONE_COMMA_GROUP).all():
        return _both_readings(value, frame_column)
    return number_hint(value, frame_column)


def _grouping(value: object) -> tuple[str, str | None] | None:
    """``(thousands, decimal)`` marks of a number written with thousands groups (``decimal``
    ``None`` for a point); ``None`` for other text."""
    text = value.strip() if isinstance(value, str) else ""
    if match := _SPACED_GROUPS.fullmatch(text):
        return match.group(1), ("," if match.group(2) == "," else None)
    if match := _PUNCTUATED_GROUPS.fullmatch(text):  # the decimal mark is the other one
        return match.group(1), ("," if match.group(1) == "." else None)
    return None


def _column_grouping(column: pd.Series) -> tuple[str, str | None] | None:
    """The marks of a text column whose every cell is a number with one kind of thousands groups
    (one-group cells such as ``"2,060"`` too) and some cell shows it (``"1,234,567"``, ``"1,234.5"``)."""
    present = column.dropna().astype(str).str.strip()
    marks = {_grouping(v) for v in present if not _ONE_GROUP.fullmatch(v)}
    if len(marks) != 1 or None in marks:
        return None
    thousands, _ = grouping = next(iter(marks))
    ones = present[present.str.fullmatch(_ONE_GROUP)]
    return grouping if ones.str.contains(thousands, regex=False).all() else None


def _grouping_text(
    value: object, thousands: str, decimal: str | None, frame_column: str | None, kept: dict
) -> str:
    options = {"thousands": thousands, **({"decimal": decimal} if decimal else {})}
    if frame_column is not None:
        given = ", ".join(f"{k}={v!r}" for k, v in options.items())
        cell = f"df[{frame_column!r}]"
        point = f".str.replace({decimal!r}, '.')" if decimal else ""
        return (
            f" ({value!r} groups its thousands with {thousands!r}: read the CSV with "
            f"pd.read_csv(path, {given}), or convert the column: {cell} = "
            f"{cell}.str.replace({thousands!r}, ''){point}.astype(float))"
        )
    # YAML double quotes read \xa0 and \u202f escapes; the shell's quotes then hold an apostrophe too
    options = {**kept, **options}
    cli = ", ".join(
        f'{k}: \\"{v.encode("unicode_escape").decode("ascii")}\\"' if isinstance(v, str) else f"{k}: {v}"
        for k, v in options.items()
    )
    return (
        f" ({value!r} groups its thousands with {thousands!r}: pass read_options={options} (CLI: "
        f'--data.read_options "{{{cli}}}"), or save the file without thousands separators)'
    )


def _both_readings(value: object, frame_column: str) -> str:
    """A DataFrame column of one-group numbers only (``"176,569"``): thousands or decimals, the two
    conversions (a decimal-comma hint alone would turn 176,569 people into 176.569)."""
    cell = f"df[{frame_column!r}]"
    return (
        f" ({value!r} may group thousands or mark decimals with its comma: convert the column as meant, "
        f"{cell} = {cell}.str.replace(',', '').astype(float) for thousands, or "
        f"{cell} = {cell}.str.replace(',', '.').astype(float) for decimals)"
    )
