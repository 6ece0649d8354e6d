"""Recordings and labels given to :class:`~ssm_ts.api.classifier.SSMClassifier`, checked.

``X`` in any of the forms the classifier takes (arrays, lists, a ``SeriesSet``, sktime frames)
becomes a checked :class:`~ssm_ts.pipelines.sensor.SeriesSet`; inputs that are not recordings, NaN
under ``nan_policy="error"`` and labels that cannot be classes are a :class:`~ssm_ts.errors.DataError`
naming the fix. At predict, channels are matched to the fitted ones (by name or by position).
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.exceptions import DataConversionWarning
from sklearn.utils.multiclass import check_classification_targets

from ssm_ts.api.classifier_frames import (
    check_column_levels,
    check_long_frame,
    check_wide_frame,
    warn_of_label_columns,
)
from ssm_ts.errors import DataError
from ssm_ts.user_stack_level import user_stack_level

_READ_FIRST = (
    "read the file first, e.g. data = ssm_ts.pipelines.sensor.read_series(path) (or read_ts, read_arff, "
    "read_csv_long, read_numpy; one recording's CSV, a row per time step: read_csv_recording(path)), then "
    "pass data itself (fit(data) takes its labels as y and keeps its sampling step) or data.values (and "
    "data.labels as y)"
)


def _check_input_kind(X: Any) -> None:
    """Inputs that are not recordings at all get a message naming them: a file path (iterated
    character by character it was 'values are not numeric ... 'B'')."""
    if isinstance(X, (str, bytes, os.PathLike)):
        raise DataError(f"X is a file path ({X!r}), not recordings; {_READ_FIRST}.")
    if isinstance(X, Sequence) and len(X) and all(isinstance(x, (str, bytes, os.PathLike)) for x in X):
        raise DataError(f"X holds text or file paths ({X[0]!r}, ...), not recordings; {_READ_FIRST}.")


FIT_NAN_FIX = "choose nan_policy='interpolate' (linear in time) or 'zero', or clean the data"
# nan_policy is read at every call: a fitted model takes another one without a refit
PREDICT_NAN_FIX = (
    "set nan_policy on the fitted model, model.set_params(nan_policy='interpolate') (linear in time) or "
    "'zero' (no refit needed), or clean the data"
)


def _gap_fix(nan_fix: str) -> str:
    """How to fill a frame's gaps: at fit the estimator's setting, at predict the fitted model's."""
    if nan_fix == PREDICT_NAN_FIX:
        return "set nan_policy on the fitted model, model.set_params(nan_policy='interpolate') (or 'zero')"
    return "fit with SSMClassifier(nan_policy='interpolate') (or 'zero')"


def as_recordings(X: Any, nan_policy: str = "error", nan_fix: str = FIT_NAN_FIX):
    """A checked :class:`SeriesSet` from ``(n, channels, length)``, ``(n, length)``, a list, a
    ``SeriesSet`` a reader returned (its source, ids, sampling step and channel names are kept), a
    ``nested_univ`` or ``pd-multiindex`` DataFrame or a ``df-list`` (a list of DataFrames, each
    ``(time points, channels)``) (their columns name the channels). ``nan_fix``: what
    the error for NaN under ``nan_policy="error"`` tells the caller to do."""
    from ssm_ts.pipelines.sensor import SeriesSet, make_series_set
    from ssm_ts.pipelines.sensor.nested import (
        is_frame_list,
        is_multiindex_frame,
        is_nested_frame,
        read_frame_list,
        read_multiindex_frame,
        read_nested_frame,
    )

    if isinstance(X, SeriesSet):
        return make_series_set(
            X.values,
            nan_policy=nan_policy,
            nan_fix=nan_fix,
            source=X.source,
            ids=X.ids,
            sampling_step=X.sampling_step,
            channel_names=X.channel_names,
        )
    _check_input_kind(X)
    # sktime's pd-multiindex (rows (recording, time point), a column per channel), nested_univ (a
    # series per cell) or df-list (a DataFrame per recording, (time points, channels)); their time
    # points give the sampling step, as a CSV's time column does
    read = None
    if is_multiindex_frame(X):
        read = read_multiindex_frame
    elif is_nested_frame(X):
        read = read_nested_frame
    elif is_frame_list(X):
        read = read_frame_list
    if read is not None:
        frame = read(X, nan_policy=nan_policy, gap_fix=_gap_fix(nan_fix))
        return make_series_set(
            frame.values,
            nan_policy=nan_policy,
            source="X",
            ids=frame.ids,
            sampling_step=frame.step,
            channel_names=frame.names,
            nan_fix=nan_fix,
        )
    if hasattr(X, "to_numpy") and not isinstance(X, np.ndarray):
        check_column_levels(X)  # (channel, time point) columns: stacked, it is pd-multiindex
        check_long_frame(X)  # a row per recording and time step: indexed, it is pd-multiindex
        check_wide_frame(X)  # a text id column, named
        X = _frame_values(X)
    elif _is_tensor(X):  # on a GPU, requiring grad or in bfloat16, np.asarray refuses it
        X = X.detach().cpu().double().numpy()
    elif hasattr(X, "__array__") and not isinstance(X, (np.ndarray, Sequence)):
        X = np.asarray(X)
    if isinstance(X, np.ndarray) and X.dtype.kind in "OUS" and X.dtype != object:
        raise DataError(f"X holds {X.dtype} values; recordings must be numbers.")
    if isinstance(X, np.ndarray) and np.iscomplexobj(X):
        raise DataError("Complex data not supported: X holds complex numbers; recordings must be real.")
    if isinstance(X, np.ndarray) and X.dtype != object and X.ndim == 1:
        raise DataError(
            f"X has shape {X.shape}: Reshape your data, X[None, :] for one recording or X[:, None] "
            "for recordings of one step (an array (n, channels, length) or (n, length) is expected)."
        )
    if (
        nan_policy == "error"
        and isinstance(X, np.ndarray)
        and X.dtype != object
        and not np.isfinite(X).all()
        and not _nan_padded(X)  # named per recording, with the list fix, by make_series_set
    ):
        first = tuple(int(i) for i in np.argwhere(~np.isfinite(X))[0])
        raise DataError(
            f"X holds {int((~np.isfinite(X)).sum())} NaN or inf values (first at index {first}); {nan_fix}."
        )
    if isinstance(X, np.ndarray) and X.dtype != object and X.ndim >= 2 and X.shape[-1] == 0:
        raise DataError(
            f"X has 0 feature(s) (shape={X.shape}) while a minimum of 1 is required: every recording needs "
            "at least one time step."
        )
    if not isinstance(X, (np.ndarray, Sequence)):
        raise DataError(
            f"X must be an array (n, channels, length) or a list of (channels, length) arrays, got {type(X)}"
        )
    return make_series_set(X, nan_policy=nan_policy, source="X", nan_fix=nan_fix)


def _is_tensor(X: Any) -> bool:
    """A torch tensor of real numbers (complex ones get the complex-data error)."""
    import torch

    return isinstance(X, torch.Tensor) and not X.is_complex()


def array_shape(X: Any) -> tuple[int, ...] | None:
    """The shape of ``X`` when it is an array of numbers (NumPy, a tensor, a wide DataFrame of numeric
    columns), whose axes a transposed layout swaps; ``None`` for lists, nested frames and the like."""
    import pandas as pd

    if isinstance(X, pd.DataFrame):
        numeric = all(pd.api.types.is_numeric_dtype(kind) for kind in X.dtypes)
        return X.shape if numeric and not isinstance(X.index, pd.MultiIndex) else None
    if (isinstance(X, np.ndarray) and X.dtype != object) or _is_tensor(X):
        return tuple(X.shape)
    return None


def check_array_label_count(X: Any, y: Any, n_channels: int, sample_weight: Any = None) -> None:
    """For ``score``, before predicting: as many labels ``y`` (``(n,)`` or a column ``(n, 1)``) and
    weights ``sample_weight`` as ``X`` (an array or a wide DataFrame ``(n, ...)``, a list of recordings,
    a ``SeriesSet``) has recordings, else a :class:`DataError` naming both and, when another axis of an
    array ``X`` is as long as ``y``, the transpose (scikit-learn's "inconsistent numbers of samples"
    came after predicting every recording). An array whose channels are not the fitted
    ``n_channels`` (one recording ``(channels, length)``: predict names its fix) and frames of other
    layouts (nested, multi-index) are left to predict and scikit-learn."""
    from ssm_ts.pipelines.sensor import SeriesSet
    from ssm_ts.pipelines.sensor.series import check_label_count

    shape, labels = array_shape(X), np.asarray(y)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.ndim != 1:
        return
    if shape is not None and len(shape) in (2, 3):
        if (shape[1] if len(shape) == 3 else 1) != n_channels:
            return
        n = shape[0]
        check_label_count(len(labels), n, "X/y", shape, torch=_is_tensor(X))
    elif isinstance(X, (list, tuple, SeriesSet)):
        n = len(X)
        check_label_count(len(labels), n, "X/y")
    else:
        return
    weights = np.asarray(sample_weight) if sample_weight is not None else None
    if weights is not None and weights.ndim == 1 and len(weights) != n:
        raise DataError(
            f"sample_weight: {len(weights)} weights for {n} recordings; give one weight per recording."
        )


def _frame_values(X: Any) -> np.ndarray:
    """A wide DataFrame's (or a Series') values; numeric columns as float64 with ``pd.NA`` as NaN: nullable
    and pyarrow columns (``Float64``, ``Int64``, ``double[pyarrow]``) gave an object array, and their
    missing values "are not numeric (NAType)" instead of missing values for ``nan_policy``."""
    import pandas as pd

    kinds = X.dtypes if isinstance(X, pd.DataFrame) else [getattr(X, "dtype", None)]
    numeric = all(
        kind is not None and pd.api.types.is_numeric_dtype(kind) and not pd.api.types.is_bool_dtype(kind)
        for kind in kinds
    )
    if numeric and isinstance(X, (pd.DataFrame, pd.Series)):
        return X.to_numpy(dtype=np.float64, na_value=np.nan)
    return X.to_numpy()


def check_one_label_kind(y: np.ndarray) -> None:
    """Labels that cannot be sorted together (numbers and text in one object ``y``, as a spreadsheet
    column gives them) are a DataError naming the kinds, not numpy's TypeError from ``np.unique``."""
    if y.dtype != object:
        return
    import pandas as pd

    missing = [i for i, v in enumerate(y.ravel()) if np.ndim(v) == 0 and pd.isna(v)]
    if missing:  # None or pd.NA among text labels: missing, not another kind of label
        raise DataError(
            f"y: recordings {missing[:10]} have no label ({y.ravel()[missing[0]]!r}); label them or remove "
            "them from X and y."
        )
    kinds = sorted({"str" if isinstance(v, str) else type(v).__name__ for v in y.ravel()})
    try:
        np.unique(y)
    except TypeError as err:
        raise DataError(
            f"y mixes labels of different kinds ({', '.join(kinds)}), which cannot be ordered as classes; "
            "give labels of one kind: y.astype(str) (1 and '1' become one class) or numbers throughout."
        ) from err


def _nan_padded(X: np.ndarray) -> bool:
    """A 3-D array whose only NaN are recordings' trailing steps, NaN in every channel (padding)."""
    from ssm_ts.pipelines.sensor.series import padding_steps

    return X.ndim == 3 and not np.isinf(X).any() and any(padding_steps(x) for x in X)


SEARCH_NEEDS_Y = (
    "GridSearchCV, cross_val_score and scikit-learn's other cross-validation need the labels as y, "
    "search.fit(data, data.labels) or cross_val_score(model, data, data.labels), even for a SeriesSet that "
    "holds them: given no y, scikit-learn splits the recordings in file order (KFold), not stratified by "
    "class, so a file sorted by class (as the UEA archives are) puts whole classes in a test fold"
)
# scikit-learn's functions that fit one fold of a cross-validation (GridSearchCV, cross_val_score,
# cross_validate, cross_val_predict, learning_curve, validation_curve): all in one module
_FOLD_FITTERS = ("_fit_and_score", "_fit_and_predict")
_FOLD_MODULE = "sklearn.model_selection._validation"


def in_cross_validation() -> bool:
    """Whether the caller runs inside scikit-learn's cross-validation, fitting or scoring one fold.

    No argument tells a fold from a user's own ``fit(data)``: both get ``y=None`` and a ``SeriesSet``.
    The frames on the stack do (in a joblib worker too): scikit-learn's per-fold function is one of them.
    """
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_name in _FOLD_FITTERS and frame.f_globals.get("__name__") == _FOLD_MODULE:
            return True
        frame = frame.f_back
    return False


def given_labels(X: Any, y: Any, method: str) -> Any:
    """``y``, or when it is ``None`` the labels of a labelled ``SeriesSet`` ``X``: the rule of ``fit`` and
    ``score`` (``method``, for the messages). A :class:`~ssm_ts.errors.DataError` when there are no
    labels, or when scikit-learn's cross-validation gave no ``y``: it split ``X`` without the labels
    (not stratified), so its scores would be those of folds that may miss whole classes."""
    from ssm_ts.pipelines.sensor import SeriesSet

    _check_input_kind(X)  # a file path: read it first (not "y is None", which reading would give)
    if y is not None:
        return y
    if isinstance(X, SeriesSet):
        if X.labels is None:
            raise DataError(f"{X.source}: the recordings have no labels; pass them as {method}(X, y).")
        if in_cross_validation():
            raise DataError(f"{SEARCH_NEEDS_Y}.")
        return X.labels
    if method == "score":
        raise DataError(
            "score(X, y) needs the true labels y of X, one per recording: model.score(X, y) (a SeriesSet "
            "that holds its labels may come without y)."
        )
    raise DataError(
        "SSMClassifier requires y to be passed, but the target y is None; give one label per recording "
        f"({SEARCH_NEEDS_Y})."
    )


def labelled_recordings(
    X: Any, y: Any, sample_weight: Any, nan_policy: str, class_weight: str | dict | None
) -> tuple[Any, np.ndarray, np.ndarray, list[str], np.ndarray]:
    """The training recordings of ``fit``, checked, with their labels as text and their weights.

    Returns ``(data, y, classes, class_names, weights)``: ``data`` the labelled ``SeriesSet``,
    ``y`` the labels ``(n,)`` as given (a column vector ravelled), ``classes`` their sorted distinct
    values, ``class_names`` those as text, ``weights`` ``(n,)`` each recording's class weight x
    sample weight. Called by ``SSMClassifier.fit`` (its warnings name the caller of ``fit``).
    """
    from ssm_ts.pipelines.sensor import make_series_set, require_labels, warn_if_transposed
    from ssm_ts.pipelines.sensor.series import check_label_count
    from ssm_ts.pipelines.sensor.weights import check_sample_weight, recording_weights

    y = given_labels(X, y, "fit")
    data = as_recordings(X, nan_policy)
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        warnings.warn(
            "A column-vector y was passed when a 1d array was expected; pass labels as (n,).",
            DataConversionWarning,
            stacklevel=user_stack_level(),
        )
        y = y.ravel()
    check_one_label_kind(y)
    warn_of_label_columns(X, y, stacklevel=None)  # df["label"] left in X: the answer read as a time step
    if y.dtype.kind == "f" and np.isnan(y).any():  # scikit-learn's "Input y contains NaN" names none
        rows = np.flatnonzero(np.isnan(y))
        raise DataError(
            f"y: recordings {rows[:10].tolist()} have no label (NaN); label them or remove them from X and y "
            "(keep = ~np.isnan(y); fit(X[keep], y[keep]))."
        )
    try:
        check_classification_targets(y)  # rejects continuous targets with sklearn's message
    except ValueError as err:
        raise DataError(
            f"y: {str(err).rstrip('.')}. Give one class label per recording (text or integers)."
        ) from err
    if y.ndim == 1:  # before the recordings' count is checked: y of 50 for X (150, 50) is X transposed
        check_label_count(len(y), len(data), "X/y", array_shape(X), torch=_is_tensor(X))
    if len(data) < 2:
        raise DataError(
            f"X has n_samples={len(data)}; training needs at least two recordings of two classes."
        )
    data = make_series_set(
        data.values,
        y,
        nan_policy=nan_policy,
        source="X/y",
        sampling_step=data.sampling_step,
        channel_names=data.channel_names,
    )
    require_labels(data)
    warn_if_transposed(data.values, "X", stacklevel=None)  # (n, length, channels) trains silently otherwise
    classes = np.unique(y)
    class_names = [str(c) for c in classes]
    if len(set(class_names)) != len(class_names):
        raise DataError(f"labels {list(classes)} are not distinct as text; use distinct labels.")
    data.labels = np.array([str(label) for label in y])
    data.weights = check_sample_weight(sample_weight, len(data))
    # the checks (a class_weight label not in y, a class weighing 0) before anything is fitted
    weights = recording_weights(class_weight, class_names, data.labels, data.weights, given=classes)
    return data, y, classes, class_names, weights


def matched_channels(classifier: Any, data, X: Any = None):
    """``data``'s channels in the fitted order of ``classifier`` (an ``SSMClassifier``): by name when both
    name them; by position otherwise, with scikit-learn's warning when only one of them has names.
    ``X``: the recordings as the user gave them, for the fix's line (a list of DataFrames, a DataFrame).
    Called by ``SSMClassifier._checked`` (its warnings name the caller of ``predict`` and the like)."""
    from ssm_ts.api.classifier_channel_fix import channel_fix
    from ssm_ts.pipelines.sensor import match_channels

    fitted = getattr(classifier, "feature_names_in_", None)  # None: unnamed fit, or pickled before names
    name = type(classifier).__name__
    one_channel = data.n_channels == 1 == getattr(classifier, "n_features_in_", 0)  # no order to get wrong
    if fitted is not None and data.channel_names is None and not one_channel:
        warnings.warn(
            f"X does not have valid feature names, but {name} was fitted with feature names; its "
            f"channels are taken in the fitted order {list(fitted)}.",
            UserWarning,
            stacklevel=user_stack_level(),  # the user's predict (or a search's)
        )
    elif fitted is None and data.channel_names is not None and not one_channel:
        warnings.warn(
            f"X has feature names, but {name} was fitted without feature names; its channels "
            f"{data.channel_names} are taken by position.",
            UserWarning,
            stacklevel=user_stack_level(),  # the user's predict (or a search's)
        )
    if fitted is None:
        return data
    fix = "" if data.channel_names is None else channel_fix(data.channel_names, list(fitted), X)
    return match_channels(data, list(fitted), fix)


# a SeriesSet has no .transpose: its recordings are transposed one by one, all else kept (the channel
# names, if any, counted the steps)
_SERIES_SET_TRANSPOSED = (
    "pass X with its recordings transposed: import dataclasses; "
    "X = dataclasses.replace(X, values=[x.T for x in X.values], channel_names=None)"
)


def transposed_input_hint(X: Any, data, expected_channels: int) -> str:
    """For predict's channel-count error: when every recording of ``data`` (the checked ``SeriesSet``
    of ``X``) has ``expected_channels`` steps, the sentence naming the transpose, with a line that runs
    on the ``X`` given (a ``SeriesSet`` has no ``transpose``: its recordings are transposed, and one
    read from a ``.npy``/``.npz`` file may instead be saved again transposed and read again); else ``""``."""
    from ssm_ts.pipelines.sensor import SeriesSet, transposed_hint
    from ssm_ts.pipelines.sensor.layout import PASS_TRANSPOSED, transpose_fix

    if not isinstance(X, SeriesSet):
        return transposed_hint(data.lengths, expected_channels)
    fix = _SERIES_SET_TRANSPOSED
    saved = transpose_fix(X.source)
    if saved != PASS_TRANSPOSED:  # read from a .npy/.npz file: it can be fixed for good
        fix += f" (or {saved}, then read it again)"
    return transposed_hint(data.lengths, expected_channels, fix=fix)
