"""The labels ``y`` given to ``SSMClassifier.score`` against the classes the model was fitted on: text
against numbers (``"1"`` for ``1``: a ``.ts`` file's labels scored against a fit on integer labels, or
the reverse) is an error naming both and the conversion, before any prediction. scikit-learn's accuracy
raised "Mix of label input types (string and number)" from inside it, after predicting every recording."""

from __future__ import annotations

from numbers import Number
from typing import Any

import numpy as np

from ssm_ts.errors import DataError


def _kind(values: np.ndarray) -> str | None:
    """``"text"`` or ``"number"`` when every value is one (numpy's ``str_`` is text; numbers include
    bools and numpy's scalars), else ``None``: a mix, or other values (``None``, bytes) that are left to
    scikit-learn's own checks."""
    if all(isinstance(value, str) for value in values):
        return "text"
    if all(isinstance(value, Number) for value in values):
        return "number"
    return None


def _conversion(classes: np.ndarray, values: np.ndarray, kind: str, y: str) -> str:
    """The line that gives ``y`` (the expression, ``"y"`` or ``"X.labels"``) as the fitted labels are,
    when one does."""
    names = {str(name) for name in classes}
    if kind == "number":  # numbers scored against text classes
        if all(str(value) in names for value in values):
            return f"model.score(X, np.asarray({y}).astype(str))"
        whole = all(float(value).is_integer() and 0 <= value < len(classes) for value in values)
        return f"model.score(X, model.classes_[np.asarray({y}, dtype=int)])" if whole else ""
    if classes.dtype.kind == "b":  # astype(bool) reads every non-empty text, "False" too, as True
        return f"model.score(X, np.asarray({y}) == 'True')" if set(values) <= {"True", "False"} else ""
    try:
        converted = np.asarray(values).astype(classes.dtype)
    except (TypeError, ValueError):
        return ""
    if set(converted.tolist()) <= set(classes.tolist()):
        return f"model.score(X, np.asarray({y}).astype({classes.dtype.name!r}))"
    return ""


def check_score_labels(classes: np.ndarray, y: Any, from_set: bool = False) -> None:
    """Raise a :class:`DataError` when the labels ``y`` (n,) are text and the fitted ``classes`` numbers,
    or the reverse; ``from_set``: ``y`` are the labels of a ``SeriesSet`` (read from a file: text)."""
    values = np.asarray(y, dtype=object).ravel()
    fitted = np.asarray(classes, dtype=object).ravel()
    kind, fitted_kind = _kind(values), _kind(fitted)
    if kind is None or fitted_kind is None or kind == fitted_kind or not len(values):
        return
    shown = [value.item() if isinstance(value, np.generic) else value for value in np.unique(values)[:6]]
    given = "X (a SeriesSet) holds" if from_set else "y holds"
    line = _conversion(np.asarray(classes), values, kind, "X.labels" if from_set else "y")
    fix = f"give them as the fit's labels were: {line}" if line else "give the labels as the fit's were"
    raise DataError(
        f"{given} {kind} labels {shown} but the classifier was fitted on {fitted_kind} labels (classes_ "
        f"{fitted.tolist()[:10]}); text never equals a number ('1' is not 1): {fix}."
    )
