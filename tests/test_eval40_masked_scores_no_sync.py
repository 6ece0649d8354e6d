"""A forecasting evaluation whose targets hold NaN (a ragged panel, values the fill invented) scores
the observed values without reading anything on the host: it read the count of observed values
(``.item()``), indexed every score's inputs with the boolean mask (a shape that depends on the values)
and let torchmetrics' ``MeanMetric`` look for NaN in each batch's loss and coverage on the host, and on
a GPU each of these waits for the device (a sync per batch). The masks, sums and counts now stay tensors.

The scores are those of the old code: the boolean-indexed torchmetrics, run here beside the task on
the same batches. A NaN forecast of an observed value surfaces: every score is NaN (the old
``MeanMetric`` left a NaN loss out with a warning, and counted a NaN interval as a miss).

Real ETTh1 columns as a ragged panel (series that start late and end early: NaN tails in the windows'
targets) with a gap inside a span that the fill invents; a tiny NLinear with quantiles."""

from __future__ import annotations

import warnings

import pytest
import torch
import torchmetrics

from ssm_ts.pipelines.forecasting import ForecastDataModule
from ssm_ts.tasks.forecasting import ForecastingTask
from tests.api.test_forecaster_ragged import ragged_table
from tests.tasks.test_forecast_task_observed_targets import HORIZON, LOOKBACK, QUANTILES, task_for, trainer
from tests.test_fcst39_ddp_padding_no_sync import SyncCalls

SPANS = {"OT": (0, 1200), "HUFL": (100, 1150), "LUFL": (300, 1200), "MUFL": (0, 1100)}
NAMES = ("loss", "mse", "mae", "mse_orig", "mae_orig", "coverage")


class HostReads(SyncCalls):
    """:class:`SyncCalls`, and host values made into tensors (``torch.as_tensor(0.5)``: on a GPU a copy
    from the host that waits for the device, as a Python number given to ``MeanMetric`` was)."""

    def __torch_function__(self, func, types, args=(), kwargs=None):
        if getattr(func, "__name__", "") in ("tensor", "as_tensor", "scalar_tensor"):
            self.calls.append(func.__name__)
        return super().__torch_function__(func, types, args, kwargs)


@pytest.fixture(scope="module")
def module(ett) -> ForecastDataModule:
    frame = ragged_table(ett, SPANS)
    gap = frame.index[(frame["unique_id"] == "OT") & frame["ds"].isin(ett["date"].iloc[1000:1010])]
    data = ForecastDataModule.from_frame(frame.drop(index=gap), fill="ffill", lookback=LOOKBACK, horizon=HORIZON,
                                         eval_batch_size=7)  # fmt: skip
    data.setup("fit")
    assert data.ragged and data.observed_targets is not None
    return data


def old_scores() -> dict[str, torchmetrics.Metric]:
    """The metrics of the old code, which scored boolean-indexed values."""
    return {"loss": torchmetrics.MeanMetric(), "mse": torchmetrics.MeanSquaredError(),
            "mae": torchmetrics.MeanAbsoluteError(), "mse_orig": torchmetrics.MeanSquaredError(),
            "mae_orig": torchmetrics.MeanAbsoluteError(), "coverage": torchmetrics.MeanMetric()}  # fmt: skip


def score_the_old_way(task: ForecastingTask, batch, old: dict[str, torchmetrics.Metric]) -> None:
    """One batch scored as the old ``ForecastScoring._evaluate`` did it (one process)."""
    x, y, rows = task._unpack(batch)
    with torch.no_grad():
        prediction = task(task.scale_inputs(x), rows=rows).prediction
    y_scaled = task.scale_targets(y)
    observed = ~y.isnan()
    weight = observed.sum().item() / (y.shape[1] * y.shape[2])
    old["loss"](task._loss(prediction, y_scaled) if weight else prediction.new_zeros(()), weight)
    point = prediction[..., task.point][observed]
    point_orig = task.unscale_prediction(prediction)[..., task.point][observed]
    for name, (p, t) in {"mse": (point, y_scaled[observed]), "mae": (point, y_scaled[observed]),
                         "mse_orig": (point_orig, y[observed]), "mae_orig": (point_orig, y[observed])}.items():  # fmt: skip
        old[name](p, t)
    ordered = prediction.sort(dim=-1).values[observed]
    old["coverage"](
        ((y_scaled[observed] >= ordered[..., 0]) & (y_scaled[observed] <= ordered[..., -1])).float()
    )


def evaluate(task: ForecastingTask, module: ForecastDataModule) -> tuple[dict[str, float], dict, list[str]]:
    """``(scores, old scores, host reads)``: the task validated and tested, each batch also scored the old
    way, with the host reads of its evaluation steps."""
    watched, olds = HostReads(), {split: old_scores() for split in ("val", "test")}
    evaluate_batch = task._evaluate

    def guarded(batch, split: str, batch_idx: int) -> None:
        with watched:
            evaluate_batch(batch, split, batch_idx)
        score_the_old_way(task, batch, olds[split])

    task._evaluate = guarded
    runner = trainer()
    scores = {**runner.validate(task, datamodule=module, verbose=False)[0],
              **runner.test(task, datamodule=module, verbose=False)[0]}  # fmt: skip
    old = {f"{split}_{name}": float(metric.compute()) for split, split_old in olds.items()
           for name, metric in split_old.items()}  # fmt: skip
    return scores, old, watched.calls


def test_a_masked_evaluation_reads_nothing_on_the_host_and_scores_as_before(module, single_thread):
    task = task_for(module, QUANTILES)
    scores, old, host_reads = evaluate(task, module)
    assert task.masked and task.ragged  # the rows outside the spans are NaN forecasts, never scored
    # a batch read 'item', 'as_tensor' (the weight), 4 '__bool__' (NaN checks) and 5 boolean indexes
    assert host_reads == []
    assert set(scores) == set(old)
    for name, value in old.items():
        if name.endswith(("_loss", "_coverage")):  # the same sums in the same order
            assert scores[name] == value, name
        else:  # the sum over all values, 0 where unobserved: an order that differs in the last bit
            assert scores[name] == pytest.approx(value, rel=1e-6), name
    assert 0 < scores["test_coverage"] < 1 and all(v == v for v in scores.values())


@pytest.mark.parametrize("ragged", [True, False], ids=["masked", "unmasked"])
def test_a_nan_forecast_of_an_observed_value_makes_every_score_nan(module, ett, ragged, single_thread):
    data = module
    if not ragged:
        data = ForecastDataModule.from_frame(ett[["date", *SPANS]], time_col="date", lookback=LOOKBACK,
                                             horizon=HORIZON, eval_batch_size=7)  # fmt: skip
        data.setup("fit")
    task = task_for(data, QUANTILES)
    calls = []

    def nan_in_the_second_batch(net, inputs, output):
        calls.append(1)
        if len(calls) == 2:  # window 0, step 3 of OT, observed in both data
            output.prediction[0, 3, 0, :] = float("nan")
        return output

    task.net.register_forward_hook(nan_in_the_second_batch)
    runner = trainer()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        (scores,) = runner.validate(task, datamodule=data, verbose=False)
    assert bool(task.masked) is ragged
    # the old loss left the batch out (finite, "Encountered `nan` values in tensor. Will be removed.") and
    # the old coverage counted the interval as a miss
    assert {name: scores[f"val_{name}"] != scores[f"val_{name}"] for name in NAMES} == dict.fromkeys(
        NAMES, True
    )
    assert not [w for w in caught if "nan" in str(w.message).lower()]


def test_the_metrics_keep_the_torchmetrics_sums_and_take_a_mask():
    from ssm_ts.tasks.forecast_metrics import (
        ObservedMeanAbsoluteError,
        ObservedMeanSquaredError,
        WeightedMean,
    )

    torch.manual_seed(0)
    preds, target = torch.randn(5, 6, 3), torch.randn(5, 6, 3)
    # every value observed: the masked update is the plain one, bit for bit
    everything = torch.ones_like(target, dtype=torch.bool)
    for observed_metric, metric in ((ObservedMeanSquaredError, torchmetrics.MeanSquaredError),
                                    (ObservedMeanAbsoluteError, torchmetrics.MeanAbsoluteError)):  # fmt: skip
        masked, plain = observed_metric(), metric()
        masked.update(preds, target, everything)
        plain.update(preds, target)
        assert torch.equal(masked.compute(), plain.compute())
    # a mask: the mean over the observed values; NaN where unobserved adds nothing
    observed = torch.rand(5, 6, 3) < 0.6
    gappy = target.masked_fill(~observed, float("nan"))
    mse, mae = ObservedMeanSquaredError(), ObservedMeanAbsoluteError()
    mse.update(preds.masked_fill(~observed, float("nan")), gappy, observed)
    mae.update(preds, gappy, observed)
    assert int(mse.total) == int(observed.sum()) and mse.total.dtype == torch.long
    assert float(mse.compute()) == pytest.approx(float(((preds - target)[observed] ** 2).mean()), rel=1e-6)
    assert float(mae.compute()) == pytest.approx(float((preds - target)[observed].abs().mean()), rel=1e-6)
    with pytest.raises(ValueError, match=r"observed \(5, 6\) must have one shape"):
        mse.update(preds, target, observed[..., 0])
    # the weighted mean: MeanMetric's sums exactly, weights given as tensors; NaN is kept
    values, weights = torch.randn(7).double(), torch.rand(7).double()
    ours, theirs = WeightedMean(), torchmetrics.MeanMetric()
    for value, weight in zip(values, weights, strict=True):
        ours.update(value, weight)
        theirs.update(value, weight)
    ours.update(torch.ones(3), torch.zeros(()))  # weight 0: nothing
    theirs.update(torch.ones(3), 0.0)
    assert torch.equal(ours.compute(), theirs.compute())
    ours.update(torch.tensor(float("nan")), torch.tensor(1.0))
    assert ours.compute().isnan()
