"""The validation and test metrics of :class:`~ssm_ts.tasks.forecasting.ForecastingTask`: one set of
torchmetrics per split (:func:`split_metrics`), updated and logged per batch (:class:`ForecastScoring`)."""

from __future__ import annotations

import torch
import torchmetrics
from torch import nn

from ssm_ts.pipelines.sampling import evaluation_loader, items_in_batch
from ssm_ts.tasks.metric_reset import ScoresStartEachEpoch
from ssm_ts.tasks.weighted_mean import WeightedMean  # here before; imported from here too

SPLITS = ("val", "test")


class ObservedMeanSquaredError(torchmetrics.MeanSquaredError):
    """:class:`torchmetrics.MeanSquaredError` over the values ``observed`` marks (``None``: all of them).

    The others add 0 to the sum and to the count, which stay tensors: no boolean index (whose size a GPU
    reports to the host, a sync per batch) and no count read on the host."""

    def update(self, preds: torch.Tensor, target: torch.Tensor, observed: torch.Tensor | None = None) -> None:
        """``preds``, ``target`` and ``observed`` (bool) of one shape, e.g. ``(batch, horizon, n_targets)``."""
        if observed is None:
            super().update(preds, target)
            return
        difference = observed_differences(preds, target, observed)
        self.sum_squared_error += torch.sum(difference * difference, dim=0)
        self.total += observed.sum()


class ObservedMeanAbsoluteError(torchmetrics.MeanAbsoluteError):
    """:class:`torchmetrics.MeanAbsoluteError` over the values ``observed`` marks (``None``: all of them),
    kept on the device as :class:`ObservedMeanSquaredError`."""

    def update(self, preds: torch.Tensor, target: torch.Tensor, observed: torch.Tensor | None = None) -> None:
        """``preds``, ``target`` and ``observed`` (bool) of one shape, e.g. ``(batch, horizon, n_targets)``."""
        if observed is None:
            super().update(preds, target)
            return
        self.sum_abs_error += torch.sum(observed_differences(preds, target, observed).abs(), dim=0)
        self.total += observed.sum()


def observed_differences(preds: torch.Tensor, target: torch.Tensor, observed: torch.Tensor) -> torch.Tensor:
    """``preds - target`` where ``observed``, 0 elsewhere (where the target, or a forecast never scored, is
    NaN), flattened: ``(n,)`` for inputs of ``n`` values. A NaN forecast of an observed value stays NaN."""
    if not preds.shape == target.shape == observed.shape:
        raise ValueError(
            f"preds {tuple(preds.shape)}, target {tuple(target.shape)} and observed {tuple(observed.shape)} "
            "must have one shape."
        )
    return torch.where(observed, preds - target, 0).reshape(-1)


def split_metrics() -> nn.ModuleDict:
    """Per split of :data:`SPLITS`: the scaled ``mse``/``mae``, the original-unit ``mse_orig``/``mae_orig``,
    the ``coverage`` of the outer quantile interval and the ``loss``, as torchmetrics (epoch means that
    DDP sums over the ranks) that take a mask of the observed targets and keep NaN."""
    return nn.ModuleDict(
        {
            split: nn.ModuleDict(
                {
                    "mse": ObservedMeanSquaredError(),
                    "mae": ObservedMeanAbsoluteError(),
                    "mse_orig": ObservedMeanSquaredError(),
                    "mae_orig": ObservedMeanAbsoluteError(),
                    "coverage": WeightedMean(),
                    "loss": WeightedMean(),  # summed over DDP ranks, not averaged per rank
                }
            )
            for split in SPLITS
        }
    )


class ForecastScoring(ScoresStartEachEpoch):
    """The validation and test steps of :class:`~ssm_ts.tasks.forecasting.ForecastingTask` (mixed into it:
    uses its ``metrics``, scaling, ``_loss`` and ``_unpack``): each batch updates the split's metrics,
    which start from no counts at each epoch's start (an evaluation stopped by an error or Ctrl-C left its
    counts in them, and the next one added them to its own)."""

    def split_scores(self, split: str) -> list[nn.Module]:
        return [self.metrics[split]] if split in SPLITS else []

    def _evaluate(self, batch, split: str, batch_idx: int) -> None:
        x, y, rows = self._unpack(batch)
        prediction = self(self.scale_inputs(x), rows=rows).prediction  # NaN outside rows: never scored
        prediction, y = self._without_padding(prediction, y, split, batch_idx)
        y_scaled = self.scale_targets(y)
        metrics = self.metrics[split]
        # only observed targets are scored: a ragged panel's series each window is valid for, and
        # values the data holds (not those the fill invented). Their masks, sums and counts stay on the
        # device: no value is read on the host (on a GPU each read waits for it, a sync per batch).
        observed = ~y.isnan() if self.masked else None
        # A weighted torchmetrics mean: under DDP the epoch value is over all windows of all ranks,
        # exactly the single-process value (a logged tensor would stay per-rank). With missing
        # targets a batch weighs by its observed values (each batch's loss is their mean), so the
        # epoch loss is the mean over all observed values, however they fall into batches.
        if observed is None:
            weight = prediction.new_full((), len(y), dtype=torch.float64)
        else:  # a batch with nothing observed has loss 0 (the masked loss fills the missing values)
            weight = observed.sum().double() / (y.shape[1] * y.shape[2])
        # a batch with no window (a DDP process's padding): its loss, a mean of nothing, is NaN
        loss = self._loss(prediction, y_scaled) if len(y) else prediction.new_zeros(())
        metrics["loss"](loss, weight)
        self.log(f"{split}_loss", metrics["loss"], on_epoch=True, prog_bar=split == "val", batch_size=len(x))
        point = prediction[..., self.point].contiguous()
        point_orig = self.unscale_prediction(prediction)[..., self.point].contiguous()
        # the torchmetrics sums and counts: epoch means over the observed values exactly
        metrics["mse"](point, y_scaled, observed)
        metrics["mae"](point, y_scaled, observed)
        metrics["mse_orig"](point_orig, y, observed)
        metrics["mae_orig"](point_orig, y, observed)
        for name in ("mse", "mae", "mse_orig", "mae_orig"):
            self.log(f"{split}_{name}", metrics[name], on_epoch=True, batch_size=len(x))
        if self.hparams.quantiles and len(self.hparams.quantiles) >= 2:
            ordered = prediction.sort(dim=-1).values  # NaN sorts last: a NaN level makes the top NaN
            low, high = ordered[..., 0], ordered[..., -1]
            inside = ((y_scaled >= low) & (y_scaled <= high)).float()
            inside = inside.masked_fill(high.isnan(), float("nan"))  # a NaN forecast is no miss: NaN
            if observed is None:
                metrics["coverage"](inside)
            else:
                metrics["coverage"](torch.where(observed, inside, 0), observed)
            self.log(f"{split}_coverage", metrics["coverage"], on_epoch=True, batch_size=len(x))

    def _without_padding(
        self, prediction: torch.Tensor, y: torch.Tensor, split: str, batch_idx: int
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``prediction (batch, horizon, n_targets, n_quantiles)`` and ``y (batch, horizon, n_targets)``
        of batch ``batch_idx`` of ``split`` without the padding windows (targets all NaN) that make a DDP
        process's evaluation shard as long as the others' (:class:`~ssm_ts.pipelines.sampling.EvaluationShard`),
        so that each window is scored once over the processes, also where the task scores unmasked targets.

        The padding is the shard's tail: its rows are found from the batch's position in the loader, with
        no look at the targets (on a GPU each look waits for the device: a sync per batch). One process
        has none. Only a loader whose rows cannot be told so (not one ``DataLoader``) has its targets read."""
        trainer = self._trainer
        if trainer is None or trainer.world_size <= 1:
            return prediction, y
        kept = items_in_batch(evaluation_loader(trainer, split), batch_idx, len(y))
        if kept is not None:
            return (prediction, y) if kept == len(y) else (prediction[:kept], y[:kept])
        scored = ~y.isnan().flatten(1).all(dim=1)
        if bool(scored.all()):
            return prediction, y
        return prediction[scored], y[scored]

    def validation_step(self, batch, batch_idx: int) -> None:
        self._evaluate(batch, "val", batch_idx)

    def test_step(self, batch, batch_idx: int) -> None:
        self._evaluate(batch, "test", batch_idx)
