"""The closed-form fit of a :class:`~ssm_ts.tasks.classification.ClassificationTask` whose model
is fitted without gradient steps (``model: random_features``): at the start of the trainer's fit, on
the whole training split of its data module, scaled by the task's scaler and weighted by its class
weights and the recordings' own weights."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ssm_ts.errors import ConfigError
from ssm_ts.leaky_validation import LeakyValidationWarning
from ssm_ts.pipelines.sensor import ChannelScaler, SensorDataModule, encode_labels
from ssm_ts.rank_zero_warnings import warn_on_rank_zero

if TYPE_CHECKING:
    from ssm_ts.tasks.classification import ClassificationTask


def fit_closed_form(task: ClassificationTask) -> None:
    """Fit ``task``'s closed-form model on its data module's training split, unless the model is not
    closed-form or is fitted already (a resumed checkpoint holds it). Called by
    ``ClassificationTask.on_fit_start``."""
    if not task.closed_form or bool(task._require_net().fitted):
        return
    datamodule = getattr(task.trainer, "datamodule", None)
    if not isinstance(datamodule, SensorDataModule) or datamodule.train_set is None:
        raise ConfigError(
            f"model {task.hparams.model!r} is fitted in closed form on the training split of a "
            "SensorDataModule; fit it with one (trainer.fit(task, datamodule=SensorDataModule(...)))."
        )
    scaler = ChannelScaler(task.scaler_mean.tolist(), task.scaler_scale.tolist())
    train = datamodule.train_set
    values = [scaler.transform(v) for v in train.values]
    targets = encode_labels(train, task.classes)
    weights = None
    if task.hparams.class_weight is not None or train.weights is not None:
        weights = task.class_weights.cpu().numpy()[targets]
        weights = weights if train.weights is None else weights * train.weights
    task.net.fit(values, targets, sample_weight=weights, groups=_penalty_groups(datamodule))


def _penalty_groups(datamodule: SensorDataModule) -> np.ndarray | None:
    """The training split's groups ``(n_train,)`` (a stream's ``group_col``) to choose the ridge
    penalty over whole groups, as ``SSMClassifier.fit(windows)`` does; ``None`` (leave-one-out)
    without groups, or with one group left after the validation split, which warns: its windows
    overlap."""
    groups = getattr(datamodule, "train_groups", None)  # (a subclass may set up its own splits)
    if groups is None or len(set(groups.tolist())) > 1:
        return groups
    warn_on_rank_zero(
        f"the training split holds one group ({str(groups[0])!r}), so the ridge penalty is chosen by "
        "leave-one-out over its windows, which overlap: it is chosen on optimistic scores. Keep several "
        "groups in training: --data.val_fraction 0, or more subjects or sessions in the stream.",
        LeakyValidationWarning,
        stacklevel=None,
    )
    return None
