"""The Weka ``.arff`` reader: univariate rows or the UEA archive's multivariate relational rows."""

from __future__ import annotations

import os
import re
from pathlib import Path

from ssm_ts.errors import DataError
from ssm_ts.wording import counted

from .labels import same_number_class
from .read_checks import case_array, existing_file, no_data_line, parse_numbers, text_encoding
from .series import NanPolicy, SeriesSet, make_series_set

_RELATIONAL_ROW = re.compile(r"^\s*(['\"])(.*)\1\s*,\s*(.*?)\s*$")
_RELATIONAL_UNLABELLED = re.compile(r"^\s*(['\"])(.*)\1\s*$")


def _cut_row_hint(line: str, rows_before: int) -> str:
    """For a relational row that does not parse: one whose opening quote is never closed (its values
    run to the end of the line, no label after them), or whose values' quote closes the line (no
    label) after ``rows_before`` rows that had one, was cut short, as the last line of a file truncated
    in copying is. Empty otherwise (a first row without a label: likely every row is so)."""
    text = line.strip()
    if not text or text[0] not in "'\"":
        return ""
    channels = counted(text.count("\\n") + 1, "channel")
    cut = (
        "the line looks cut short, as the last line of a file truncated in copying is: complete it from the "
        "original file, or delete it."
    )
    if text.count(text[0]) == 2 and text.endswith(text[0]):  # cut right after the values' closing quote
        if not rows_before:
            return ""
        return f" Its values ({channels}, '...{text[-30:]}') end the line with no label after them; {cut}"
    if text.count(text[0]) != 1:
        return ""
    return (
        f" Its quote ({text[0]}) is never closed: the values stop after {channels} ('...{text[-30:]}') with "
        f"no label; {cut}"
    )


_ATTRIBUTE = re.compile(r"^@attribute\s+('[^']*'|\"[^\"]*\"|\S+)\s+(.*)$", re.IGNORECASE)
_NOMINAL_VALUE = re.compile(r"'[^']*'|\"[^\"]*\"|[^,]+")


def _nominal_values(kind: str) -> list[str]:
    """The classes a nominal attribute's type declares: ``{a, b, 'walking fast'}`` -> ``['a', 'b',
    'walking fast']``."""
    body = kind.strip()[1:].rsplit("}", 1)[0]
    values = (v.strip() for v in _NOMINAL_VALUE.findall(body))
    return [v[1:-1] if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"" else v for v in values if v]


def _check_label(label: str, declared: list[str] | None, where: str) -> None:
    """A row's class against the classes its attribute declares: one not declared is an error, as in
    a ``.ts`` file (it became a class of its own). ``?`` (missing) is checked by :func:`_labels`."""
    if label == "?" or declared is None or label in declared:
        return
    same = same_number_class(label, declared)
    hint = (
        f" As a number it is the declared class {same!r}: write the labels as the attribute does."
        if same is not None
        else " Fix the label, or add it to the class attribute's {...} list."
    )
    raise DataError(f"{where}: label {label!r} is not among the declared classes {declared}.{hint}")


def _labels(labels: list[str], lines: list[int], path: Path) -> list[str] | None:
    """The rows' classes; ``None`` when every one is Weka's ``?`` (recordings to classify, written
    with the class attribute). Some ``?`` among classes are an error naming their lines: they
    became a class ``'?'`` of their own."""
    missing = [line for label, line in zip(labels, lines, strict=True) if label == "?"]
    if not missing:
        return labels
    if len(missing) == len(labels):
        return None
    raise DataError(
        f"{path}: the class is '?' (missing) on {len(missing)} of {len(labels)} rows, line(s) {missing[:10]}; "
        "every recording needs its class to train or test on: label those rows or remove them."
    )


_NUMERIC_TYPES = ("numeric", "real", "integer")
# names of a numeric last attribute that is the class written as numbers (``@attribute target numeric``
# with values 1, 2), as the UCR archive names its class attributes; a time step is ``att151``
_CLASS_NAMES = ("class", "target", "label", "labels", "classattribute", "class_val", "class_vals", "y")
_NUMBERED = re.compile(r"^(\D*?)\d+$")


def _numeric_class(attributes: list[str], names: list[str]) -> bool:
    """Whether the last attribute, numeric, is the class written as numbers rather than a time step:
    named as a class (``target``, ``class``), or, after time steps numbered under one prefix
    (``att1 ... att150``), named otherwise (``activity``). aeon's ``load_from_arff`` always reads the
    last field as the class, Weka takes the last attribute as the class by default; a file of numbered
    time steps only (``att1 ... att151``) stays unlabelled."""
    if len(attributes) < 2 or attributes[-1].partition(" ")[0] not in _NUMERIC_TYPES:
        return False
    last = names[-1].strip().lower()
    if last in _CLASS_NAMES or attributes[0].startswith("relational"):
        return True  # after a relational attribute (the channels) a field can only be the class
    prefixes = {m.group(1) if (m := _NUMBERED.match(n)) else None for n in names[:-1]}
    numbered = len(prefixes) == 1 and None not in prefixes
    own = _NUMBERED.match(names[-1])
    return numbered and (own is None or own.group(1) not in prefixes)


def _numeric_class_labels(labels: list[str], lines: list[int], name: str, path: Path) -> None:
    """The values of a numeric class attribute ``name`` must be whole numbers (classes written as
    numbers); fractions are a regression target, which a classifier cannot use: a DataError naming the line."""
    for label, line in zip(labels, lines, strict=True):
        if label == "?":
            continue
        try:
            whole = float(label).is_integer()
        except ValueError:
            raise DataError(
                f"{path}, line {line}: the class {label!r} of the numeric attribute {name!r} is not a number."
            ) from None
        if not whole:
            raise DataError(
                f"{path}, line {line}: the numeric attribute {name!r}, read as the class (the last attribute, as "
                f"aeon and Weka take it), holds {label!r}, not a whole number: a regression target, which a "
                f"classifier cannot use. If {name!r} holds classes, declare them, @attribute {name} {{1,2,...}}; "
                f"if it is a time step, rename it as the others."
            )


def _drop_fix(names: list[str], fields: list[int]) -> str:
    """How to drop the attributes ``fields`` (0-based) named ``names`` from an .arff file."""
    listed = ", ".join(repr(n) for n in names)
    return (
        f"delete the @attribute line of {listed} and {'its field' if len(names) == 1 else 'their fields'} on "
        f"every row (Weka: the Remove filter, -R {','.join(str(f + 1) for f in fields)})"
    )


def _class_attribute(attributes: list[str], names: list[str], path: Path) -> int | None:
    """Index of the nominal (``{a,b,...}``) attribute among the top-level ``attributes`` (types,
    lower case; ``names`` theirs): the class label's field; ``None`` when there is none (unlabelled
    data). In a file of time steps (not the relational kind) every other attribute must be numeric:
    a string (an id) or date attribute was "a value is not a number" on the first row, naming neither."""
    nominal = [i for i, kind in enumerate(attributes) if kind.startswith("{")]
    if len(nominal) > 1:
        others, last = nominal[:-1], nominal[-1]  # Weka's class is the last attribute by default
        listed = ", ".join(f"{names[i]!r} (field {i + 1})" for i in nominal)
        raise DataError(
            f"{path}: {len(nominal)} nominal attributes, {listed}; a time-series .arff holds numeric time "
            f"steps and one nominal attribute, the class. If {names[last]!r} is the class, "
            f"{_drop_fix([names[i] for i in others], others)}."
        )
    if not nominal and _numeric_class(attributes, names):
        nominal = [len(attributes) - 1]  # the class written as numbers (values checked by the reader)
    if attributes[0].startswith("relational"):
        return nominal[0] if nominal else None
    other = [
        i
        for i, kind in enumerate(attributes)
        if i not in nominal and kind.partition(" ")[0] not in _NUMERIC_TYPES
    ]
    if other:
        i = other[0]
        raise DataError(
            f"{path}: attribute {names[i]!r} (field {i + 1}) is a {attributes[i].split()[0]} attribute, not "
            "numeric; a time-series .arff holds numeric time steps and one nominal class attribute: "
            f"{_drop_fix([names[j] for j in other], other)}."
        )
    return nominal[0] if nominal else None


_SPARSE_ENTRY = re.compile(r"\s*([^\s,]+)\s+('[^']*'|\"[^\"]*\"|[^,]*?)\s*(?:,|$)")


def _sparse_fields(
    line: str,
    names: list[str],
    attributes: list[str],
    declared: list[str] | None,
    label_index: int | None,
    where: str,
) -> list[str]:
    """Weka's sparse row ``{index value, index value, ...}`` (0-based attribute indices) as the fields of
    the dense row: an attribute left out is 0, and a nominal class left out is its first declared
    value (its index 0), as Weka reads it. A DataError names the line for an index out of range or
    given twice, an entry that is not ``index value``, or an instance weight (``{...}, {w}``)."""
    body, _, rest = line[1:].partition("}")
    if rest.strip():
        if rest.strip().lstrip(",").strip().startswith("{"):
            raise DataError(
                f"{where}: a sparse row '{{index value, ...}}' followed by an instance weight; instance "
                "weights are not read: delete them from the rows and pass the weights to fit (sample_weight=...)."
            )
        # not a weight: its fix is not the weights' (a trailing '% note' said to pass sample_weight)
        raise DataError(
            f"{where}: {rest.strip()[:30]!r} after the sparse row's closing '}}'; a row ends there: move "
            "the text to a line of its own (a comment line starts with %) or delete it."
        )
    if not attributes or attributes[0].startswith("relational"):
        kind = (
            "a file without @attribute declarations" if not attributes else "a relational (multivariate) file"
        )
        raise DataError(
            f"{where}: a sparse row '{{index value, ...}}' in {kind}; sparse rows need the attributes "
            "declared one per time step: write the row dense (every value, comma-separated)."
        )
    fields = ["0"] * len(attributes)
    if label_index is not None and declared:
        fields[label_index] = declared[0]  # a nominal 0 is its first value
    seen: set[int] = set()
    position, body = 0, body.strip()
    while position < len(body):
        entry = _SPARSE_ENTRY.match(body, position)
        if entry is None or entry.end() == position:
            raise DataError(
                f"{where}: expected sparse entries 'index value' separated by commas, found "
                f"{body[position : position + 30]!r}."
            )
        index, value = entry.group(1), entry.group(2)
        if not index.isdigit() or int(index) >= len(attributes):
            raise DataError(
                f"{where}: sparse index {index!r} is not an attribute: the {len(attributes)} declared "
                f"attributes are numbered 0 to {len(attributes) - 1} ({names[0]!r} to {names[-1]!r})."
            )
        if int(index) in seen:
            raise DataError(f"{where}: sparse index {index} ({names[int(index)]!r}) is given twice.")
        seen.add(int(index))
        fields[int(index)] = value
        position = entry.end()
    return fields


# headers of sktime's .ts format (lower case), which ARFF does not have
_TS_HEADERS = frozenset(
    "@problemname @timestamps @missing @univariate @dimensions @equallength @serieslength @classlabel "
    "@targetlabel".split()
)


def read_arff(path: str | os.PathLike, nan_policy: NanPolicy = "error") -> SeriesSet:
    """Read a Weka ``.arff`` time-series file: univariate rows ``v1,...,vL,label`` or the multivariate
    relational form ``'c1_values\\nc2_values',label`` (UEA archive layout); ``?`` is missing.

    The label is the field of the nominal (``{a,b,...}``) attribute. Without one, a numeric last
    attribute named as a class (``@attribute target numeric``, values ``1, 2``) or named otherwise than
    the numbered time steps before it (``att1 ... att150``, then ``activity``) is the class written as
    numbers, as aeon's ``load_from_arff`` and Weka read the last attribute (its values must be whole
    numbers: fractions are a regression target, a DataError); so is a numeric attribute after a
    relational one. A file with no such attribute is unlabelled (every field is a time step, labels
    ``None``), and so is one whose every class is ``?`` (Weka's rows to classify). A class not
    declared, or ``?`` on some rows only, is a DataError. Rows may be written sparse, as Weka writes
    them, ``{0 1.5, 3 2.0, 24 walk}`` (attribute indices from 0): left-out values are 0 (a nominal
    class's first declared value), as Weka reads them (scipy's ``arff`` reader refuses them)."""
    path = existing_file(path)
    attributes: list[str] = []  # types of the top-level attributes, lower case
    names: list[str] = []  # their names, unquoted
    declared: list[str] | None = None  # the classes the class attribute declares
    relational_open = False
    in_data = False
    label_index: int | None = None
    values, labels, lines = [], [], []
    # UTF-8 (its byte-order mark dropped), else Windows-1252; "replace": its 5 undefined bytes
    with open(path, encoding=text_encoding(path), errors="replace") as handle:
        for line_no, raw in enumerate(handle, start=1):
            line = raw.strip()
            if not line or line.startswith("%"):
                continue
            if not in_data:
                lower = line.lower()
                match = _ATTRIBUTE.match(line)
                if match is not None and not relational_open:
                    attributes.append(match.group(2).strip().lower())
                    names.append(match.group(1).strip("'\""))
                    if attributes[-1].startswith("{"):  # the class attribute: its classes as written
                        declared = _nominal_values(match.group(2))
                    relational_open = attributes[-1].startswith("relational")
                elif (
                    lower.split()[0] in _TS_HEADERS
                ):  # else its cases were read as rows, "v150:label" a class
                    raise DataError(
                        f"{path}, line {line_no}: {line.split()[0]} is a .ts header, not ARFF: it is a .ts file. "
                        "Read it with read_ts(path), or read_series(path) for a .ts name (ssm-ts classify: "
                        "--data.format ts, or leave --data.format out)."
                    )
                elif lower.startswith("@end"):
                    relational_open = False
                elif lower.startswith("@data"):
                    in_data = True
                    # no declarations at all: the last field, as the UCR files put their class
                    label_index = _class_attribute(attributes, names, path) if attributes else -1
                continue
            where = f"{path}, line {line_no}"
            relational = bool(attributes) and attributes[0].startswith("relational")
            if relational:
                match = (_RELATIONAL_ROW if label_index is not None else _RELATIONAL_UNLABELLED).match(line)
                if match is None:
                    expected = ",label" if label_index is not None else " (no label: none is declared)"
                    raise DataError(
                        f"{where}: expected 'channel values separated by \\n'{expected}."
                        + _cut_row_hint(line, len(values))
                    )
                body = match.group(2)
                label = match.group(3) if label_index is not None else None
                channels = [parse_numbers(c, where) for c in body.split("\\n")]
                values.append(case_array(channels, where, f"row {len(values)}"))
            else:
                fields = (
                    _sparse_fields(line, names, attributes, declared, label_index, where)
                    if line.startswith("{")
                    else line.split(",")
                )
                if label_index is not None and label_index >= len(fields):
                    raise DataError(
                        f"{where}: {counted(len(fields), 'field')}, but the class attribute is field "
                        f"{label_index + 1}. The line looks cut short, as the last line of a file truncated in "
                        "copying is: complete it from the original file, or delete it."
                    )
                label = fields.pop(label_index) if label_index is not None else None
                values.append(parse_numbers(",".join(fields), where)[None, :])
            if label is not None:
                labels.append(label.strip().strip("'\""))
                lines.append(line_no)
                _check_label(labels[-1], declared, where)
    if not in_data:
        raise no_data_line(path, "an .arff")
    if label_index is not None and declared is None and attributes:  # a numeric class attribute
        _numeric_class_labels(labels, lines, names[label_index], path)
    ids = [f"row {i}" for i in range(len(values))]
    return make_series_set(
        values,
        _labels(labels, lines, path) if label_index is not None else None,
        nan_policy=nan_policy,
        source=str(path),
        ids=ids,
    )
