"""``SSMClassifier``: a scikit-learn estimator over S4ND encoders for multichannel recordings.

``X`` is an array ``(n, channels, length)``, a 2-D array ``(n, length)`` (one channel), a list of
``(channels, length_i)`` arrays of unequal length, the ``SeriesSet`` a reader returns, an
sktime/aeon ``nested_univ`` DataFrame (a column per channel, each cell a whole series) or an
sktime ``pd-multiindex`` DataFrame (rows indexed by (recording, time point), a column per channel).
The last three name their channels (a CSV's columns, the frame's columns): fitted on them, the
classifier keeps the names as ``feature_names_in_`` and matches the channels of new recordings by
name, as scikit-learn matches a DataFrame's columns (unnamed inputs are matched by position). It
works in ``Pipeline`` and ``GridSearchCV``, pickles (with ``pickle`` or ``joblib``) as CPU tensors
plus plain settings, so a model fitted on a GPU loads on a machine without one.

scikit-learn's estimator checks (``sklearn.utils.estimator_checks``) run on both methods in
``tests/api/test_classifier_estimator_checks.py``. A 2-D ``X`` ``(n, length)`` is read as ``n``
one-channel recordings, so the checks' feature tables are recordings of ``length`` steps. The
checks that fail, and why (:data:`ESTIMATOR_CHECK_EXCEPTIONS` holds the same list for the test):

- ``check_n_features_in``, ``check_n_features_in_after_fitting``: ``n_features_in_`` counts
  *channels*, not time steps, and is checked in ``predict``; the number of time steps is free
  (recordings of unequal length, other sample rates), so it is not a fitted constant.
- ``check_classifiers_train``: it requires an error when ``predict`` gets a different number of
  columns, which for recordings is a different length and allowed. With the encoder's one-epoch
  test settings it also misses the check's accuracy threshold on its tiny random table.
- ``check_dtype_object``: a non-number in an object array raises :class:`~ssm_ts.errors.DataError`
  (a ``ValueError`` naming the recording), where the check wants a ``TypeError``.
- ``check_methods_subset_invariance`` (encoder only): equal only to float32 round-off (~1e-7),
  because batches of different sizes go through different matrix-multiply blockings (it passes or
  fails by chance at the check's 1e-7 tolerance).
- ``check_sample_weight_equivalence_on_dense_data``: an integer weight is not the same fit as that
  many copies of the recording. Random features: weight 0 is exactly leaving the recording out, and
  a threshold comes from a recording with probability proportional to its weight (tested), but the
  recordings are drawn by position (the check shuffles the weighted set: another draw), the weights
  are scaled to mean 1 (copies add to the count), the channel scaler counts each recording of
  weight > 0 once, and copies leave their twins in the leave-one-out errors that choose the ridge
  penalty (on the check's data: 1000 weighted, 0.46 repeated). The encoder's batches and epochs
  hold other recordings. The ridge fit itself is weighted exactly as scikit-learn's (tested
  against ``RidgeClassifierCV``).
"""

from __future__ import annotations

import os
import tempfile
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import DataConversionWarning
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from ssm_ts.errors import ConfigError, DataError
from ssm_ts.tracking.resume_settings import builtin_value

_READ_FIRST = (
    "read the file first, e.g. data = ssm_ts.pipelines.sensor.read_series(path) (or read_ts, read_arff, "
    "read_csv_long, read_numpy), then pass data itself (fit(data) takes its labels as y and keeps its "
    "sampling step) or data.values (and data.labels as y)"
)


def _check_input_kind(X: Any) -> None:
    """Inputs that are not recordings at all get a message naming them: a file path (iterated
    character by character it was 'values are not numeric ... 'B'')."""
    if isinstance(X, (str, bytes, os.PathLike)):
        raise DataError(f"X is a file path ({X!r}), not recordings; {_READ_FIRST}.")
    if isinstance(X, Sequence) and len(X) and all(isinstance(x, (str, bytes, os.PathLike)) for x in X):
        raise DataError(f"X holds text or file paths ({X[0]!r}, ...), not recordings; {_READ_FIRST}.")


_FIT_NAN_FIX = "choose nan_policy='interpolate' (linear in time) or 'zero', or clean the data"
# nan_policy is read at every call: a fitted model takes another one without a refit
_PREDICT_NAN_FIX = (
    "set nan_policy on the fitted model, model.set_params(nan_policy='interpolate') (linear in time) or "
    "'zero' (no refit needed), or clean the data"
)


def as_recordings(X: Any, nan_policy: str = "error", nan_fix: str = _FIT_NAN_FIX):
    """A checked :class:`SeriesSet` from ``(n, channels, length)``, ``(n, length)``, a list, a
    ``SeriesSet`` a reader returned (its source, ids, sampling step and channel names are kept), or a
    ``nested_univ`` or ``pd-multiindex`` DataFrame (its columns name the channels). ``nan_fix``: what
    the error for NaN under ``nan_policy="error"`` tells the caller to do."""
    from ssm_ts.pipelines.sensor import SeriesSet, make_series_set
    from ssm_ts.pipelines.sensor.nested import (
        is_multiindex_frame,
        is_nested_frame,
        multiindex_frame_recordings,
        nested_frame_recordings,
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
    if is_multiindex_frame(X):  # sktime's pd-multiindex: rows (recording, time point), a column per channel
        values, names, ids = multiindex_frame_recordings(X)
        return make_series_set(
            values, nan_policy=nan_policy, source="X", ids=ids, channel_names=names, nan_fix=nan_fix
        )
    if is_nested_frame(X):
        values, names = nested_frame_recordings(X)
        ids = [str(i) for i in X.index]
        return make_series_set(
            values, nan_policy=nan_policy, source="X", ids=ids, channel_names=names, nan_fix=nan_fix
        )
    if hasattr(X, "to_numpy") and not isinstance(X, np.ndarray):
        X = X.to_numpy()
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


def _check_one_label_kind(y: np.ndarray) -> None:
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


METHODS = ("encoder", "random_features")


def fit_seed(random_state: Any) -> int:
    """An int seed from ``random_state``: an int is used as it is (the CLI's ``seed`` gives the same
    fit); ``None`` or a ``RandomState`` draws one, as scikit-learn estimators do."""
    from sklearn.utils import check_random_state

    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        return int(random_state)
    try:
        return int(check_random_state(random_state).randint(2**31))
    except ValueError as err:
        raise ConfigError(
            f"random_state must be an int, None or a numpy.random.RandomState, got {random_state!r}"
        ) from err


_CHANNELS_NOT_LENGTH = "n_features_in_ counts channels; the number of time steps may differ at predict"
ESTIMATOR_CHECK_EXCEPTIONS: dict[str, dict[str, str]] = {
    "random_features": {
        "check_n_features_in": _CHANNELS_NOT_LENGTH,
        "check_n_features_in_after_fitting": _CHANNELS_NOT_LENGTH,
        "check_classifiers_train": _CHANNELS_NOT_LENGTH,
        "check_dtype_object": "a non-number raises DataError (a ValueError naming the recording), not TypeError",
        "check_sample_weight_equivalence_on_dense_data": (
            "weight 0 is leaving the recording out, but threshold recordings are drawn by position (the "
            "check shuffles), weights are relative (scaled to mean 1) and copies leave their twins in the "
            "leave-one-out choice of the ridge penalty"
        ),
    },
}
ESTIMATOR_CHECK_EXCEPTIONS["encoder"] = {
    **ESTIMATOR_CHECK_EXCEPTIONS["random_features"],
    "check_classifiers_train": _CHANNELS_NOT_LENGTH + "; and one test epoch misses the accuracy threshold",
    "check_methods_subset_invariance": "equal to float32 round-off only (batch-size dependent matmul blocking)",
    "check_sample_weight_equivalence_on_dense_data": (
        "stochastic training: copies of a recording change the batches and the steps per epoch"
    ),
}


class SSMClassifier(ClassifierMixin, BaseEstimator):
    """S4ND sequence classifier with the scikit-learn interface.

    Two methods share the input checks, the channel scaler and the interface:

    - ``"encoder"`` (default): a trained S4ND encoder (:mod:`ssm_ts.models.s4nd`); the model to
      use with thousands of recordings, on a GPU, or to export as a Lightning checkpoint.
    - ``"random_features"``: ROCKET-style: ``n_kernels`` fixed random S4D kernels
      (:class:`~ssm_ts.models.random_ssm_features.RandomSSMFeatures`), two features each (PPV and
      max), standardised, then a ridge classifier whose penalty is chosen by efficient leave-one-out
      (as ``RidgeClassifierCV``, computed in blocks: :mod:`ssm_ts.models.ridge_loo`). Nothing in the
      SSMs is trained, so it does not overfit tiny training sets (tens of recordings) and fits in
      seconds on a CPU; ``predict_proba`` is a softmax of the ridge decision values (ridge has no
      calibrated probabilities). The encoder settings
      (``model`` to ``accelerator``) are ignored by it, except ``nan_policy`` and ``random_state``.
      The CLI counterpart is ``model: random_features`` in ``ssm-ts classify`` (same fit, same
      predictions for the same seed and training recordings).

    Recordings sampled at another rate than the training ones: ``predict(X, rate=r)`` (also
    ``predict_proba``, ``decision_function``) with ``r`` = training rate / their rate scales the
    SSM steps: the encoder's, or the random S4D kernels' (whose shift kernels space their taps
    ``dilation / r`` steps apart, see :mod:`~ssm_ts.models.random_ssm_features`).

    ``X`` may be the :class:`~ssm_ts.pipelines.sensor.SeriesSet` a reader returns (``fit(data)``
    takes ``data.labels`` as ``y``). Read from files with times (a CSV time column, ``.ts``
    ``@timeStamps``) it carries their sampling step: ``fit`` keeps it as ``sampling_step_``, and
    ``predict`` of recordings sampled at another step warns (:class:`~ssm_ts.pipelines.sensor.
    SamplingStepWarning`) naming both steps and the rate to pass, unless ``rate`` matches them.

    Args:
        model: ``"s4d1d"`` (bidirectional S4D blocks over time) or ``"s4nd2d"`` (2-D S4ND, channels x time).
        d_model, n_layers, d_state, dropout: encoder size.
        lr, weight_decay: AdamW (SSM parameters: own group, no decay).
        max_epochs: training epochs; batch_size: recordings per step.
        val_fraction: stratified share of ``X`` held out to pick the best epoch (0: train on all,
            keep the last epoch).
        nan_policy: ``"error"``, ``"interpolate"`` or ``"zero"`` for missing values.
        random_state: seed for initialisation, split and shuffling: an int, ``None`` (fresh
            randomness) or a ``numpy.random.RandomState`` (draws the seed), as in scikit-learn.
        accelerator: Lightning accelerator (``"cpu"``, ``"gpu"``, ``"auto"``).
        method: ``"encoder"`` or ``"random_features"`` (see above).
        n_kernels: random kernels of ``"random_features"`` (``2 n_kernels`` features).
        shift_fraction: share of those kernels that are shift SSMs (ROCKET's dilated FIR filters)
            instead of S4D kernels; a hyperparameter to choose by cross-validation within the
            training data (``GridSearchCV``): on the UCR/UEA benchmark sets it helps some and hurts others.
        memory_budget_mb: peak working memory (MiB) of the random-feature transform's blocks; any
            value gives the same features (it sets how many recordings and kernels go per block).
        max_batch_steps: for very long recordings (encoder): training batches of recordings of similar
            length with at most this many ``recordings x padded length`` steps (and at most
            ``batch_size`` recordings); e.g. 400000 for 4 recordings of 100,000 steps. Training takes
            about 8 KiB per such step with the default encoder. ``None``: ``batch_size`` recordings.
        class_weight: for imbalanced classes (rare falls among walking): ``None`` (all 1),
            ``"balanced"`` (``n / (n_classes * count of the class)``, counts weighted by
            ``sample_weight``; on balanced data all 1) or ``{label: weight}`` (a class left out weighs
            1; a label that is not in ``y`` is an error), as in scikit-learn. A recording's weight is
            its class's weight times its ``sample_weight`` (``fit``). The encoder minimises the
            weighted mean cross-entropy ``sum(w_i loss_i) / sum(w_i)``, and its validation loss
            (``val_fraction``), which picks the best epoch, is weighted the same way, so the model
            chosen is the best one for the weighted objective. Random features weigh each recording in
            the feature standardisation, the ridge fit and the leave-one-out error that chooses the
            ridge penalty. For ``"balanced"`` the encoder counts the classes of its training split
            (the recordings left after ``val_fraction``). Score such a model with balanced accuracy
            or macro F1 (``sklearn.metrics.balanced_accuracy_score``): accuracy rewards predicting
            the common class.

    Channels by name: fitted on named channels (a ``SeriesSet`` from a CSV reader, a nested DataFrame),
    the classifier keeps them as ``feature_names_in_``; recordings given with names are reordered to
    them (a CSV whose columns come as ``gyro, acc`` is read as the ``acc, gyro`` it was fitted on), and
    a missing or unknown channel is a :class:`~ssm_ts.errors.DataError` naming both. Recordings without
    names (arrays) are taken in the fitted order, with scikit-learn's warning "X does not have valid
    feature names"; named recordings given to a classifier fitted without names warn the other way
    (scikit-learn's "X has feature names") and are taken by position.

    Attributes (after ``fit``): ``classes_`` (sorted labels), ``n_features_in_`` (channels),
    ``feature_names_in_`` (the channel names, an object array; only when fitted on named channels),
    ``sampling_step_`` (the training recordings' step, ``None`` without times), and ``task_``
    (the fitted :class:`~ssm_ts.tasks.classification.ClassificationTask`) for the encoder,
    or ``features_``, ``scaler_`` and ``ridge_`` for random features.
    """

    def __init__(
        self,
        model: str = "s4d1d",
        d_model: int = 64,
        n_layers: int = 3,
        d_state: int = 64,
        dropout: float = 0.1,
        lr: float = 3e-3,
        weight_decay: float = 0.01,
        max_epochs: int = 30,
        batch_size: int = 16,
        val_fraction: float = 0.0,
        nan_policy: str = "error",
        random_state: int | np.random.RandomState | None = 0,
        accelerator: str = "cpu",
        method: str = "encoder",
        n_kernels: int = 4000,
        shift_fraction: float = 0.0,
        memory_budget_mb: float = 64.0,
        max_batch_steps: int | None = None,
        class_weight: str | dict | None = None,
    ):
        self.model = model
        self.d_model = d_model
        self.n_layers = n_layers
        self.d_state = d_state
        self.dropout = dropout
        self.lr = lr
        self.weight_decay = weight_decay
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.val_fraction = val_fraction
        self.nan_policy = nan_policy
        self.random_state = random_state
        self.accelerator = accelerator
        self.method = method
        self.n_kernels = n_kernels
        self.shift_fraction = shift_fraction
        self.memory_budget_mb = memory_budget_mb
        self.max_batch_steps = max_batch_steps
        self.class_weight = class_weight

    def _task_settings(
        self, n_channels: int, classes: list[str], channel_names: list[str] | None = None
    ) -> dict[str, Any]:
        # NumPy numbers as plain values: the task's checkpoints keep them and must load safely
        return builtin_value(
            {
                "model": self.model,
                "n_channels": n_channels,
                "classes": classes,
                "model_options": {
                    "d_model": self.d_model,
                    "n_layers": self.n_layers,
                    "d_state": self.d_state,
                    "dropout": self.dropout,
                },
                "lr": self.lr,
                "weight_decay": self.weight_decay,
                # labels as text, as the task's classes (checked against y in fit)
                "class_weight": (
                    {str(k): float(v) for k, v in self.class_weight.items()}
                    if isinstance(self.class_weight, Mapping)
                    else self.class_weight
                ),
                "channel_names": channel_names,
            }
        )

    def fit(self, X: Any, y: Any = None, sample_weight: Any = None) -> SSMClassifier:
        """Train on recordings ``X`` with labels ``y`` (n,); ``X`` a ``SeriesSet`` brings its own labels
        (when ``y`` is not given) and sampling step. ``sample_weight`` ``(n,)``: a weight >= 0 per
        recording (``None``: all 1), multiplied by its class's ``class_weight``; weights are relative
        (2 on every recording fits what ``None`` fits)."""
        import lightning.pytorch as pl

        from ssm_ts.pipelines.sensor import (
            LayoutWarning,
            SensorDataModule,
            SeriesSet,
            make_series_set,
            require_labels,
            warn_if_transposed,
        )
        from ssm_ts.pipelines.sensor.weights import check_sample_weight, recording_weights
        from ssm_ts.tasks.classification import ClassificationTask
        from ssm_ts.training import build_trainer, check_learning_rate

        if self.method not in METHODS:
            raise ConfigError(f"unknown method {self.method!r}; expected one of {METHODS}")
        if self.method == "encoder" and self.max_epochs < 1:
            raise ConfigError(f"max_epochs must be at least 1, got {self.max_epochs}")
        if self.method == "encoder":  # named as this estimator's setting, not the task's CLI option
            check_learning_rate(self.lr, default_from=type(self))
        if y is None and isinstance(X, SeriesSet):
            y = X.labels
            if y is None:
                raise DataError(f"{X.source}: the recordings have no labels; pass them as fit(X, y).")
        if y is None:
            raise DataError(
                "SSMClassifier requires y to be passed, but the target y is None; give one label per recording."
            )
        data = as_recordings(X, self.nan_policy)
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            warnings.warn(
                "A column-vector y was passed when a 1d array was expected; pass labels as (n,).",
                DataConversionWarning,
                stacklevel=2,
            )
            y = y.ravel()
        _check_one_label_kind(y)
        try:
            check_classification_targets(y)  # rejects continuous targets with sklearn's message
        except ValueError as err:
            raise DataError(f"y: {err}. Give one class label per recording (text or integers).") from err
        if len(data) < 2:
            raise DataError(
                f"X has n_samples={len(data)}; training needs at least two recordings of two classes."
            )
        data = make_series_set(
            data.values,
            y,
            nan_policy=self.nan_policy,
            source="X/y",
            sampling_step=data.sampling_step,
            channel_names=data.channel_names,
        )
        require_labels(data)
        warn_if_transposed(data.values, "X", stacklevel=2)  # (n, length, channels) trains silently otherwise
        classes = np.unique(y)
        class_names = [str(c) for c in classes]
        if len(set(class_names)) != len(class_names):
            raise DataError(f"labels {list(classes)} are not distinct as text; use distinct labels.")
        data.labels = np.array([str(label) for label in y])
        data.weights = check_sample_weight(sample_weight, len(data))
        # the checks (a class_weight label not in y, a class weighing 0) before anything is fitted
        weights = recording_weights(self.class_weight, class_names, data.labels, data.weights)
        self.classes_ = classes
        self.n_features_in_ = data.n_channels
        self.sampling_step_ = data.sampling_step  # predict compares its recordings' step with it
        # a refit replaces the other method, and names of a fit on named channels (scikit-learn
        # defines feature_names_in_ only when fitted with names)
        for fitted in ("task_", "features_", "scaler_", "ridge_", "feature_names_in_"):
            self.__dict__.pop(fitted, None)
        if data.channel_names is not None:
            self.feature_names_in_ = np.asarray(data.channel_names, dtype=object)
        seed = fit_seed(self.random_state)
        if self.method == "random_features":
            weighted = self.class_weight is not None or data.weights is not None
            targets = np.unique(y, return_inverse=True)[1]
            return self._fit_random_features(data, targets, seed, weights if weighted else None)

        pl.seed_everything(seed, verbose=False)
        datamodule = SensorDataModule.from_series(
            train=data,
            **builtin_value(  # as the task's settings: the checkpoints keep them
                dict(
                    val_fraction=self.val_fraction,
                    batch_size=self.batch_size,
                    seed=seed,
                    max_batch_steps=self.max_batch_steps,
                )
            ),
        )
        datamodule.set_classes(class_names)
        task = ClassificationTask(**self._task_settings(data.n_channels, class_names, data.channel_names))
        with tempfile.TemporaryDirectory(prefix="ssm-ts-classifier-") as out_dir:
            trainer = build_trainer(
                max_epochs=builtin_value(self.max_epochs),
                out_dir=out_dir,
                monitor="val_loss" if self.val_fraction > 0 else "train_loss",
                accelerator=self.accelerator,
                progress=False,
                limit_val_batches=1.0 if self.val_fraction > 0 else 0,
            )
            with warnings.catch_warnings():  # fit warned already, at the user's call
                warnings.simplefilter("ignore", LayoutWarning)
                trainer.fit(task, datamodule)
            best = trainer.checkpoint_callback.best_model_path if self.val_fraction > 0 else ""
            if best:
                from ssm_ts.export import load_checkpoint

                task.load_state_dict(load_checkpoint(best)["state_dict"])
        self.task_ = task.cpu().eval()
        return self

    def _fit_random_features(
        self, data, targets: np.ndarray, seed: int, weights: np.ndarray | None = None
    ) -> SSMClassifier:
        """Random S4D features -> standardised -> ridge; ``targets`` (n,) index ``classes_``; ``weights``
        (n,): each recording's class weight x sample weight (``None``: unweighted)."""
        from ssm_ts.models.random_feature_classifier import fit_features_ridge
        from ssm_ts.models.random_ssm_features import RandomSSMFeatures
        from ssm_ts.pipelines.sensor import fit_channel_scaler

        # a recording of weight 0 is as if left out: it does not shape the channel scaling either
        self.scaler_ = fit_channel_scaler(
            data if weights is None else data.subset(np.flatnonzero(weights > 0))
        )
        values = [self.scaler_.transform(v) for v in data.values]
        self.features_ = RandomSSMFeatures(
            n_kernels=self.n_kernels,
            seed=seed,
            shift_fraction=self.shift_fraction,
            memory_budget_mb=self.memory_budget_mb,
        )
        self.ridge_ = fit_features_ridge(self.features_, values, targets, weights)
        return self

    def _checked(self, X: Any):
        check_is_fitted(self, "n_features_in_")
        data = self._matched_channels(as_recordings(X, self.nan_policy, _PREDICT_NAN_FIX))
        if data.n_channels != self.n_features_in_:
            from ssm_ts.pipelines.sensor import transposed_hint

            raise DataError(
                f"X has {data.n_channels} channels but the classifier was fitted on {self.n_features_in_}."
                + transposed_hint(data.lengths, self.n_features_in_)
            )
        return data

    def _matched_channels(self, data):
        """``data``'s channels in the fitted order: by name when both name them; by position otherwise,
        with scikit-learn's warning when only one of them has names."""
        from ssm_ts.pipelines.sensor import match_channels

        fitted = getattr(self, "feature_names_in_", None)  # None: unnamed fit, or pickled before names
        name = type(self).__name__
        one_channel = data.n_channels == 1 == getattr(self, "n_features_in_", 0)  # no order to get wrong
        if fitted is not None and data.channel_names is None and not one_channel:
            warnings.warn(
                f"X does not have valid feature names, but {name} was fitted with feature names; its "
                f"channels are taken in the fitted order {list(fitted)}.",
                UserWarning,
                stacklevel=4,
            )
        elif fitted is None and data.channel_names is not None and not one_channel:
            warnings.warn(
                f"X has feature names, but {name} was fitted without feature names; its channels "
                f"{data.channel_names} are taken by position.",
                UserWarning,
                stacklevel=4,
            )
        if fitted is None:
            return data
        return match_channels(data, list(fitted), "pass recordings with the fitted channels")

    def decision_function(self, X: Any, rate: float = 1.0) -> np.ndarray:
        """Class scores ``(n, n_classes)`` (logits of the encoder, ridge decision values of random
        features); for two classes ``(n,)``, positive for ``classes_[1]``. ``rate``: as in :meth:`predict`."""
        data = self._checked(X)
        rate = self._checked_rate(rate)
        self._check_sampling_step(data, rate)
        if hasattr(self, "ridge_"):
            return self.ridge_.decision_function(
                self.features_.transform([self.scaler_.transform(v) for v in data.values], rate=rate)
            )
        logits = np.log(np.clip(self._encoder_proba(data, rate), 1e-12, None))
        return logits[:, 1] - logits[:, 0] if len(self.classes_) == 2 else logits

    def _check_sampling_step(self, data, rate: float) -> None:
        """Warn when ``data`` (a ``SeriesSet`` with times) is sampled at another step than the training
        recordings and ``rate`` does not make up for it."""
        from ssm_ts.pipelines.sensor import check_sampling_step

        check_sampling_step(
            getattr(self, "sampling_step_", None),  # None: fitted on arrays, or pickled before the step
            data.sampling_step,
            rate,
            source=data.source,
            fix="predict(X, rate={rate})",
        )

    def _checked_rate(self, rate: Any) -> float:
        """``rate`` as a positive float (training sample rate / new rate), or a ConfigError."""
        from ssm_ts.models.random_ssm_features import check_rate

        return check_rate(rate)

    def _encoder_proba(self, data, rate: float = 1.0) -> np.ndarray:
        from ssm_ts.tasks.classification import predict_series

        check_is_fitted(self, "task_")
        saved = self.task_.hparams.rate
        self.task_.hparams.rate = rate  # the SSMs' step scale for this call only
        try:
            return predict_series(self.task_, data.values)
        finally:
            self.task_.hparams.rate = saved

    def predict_proba(self, X: Any, rate: float = 1.0) -> np.ndarray:
        """Class probabilities ``(n, n_classes)`` in the order of ``classes_``. ``rate``: as in :meth:`predict`."""
        if not hasattr(self, "ridge_"):
            data, rate = self._checked(X), self._checked_rate(rate)
            self._check_sampling_step(data, rate)
            return self._encoder_proba(data, rate)
        from ssm_ts.models.random_feature_classifier import ridge_class_scores

        scores = ridge_class_scores(self.decision_function(X, rate))
        scores = scores - scores.max(axis=1, keepdims=True)
        proba = np.exp(scores)
        return proba / proba.sum(axis=1, keepdims=True)

    def predict(self, X: Any, rate: float = 1.0) -> np.ndarray:
        """Labels ``(n,)`` (of the same kind as the ``y`` given to ``fit``).

        ``rate``: training sample rate / the rate of ``X``, for recordings sampled at another rate than
        the training ones (0.5 for twice the rate, 2 for half): the SSMs scale their step by it (the
        encoder's, or the random-feature kernels'), so a model fitted at 50 Hz classifies 100 Hz
        recordings.
        In a ``Pipeline``, ``pipe.predict(X, rate=0.5)`` passes it on."""
        best = self.predict_proba(X, rate).argmax(axis=1)
        return self.classes_[best]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = True
        tags.input_tags.three_d_array = True
        tags.input_tags.allow_nan = self.nan_policy != "error"
        tags.non_deterministic = False
        return tags

    # -------------------------------------------------------- pickling: CPU tensors and plain settings

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        task = state.pop("task_", None)
        if task is not None:
            state["_task_export"] = {
                "hparams": {k: v for k, v in dict(task.hparams).items() if not k.startswith("_")},
                "state_dict": {k: v.detach().cpu().clone() for k, v in task.state_dict().items()},
            }
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        export = state.pop("_task_export", None)
        state.setdefault("memory_budget_mb", 64.0)  # pickled before the option existed
        state.setdefault("max_batch_steps", None)
        state.setdefault("class_weight", None)
        self.__dict__.update(state)
        if export is not None:
            from ssm_ts.tasks.classification import ClassificationTask

            task = ClassificationTask(**export["hparams"])
            task.load_state_dict({k: torch.as_tensor(v) for k, v in export["state_dict"].items()})
            self.task_ = task.eval()
