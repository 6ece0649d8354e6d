"""Class labels of sensor recordings against the classes a model was trained on: each label's class
index, and errors that name the labels, the recordings and the fix when they do not match."""

from __future__ import annotations

import numpy as np

from ssm_ts.errors import DataError
from ssm_ts.rank_zero_warnings import warn_on_rank_zero

from .series import SeriesSet


def same_number_class(label: str, classes: list[str]) -> str | None:
    """The one class of ``classes`` whose text is the same number as ``label`` (``'1.0'`` for ``'1'``),
    or ``None``: labels written by different tools (a float column) that mean the same class."""
    try:
        value = float(label)
    except ValueError:
        return None
    same = []
    for name in classes:
        try:
            if float(name) == value:
                same.append(name)
        except ValueError:
            continue
    return same[0] if len(same) == 1 else None


def _same_but_case(label: str, classes: list[str]) -> str | None:
    """The one class of ``classes`` that is ``label`` in another case (``'walk'`` for ``'Walk'``), or ``None``."""
    same = [name for name in classes if name.casefold() == label.casefold()]
    return same[0] if len(same) == 1 else None


def encode_labels(data: SeriesSet, classes: list[str]) -> np.ndarray | None:
    """Positions of ``data``'s labels in ``classes`` (the model's order); a clear error for an unseen
    label, naming how many recordings carry one and the first of them."""
    if data.labels is None:
        return None
    labels = [str(label) for label in data.labels]
    unknown = sorted(set(labels) - set(classes))
    if unknown:
        rows = [i for i, label in enumerate(labels) if label not in classes]
        first = data.ids[rows[0]] if data.ids else f"recording {rows[0]}"
        renamed = {label: same_number_class(label, classes) for label in unknown}
        recased = {label: _same_but_case(label, classes) for label in unknown}
        if all(renamed.values()):  # 1 for 1.0: the same classes, written another way
            pairs = ", ".join(f"{label!r} for {name!r}" for label, name in renamed.items())
            fix = f"they are the training classes written as other numbers ({pairs}): write them as the training data does."
        elif all(recased.values()):  # Walk for walk: a hand-typed test file
            pairs = ", ".join(f"{label!r} for {name!r}" for label, name in recased.items())
            fix = f"they are the training classes in another case ({pairs}): write them as the training data does."
        else:
            fix = (
                "the model can only predict classes it was trained on: drop those recordings (or fix "
                "their labels), or classify them with predict, which needs no labels."
            )
        raise DataError(
            f"{data.source}: labels {unknown[:10]} never occur in the training data (classes {classes}); "
            f"{len(rows)} of {len(labels)} recordings carry one, the first {first!r}. {fix[0].upper()}{fix[1:]}"
        )
    index = {name: i for i, name in enumerate(classes)}
    return np.array([index[label] for label in labels], dtype=np.int64)


def warn_of_case_only_classes(labels: list[str], source: str, column: str) -> None:
    """Warn when classes among ``labels`` differ only in case (``Run`` and ``run``), as typed by hand into
    a CSV's ``column``: each is a class of its own, which the model learns apart. ``source`` names the file."""
    spellings: dict[str, dict[str, int]] = {}
    for label in labels:
        counts = spellings.setdefault(label.casefold(), {})
        counts[label] = counts.get(label, 0) + 1
    alike = [counts for counts in spellings.values() if len(counts) > 1]
    if not alike:
        return
    shown = "; ".join(
        ", ".join(f"{n} {label!r}" for label, n in sorted(counts.items())) for counts in alike[:3]
    )
    warn_on_rank_zero(
        f"{source}: classes differ only in case ({shown} "
        f"recordings{', ...' if len(alike) > 3 else ''}): each is a class of its own. If they are one "
        f"class, write them alike in column {column!r} (pandas: frame[{column!r}] = frame[{column!r}].str.lower()).",
        UserWarning,
        stacklevel=None,  # the user's line, outside ssm-ts
    )
