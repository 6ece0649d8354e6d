"""Random SSM features + ridge as a torch module: the closed-form classifier behind ``model: random_features``.

One implementation of "features -> standardise -> ridge" serves both front ends:
:func:`fit_features_ridge` fits :class:`~ssm_ts.models.random_ssm_features.RandomSSMFeatures`, a
``StandardScaler`` and a ridge classifier (scikit-learn's ``RidgeClassifierCV`` in less memory,
:class:`~ssm_ts.models.ridge_loo.RidgeClassifierLOO`; ``SSMClassifier(method="random_features")``
keeps the pipeline it returns), and :class:`RandomFeatureClassifier` copies the same fit into
buffers (kernels, thresholds, feature mean and scale) and a frozen ``nn.Linear`` (ridge coefficients
and intercept), so a Lightning checkpoint or a safetensors export holds the whole model without any
pickled scikit-learn object. Its outputs are ridge scores; their softmax is the probability
``SSMClassifier.predict_proba`` gives (:func:`ridge_class_scores`).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch import Tensor, nn

from ssm_ts.errors import ConfigError, DataError
from ssm_ts.models.random_ssm_features import (
    SHIFT_TAPS,
    RandomSSMFeatures,
    RandomSSMKernels,
    threshold_sources,
)
from ssm_ts.wording import counted

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

RIDGE_ALPHAS = np.logspace(-3, 3, 10)
DEFAULT_KERNELS = 4000
_KERNEL_BUFFERS = (
    "log_dt", "freq", "C", "channel_weights", "difference", "backward", "thresholds", "shift", "taps", "dilation",
    "start", "length",
)  # fmt: skip
# absent from checkpoints written before shift kernels
_SHIFT_BUFFERS = ("shift", "taps", "dilation", "start")


def fit_features_ridge(
    features: RandomSSMFeatures,
    values: Sequence[np.ndarray],
    targets: np.ndarray,
    sample_weight: np.ndarray | None = None,
    groups: np.ndarray | None = None,
) -> Pipeline:
    """Fit ``features`` on scaled recordings ``values`` ``(channels, length_i)``, then a scikit-learn
    pipeline ``StandardScaler -> RidgeClassifierLOO`` (scikit-learn's ``RidgeClassifierCV``, penalty by
    leave-one-out over :data:`RIDGE_ALPHAS`, fitted in blocks: :mod:`ssm_ts.models.ridge_loo`) on their
    features and ``targets`` (n,); returns the fitted pipeline. Its scaler standardises the features
    it is given in place (they are the transform's own output).

    ``sample_weight`` ``(n,)`` (>= 0, not all 0; class weights already multiplied in) weighs each
    recording in the feature standardisation, the ridge fit and the leave-one-out errors that choose
    its penalty, and in the draw of the recordings that set the kernels' thresholds
    (:meth:`RandomSSMFeatures.fit`). A recording of weight 0 is left out, as scikit-learn means it:
    the fit is exactly the fit without it. The weights are relative: they are scaled to mean 1 over
    the recordings left, so that, as in the encoder's weighted mean loss, 2 on every recording fits
    what no weights fit (scikit-learn's ridge would read it as half the penalty); equal weights fit
    exactly the unweighted model.

    ``groups`` ``(n,)``: each recording's subject or source recording (windows of one stream): the penalty
    is then chosen by cross-validation over whole groups (``GroupKFold``) instead of leave-one-out,
    which scores overlapping windows against their neighbours (see :mod:`ssm_ts.models.ridge_loo`)."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from ssm_ts.models.ridge_loo import RidgeClassifierLOO

    ridge = make_pipeline(StandardScaler(copy=False), RidgeClassifierLOO(alphas=RIDGE_ALPHAS))
    targets = np.asarray(targets)
    if sample_weight is not None:
        kept, pick_p = threshold_sources(sample_weight, len(values))
        lost = sorted(set(np.unique(targets).tolist()) - set(np.unique(targets[kept]).tolist()))
        if lost:
            raise DataError(
                f"the class indices {lost} weigh 0 in total (sample_weight / class_weight): the ridge "
                "classifier needs every class; give their recordings positive weights, or drop them."
            )
        sample_weight = np.asarray(sample_weight, dtype=np.float64)[kept]
        values, targets = [values[i] for i in kept], targets[kept]
        groups = None if groups is None else np.asarray(groups, dtype=object)[kept]
        if pick_p is None:  # equal weights: exactly the unweighted fit of the recordings left
            sample_weight = None
    by_group = {} if groups is None else {"ridgeclassifierloo__groups": groups}
    if sample_weight is None:
        features.fit(values)
        with _steps_take_their_arguments():
            return ridge.fit(features.transform(values), targets, **by_group)
    features.fit(values, sample_weight)
    sample_weight = sample_weight * (len(sample_weight) / sample_weight.sum())
    with _steps_take_their_arguments():
        return ridge.fit(
            features.transform(values),
            targets,
            standardscaler__sample_weight=sample_weight,
            ridgeclassifierloo__sample_weight=sample_weight,
            **by_group,
        )


def _steps_take_their_arguments() -> AbstractContextManager:
    """A context in which the pipeline's ``fit`` passes ``step__param`` arguments to its steps: with
    scikit-learn's metadata routing on (a user's setting, for ``cross_val_score(...,
    params={"groups": groups})``), it refused them, so a fit with groups or weights failed."""
    from sklearn import config_context

    return config_context(enable_metadata_routing=False)


DECISION_ROWS = 4096  # recordings per float64 copy of their features in ridge_decision


def ridge_decision(ridge, features: np.ndarray) -> np.ndarray:
    """Decision values of ``ridge`` (the pipeline :func:`fit_features_ridge` returns) for ``features``
    ``(n, P K)``, in float64: ``(n,)`` for two classes, else ``(n, classes)``; what the pipeline's
    ``decision_function`` gives, each recording's computed on its own.

    The float32 features are widened a block of :data:`DECISION_ROWS` rows at a time (memory stays near
    the features' own), standardised, and each row's product with the coefficients is one
    vector-matrix product: a matrix product of the whole block sums in an order set by the block's
    size (a float32 one moved scores by ~1e-7, a float64 one by ~1e-16), so a recording's scores are
    now the same, to the bit, alone or with any others, and ``predict_proba`` is float64 as
    scikit-learn's classifiers give it.
    """
    scaler, linear = ridge[0], ridge[-1]
    coef = np.ascontiguousarray(np.atleast_2d(linear.coef_).T)  # (P K, outputs)
    out = np.empty((len(features), coef.shape[1]), dtype=np.float64)
    for i in range(0, len(features), DECISION_ROWS):
        block = features[i : i + DECISION_ROWS].astype(np.float64)
        block -= scaler.mean_  # as StandardScaler.transform, in place
        block /= scaler.scale_
        for j, row in enumerate(block):
            out[i + j] = row @ coef
    out += linear.intercept_
    return out[:, 0] if coef.shape[1] == 1 else out


def ridge_class_scores(decision: np.ndarray) -> np.ndarray:
    """Ridge decision values -> one score per class: two classes give ``(n,)`` values ``d``, positive
    for class 1, which become ``[-d/2, d/2]``; more classes pass through. Linear in ``decision``, so it
    also maps the ridge coefficients and intercept, and the softmax of the result is the probability."""
    decision = np.asarray(decision)
    return np.stack([-decision, decision], axis=-1) / 2 if decision.ndim == 1 else decision


class RandomFeatureClassifier(nn.Module):
    """Fixed random S4D kernels -> PPV/max features -> standardised -> ridge scores ``(batch, n_classes)``.

    Fitted in closed form by :meth:`fit` (not by gradient steps: it has no trainable parameters).

    Args:
        n_channels, n_classes: input channels and classes.
        feature_options: :class:`~ssm_ts.models.random_ssm_features.RandomSSMFeatures` settings
            (``n_kernels``, default :data:`DEFAULT_KERNELS` as in ``SSMClassifier``; ``n_modes``,
            ``max_channels``, ``seed``, ``chunk``, ``max_cycles``, ``pooling``, ``shift_fraction``,
            ``memory_budget_mb``: peak working memory of the features' blocks in fit and forward).
    """

    def __init__(self, n_channels: int, n_classes: int, **feature_options: Any):
        super().__init__()
        self.features = RandomSSMFeatures(**{"n_kernels": DEFAULT_KERNELS, **feature_options})
        K, M, n_features = self.features.n_kernels, self.features.n_modes, self.features.n_features
        f64 = torch.float64
        shapes = {
            "log_dt": ((K,), f64),
            "freq": ((K, M), f64),
            "C": ((K, M, 2), f64),  # complex read-out as (real, imaginary)
            "channel_weights": ((K, n_channels), f64),
            "difference": ((K,), torch.bool),
            "backward": ((K,), torch.bool),
            "thresholds": ((K,), f64),
            "shift": ((K,), torch.bool),
            "taps": ((K, max(SHIFT_TAPS)), f64),
            "dilation": ((K,), torch.int64),
            "start": ((K,), torch.int64),
            "length": ((), torch.int64),  # the longest training recording; 0: unknown (older checkpoints)
        }
        for name, (shape, dtype) in shapes.items():
            self.register_buffer(f"kernel_{name}", torch.zeros(shape, dtype=dtype))
        self.register_buffer("feature_mean", torch.zeros(n_features, dtype=f64))
        self.register_buffer("feature_scale", torch.ones(n_features, dtype=f64))
        self.register_buffer("fitted", torch.zeros((), dtype=torch.bool))
        self.head = nn.Linear(n_features, n_classes, dtype=f64).requires_grad_(False)
        self.n_classes = n_classes
        self.register_load_state_dict_pre_hook(_s4d_only_when_no_shift_kernels)

    def fit(
        self,
        values: Sequence[np.ndarray],
        targets: np.ndarray,
        sample_weight: np.ndarray | None = None,
        groups: np.ndarray | None = None,
    ) -> RandomFeatureClassifier:
        """Fit on scaled training recordings ``values`` ``(channels, length_i)`` and class indices
        ``targets`` ``(n,)``, each recording weighted by ``sample_weight`` ``(n,)``, the ridge penalty
        chosen over whole ``groups`` ``(n,)`` if given (see :func:`fit_features_ridge`)."""
        targets = np.asarray(targets)
        missing = sorted(set(range(self.n_classes)) - {int(t) for t in targets})
        if missing:
            raise DataError(
                f"the training data has no recordings of class indices {missing}; the ridge classifier needs "
                "every class in the training split (use more data or a smaller val_fraction)."
            )
        ridge = fit_features_ridge(self.features, values, targets, sample_weight, groups)
        scaler, linear = ridge[0], ridge[-1]
        kernels = self.features.kernels_
        arrays = {name: getattr(kernels, name) for name in _KERNEL_BUFFERS}
        arrays["C"] = np.stack([kernels.C.real, kernels.C.imag], axis=-1)
        arrays["length"] = kernels.length or 0
        with torch.no_grad():
            for name, array in arrays.items():
                buffer = getattr(self, f"kernel_{name}")
                buffer.copy_(torch.as_tensor(np.asarray(array), dtype=buffer.dtype))
            self.feature_mean.copy_(torch.as_tensor(scaler.mean_, dtype=torch.float64))
            self.feature_scale.copy_(torch.as_tensor(scaler.scale_, dtype=torch.float64))
            coef, intercept = np.atleast_2d(linear.coef_), np.atleast_1d(linear.intercept_)
            if coef.shape[0] == 1:  # two classes: one decision value per recording
                coef, intercept = ridge_class_scores(coef[0]).T, ridge_class_scores(intercept)[0]
            self.head.weight.copy_(torch.as_tensor(coef).reshape(self.head.weight.shape))
            self.head.bias.copy_(torch.as_tensor(intercept).reshape(self.head.bias.shape))
            self.fitted.fill_(True)
        return self

    def kernels(self) -> RandomSSMKernels:
        """The kernels held in the buffers (tensors on the module's device)."""
        tensors: dict[str, Any] = {name: getattr(self, f"kernel_{name}") for name in _KERNEL_BUFFERS}
        tensors["C"] = torch.view_as_complex(tensors["C"].contiguous())
        tensors["length"] = int(tensors["length"]) or None  # 0: a checkpoint from before it was kept
        return RandomSSMKernels(**tensors)

    def forward(self, x: Tensor, mask: Tensor | None = None, rate: float = 1.0) -> Tensor:
        """Scaled ``x (batch, length, channels)`` (zero at padding), ``mask (batch, length)`` -> ridge scores
        ``(batch, n_classes)``. ``rate``: training sample rate / the rate of ``x`` (0.5 for twice the
        rate): the kernels scale their steps (see :mod:`~ssm_ts.models.random_ssm_features`)."""
        if not bool(self.fitted):
            raise ConfigError(
                "the random-features classifier is not fitted: fit it (ssm-ts classify fit) or load a checkpoint."
            )
        self._check_input(x)
        if mask is None:
            lengths = torch.full((x.shape[0],), x.shape[1], device=x.device)
        else:
            lengths = mask.sum(dim=1)
        self.features.kernels_ = self.kernels()
        # each recording at its own padded length: its scores do not depend on its batch
        features = self.features.transform_batch(x.float().transpose(1, 2), lengths, rate).double()
        scaled = (features - self.feature_mean) / self.feature_scale
        # one vector-matrix product a recording (see ridge_decision): the same scores in any batch
        return torch.stack([self.head(row) for row in scaled]) if len(scaled) else self.head(scaled)

    def _check_input(self, x: Tensor) -> None:
        """A :class:`DataError` unless ``x`` is ``(batch, length, channels)`` with the fitted channels: a
        wrong count would fail deep in the feature transform with a raw einsum error."""
        expected = self.kernel_channel_weights.shape[1]
        shape = tuple(x.shape)
        if len(shape) != 3:
            raise DataError(
                f"the classifier takes x of shape (batch, length, channels), got shape {shape}; for one "
                "recording of (length, channels) add the batch axis: x[None]"
            )
        if shape[-1] != expected:
            hint = (
                "; x looks like (batch, channels, length): transpose it with x.transpose(1, 2)"
                if shape[1] == expected
                else ""
            )
            raise DataError(
                f"x of shape {shape} (batch, length, channels) has {counted(shape[-1], 'channel')}, but the classifier "
                f"was fitted on {counted(expected, 'channel')}: give the same {expected} channels, in the same order{hint}"
            )


def _s4d_only_when_no_shift_kernels(module, state_dict, prefix, *args) -> None:
    """A checkpoint written before shift kernels existed holds S4D kernels only: load it with no shift
    kernels (the buffers' zero defaults) instead of failing on the missing keys. One written before the
    training length was kept loads with 0 (unknown: each recording padded to its own length)."""
    for name in (*_SHIFT_BUFFERS, "length"):
        key = f"{prefix}kernel_{name}"
        if key not in state_dict and f"{prefix}kernel_log_dt" in state_dict:
            state_dict[key] = torch.zeros_like(getattr(module, f"kernel_{name}"))


def build_random_feature_classifier(
    *, n_channels: int, n_classes: int, options: dict[str, Any] | None = None
) -> RandomFeatureClassifier:
    """:class:`RandomFeatureClassifier` with checked options (a clear ConfigError for an unknown one)."""
    try:
        return RandomFeatureClassifier(n_channels=n_channels, n_classes=n_classes, **dict(options or {}))
    except TypeError as err:
        raise ConfigError(
            f"bad option for model 'random_features': {err}; the options are n_kernels, n_modes, "
            "max_channels, seed, chunk, max_cycles, pooling, shift_fraction and memory_budget_mb."
        ) from err
