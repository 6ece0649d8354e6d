"""Under DDP the training loss over the observed targets sums the ranks' counts of observed values with
one all-reduce: Lightning's ``strategy.reduce`` called ``torch.distributed.barrier()`` first, which on
NCCL makes the host wait for the device's queued work (a sync at every training step) and is a
collective of its own. The loss is the same: the ranks' losses average to one process's loss over the
whole batch.

Two forked processes on gloo (tests/gloo_pair.py) each hold half of a batch of real ETTh1 windows
whose targets are missing unevenly (rank 0 many, rank 1 few), with a Lightning ``DDPStrategy``."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import torch
import torch.distributed as dist
from lightning.pytorch.strategies import DDPStrategy

from ssm_ts.models.losses import QuantileLoss
from ssm_ts.tasks.forecast_loss import masked_loss
from tests.gloo_pair import gloo_rank, run_pair

HORIZON, QUANTILES = 12, [0.1, 0.5, 0.9]


def batch(csv: str) -> tuple[torch.Tensor, torch.Tensor]:
    """``(prediction (8, 12, 2, 3), y (8, 12, 2))``: OT and HUFL in 8 windows of 12 rows, scaled; 30 values of
    the first 4 windows and 3 of the last 4 missing; the forecast is the previous rows' values, spread."""
    table = pd.read_csv(csv, usecols=["OT", "HUFL"]).to_numpy(dtype="float32")
    table = (table - table.mean(axis=0)) / table.std(axis=0)
    y = torch.from_numpy(table[HORIZON : 9 * HORIZON].reshape(8, HORIZON, 2).copy())
    previous = torch.from_numpy(table[HORIZON - 1 : 9 * HORIZON - 1].reshape(8, HORIZON, 2).copy())
    prediction = previous.unsqueeze(-1) + torch.tensor([-0.5, 0.0, 0.5])
    rng = np.random.default_rng(0)
    for first, count in ((0, 30), (4 * HORIZON * 2, 3)):
        flat = rng.choice(4 * HORIZON * 2, count, replace=False) + first
        y.view(-1)[torch.from_numpy(flat)] = float("nan")
    return prediction, y


def loss_share(rank: int, folder: str, csv: str) -> None:
    with gloo_rank(rank, folder):
        barriers, barrier = [], dist.barrier

        def counted(*args, **kwargs):
            barriers.append(rank)
            return barrier(*args, **kwargs)

        dist.barrier = counted  # this forked process's own module
        prediction, y = (part[4 * rank : 4 * rank + 4] for part in batch(csv))
        trainer = SimpleNamespace(world_size=2, strategy=DDPStrategy())
        loss, gradient = loss_and_gradient(prediction, y, trainer)
        Path(folder, f"rank{rank}").write_text(
            json.dumps({"loss": loss, "gradient": gradient, "barriers": barriers})
        )


def loss_and_gradient(prediction: torch.Tensor, y: torch.Tensor, trainer=None) -> tuple[float, list[float]]:
    """The masked loss and its gradient with respect to a shift of each quantile level's forecast (a
    parameter every rank holds, whose gradients DDP averages)."""
    shift = torch.zeros(len(QUANTILES), requires_grad=True)
    loss = masked_loss(QuantileLoss(QUANTILES), prediction + shift, y, trainer)
    loss.backward()
    return loss.item(), shift.grad.tolist()


@pytest.fixture(scope="module")
def etth1(shared_data, tmp_path_factory) -> str:
    csv = tmp_path_factory.mktemp("eval40") / "etth1.csv"
    pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", usecols=["date", "OT", "HUFL"]).iloc[
        : 9 * HORIZON
    ].to_csv(csv, index=False)
    return str(csv)


@pytest.mark.timeout(60)
def test_the_ranks_sum_their_observed_counts_without_a_barrier(etth1, tmp_path):
    prediction, y = batch(etth1)
    whole, whole_gradient = loss_and_gradient(prediction, y)  # one process, the whole batch
    ranks = [json.loads(text) for text in run_pair(loss_share, tmp_path, etth1)]
    assert [rank["barriers"] for rank in ranks] == [[], []]  # was [[0], [1]]: one a training step
    # DDP averages the ranks' gradients: the mean of their losses is the whole batch's
    assert (ranks[0]["loss"] + ranks[1]["loss"]) / 2 == pytest.approx(whole, rel=1e-6)
    # and so do their gradients (the summed count carries none: all_reduce is not autograd-aware)
    averaged = [(a + b) / 2 for a, b in zip(ranks[0]["gradient"], ranks[1]["gradient"], strict=True)]
    assert averaged == pytest.approx(whole_gradient, rel=1e-6)
    assert ranks[0]["gradient"] != pytest.approx(whole_gradient, rel=1e-3)  # a rank's own differs
    own = [float(masked_loss(QuantileLoss(QUANTILES), prediction[h : h + 4], y[h : h + 4])) for h in (0, 4)]
    assert sum(own) / 2 != pytest.approx(whole, rel=1e-3)  # each rank's own mean would differ
