"""Recording weights for imbalanced classes: scikit-learn's ``class_weight`` and ``sample_weight``.

``class_weight`` is ``None`` (every class 1), ``"balanced"`` (``n / (n_classes * count of the
class)``, the counts weighted by ``sample_weight`` as ``LogisticRegression`` counts them) or
``{label: weight}`` (a class left out weighs 1; a label that is not in the training labels is an
error unless every training class has a weight, as scikit-learn's ``compute_class_weight`` has it,
so a cross-validation fold without a rare class fits). A recording's weight is its class's weight times
its ``sample_weight``. The weights come from :func:`sklearn.utils.class_weight.compute_class_weight`
and :func:`sklearn.utils.validation._check_sample_weight`; here they get the checks and messages a
user can act on (a label in ``class_weight`` that is not in the training labels, a negative or NaN
weight, a class whose recordings all weigh 0).
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np

from ssm_ts.errors import ConfigError, DataError

# CLI type of ClassificationTask's class_weight (labels are text there)
ClassWeight = Literal["balanced"] | dict[str, float] | None


def _given_labels(classes: Sequence[str], given: Sequence[Any] | None) -> dict[str, Any]:
    """Each of ``classes`` (text) -> the label as the user gives it (``given``, in the same order: ``0``
    for an integer label ``'0'``; a NumPy scalar as the Python value its repr shows), for messages whose
    suggested ``class_weight`` is pasted back: ``{'0': 2}`` weighs the label ``0`` in ``SSMClassifier``,
    but a scikit-learn estimator would refuse it."""
    given = classes if given is None else given
    return {str(c): _plain(label) for c, label in zip(classes, given, strict=True)}


def _plain(label: Any) -> Any:
    """``label`` with a NumPy scalar as its Python value (``np.int64(0)`` -> ``0``, shown as ``0``)."""
    return label.item() if isinstance(label, np.generic) else label


def check_class_weight_form(
    class_weight: Any, classes: Sequence[str] | None = None, given: Sequence[Any] | None = None
) -> None:
    """A :class:`ConfigError` naming the accepted forms for a ``class_weight`` that is not ``None``,
    ``"balanced"`` or a ``{label: weight}`` mapping. The type is checked before any comparison: an
    array compared with ``"balanced"`` is an array, whose truth value NumPy refuses. A list or array
    of weights gets the dict it may mean, by the position of ``classes`` (if known and as many), keyed
    by the labels as given (``given``, parallel to ``classes``; ``classes`` themselves by default)."""
    if class_weight is None or isinstance(class_weight, Mapping):
        return
    if isinstance(class_weight, str) and class_weight == "balanced":
        return
    hint = ""
    if isinstance(class_weight, (list, tuple, np.ndarray)):
        hint = "; a list or array has no labels: give each class's weight by its label"
        weights = np.asarray(class_weight, dtype=object).ravel().tolist()
        if classes is not None and len(weights) == len(classes):
            labels = _given_labels(classes, given).values()
            hint += f", e.g. {dict(zip(labels, weights, strict=True))!r}"
    raise ConfigError(
        f"class_weight must be None, 'balanced' or a {{label: weight}} dict, got {class_weight!r}{hint}"
    )


def check_class_weight(class_weight: Any, classes: Sequence[str], given: Sequence[Any] | None = None) -> None:
    """A clear error for a ``class_weight`` that is not ``None``, ``"balanced"`` or ``{label: weight}``
    with finite weights >= 0 and labels among ``classes`` (the training labels, as text), or a weight
    for each of ``classes`` (then other labels are passed over: a fold without them). ``given``: the
    labels as the user gives them, parallel to ``classes`` (``0`` for ``'0'``), which the messages
    show, so that the ``class_weight`` they suggest runs as pasted (``classes`` by default)."""
    check_class_weight_form(class_weight, classes, given)
    if not isinstance(class_weight, Mapping):
        return
    labels = _given_labels(classes, given)
    unknown = [_plain(key) for key in class_weight if str(key) not in set(classes)]
    unweighted = [c for c in classes if c not in {str(key) for key in class_weight}]
    if unknown and unweighted:  # as scikit-learn's compute_class_weight: a typo, or a fold without a class
        typos = {key: meant for key in unknown if (meant := _meant_class(key, unweighted)) is not None}
        said = "; ".join(
            f"{key!r} is most likely {labels[meant]!r} (labels are matched exactly)"
            for key, meant in typos.items()
        )
        raise DataError(
            f"class_weight names the class(es) {unknown} that are not in the training labels "
            f"{list(labels.values())}, and gives no weight to {[labels[c] for c in unweighted]}; give weights "
            "for labels of y (a class left out weighs 1)"
            + (f": {said}" if said else "")
            + ". In cross-validation a training fold may lack a rare class: give every class a weight "
            f"({_every_class_example(class_weight, labels, typos)}; labels a fold lacks are then passed over, "
            "as scikit-learn does), or use class_weight='balanced'."
        )
    for key, value in class_weight.items():
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float, np.number))
            or not (0 <= float(value) < math.inf)
        ):
            raise ConfigError(f"class_weight[{key!r}] must be a finite number >= 0, got {value!r}")


def _meant_class(key: Any, classes: Sequence[str]) -> str | None:
    """The class of ``classes`` a ``class_weight`` key that is no label most likely means (``'Fall'`` for
    ``'fall'``: the same but for case, or a close spelling), or ``None``."""
    by_lower = {c.lower(): c for c in classes}
    text = str(key).lower()
    close = [text] if text in by_lower else difflib.get_close_matches(text, list(by_lower), n=1, cutoff=0.75)
    return by_lower[close[0]] if close else None


def _every_class_example(
    class_weight: Mapping, labels: Mapping[str, Any], typos: Mapping | None = None
) -> str:
    """``class_weight`` with a weight for each class of ``labels`` (text -> the label as given; 1 where
    it has none), as the dict to pass, keyed by the labels as given (``{0: 1}`` for integer labels); a key
    of ``typos`` (``{'Fall': 'fall'}``) gives its weight to the class it means, not a key of its own (which
    would weigh the class 1 and pass the typo over). A key that is no label stays as written."""
    typos = typos or {}
    weights = {str(typos.get(_plain(key), key)): value for key, value in class_weight.items()}
    keys = {str(key): _plain(key) for key in class_weight}  # a key that is no label, as written
    full = {labels[c]: weights.get(c, 1) for c in labels}
    full.update({keys[text]: value for text, value in weights.items() if text not in labels})
    return f"class_weight={full!r}"


def check_sample_weight(sample_weight: Any, n: int) -> np.ndarray | None:
    """``sample_weight`` as a float64 array ``(n,)`` (``None`` stays ``None``), checked with
    scikit-learn's ``_check_sample_weight``: one finite weight >= 0 per recording, not all 0."""
    from sklearn.utils.validation import _check_sample_weight

    if sample_weight is None:
        return None
    try:
        return _check_sample_weight(sample_weight, np.empty(n), dtype=np.float64, ensure_non_negative=True)
    except ValueError as err:
        raise DataError(
            f"sample_weight: {err} Give one finite weight >= 0 per recording ({n} recordings), "
            "not all of them zero."
        ) from err


def class_weights(
    class_weight: Any,
    classes: Sequence[str],
    labels: np.ndarray,
    sample_weight: np.ndarray | None = None,
    given: Sequence[Any] | None = None,
) -> np.ndarray:
    """The weight ``(n_classes,)`` of each of ``classes`` (in that order) for training ``labels``
    ``(n,)`` (text, all among ``classes``), from ``compute_class_weight``. ``given``: the classes as
    the user gives them, for the messages (see :func:`check_class_weight`)."""
    from sklearn.utils.class_weight import compute_class_weight

    classes = [str(c) for c in classes]
    check_class_weight(class_weight, classes, given)
    index = {name: i for i, name in enumerate(classes)}
    targets = np.array([index[str(label)] for label in labels], dtype=np.int64)
    if isinstance(class_weight, Mapping):  # by class index: sklearn would read a label "1" as 1
        # a label not in y (every class of y weighed: checked above) weighs no recording
        class_weight = {
            index[str(key)]: float(value) for key, value in class_weight.items() if str(key) in index
        }
    elif class_weight == "balanced":
        absent = [classes[i] for i in range(len(classes)) if not (targets == i).any()]
        if absent:
            raise DataError(
                f"class_weight='balanced' needs recordings of every class in the training data; "
                f"{absent} have none. Use more data, a smaller val_fraction, or a {{label: weight}} dict."
            )
    return compute_class_weight(
        class_weight, classes=np.arange(len(classes)), y=targets, sample_weight=sample_weight
    ).astype(np.float64)


def recording_weights(
    class_weight: Any,
    classes: Sequence[str],
    labels: np.ndarray,
    sample_weight: np.ndarray | None = None,
    given: Sequence[Any] | None = None,
) -> np.ndarray:
    """Each recording's weight ``(n,)``: its class's weight times its ``sample_weight``. A class whose
    recordings all weigh 0 cannot be learnt: a :class:`DataError` naming it. ``given``: the classes as
    the user gives them (``0`` for ``'0'``), which the messages show (see :func:`check_class_weight`)."""
    index = {str(name): i for i, name in enumerate(classes)}
    targets = np.array([index[str(label)] for label in labels], dtype=np.int64)
    ones = np.ones(len(targets))
    # checked before the class weights: "balanced" divides by a class's weighted count
    _check_no_class_dropped(
        classes, targets, ones if sample_weight is None else sample_weight, "sample_weight"
    )
    weights = class_weights(class_weight, classes, labels, sample_weight, given)[targets]
    _check_no_class_dropped(classes, targets, weights, "class_weight")
    return weights * (ones if sample_weight is None else sample_weight)


def _check_no_class_dropped(
    classes: Sequence[str], targets: np.ndarray, weights: np.ndarray, by: str
) -> None:
    totals = np.bincount(targets, weights=weights, minlength=len(classes))
    dropped = [str(classes[i]) for i in np.flatnonzero(totals <= 0) if (targets == i).any()]
    if dropped:
        raise DataError(
            f"the class(es) {dropped} weigh 0 in total ({by}): the classifier cannot learn them. Give their "
            "recordings positive weights, or drop them from X and y."
        )
