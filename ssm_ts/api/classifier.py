"""``SSMClassifier``: a scikit-learn estimator over S4ND encoders for multichannel recordings.

``X`` is an array ``(n, channels, length)``, a 2-D array ``(n, length)`` (one channel), or a list of
``(channels, length_i)`` arrays of unequal length. It works in ``Pipeline`` and ``GridSearchCV``,
pickles (with ``pickle`` or ``joblib``) as CPU tensors plus plain settings, so a model fitted on a
GPU loads on a machine without one.

scikit-learn estimator checks (``sklearn.utils.estimator_checks``) that do not apply, because the
input is a set of recordings rather than a feature table:

- checks that feed sparse matrices, pandas frames of mixed dtypes, or complex numbers (time
  series are dense real arrays; such input raises :class:`~ssm_ts.errors.DataError`);
- checks that compare results with and without ``sample_weight`` (not supported: ``fit`` has no
  ``sample_weight``);
- ``check_classifiers_train`` / ``check_classifiers_classes`` style accuracy thresholds on tiny
  random tables with the default few epochs (a sequence model is not a tabular learner);
- ``check_methods_subset_invariance`` / ``check_methods_sample_order_invariance`` hold only to float
  tolerance (batches are padded to their longest recording, which changes FFT sizes).
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from ssm_ts.errors import ConfigError, DataError


def as_recordings(X: Any, nan_policy: str = "error"):
    """A checked :class:`SeriesSet` from ``(n, channels, length)``, ``(n, length)`` or a list."""
    from ssm_ts.pipelines.sensor import make_series_set

    if hasattr(X, "to_numpy") and not isinstance(X, np.ndarray):
        X = X.to_numpy()
    if isinstance(X, np.ndarray) and X.dtype.kind in "OUS" and X.dtype != object:
        raise DataError(f"X holds {X.dtype} values; recordings must be numbers.")
    if isinstance(X, np.ndarray) and np.iscomplexobj(X):
        raise DataError("X holds complex numbers; recordings must be real.")
    if not isinstance(X, (np.ndarray, Sequence)):
        raise DataError(
            f"X must be an array (n, channels, length) or a list of (channels, length) arrays, got {type(X)}"
        )
    return make_series_set(X, nan_policy=nan_policy, source="X")


class SSMClassifier(ClassifierMixin, BaseEstimator):
    """S4ND sequence classifier with the scikit-learn interface.

    Args:
        model: ``"s4d1d"`` (bidirectional S4D blocks over time) or ``"s4nd2d"`` (2-D S4ND, channels x time).
        d_model, n_layers, d_state, dropout: encoder size.
        lr, weight_decay: AdamW (SSM parameters: own group, no decay).
        max_epochs: training epochs; batch_size: recordings per step.
        val_fraction: stratified share of ``X`` held out to pick the best epoch (0: train on all,
            keep the last epoch).
        nan_policy: ``"error"``, ``"interpolate"`` or ``"zero"`` for missing values.
        random_state: seed for initialisation, split and shuffling.
        accelerator: Lightning accelerator (``"cpu"``, ``"gpu"``, ``"auto"``).

    Attributes (after ``fit``): ``classes_`` (sorted labels), ``n_features_in_`` (channels),
    ``task_`` (the fitted :class:`~ssm_ts.tasks.classification.ClassificationTask`).
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
        random_state: int = 0,
        accelerator: str = "cpu",
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

    def _task_settings(self, n_channels: int, classes: list[str]) -> dict[str, Any]:
        return {
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
        }

    def fit(self, X: Any, y: Any) -> SSMClassifier:
        """Train on recordings ``X`` with labels ``y`` (n,)."""
        import lightning.pytorch as pl

        from ssm_ts.pipelines.sensor import SensorDataModule, make_series_set, require_labels
        from ssm_ts.tasks.classification import ClassificationTask
        from ssm_ts.training import build_trainer

        if self.max_epochs < 1:
            raise ConfigError(f"max_epochs must be at least 1, got {self.max_epochs}")
        data = as_recordings(X, self.nan_policy)
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y.ravel()
        data = make_series_set(data.values, y, nan_policy=self.nan_policy, source="X/y")
        require_labels(data)
        self.classes_ = np.unique(y)
        class_names = [str(c) for c in self.classes_]
        if len(set(class_names)) != len(class_names):
            raise DataError(f"labels {list(self.classes_)} are not distinct as text; use distinct labels.")
        data.labels = np.array([str(label) for label in y])
        self.n_features_in_ = data.n_channels

        pl.seed_everything(self.random_state, verbose=False)
        datamodule = SensorDataModule.from_series(
            train=data, val_fraction=self.val_fraction, batch_size=self.batch_size, seed=self.random_state
        )
        datamodule.set_classes(class_names)
        task = ClassificationTask(**self._task_settings(data.n_channels, class_names))
        with tempfile.TemporaryDirectory(prefix="ssm-ts-classifier-") as out_dir:
            trainer = build_trainer(
                max_epochs=self.max_epochs,
                out_dir=out_dir,
                monitor="val_loss" if self.val_fraction > 0 else "train_loss",
                accelerator=self.accelerator,
                progress=False,
                limit_val_batches=1.0 if self.val_fraction > 0 else 0,
            )
            trainer.fit(task, datamodule)
            best = trainer.checkpoint_callback.best_model_path if self.val_fraction > 0 else ""
            if best:
                from ssm_ts.export import load_checkpoint

                task.load_state_dict(load_checkpoint(best)["state_dict"])
        self.task_ = task.cpu().eval()
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities ``(n, n_classes)`` in the order of ``classes_``."""
        from ssm_ts.tasks.classification import predict_series

        check_is_fitted(self, "task_")
        data = as_recordings(X, self.nan_policy)
        if data.n_channels != self.n_features_in_:
            raise DataError(
                f"X has {data.n_channels} channels but the classifier was fitted on {self.n_features_in_}."
            )
        return predict_series(self.task_, data.values)

    def predict(self, X: Any) -> np.ndarray:
        """Labels ``(n,)`` (of the same kind as the ``y`` given to ``fit``)."""
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

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
        self.__dict__.update(state)
        if export is not None:
            from ssm_ts.tasks.classification import ClassificationTask

            task = ClassificationTask(**export["hparams"])
            task.load_state_dict({k: torch.as_tensor(v) for k, v in export["state_dict"].items()})
            self.task_ = task.eval()
