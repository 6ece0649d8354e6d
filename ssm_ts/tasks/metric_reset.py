"""Each split's scores start from no counts at its epoch's start (:class:`ScoresStartEachEpoch`).

Lightning resets a logged metric at its epoch's end only, and a task resets its own at the end too: counts
that reach an epoch's start are scored with it. They do reach it: under ``ddp_spawn`` on CPUs a metric's
states (plain tensors: Lightning unshares parameters and buffers only) reach the started processes in
memory they share with each other and with the launching process, so a metric updated in place added
both processes' counts into one tensor and left them in the launching process, where a ``validate`` after
the fit started from them; an evaluation stopped by an error or Ctrl-C before its end leaves its counts
in the task for the next one. A reset at the start gives each epoch, and each process, counts of its
own; in one process that ran to its end it changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

import torchmetrics
from torch import nn


def reset_metrics(modules: Iterable[nn.Module]) -> None:
    """Reset every torchmetrics ``Metric`` in ``modules`` (a metric, or a module holding metrics, such as
    a ``ModuleDict`` of them) to its empty state."""
    for module in modules:
        for metric in module.modules():
            if isinstance(metric, torchmetrics.Metric):
                metric.reset()


class ScoresStartEachEpoch:
    """A LightningModule mix-in (list it before ``pl.LightningModule``): the metrics of ``split`` (``"train"``,
    ``"val"`` or ``"test"``) are reset as its epoch starts. The task names them in :meth:`split_scores`."""

    def split_scores(self, split: str) -> list[nn.Module]:
        """The metrics (or modules holding them) that score ``split``; ``[]``: none."""
        raise NotImplementedError

    def on_train_epoch_start(self) -> None:
        super().on_train_epoch_start()
        reset_metrics(self.split_scores("train"))

    def on_validation_epoch_start(self) -> None:
        super().on_validation_epoch_start()
        reset_metrics(self.split_scores("val"))

    def on_test_epoch_start(self) -> None:
        super().on_test_epoch_start()
        reset_metrics(self.split_scores("test"))
