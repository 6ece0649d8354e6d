"""Class labels of sensor recordings against the classes a model was trained on: each label's class
index, and errors that name the labels, the recordings and the fix when they do not match."""

from __future__ import annotations

import numpy as np

from ssm_ts.errors import DataError

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
        if all(renamed.values()):  # 1 for 1.0: the same classes, written another way
            pairs = ", ".join(f"{label!r} for {name!r}" for label, name in renamed.items())
            fix = f"they are the training classes written as other numbers ({pairs}): write them as the training data does."
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
