"""The validation and test metrics of :class:`~ssm_ts.tasks.forecasting.ForecastingTask`: one set of
torchmetrics per split (:func:`split_metrics`), updated and logged per batch (:class:`ForecastScoring`)."""

from __future__ import annotations

import torch
import torchmetrics
from torch import nn

from ssm_ts.pipelines.sampling import evaluation_loader, items_in_batch
from ssm_ts.tasks.metric_reset import ScoresStartEachEpoch

SPLITS = ("val", "test")


def split_metrics() -> nn.ModuleDict:
    """Per split of :data:`SPLITS`: the scaled ``mse``/``mae``, the original-unit ``mse_orig``/``mae_orig``,
    the ``coverage`` of the outer quantile interval and the ``loss``, as torchmetrics (epoch means that
    DDP sums over the ranks)."""
    return nn.ModuleDict(
        {
            split: nn.ModuleDict(
                {
                    "mse": torchmetrics.MeanSquaredError(),
                    "mae": torchmetrics.MeanAbsoluteError(),
                    "mse_orig": torchmetrics.MeanSquaredError(),
                    "mae_orig": torchmetrics.MeanAbsoluteError(),
                    "coverage": torchmetrics.MeanMetric(),
                    "loss": torchmetrics.MeanMetric(),  # summed over DDP ranks, not averaged per rank
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
        # values the data holds (not those the fill invented)
        masked = self.masked
        observed = ~y.isnan() if masked else None
        # A weighted torchmetrics mean: under DDP the epoch value is over all windows of all ranks,
        # exactly the single-process value (a logged tensor would stay per-rank). With missing
        # targets a batch weighs by its observed values (each batch's loss is their mean), so the
        # epoch loss is the mean over all observed values, however they fall into batches.
        weight = observed.sum().item() / (y.shape[1] * y.shape[2]) if masked else len(y)
        # a batch with nothing to score (a DDP process's padding): its loss, a mean of nothing, is NaN
        loss = self._loss(prediction, y_scaled) if weight else prediction.new_zeros(())
        metrics["loss"](loss, weight)
        self.log(f"{split}_loss", metrics["loss"], on_epoch=True, prog_bar=split == "val", batch_size=len(x))
        point = prediction[..., self.point].contiguous()
        point_orig = self.unscale_prediction(prediction)[..., self.point].contiguous()
        if masked:  # the torchmetrics sums and counts: epoch means over the observed values exactly
            point, y_scaled, point_orig, y = (
                point[observed],
                y_scaled[observed],
                point_orig[observed],
                y[observed],
            )
        metrics["mse"](point, y_scaled)
        metrics["mae"](point, y_scaled)
        metrics["mse_orig"](point_orig, y)
        metrics["mae_orig"](point_orig, y)
        for name in ("mse", "mae", "mse_orig", "mae_orig"):
            self.log(f"{split}_{name}", metrics[name], on_epoch=True, batch_size=len(x))
        if self.hparams.quantiles and len(self.hparams.quantiles) >= 2:
            ordered = prediction.sort(dim=-1).values
            if masked:
                ordered = ordered[observed]
            inside = (y_scaled >= ordered[..., 0]) & (y_scaled <= ordered[..., -1])
            metrics["coverage"](inside.float())
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
