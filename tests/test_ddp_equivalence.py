"""Lightning DDP on two CPU processes (gloo) matches one process for the same global batch.

The forecasting task and data module are trained on real ETTh1 rows twice: once on one process
with batch 2b, once with ``ddp_spawn`` on two processes with batch b each (``ddp`` would re-run
pytest's argv). Every training batch of the DDP run must hold the same windows as the single
run's batch (the epoch-seeded order sharded across ranks, no padded duplicates), gradients are
averaged across ranks, and validation metrics are reduced over all windows exactly once, so the
validation metrics and the weights agree to float32 rounding. The model has no dropout: each rank
draws its own dropout masks, which no sampler can make equal to a single process's.

The same fit checks that ssm-ts's own data warnings show once, on global rank 0: under ``ddp_spawn``
every process sets up its own data module from the CSV, and the warning naming a missing-value code
(``-9999``) in it was printed once per process.
"""

from __future__ import annotations

from pathlib import Path

import lightning.pytorch as pl
import pandas as pd
import pytest
import torch
from torch.utils.data import BatchSampler, DistributedSampler

from ssm_ts.pipelines.forecasting import ForecastDataModule
from ssm_ts.pipelines.sampling import EpochSeededSampler, EvaluationShard, shard
from ssm_ts.tasks.forecasting import ForecastingTask
from ssm_ts.training import build_trainer

GLOBAL_BATCH = 16
LOOKBACK, HORIZON = 48, 12
# 383 training windows: odd, and 383 + 1 is a multiple of the global batch, so a sampler that pads
# to an even count would add a 24th batch holding a duplicate. 81 validation windows: odd too.
BOUNDARIES = [442, 534]
METRICS = ("val_loss", "val_mse", "val_mae", "val_mse_orig", "val_mae_orig")
CODE_WARNING = "most likely a code for a missing reading"


@pytest.mark.parametrize("n_items", [383, 384, 390, 17])
@pytest.mark.parametrize("world_size", [2, 3])
def test_sharded_batches_are_the_single_process_batches(n_items, world_size):
    per_rank = 4
    single = EpochSeededSampler(n_items, seed=3)
    ranks = [shard(EpochSeededSampler(n_items, seed=3), world_size, rank) for rank in range(world_size)]
    for epoch in (0, 1):
        single.set_epoch(epoch)
        for sampler in ranks:
            sampler.set_epoch(epoch)  # Lightning calls it on the wrapper; it must reach the order
        expected = list(BatchSampler(single, per_rank * world_size, drop_last=True))
        per_rank_batches = [list(BatchSampler(s, per_rank, drop_last=True)) for s in ranks]
        assert all(len(batches) == len(expected) for batches in per_rank_batches)
        for k, batch in enumerate(expected):
            assert sorted(i for batches in per_rank_batches for i in batches[k]) == sorted(batch)


def test_evaluation_shards_cover_every_item_once_and_pad_to_equal_lengths():
    shards = [list(EvaluationShard(range(81), 2, rank, padding=-1)) for rank in range(2)]
    assert len(shards[0]) == len(shards[1]) == 41 and shards[1][-1] == -1
    assert sorted(i for i in shards[0] + shards[1] if i != -1) == list(range(81))


def test_forecast_loaders_shard_themselves_under_ddp(shared_data):
    """Lightning leaves a DistributedSampler alone; any other sampler it would re-shuffle and pad."""

    class TwoProcesses:
        world_size, global_rank = 2, 1

    data = ForecastDataModule(
        path=str(shared_data / "forecasting" / "ETTh1.csv"),
        target="OT",
        lookback=LOOKBACK,
        horizon=HORIZON,
        boundaries=BOUNDARIES,
        batch_size=8,
    )
    data.trainer = TwoProcesses()
    data.setup("fit")
    train, val = data.train_dataloader(), data.val_dataloader()
    assert isinstance(train.sampler, DistributedSampler) and isinstance(val.sampler, DistributedSampler)
    assert (
        len(train) == 383 // 16 and len(val.sampler) == 41
    )  # 81 windows: 41 on rank 0, 40 and a padding one on rank 1


def fit(csv: Path, out: Path, devices: int) -> tuple[dict[str, float], dict[str, torch.Tensor]]:
    """Two epochs of a tiny S4D forecaster; returns (validation metrics, final weights)."""
    pl.seed_everything(7, verbose=False)
    data = ForecastDataModule(
        path=str(csv),
        target="OT",
        lookback=LOOKBACK,
        horizon=HORIZON,
        boundaries=BOUNDARIES,
        batch_size=GLOBAL_BATCH // devices,
        eval_batch_size=16,
        shuffle_seed=3,
    )
    task = ForecastingTask(
        model="s4d",
        lookback=LOOKBACK,
        horizon=HORIZON,
        model_options={"d_model": 8, "d_state": 8, "n_layers": 1, "dropout": 0.0},
        lr=3e-3,
    )
    trainer = build_trainer(
        max_epochs=2,
        out_dir=out,
        accelerator="cpu",
        devices=devices,
        strategy="ddp_spawn" if devices > 1 else "auto",
        num_sanity_val_steps=0,
    )
    trainer.fit(task, data)
    metrics = {name: float(trainer.callback_metrics[name]) for name in METRICS}
    # ddp_spawn trains in child processes; their weights come back through the last checkpoint.
    last = torch.load(out / "checkpoints" / "last.ckpt", map_location="cpu", weights_only=True)
    return metrics, last["state_dict"]


@pytest.mark.timeout(300)
def test_two_process_ddp_matches_one_process_and_warns_once(shared_data, tmp_path, capfd):
    frame = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv").iloc[:800]
    # a missing reading's code, as some exports write it, in the test rows: the fit never reads them
    frame.loc[[700, 760], "OT"] = -9999
    csv = tmp_path / "coded.csv"
    frame.to_csv(csv, index=False)
    single_metrics, single_weights = fit(csv, tmp_path / "single", devices=1)
    capfd.readouterr()
    ddp_metrics, ddp_weights = fit(csv, tmp_path / "ddp", devices=2)
    assert capfd.readouterr().err.count(CODE_WARNING) == 1  # rank 0's; rank 1's printed it too
    for name in METRICS:
        assert ddp_metrics[name] == pytest.approx(single_metrics[name], abs=1e-4, rel=1e-4), name
    assert ddp_weights.keys() == single_weights.keys()
    for name, weight in single_weights.items():
        torch.testing.assert_close(ddp_weights[name], weight, atol=1e-4, rtol=1e-4, msg=name)
