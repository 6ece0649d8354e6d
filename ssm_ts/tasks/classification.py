"""``ClassificationTask``: an S4ND encoder trained with cross-entropy on padded, masked recordings.

Batches ``(x (batch, length, channels) original units (float64), mask (batch, length), y (batch,))`` come from
:class:`~ssm_ts.pipelines.sensor.SensorDataModule`. The per-channel scaler fitted on the training
split lives in the task's buffers and the class names in its hyperparameters, so a checkpoint
(or export) classifies new files by itself. Metrics per split: ``{split}_loss``, ``{split}_acc``,
``{split}_balanced_acc`` (the mean of the per-class recalls, scikit-learn's
``balanced_accuracy_score``) and ``{split}_f1`` (macro F1), from torchmetrics: on imbalanced data
accuracy rewards predicting the common class, the last two do not.

Imbalanced classes: ``class_weight`` (``None``, ``"balanced"`` or ``{label: weight}``, scikit-learn's
semantics) weighs each recording's cross-entropy by its class's weight, computed from the training
split's labels at the start of the fit and kept in the checkpoint (buffer ``class_weights``), so a
resumed fit trains on the same objective. Recordings given with weights (``SeriesSet.weights``:
``SSMClassifier.fit(X, y, sample_weight)``) are weighted by them too. The loss of a batch (and of an
epoch, ``{split}_loss``) is the weighted mean ``sum(w_i loss_i) / sum(w_i)``, as scikit-learn's
weighted losses, so ``"balanced"`` on balanced data changes nothing; the validation loss, which
picks the best checkpoint and stops early, is weighted the same way.

``model: random_features`` is fitted in closed form instead (:mod:`ssm_ts.models.random_feature_classifier`:
fixed random S4D kernels -> PPV/max features -> standardised -> ridge): at the start of the fit it
reads the whole training split once, then the trainer runs one epoch without gradient steps whose
validation logs the metrics (``val_loss`` is the cross-entropy of the softmaxed ridge scores).
"""

from __future__ import annotations

from typing import Any, Literal

import lightning.pytorch as pl
import torch
import torchmetrics
from torch import nn

from ssm_ts.errors import ConfigError, DataError
from ssm_ts.pipelines.sampling import TrainingRandomness
from ssm_ts.pipelines.sensor import SensorDataModule
from ssm_ts.pipelines.sensor.weights import ClassWeight, check_class_weight, check_class_weight_form
from ssm_ts.tasks.classification_confusion import confusion_counts, confusion_figure, log_confusion_matrix
from ssm_ts.tasks.classification_export import EXPORT_KIND, load_classifier_export, save_classifier_export
from ssm_ts.tasks.classification_forward import ClassificationForward
from ssm_ts.tasks.classification_metrics import SPLITS, split_loss_means, split_metrics
from ssm_ts.tasks.classification_outputs import ClassificationOutputs
from ssm_ts.tasks.classification_predict import (
    PREDICT_BATCH_VALUES,
    predict_batch_rows,
    predict_series,
    prediction_frame,
)
from ssm_ts.tasks.classification_processes import refuse_several_processes
from ssm_ts.tasks.classification_setup import match_datamodule
from ssm_ts.tasks.classification_steps import ClassificationSteps
from ssm_ts.tasks.optimizer_settings import check_lr_schedule, check_weight_decay
from ssm_ts.tasks.seeded_training import SeededTrainingHooks
from ssm_ts.tracking.resume_settings import builtin_hparams
from ssm_ts.training import check_learning_rate
from ssm_ts.wording import counted

CLOSED_FORM_MODELS = ("random_features",)
# moved to their own modules; the API, the pyfunc, benchmarks and tests import them from here
__all__ = [
    "CLOSED_FORM_MODELS",
    "EXPORT_KIND",
    "PREDICT_BATCH_VALUES",
    "SPLITS",
    "ClassificationTask",
    "configure_cli_parser",
    "confusion_counts",
    "confusion_figure",
    "load_classifier_export",
    "log_confusion_matrix",
    "predict_batch_rows",
    "predict_series",
    "prediction_frame",
    "save_classifier_export",
]


class ClassificationTask(
    SeededTrainingHooks, ClassificationForward, ClassificationSteps, ClassificationOutputs, pl.LightningModule
):
    """Lightning task around one classifier encoder: its settings, the model built from them (or from
    the data module at ``setup``); the forward pass, the steps and the outputs are its mix-ins'
    (:mod:`~ssm_ts.tasks.classification_forward`, :mod:`~ssm_ts.tasks.classification_steps`,
    :mod:`~ssm_ts.tasks.classification_outputs`).

    Args:
        model: ``"s4d1d"`` (bidirectional SSM blocks over time), ``"s4nd2d"`` (2-D S4ND over channels x time,
            for spectrograms) or ``"random_features"`` (random S4D kernel features + ridge, fitted in closed
            form; ``model_options``: ``n_kernels``, ``seed``, ``n_modes``, ``max_channels``, ``max_cycles``,
            ``pooling``, ``chunk``, ``shift_fraction``, ``memory_budget_mb``; lr, weight_decay and lr_schedule
            do not apply).
        n_channels: input channels; classes: class names in label-index order. Both come from the data
            module when omitted (and are stored in checkpoints).
        model_options: encoder settings (``d_model``, ``n_layers``, ``d_state``, ``dropout``, ``ssm`` ...).
        lr, weight_decay: AdamW; SSM parameters get their own group (lr <= 1e-3, no decay).
        lr_schedule: ``"cosine"`` over the epochs or ``"none"``.
        label_smoothing: cross-entropy label smoothing.
        rate: the recordings' sample rate relative to training, for validate/test/predict of recordings
            sampled at another rate: training sample rate / their rate (0.5 for twice the rate); the SSMs
            scale their steps by it. A fit takes 1 only (it learns at its data's own rate). CLI:
            ``ssm-ts classify predict --ckpt_path best --data.path X --model.rate 0.5``.
        class_weight: ``None``, ``"balanced"`` (``n / (n_classes * count)`` from the training split's
            labels) or ``{label: weight}`` (a class left out weighs 1): each recording's loss is
            weighted by its class's weight, in training and validation (see the module docstring).
            CLI: ``--model.class_weight balanced`` or ``--model.class_weight '{Fall: 10}'``.
        channel_names: the training channels' names (a CSV's columns), in the model's input order; from
            the data module's training recordings when omitted (``None`` for unnamed data: arrays,
            ``.ts``). Stored in checkpoints and exports: test/predict data with named channels is
            reordered by name, and a missing or unknown channel is a :class:`DataError`; unnamed
            data, or a model without names (fitted before they were kept), is matched by position.
    """

    def __init__(
        self,
        model: Literal["s4d1d", "s4nd2d", "random_features"] = "s4d1d",
        n_channels: int | None = None,
        classes: list[str] | None = None,
        model_options: dict[str, Any] | None = None,
        lr: float = 3e-3,
        weight_decay: float = 0.01,
        lr_schedule: Literal["cosine", "none"] = "cosine",
        label_smoothing: float = 0.0,
        rate: float = 1.0,
        class_weight: ClassWeight = None,
        channel_names: list[str] | None = None,
    ):
        from ssm_ts.models.random_ssm_features import check_rate

        super().__init__()
        rate = check_rate(rate)  # 0, negative, inf or text: a clear error before anything is built
        # here, not at the first optimizer step (torch's overflow traceback mid-fit, the run FAILED)
        check_learning_rate(lr, cli_option="--model.lr", default_from=type(self))
        check_weight_decay(weight_decay)  # torch takes a negative one without a word
        check_lr_schedule(lr_schedule)  # anything else trained with the cosine schedule
        check_class_weight_form(class_weight, classes)  # before save_hyperparameters keeps it
        self.save_hyperparameters()
        builtin_hparams(self)  # NumPy or Path settings would make its checkpoints unloadable
        self.net: nn.Module | None = None
        # per recording: the batch's loss is the weighted mean (_step)
        self.loss_fn = nn.CrossEntropyLoss(reduction="none", label_smoothing=label_smoothing)
        self.register_load_state_dict_pre_hook(_unit_class_weights_when_absent)
        self.randomness = TrainingRandomness()  # training batches' dropout, kept in checkpoints
        # closed-form models take no gradient steps: Lightning then needs no optimizer
        self.automatic_optimization = model not in CLOSED_FORM_MODELS
        if n_channels is not None and classes is not None:
            self._build(n_channels, list(classes), channel_names)

    # ------------------------------------------------------------ model and scaler

    def _build(self, n_channels: int, classes: list[str], channel_names: list[str] | None = None) -> None:
        from ssm_ts.models.random_feature_classifier import build_random_feature_classifier
        from ssm_ts.models.s4nd import build_encoder

        if len(classes) < 2:
            raise DataError(f"classification needs at least 2 classes, got {classes}")
        self.hparams.n_channels, self.hparams.classes = int(n_channels), [str(c) for c in classes]
        self._set_channel_names(channel_names)
        n_classes = len(classes)
        check_class_weight(self.hparams.class_weight, self.hparams.classes)
        options = self.hparams.model_options
        if self.closed_form:
            self.net = build_random_feature_classifier(
                n_channels=n_channels, n_classes=n_classes, options=options
            )
        else:
            self.net = build_encoder(
                self.hparams.model, n_channels=n_channels, n_classes=n_classes, options=options
            )
        self.register_buffer("scaler_mean", torch.zeros(n_channels, dtype=torch.float64))
        self.register_buffer("scaler_scale", torch.ones(n_channels, dtype=torch.float64))
        self.register_buffer("scaler_fitted", torch.zeros((), dtype=torch.bool))
        # set from the training labels in setup("fit"); kept in checkpoints so a resume weighs the same
        self.register_buffer("class_weights", torch.ones(n_classes, dtype=torch.float64))
        self.metrics = split_metrics(n_classes)
        self.test_confusion = torchmetrics.ConfusionMatrix(task="multiclass", num_classes=n_classes)
        self.loss_means = split_loss_means()

    def _set_channel_names(self, names: list[str] | None) -> None:
        """Keep ``names`` (one distinct name per input channel, or ``None``) as ``hparams.channel_names``."""
        if names is not None:
            names = [str(name) for name in names]
            if len(names) != self.hparams.n_channels or len(set(names)) != len(names):
                raise ConfigError(
                    f"channel_names {names} must name each of the model's {counted(self.hparams.n_channels, 'channel')} "
                    "once; leave it out to take the names from the training data."
                )
        self.hparams.channel_names = names

    @property
    def closed_form(self) -> bool:
        """The model is fitted in closed form at the start of the fit (no gradient steps)."""
        return self.hparams.model in CLOSED_FORM_MODELS

    @property
    def classes(self) -> list[str]:
        return list(self.hparams.classes or [])

    def setup(self, stage: str) -> None:
        refuse_several_processes(self, stage)
        if stage == "fit" and self.hparams.rate != 1.0:
            # a random-features ridge is fitted at rate 1 and would be validated at this rate, and an
            # encoder would learn at a step its data does not have
            raise ConfigError(
                f"model.rate={self.hparams.rate:g} is for recordings sampled at another rate than the training "
                "ones, at validate/test/predict (ssm-ts classify predict --ckpt_path best --data.path X "
                f"--model.rate {self.hparams.rate:g}); a fit learns at its data's own rate: leave model.rate out (1)."
            )
        datamodule = getattr(self.trainer, "datamodule", None) if self._trainer is not None else None
        if not isinstance(datamodule, SensorDataModule):
            if self.net is None:
                raise ConfigError("ClassificationTask needs n_channels and classes, or a SensorDataModule.")
            return
        match_datamodule(self, datamodule, stage)

    def _require_net(self) -> nn.Module:
        if self.net is None:
            raise ConfigError("the classifier is not built yet: fit it with a SensorDataModule first.")
        return self.net


def _unit_class_weights_when_absent(module, state_dict, prefix, *args) -> None:
    """Checkpoints and exports written before class weights hold none: load them with weights 1."""
    key = f"{prefix}class_weights"
    if key not in state_dict and f"{prefix}scaler_mean" in state_dict and hasattr(module, "class_weights"):
        state_dict[key] = torch.ones_like(module.class_weights)


def configure_cli_parser(parser) -> None:
    """CLI hook: nothing to link (channels and classes are read from the data at fit time)."""
    del parser
