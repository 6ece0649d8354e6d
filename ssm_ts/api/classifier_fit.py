"""Fitting :class:`~ssm_ts.api.classifier.SSMClassifier`: its settings checked, its seed, and the
encoder method's training (a :class:`~ssm_ts.tasks.classification.ClassificationTask` fitted by a
Lightning trainer in a temporary folder)."""

from __future__ import annotations

import tempfile
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

from ssm_ts.errors import ConfigError
from ssm_ts.tracking.resume_settings import builtin_value
from ssm_ts.whole_numbers import is_real_number, is_whole_number

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


def check_fit_settings(classifier: Any) -> None:
    """The settings of ``classifier`` (an ``SSMClassifier``) that ``fit`` needs, checked before the
    data: a known ``method``, and for the encoder at least one epoch, at least one SSM layer, an even
    state size, a usable learning rate and a weight decay >= 0."""
    if classifier.method not in METHODS:
        raise ConfigError(f"unknown method {classifier.method!r}; expected one of {METHODS}")
    if classifier.method == "encoder" and (
        not is_whole_number(classifier.max_epochs) or classifier.max_epochs < 1
    ):  # text failed in a comparison, 1.5 in Lightning's assertion without a message
        raise ConfigError(
            f"max_epochs must be at least 1, a whole number such as 30, got {classifier.max_epochs!r}"
        )
    if classifier.method == "encoder":
        _check_encoder_sizes(classifier.n_layers, classifier.d_state)
    fraction = classifier.val_fraction  # checked before fit compares it (text failed there)
    if classifier.method == "encoder" and (not is_real_number(fraction) or not 0 <= fraction < 1):
        raise ConfigError(f"val_fraction must be in [0, 1), a number such as 0.2, got {fraction!r}")
    if classifier.method == "encoder":  # named as this estimator's setting, not the task's CLI option
        # imported here: they import Lightning (seconds), which random features do not need
        from ssm_ts.tasks.optimizer_settings import check_weight_decay
        from ssm_ts.training import check_learning_rate

        check_learning_rate(classifier.lr, default_from=type(classifier))
        check_weight_decay(classifier.weight_decay)  # torch takes a negative one without a word


def _check_encoder_sizes(n_layers: Any, d_state: Any) -> None:
    """The encoder's ``n_layers`` and ``d_state`` as this estimator's settings: 0 layers trained a model
    without SSMs silently, an odd state size failed in the core layer ("DiagonalSSM: d_state ...").
    Other values (-1, 1.5, text) are left to the encoder's own check, which names them."""
    if is_whole_number(n_layers) and n_layers == 0:
        raise ConfigError(
            "n_layers must be at least 1, a whole number such as 3 (the encoder's SSM layers; with 0 it would "
            f"classify a mean of the channels' linear projection, without any SSM), got {n_layers!r}"
        )
    if is_whole_number(d_state) and (d_state < 2 or d_state % 2):
        raise ConfigError(
            "d_state must be an even whole number >= 2, such as 64 (each SSM layer's state size: its modes "
            f"come in complex-conjugate pairs), got {d_state!r}"
        )


def task_settings(
    classifier: Any, n_channels: int, classes: list[str], channel_names: list[str] | None = None
) -> dict[str, Any]:
    """The :class:`~ssm_ts.tasks.classification.ClassificationTask` arguments for the encoder
    settings of ``classifier``, ``n_channels`` channels (named ``channel_names``) and ``classes``."""
    # NumPy numbers as plain values: the task's checkpoints keep them and must load safely
    return builtin_value(
        {
            "model": classifier.model,
            "n_channels": n_channels,
            "classes": classes,
            "model_options": {
                "d_model": classifier.d_model,
                "n_layers": classifier.n_layers,
                "d_state": classifier.d_state,
                "dropout": classifier.dropout,
            },
            "lr": classifier.lr,
            "weight_decay": classifier.weight_decay,
            # labels as text, as the task's classes (checked against y in fit)
            "class_weight": (
                {str(k): float(v) for k, v in classifier.class_weight.items()}
                if isinstance(classifier.class_weight, Mapping)
                else classifier.class_weight
            ),
            "channel_names": channel_names,
        }
    )


def fit_encoder(classifier: Any, data, class_names: list[str], seed: int, groups: np.ndarray | None = None):
    """A :class:`~ssm_ts.tasks.classification.ClassificationTask` trained on ``data`` (the labelled
    ``SeriesSet``) with the settings of ``classifier``; with ``val_fraction`` > 0 the best epoch's
    weights by validation loss, else the last epoch's. ``groups`` ``(len(data),)``: the validation
    split holds out whole groups. Returned on the CPU, in eval mode."""
    import lightning.pytorch as pl

    from ssm_ts.pipelines.sensor import LayoutWarning, SensorDataModule
    from ssm_ts.tasks.classification import ClassificationTask
    from ssm_ts.training import build_trainer

    pl.seed_everything(seed, verbose=False)
    datamodule = SensorDataModule.from_series(
        train=data,
        **builtin_value(  # as the task's settings: the checkpoints keep them
            dict(
                val_fraction=classifier.val_fraction,
                batch_size=classifier.batch_size,
                seed=seed,
                max_batch_steps=classifier.max_batch_steps,
            )
        ),
        groups=groups,
    )
    datamodule.set_classes(class_names)
    task = ClassificationTask(**task_settings(classifier, data.n_channels, class_names, data.channel_names))
    with tempfile.TemporaryDirectory(prefix="ssm-ts-classifier-") as out_dir:
        trainer = build_trainer(
            max_epochs=builtin_value(classifier.max_epochs),
            out_dir=out_dir,
            monitor="val_loss" if classifier.val_fraction > 0 else "train_loss",
            accelerator=classifier.accelerator,
            progress=False,
            limit_val_batches=1.0 if classifier.val_fraction > 0 else 0,
        )
        with warnings.catch_warnings():  # fit warned already, at the user's call
            warnings.simplefilter("ignore", LayoutWarning)
            trainer.fit(task, datamodule)
        best = trainer.checkpoint_callback.best_model_path if classifier.val_fraction > 0 else ""
        if best:
            from ssm_ts.export import load_checkpoint

            task.load_state_dict(load_checkpoint(best)["state_dict"])
    return task.cpu().eval()
