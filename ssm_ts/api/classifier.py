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

scikit-learn's estimator checks run on both methods; the ones that do not apply to recordings, and
why, are in :mod:`~ssm_ts.api.classifier_estimator_checks` (:data:`ESTIMATOR_CHECK_EXCEPTIONS`).
The classifier's input checks are in :mod:`~ssm_ts.api.classifier_inputs`, its fitting in
:mod:`~ssm_ts.api.classifier_fit`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from ssm_ts.api.classifier_estimator_checks import ESTIMATOR_CHECK_EXCEPTIONS
from ssm_ts.api.classifier_fit import METHODS, check_fit_settings, fit_encoder, fit_seed
from ssm_ts.api.classifier_frames import check_one_recording_frame
from ssm_ts.api.classifier_inputs import (
    PREDICT_NAN_FIX,
    array_shape,
    as_recordings,
    check_array_label_count,
    given_labels,
    labelled_recordings,
    matched_channels,
    transposed_input_hint,
)
from ssm_ts.api.classifier_score_labels import check_score_labels
from ssm_ts.api.classifier_streams import (
    penalty_groups,
    stream_fit_arguments,
    stream_recordings,
    stream_scored,
)
from ssm_ts.errors import DataError
from ssm_ts.wording import counted

# moved to their own modules; other modules and tests import them from here
__all__ = [
    "ESTIMATOR_CHECK_EXCEPTIONS",
    "METHODS",
    "SSMClassifier",
    "as_recordings",
    "fit_seed",
]


def _softmax(scores: np.ndarray) -> np.ndarray:
    """Row-wise softmax of class scores ``(n, n_classes)`` float64: ``predict_proba`` of random features."""
    scores = scores - scores.max(axis=1, keepdims=True)
    proba = np.exp(scores)
    return proba / proba.sum(axis=1, keepdims=True)


class SSMClassifier(ClassifierMixin, BaseEstimator):
    """S4ND sequence classifier with the scikit-learn interface.

    Two methods share the input checks, the channel scaler and the interface:

    - ``"encoder"`` (default): a trained S4ND encoder (:mod:`ssm_ts.models.s4nd`); the model to
      use with thousands of recordings, on a GPU, or to export as a Lightning checkpoint.
    - ``"random_features"``: ROCKET-style: ``n_kernels`` fixed random S4D kernels
      (:class:`~ssm_ts.models.random_ssm_features.RandomSSMFeatures`), two features each (PPV and
      max), standardised, then a ridge classifier whose penalty is chosen by efficient leave-one-out
      (as ``RidgeClassifierCV``, computed in blocks: :mod:`ssm_ts.models.ridge_loo`), or, given
      ``fit(..., groups=...)`` (or windows of several subjects), by cross-validation over whole
      groups. Nothing in the
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

    ``X`` may be the :class:`~ssm_ts.pipelines.sensor.SeriesSet` a reader returns (``fit(data)`` and
    ``score(data)`` take ``data.labels`` as ``y``; ``GridSearchCV`` and ``cross_val_score`` split it too,
    each fold a ``SeriesSet`` with its channel names and sampling step, but only given
    ``y=data.labels``: without it scikit-learn's folds are not stratified by class, so a fold's ``fit``
    is a :class:`~ssm_ts.errors.DataError` naming ``search.fit(data, data.labels)``). Read
    from files with times (a CSV time column, ``.ts`` ``@timeStamps``) it carries their sampling
    step: ``fit`` keeps it as ``sampling_step_``, and ``predict`` of recordings sampled at another
    step warns (:class:`~ssm_ts.pipelines.sensor.SamplingStepWarning`) naming both steps and the rate
    to pass, unless ``rate`` matches them.

    Args:
        model: ``"s4d1d"`` (bidirectional S4D blocks over time) or ``"s4nd2d"`` (2-D S4ND, channels x time).
        d_model, n_layers, d_state, dropout: encoder size.
        lr, weight_decay: AdamW (SSM parameters: own group, no decay).
        max_epochs: training epochs; batch_size: recordings per step.
        val_fraction: stratified share of ``X`` held out to pick the best epoch (0: train on all,
            keep the last epoch). Every class then needs 2 recordings: a class of one is a
            ``DataError`` naming it, as ``train_test_split(stratify=y)`` refuses it.
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
            1; a label that is not in ``y`` is an error unless every class of ``y`` has a weight, so a
            cross-validation fold without a rare class fits), as in scikit-learn. A recording's weight is
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
    ``sampling_step_`` (the training recordings' step, ``None`` without times), ``n_timepoints_`` (their
    common length, ``None`` when they differ; a 2-D ``X`` to classify of as many rows, of recordings of
    another length, warns that it may hold a recording per column), and ``task_``
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

    def fit(self, X: Any, y: Any = None, sample_weight: Any = None, groups: Any = None) -> SSMClassifier:
        """Train on recordings ``X`` with labels ``y`` (n,); ``X`` a ``SeriesSet`` brings its own labels
        (when ``y`` is not given) and sampling step, the ``StreamWindows`` of ``sliding_windows`` its
        labels and groups. ``sample_weight`` ``(n,)``: a weight >= 0 per recording (``None``: all 1),
        multiplied by its class's ``class_weight``; weights are relative (2 on every recording fits
        what ``None`` fits).

        ``groups`` ``(n,)``: each recording's subject or session, used only to hold out whole groups
        where the fit validates: the encoder's ``val_fraction`` split (overlapping windows of one subject
        in both parts would pick the best epoch on leaked scores), and the random features' choice of
        the ridge penalty, then by cross-validation over whole groups (``GroupKFold``, up to 5 folds)
        instead of leave-one-out (which scores a window against its overlapping neighbours and picks
        too small a penalty); ``val_fraction`` does not apply to random features. Recordings of one
        group leave the random features' penalty to leave-one-out, with a ``LeakyValidationWarning``
        (as the CLI's fit warns), not an error. In cross-validation,
        with metadata routing on (``sklearn.set_config(enable_metadata_routing=True)``),
        ``set_fit_request(groups=True)`` and ``cross_val_score(..., params={"groups": groups})`` give
        each fold's groups to this fit too."""
        check_fit_settings(self)
        X, y, groups = stream_fit_arguments(
            X, y, groups, self.val_fraction if self.method == "encoder" else 0
        )
        data, y, classes, class_names, weights = labelled_recordings(
            X, y, sample_weight, self.nan_policy, self.class_weight
        )
        if groups is not None:
            from ssm_ts.pipelines.sensor.group_split import check_groups

            codes = check_groups(groups, len(data))  # before a fit, also one without a split
            # random features: one group is left to leave-one-out, with a warning (never an error)
            groups = penalty_groups(groups, codes) if self.method == "random_features" else codes
        self.classes_ = classes
        self.n_features_in_ = data.n_channels
        self.sampling_step_ = data.sampling_step  # predict compares its recordings' step with it
        lengths = data.lengths  # predict of a 2-D X of as many rows as these steps warns (transposed?)
        self.n_timepoints_ = int(lengths[0]) if (lengths == lengths[0]).all() else None
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
            return self._fit_random_features(data, targets, seed, weights if weighted else None, groups)
        self.task_ = fit_encoder(self, data, class_names, seed, groups)
        return self

    def _fit_random_features(
        self,
        data: Any,
        targets: np.ndarray,
        seed: int,
        weights: np.ndarray | None = None,
        groups: np.ndarray | None = None,
    ) -> SSMClassifier:
        """Random S4D features -> standardised -> ridge; ``targets`` (n,) index ``classes_``; ``weights``
        (n,): each recording's class weight x sample weight (``None``: unweighted); ``groups`` (n,): the
        ridge penalty is chosen by cross-validation over whole groups (``None``: leave-one-out)."""
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
        self.ridge_ = fit_features_ridge(self.features_, values, targets, weights, groups)
        return self

    def _checked(self, X: Any):
        check_is_fitted(self, "n_features_in_")
        X = stream_recordings(X)
        check_one_recording_frame(X, getattr(self, "feature_names_in_", None))
        data = matched_channels(self, as_recordings(X, self.nan_policy, PREDICT_NAN_FIX), X)
        if data.n_channels != self.n_features_in_:
            hint = transposed_input_hint(X, data, self.n_features_in_) + self._one_recording_hint(X, data)
            raise DataError(
                f"X has {counted(data.n_channels, 'channel')} but the classifier was fitted on {self.n_features_in_}."
                + (
                    hint
                    or f" Give X (n, {self.n_features_in_}, length): the fitted channels, in the fitted order."
                )
            )
        shape = array_shape(X)
        if self.n_features_in_ == 1 and shape is not None and len(shape) == 2:
            # a column per recording reads as recordings of another length
            from ssm_ts.pipelines.sensor.layout import warn_if_columns_are_recordings

            warn_if_columns_are_recordings(data.values, getattr(self, "n_timepoints_", None))
        return data

    def _one_recording_hint(self, X: Any, data) -> str:
        """For the channel-count error: X looks like one recording ``(channels, length)``, which a 2-D
        array is not (it is ``(n, length)``: recordings of one channel, as in scikit-learn)."""
        one_channel = getattr(X, "ndim", None) == 2 and data.n_channels == 1  # an array or tensor
        if not (one_channel and len(data) == self.n_features_in_ and not hasattr(X, "columns")):
            return ""
        return (
            f" A 2-D X is read as (n, length), {len(data)} recordings of one channel: if it is one "
            f"recording of {self.n_features_in_} channels, pass X[None] (shape (1, channels, length))."
        )

    def decision_function(self, X: Any, rate: float = 1.0) -> np.ndarray:
        """Class scores ``(n, n_classes)`` float64 (the encoder's log-probabilities, i.e. its logits less
        their row's log-sum-exp; ridge decision values of random features); for two classes ``(n,)``,
        positive for ``classes_[1]``. Their highest is :meth:`predict`'s class. ``rate``: as in :meth:`predict`."""
        data = self._checked(X)
        rate = self._checked_rate(rate)
        self._check_sampling_step(data, rate)
        if hasattr(self, "ridge_"):
            from ssm_ts.models.random_feature_classifier import ridge_decision

            features = self.features_.transform([self.scaler_.transform(v) for v in data.values], rate=rate)
            return ridge_decision(self.ridge_, features)  # float64
        # log-probabilities: the logits less their row's log-sum-exp, in float64 (finite and apart
        # where a probability underflows to 0: logits 745 apart)
        logits = self._encoder_proba(data, rate, log=True)
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

    def _encoder_proba(self, data, rate: float = 1.0, log: bool = False) -> np.ndarray:
        """The encoder's class probabilities ``(n, n_classes)`` float64 (``log``: their logs, the
        log-softmax of its logits)."""
        from ssm_ts.tasks.classification import predict_series

        check_is_fitted(self, "task_")
        return predict_series(self.task_, data.values, rate=rate, log=log)  # rate: this call only

    def predict_proba(self, X: Any, rate: float = 1.0) -> np.ndarray:
        """Class probabilities ``(n, n_classes)`` float64, in the order of ``classes_``: a softmax in float64
        of the encoder's logits or of the ridge decision values (random features); :meth:`predict` is the
        class of the highest. ``rate``: as in :meth:`predict`."""
        if not hasattr(self, "ridge_"):
            data, rate = self._checked(X), self._checked_rate(rate)
            self._check_sampling_step(data, rate)
            return self._encoder_proba(data, rate)
        from ssm_ts.models.random_feature_classifier import ridge_class_scores

        return _softmax(ridge_class_scores(self.decision_function(X, rate)))

    def predict_log_proba(self, X: Any, rate: float = 1.0) -> np.ndarray:
        """Log of :meth:`predict_proba` ``(n, n_classes)`` float64, in the order of ``classes_``, as
        scikit-learn's probabilistic classifiers give it, but finite where a probability underflows to
        0 (scores over ~708 apart: a recording far outside the training range): there, and for
        subnormal probabilities, it is the log-softmax of the encoder's logits or of the ridge class
        scores; elsewhere ``log(predict_proba(X))`` to the bit.
        ``rate``: as in :meth:`predict`."""
        if not hasattr(self, "ridge_"):
            data, rate = self._checked(X), self._checked_rate(rate)
            self._check_sampling_step(data, rate)
            return self._encoder_proba(data, rate, log=True)
        from scipy.special import log_softmax

        from ssm_ts.models.random_feature_classifier import ridge_class_scores
        from ssm_ts.tasks.classification_predict import log_probabilities

        scores = ridge_class_scores(self.decision_function(X, rate))
        return log_probabilities(_softmax(scores), log_softmax(scores, axis=1))

    def predict(self, X: Any, rate: float = 1.0) -> np.ndarray:
        """Labels ``(n,)`` (of the same kind as the ``y`` given to ``fit``).

        ``rate``: training sample rate / the rate of ``X``, for recordings sampled at another rate than
        the training ones (0.5 for twice the rate, 2 for half): the SSMs scale their step by it (the
        encoder's, or the random-feature kernels'), so a model fitted at 50 Hz classifies 100 Hz
        recordings.
        In a ``Pipeline``, ``pipe.predict(X, rate=0.5)`` passes it on."""
        best = self.predict_proba(X, rate).argmax(axis=1)
        return self.classes_[best]

    def score(self, X: Any, y: Any = None, sample_weight: Any = None) -> float:
        """Mean accuracy of :meth:`predict` on ``X`` against the true labels ``y`` (n,), weighted by
        ``sample_weight`` (n,) if given, as scikit-learn's classifiers score. ``X`` a ``SeriesSet`` brings
        its own labels when ``y`` is not given, as in :meth:`fit`: ``model.score(test)`` (so do the
        ``StreamWindows`` of ``sliding_windows``).

        Raises:
            DataError: no labels (``y`` not given, ``X`` not a labelled ``SeriesSet``).
        """
        X, y = stream_scored(X, y)
        labels = given_labels(X, y, "score")
        check_is_fitted(self, "classes_")
        check_score_labels(self.classes_, labels, from_set=y is None)
        # before predicting every recording; one recording in a frame is named first, as predict names it
        check_one_recording_frame(X, getattr(self, "feature_names_in_", None))
        check_array_label_count(X, labels, self.n_features_in_, sample_weight)
        return super().score(X, labels, sample_weight)

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
