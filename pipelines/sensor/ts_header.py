"""The header of a UCR/UEA ``.ts`` file: its ``@`` declarations read, and every case checked against
them (dimensions, lengths, class labels), each error naming the line and the fix."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ssm_ts.errors import DataError
from ssm_ts.wording import counted

from .labels import same_number_class

# the keys sktime and aeon write (lower case: keys are read case-insensitively); others are skipped,
# except a near miss of one of these (``@classlabels``), which would otherwise drop its declaration
KNOWN_KEYS = (
    "@problemname",
    "@timestamps",
    "@missing",
    "@univariate",
    "@dimension",
    "@dimensions",
    "@equallength",
    "@serieslength",
    "@classlabel",
    "@targetlabel",
    "@data",
)
_READ_KEYS = tuple(key for key in KNOWN_KEYS if key not in ("@problemname", "@missing"))
_LISTED = tuple(key for key in KNOWN_KEYS if key != "@dimension")  # named in errors
# written as in aeon's files, for the did-you-mean of a near miss
_SPELLING = {key: key for key in KNOWN_KEYS} | {
    "@problemname": "@problemName",
    "@timestamps": "@timeStamps",
    "@equallength": "@equalLength",
    "@serieslength": "@seriesLength",
    "@classlabel": "@classLabel",
    "@targetlabel": "@targetLabel",
}


@dataclass
class TsHeader:
    """What a ``.ts`` header declares (``None``: not declared)."""

    labels: bool = False
    declared_labels: list[str] | None = None
    timestamps: bool = False
    target: bool = False
    dimensions: int | None = None
    univariate: bool | None = None
    equal_length: bool | None = None
    series_length: int | None = None


def _ts_flag(words: list[str], where: str) -> bool:
    value = words[1].lower() if len(words) > 1 else ""
    if value not in ("true", "false"):
        raise DataError(f"{where}: {words[0]} needs 'true' or 'false', found {' '.join(words[1:])!r}.")
    return value == "true"


def _ts_count(words: list[str], where: str) -> int:
    value = words[1] if len(words) > 1 else ""
    if not re.fullmatch(r"[0-9]+", value) or int(value) < 1:
        raise DataError(f"{where}: {words[0]} needs a positive whole number, found {' '.join(words[1:])!r}.")
    return int(value)


_HEADER_TOKEN = re.compile(r'"[^"]*"|\'[^\']*\'|\S+')


def unquoted(text: str) -> str:
    """``text`` without one pair of surrounding quotes (``"walking fast"`` -> ``walking fast``)."""
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


def read_ts_header_line(header: TsHeader, line: str, where: str) -> None:
    """Record one ``@`` header line in ``header``. Unknown keys are skipped, except a near miss of a
    known one (``@classlabels``, ``@serieslenght``): a :class:`DataError` naming the key it means."""
    words = line.split()
    key = words[0].lower()
    if key == "@timestamps":
        header.timestamps = _ts_flag(words, where)
    elif key == "@classlabel":
        header.labels = len(words) > 1 and words[1].lower() == "true"
        # a class with spaces is quoted: @classLabel true "walking fast" running
        tokens = [unquoted(t) for t in _HEADER_TOKEN.findall(line)[2:]]
        header.declared_labels = tokens if header.labels else None
    elif key == "@targetlabel":
        header.target = _ts_flag(words, where)
    elif key in ("@dimensions", "@dimension"):  # aeon reads either
        header.dimensions = _ts_count(words, where)
    elif key == "@univariate":
        header.univariate = _ts_flag(words, where)
    elif key == "@equallength":
        header.equal_length = _ts_flag(words, where)
    elif key == "@serieslength":
        header.series_length = _ts_count(words, where)
    elif key not in KNOWN_KEYS:
        # only keys whose loss changes how the cases are read (a misspelled @problemName changes nothing)
        meant = difflib.get_close_matches(key, _READ_KEYS, n=1, cutoff=0.8)
        if meant:
            raise DataError(
                f"{where}: unknown header {words[0]!r}; did you mean {_SPELLING[meant[0]]!r}? "
                f"Fix its spelling in the file (the .ts headers are {', '.join(_SPELLING[k] for k in _LISTED)})."
            )


def check_undeclared_label(header: TsHeader, fields: list[str], where: str, case: int) -> None:
    """A case whose last ``:``-field is one value after fields of several (``1,2,3:walk``) in a file
    that declares neither class labels nor targets: the header is missing ``@classLabel``."""
    if header.labels or header.target or len(fields) < 2:
        return
    last = fields[-1].strip()
    if "," not in last and any("," in f for f in fields[:-1]):
        raise DataError(
            f"{where}: case {case} ends in ':{last}', which looks like a class label, but the header "
            "declares none; add '@classLabel true <classes>' (e.g. '@classLabel true "
            f"{last} ...') before @data, or drop the labels."
        )


# the start of a number, as a line cut short in the middle of its last one ends: ``-``, ``0.``, ``1e-``
_CUT_NUMBER = re.compile(r"[-+]?\d*\.?\d*(?:[eE][-+]?\d*)?")


def _numbers_only(text: str) -> bool:
    """Whether ``text`` is comma-separated numbers (``?`` missing): a dimension's values, the last of
    which may be cut short (``-0.17,-``)."""
    *parts, last = text.split(",")
    return bool(parts) and all(_is_value(part) for part in parts) and _is_value(last, cut=True)


def _is_value(part: str, cut: bool = False) -> bool:
    """Whether ``part`` is a number, ``?`` (missing) or empty; ``cut``: or the start of a number."""
    part = part.strip()
    if part in ("?", ""):
        return True
    try:
        float(part)
    except ValueError:
        return cut and _CUT_NUMBER.fullmatch(part) is not None
    return True


def check_case_ends_in_label(header: TsHeader, fields: list[str], where: str, case: int) -> None:
    """A labelled case's last ``:``-field is its class: a line whose last field is values (a line
    cut short, as the last line of a file truncated in copying is) names that, not the values as an
    undeclared class (which the error did, a thousand characters of numbers, and said to add it to the
    header)."""
    last = fields[-1].strip()
    if not _numbers_only(last) or last in (header.declared_labels or []):
        if len(fields) < 2:
            raise DataError(f"{where}: no ':'-separated class label at the end of the line.")
        return
    dims = f"@dimensions {header.dimensions} and " if header.dimensions else ""
    shown = last if len(last) <= 40 else f"...{last[-30:]}"
    raise DataError(
        f"{where} (case {case}): the line ends in values ({shown!r}), not a class label: it has "
        f"{counted(len(fields), 'dimension')} and no label, where the header declares {dims}@classLabel true. "
        "It looks cut short, as the last line of a file truncated in copying is: complete the line "
        "from the original file (':<label>' at its end), or delete it."
    )


def check_declared_label(header: TsHeader, label: str, where: str) -> None:
    """A case's class ``label`` against the classes ``@classLabel true ...`` declares (if any)."""
    declared = header.declared_labels
    if not declared or label in declared:
        return
    hint = f" Add it to the header's '@classLabel true {' '.join(declared)}' line, or fix the label."
    if " " in label:
        hint = f' A class with spaces is quoted in the header: @classLabel true "{label}" ...'
    listed = [name for text in declared if "," in text for name in text.split(",")]
    if label in listed:  # '@classLabel true walk,run': one class 'walk,run' to every .ts reader
        spaced = " ".join(name for text in declared for name in text.split(",") if name)
        hint = (
            " The header separates its classes by commas; .ts headers separate them by spaces: "
            f"'@classLabel true {spaced}'."
        )
    same = same_number_class(label, declared)
    if same is not None:
        hint = (
            f" As a number it is the declared class {same!r}: write the labels as the header does "
            f"({same!r}), or the header's classes as the cases do."
        )
    raise DataError(f"{where}: label {label!r} is not among the declared classes {declared}.{hint}")


def check_ts_dimensions(header: TsHeader, found: int, first: int | None, where: str, case: int) -> None:
    """A case's dimension count against the header and the first case (``None`` for the first)."""
    if header.dimensions is not None and found != header.dimensions:
        raise DataError(
            f"{where}: case {case} has {counted(found, 'dimension')} but the header declares @dimensions "
            f"{header.dimensions}; fix the case or the header (dimensions are ':'-separated)."
        )
    if header.univariate and found != 1:
        raise DataError(
            f"{where}: case {case} has {counted(found, 'dimension')} but the header declares @univariate true; "
            "set '@univariate false' or fix the case."
        )
    if first is not None and found != first:
        raise DataError(
            f"{where}: {counted(found, 'dimension')} but the first case has {first}; "
            "every case needs the same dimensions (':'-separated)."
        )


def check_ts_lengths(header: TsHeader, values: list[np.ndarray], lines: list[int], path: Path) -> None:
    """Case lengths against ``@equalLength true`` and ``@seriesLength``."""
    if header.equal_length is False or not values:
        return
    lengths = [v.shape[1] for v in values]
    if header.series_length is not None:
        expected, what = header.series_length, f"the header declares @seriesLength {header.series_length}"
        fix = "drop @seriesLength and set '@equalLength false'"
    elif header.equal_length:
        expected, what = lengths[0], f"case 0 has {lengths[0]} and the header declares @equalLength true"
        fix = "set '@equalLength false'"
    else:
        return
    bad = [k for k, n in enumerate(lengths) if n != expected]
    if bad:
        k = bad[0]
        raise DataError(
            f"{path}, line {lines[k]} (case {k}): {counted(lengths[k], 'time step')} but {what} "
            f"({len(bad)} case(s) differ); {fix} in the header, or fix the cases."
        )
