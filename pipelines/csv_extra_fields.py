"""Which CSV line has more fields than the header names, and why it likely does: a spreadsheet's
number with a thousands or decimal comma written without quotes (``5,827.0`` splits in two under a
comma separator), or a text cell holding the separator. For the reader's error messages."""

from __future__ import annotations

import csv
import re

_WHOLE = re.compile(r"[+-]?\d+")  # the part of a number before its comma: "5" of "5,827.0"
_AFTER_COMMA = re.compile(r"\d+(?:\.\d*)?")  # the part after it: "827.0", or "5" of a decimal "1,5"
_SHOWN = 60  # characters of a line quoted in a message


def extra_fields_note(text: str, sep: str, options: dict) -> str:
    """``line N ('...') is the first with more fields (F) than the header (H): likely ...``,
    naming the first data line of ``text`` with more fields than its header line and the likely causes;
    ``""`` when none is found (a separator ``csv`` cannot split on, no header row, quoted line breaks)."""
    found = _first_longer_line(text, sep, options)
    if found is None:
        return ""
    number, line, fields, names = found
    shown = line if len(line) <= _SHOWN else line[: _SHOWN - 3] + "..."
    return (
        f"line {number} ({shown!r}) is the first with more fields ({len(fields)}) than the header ({names}): "
        f"{_likely_causes(fields, sep)}"
    )


def _first_longer_line(text: str, sep: str, options: dict) -> tuple[int, str, list[str], int] | None:
    """``(1-based line number, line, its fields, the header's field count)`` of the first data line
    with more fields than the header line, where lines are read as ``read_csv`` reads them (after
    ``skiprows``, blank and comment lines, the ``header`` row)."""
    header_row, skip = options.get("header", 0), options.get("skiprows", 0)
    if len(sep) != 1 or not isinstance(header_row, int) or callable(skip):
        return None
    skipped = set(range(skip)) if isinstance(skip, int) else set(skip)
    comment = options.get("comment")
    kept = [
        (index + 1, line)
        for index, line in enumerate(text.splitlines())
        if index not in skipped and line.strip() and not (comment and line.lstrip().startswith(comment))
    ]
    if len(kept) <= header_row:
        return None
    names = len(_fields(kept[header_row][1], sep))
    for number, line in kept[header_row + 1 :]:
        fields = _fields(line, sep)
        if len(fields) > names:
            return number, line, fields, names
    return None


def _fields(line: str, sep: str) -> list[str]:
    return next(csv.reader([line], delimiter=sep), [])


def _likely_causes(fields: list[str], sep: str) -> str:
    """The likely causes of ``fields`` (one line's) outnumbering the header's, the likeliest first."""
    in_text = f"a text cell holding a {sep!r}: quote that cell"
    if sep != ",":
        return f"likely {in_text}."
    pairs = zip(fields, fields[1:], strict=False)
    split = next((f"{a},{b}" for a, b in pairs if _WHOLE.fullmatch(a) and _AFTER_COMMA.fullmatch(b)), None)
    number = (
        f"a number with a thousands or decimal comma that is not quoted{f' ({split!r})' if split else ''}: "
        f'quote such numbers in the file ("{split or "5,827.0"}"; quoted thousands groups are read as numbers), '
        "or export it without thousands separators, or with ';' between the fields and pass "
        "read_options={'sep': ';'} (CLI: --data.read_options '{sep: \";\"}')"
    )
    first, second = (number, in_text) if split else (in_text, number)
    return f"likely {first}; or {second}."
