"""Edges of the masked forecasting scores (:mod:`ssm_ts.tasks.forecast_metrics`) and of the DDP training
loss's count (:func:`ssm_ts.tasks.forecast_loss.summed_over_ranks`), checked against what the old code did.

- Nothing observed (a split, or a process's share, whose targets are all NaN): every score is NaN, as the
  old boolean-indexed torchmetrics reported (0 / 0), with no error and no warning.
- A float64 weight leaves the float32 states float32 (the old ``MeanMetric`` made its weight float32).
- The count of observed values is summed by the strategy's own ``reduce`` where torch.distributed has no
  process group, and not reduced at all in one process."""

from __future__ import annotations

import warnings
from types import SimpleNamespace

import torch
import torchmetrics

from ssm_ts.models.losses import QuantileLoss
from ssm_ts.tasks.forecast_loss import masked_loss, summed_over_ranks
from ssm_ts.tasks.forecast_metrics import split_metrics

STATES = {"mse": ("sum_squared_error", "total"), "mae": ("sum_abs_error", "total"),
          "mse_orig": ("sum_squared_error", "total"), "mae_orig": ("sum_abs_error", "total"),
          "coverage": ("mean_value", "weight"), "loss": ("mean_value", "weight")}  # fmt: skip


def update_old_way(old: dict[str, torchmetrics.Metric], preds, target, observed) -> None:
    """The old ``ForecastScoring._evaluate``'s updates of one batch: boolean-indexed values, a Python weight."""
    weight = observed.sum().item() / (target.shape[1] * target.shape[2])
    old["loss"](torch.zeros(()), weight)
    for name in ("mse", "mae", "mse_orig", "mae_orig"):
        old[name](preds[observed], target[observed])
    old["coverage"](torch.ones(int(observed.sum())))


def test_nothing_observed_scores_nan_as_before_without_a_warning():
    torch.manual_seed(0)
    preds, target = torch.randn(3, 4, 2), torch.full((3, 4, 2), float("nan"))
    observed = ~target.isnan()
    new = split_metrics()["val"]
    old = {"loss": torchmetrics.MeanMetric(), "mse": torchmetrics.MeanSquaredError(),
           "mae": torchmetrics.MeanAbsoluteError(), "mse_orig": torchmetrics.MeanSquaredError(),
           "mae_orig": torchmetrics.MeanAbsoluteError(), "coverage": torchmetrics.MeanMetric()}  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(2):  # two batches
            update_old_way(old, preds, target, observed)
            weight = observed.sum().double() / (target.shape[1] * target.shape[2])  # as _evaluate: float64
            new["loss"](torch.zeros(()), weight)
            for name in ("mse", "mae", "mse_orig", "mae_orig"):
                new[name](preds, target, observed)
            new["coverage"](torch.zeros_like(preds), observed)
        scores = {name: new[name].compute() for name in old}
        before = {name: old[name].compute() for name in old}
    assert all(bool(value.isnan()) for value in [*scores.values(), *before.values()]), (scores, before)
    assert {name: value.dtype for name, value in scores.items()} == dict.fromkeys(old, torch.float32)
    assert (
        new["loss"].mean_value.dtype == new["loss"].weight.dtype == torch.float32
    )  # not the weight's float64


def test_a_rank_with_nothing_observed_adds_nothing_to_the_others_scores():
    """The states of two ranks summed (as DDP's sync does, ``dist_reduce_fx="sum"``) are one process's."""
    torch.manual_seed(1)
    preds, target = torch.randn(4, 3, 2), torch.randn(4, 3, 2)
    target[0, :, 1] = float("nan")
    nothing = torch.full_like(target, float("nan"))
    whole, ranks = split_metrics()["test"], [split_metrics()["test"] for _ in range(2)]
    whole["mse"](preds, target, ~target.isnan())
    ranks[0]["mse"](preds, target, ~target.isnan())
    ranks[1]["mse"](preds, nothing, ~nothing.isnan())
    # every state of every score is summed over the ranks
    assert {
        name: {state: fn.__name__ for state, fn in metric._reductions.items()}
        for name, metric in whole.items()
    } == {name: dict.fromkeys(states, "dim_zero_sum") for name, states in STATES.items()}
    summed = {
        state: getattr(ranks[0]["mse"], state) + getattr(ranks[1]["mse"], state) for state in STATES["mse"]
    }
    assert torch.equal((summed["sum_squared_error"] / summed["total"]).reshape(()), whole["mse"].compute())


def test_the_count_is_summed_by_the_strategy_without_a_process_group_and_not_in_one_process():
    calls = []

    def reduce(count, reduce_op):
        calls.append(reduce_op)
        return count * 2  # two ranks with the same count

    torch.manual_seed(2)
    prediction, y = torch.randn(2, 5, 1, 3), torch.randn(2, 5, 1)
    y[0, :3, 0] = float("nan")
    assert not torch.distributed.is_initialized()
    strategy = SimpleNamespace(reduce=reduce)
    assert float(summed_over_ranks(torch.tensor(7.0), SimpleNamespace(strategy=strategy))) == 14.0
    assert calls == ["sum"]
    loss = QuantileLoss([0.1, 0.5, 0.9])
    two = masked_loss(loss, prediction, y, SimpleNamespace(world_size=2, strategy=strategy))
    one = masked_loss(loss, prediction, y, SimpleNamespace(world_size=1, strategy=strategy))
    assert calls == ["sum", "sum"]  # one process: no reduction
    assert torch.equal(two, one) and torch.equal(one, masked_loss(loss, prediction, y))


def test_an_epoch_start_resets_the_masked_scores():
    """:class:`~ssm_ts.tasks.metric_reset.ScoresStartEachEpoch` finds the new metrics (torchmetrics ``Metric``
    subclasses) and empties every state: counts left by a stopped evaluation are not scored again."""
    from ssm_ts.tasks.forecasting import ForecastingTask

    task = ForecastingTask(
        model="nlinear", lookback=8, horizon=2, quantiles=[0.1, 0.5, 0.9], n_channels=2, n_outputs=2
    )
    preds, target = torch.randn(3, 2, 2), torch.randn(3, 2, 2)
    for split in ("val", "test"):
        for name, metric in task.metrics[split].items():
            if name in ("loss", "coverage"):
                metric.update(preds, torch.ones_like(preds))
            else:
                metric.update(preds, target, ~target.isnan())
    task.on_validation_epoch_start()
    for split, emptied in (("val", True), ("test", False)):
        states = [getattr(m, s) for name, m in task.metrics[split].items() for s in STATES[name]]
        assert all(bool((state == 0).all()) for state in states) is emptied, split
    task.on_test_epoch_start()
    assert all(bool((getattr(m, s) == 0).all()) for n, m in task.metrics["test"].items() for s in STATES[n])
