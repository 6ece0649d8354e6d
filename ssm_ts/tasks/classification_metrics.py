"""The torchmetrics a :class:`~ssm_ts.tasks.classification.ClassificationTask` logs per split:
accuracy, balanced accuracy, macro F1 and the weighted mean loss."""

from __future__ import annotations

import torchmetrics
from torch import nn

from ssm_ts.tasks.weighted_mean import WeightedMean

SPLITS = ("train", "val", "test")


def split_metrics(n_classes: int) -> nn.ModuleDict:
    """``{split}_metrics`` -> ``{"acc", "balanced_acc", "f1"}`` for each of :data:`SPLITS`."""
    # multiclass metrics also for 2 classes: one code path, and macro F1 averages both classes
    # keys carry a suffix: a ModuleDict key "train" would clash with Module.train
    return nn.ModuleDict(
        {
            f"{split}_metrics": nn.ModuleDict(
                {
                    "acc": torchmetrics.Accuracy(task="multiclass", num_classes=n_classes),
                    # macro recall: scikit-learn's balanced_accuracy_score
                    "balanced_acc": torchmetrics.Accuracy(
                        task="multiclass", num_classes=n_classes, average="macro"
                    ),
                    "f1": torchmetrics.F1Score(task="multiclass", num_classes=n_classes, average="macro"),
                }
            )
            for split in SPLITS
        }
    )


def split_loss_means() -> nn.ModuleDict:
    """``{split}_loss`` -> a :class:`~ssm_ts.tasks.weighted_mean.WeightedMean` for each of :data:`SPLITS`:
    the epoch's weighted mean loss ``sum(w_i loss_i) / sum(w_i)``, updated with each batch's losses
    ``(batch,)`` and their weights ``(batch,)``, both tensors on the model's device.

    Not ``torchmetrics.MeanMetric``: its NaN check read every batch's losses on the host (on a GPU a sync
    per batch) and left a NaN loss out with a warning, so an epoch whose model gave NaN logged a finite
    loss. A NaN loss now makes the epoch's loss NaN. Under DDP the sums add over the processes."""
    return nn.ModuleDict({f"{split}_loss": WeightedMean() for split in SPLITS})
