"""A weighted epoch mean that keeps NaN and reads nothing on the host (:class:`WeightedMean`): the loss
means of the classification task, the loss and coverage means of the forecasting task and the NLL means
of the audio task."""

from __future__ import annotations

import torch
import torchmetrics


class WeightedMean(torchmetrics.Metric):
    """The weighted mean of :class:`torchmetrics.MeanMetric` (the same sums, in the same dtype) without its
    NaN check, which reads each value on the host (a GPU sync per batch) and leaves a NaN value out with a
    warning: a batch whose loss was NaN dropped out of the epoch's loss, which stayed finite. Here a NaN
    value makes the epoch's mean NaN, as the point metrics' are. (``MeanMetric(nan_strategy="disable")`` is
    no substitute: torchmetrics 1.9 then replaces the weights by ones.) Its states are sums: under DDP
    they add over the processes, so the epoch's mean is over every process's values."""

    full_state_update = False
    mean_value: torch.Tensor
    weight: torch.Tensor

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        dtype = torch.get_default_dtype()
        self.add_state("mean_value", default=torch.tensor(0.0, dtype=dtype), dist_reduce_fx="sum")
        self.add_state("weight", default=torch.tensor(0.0, dtype=dtype), dist_reduce_fx="sum")

    def update(self, value: torch.Tensor, weight: torch.Tensor | None = None) -> None:
        """``value`` of any shape; ``weight`` a tensor that broadcasts to it (``None``: 1 each), on its device."""
        weight = torch.ones_like(value) if weight is None else torch.broadcast_to(weight, value.shape)
        value, weight = value.to(self.dtype), weight.to(self.dtype)
        self.mean_value += (value * weight).sum()
        self.weight += weight.sum()

    def mean_and_weight(self) -> tuple[torch.Tensor, torch.Tensor]:
        """``(mean, weight)``: :meth:`compute`'s mean and the total weight it divides by, scalars, both over
        every DDP process's sums (a collective: every process calls it); a weight 0 tells a mean of nothing
        (0 / 0) from a NaN value's."""
        with self.sync_context():  # one process: its own sums; the states are its own again after
            return self.mean_value / self.weight, self.weight.clone()

    def compute(self) -> torch.Tensor:
        """The epoch's ``sum(w_i value_i) / sum(w_i)``, a scalar: NaN when a value was NaN or nothing weighed."""
        return self.mean_value / self.weight
