"""Under DDP a forecasting evaluation batch leaves out the padding window of a process short of one
(:class:`~ssm_ts.pipelines.sampling.EvaluationShard`) by its position, the shard's tail, without reading
the targets: it read them at every batch to find the windows whose targets are all NaN, and on a GPU
each read waits for the device (a sync per evaluation batch). The scores stay one process's.

Two forked processes on gloo (tests/gloo_pair.py), each running Lightning's ``ddp`` strategy, validate and
test a tiny model on real ETTh1 rows; a torch function mode records every call that would synchronise a
GPU (``bool()``, ``.item()``, ``.cpu()``, ``.tolist()``, a mask index...) inside the padding step."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
import pytest
import torch
from torch.overrides import TorchFunctionMode
from torch.utils.data import DataLoader

from ssm_ts.pipelines.forecasting import ForecastDataModule
from ssm_ts.pipelines.sampling import EvaluationShard, items_in_batch
from ssm_ts.tasks.forecasting import ForecastingTask
from tests.gloo_pair import gloo_rank, run_pair

LOOKBACK, HORIZON, START, N_VAL, N_TEST = 24, 6, 300, 7, 5
SCORES = ("val_loss", "val_mse", "val_mae_orig", "test_loss", "test_mse", "test_mae_orig")
SYNCS = {"__bool__", "__float__", "__int__", "__index__", "item", "tolist", "cpu", "numpy", "nonzero",
         "masked_select", "unique"}  # fmt: skip


class SyncCalls(TorchFunctionMode):
    """Records the names of the torch calls that would wait for a GPU: reading a value on the host, or a
    shape that depends on the values (a boolean mask index)."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[str] = []

    def __torch_function__(self, func, types, args=(), kwargs=None):
        name = getattr(func, "__name__", str(func))
        index = args[1] if name == "__getitem__" and len(args) > 1 else None
        masks = index if isinstance(index, tuple) else (index,)
        if name in SYNCS or any(isinstance(i, torch.Tensor) and i.dtype == torch.bool for i in masks):
            self.calls.append(name)
        return func(*args, **(kwargs or {}))


def _data(csv: str) -> ForecastDataModule:
    """ETTh1's OT: 7 validation windows and 5 test windows, evaluated two a batch (rank 1 of 2: [1, 3],
    [5, padding] and [1, 3], [padding])."""
    return ForecastDataModule(path=csv, target="OT", lookback=LOOKBACK, horizon=HORIZON, batch_size=8,
                              boundaries=[START, START + N_VAL + HORIZON - 1], eval_batch_size=2)  # fmt: skip


def _scores(csv: str, devices: int) -> dict[str, Any]:
    """A tiny untrained S4D (seeded: the same weights on every process) validated and tested on ``devices``
    processes, with the calls of its padding step that would synchronise a GPU."""
    pl.seed_everything(7, verbose=False)
    task = ForecastingTask(model="s4d", lookback=LOOKBACK, horizon=HORIZON, quantiles=[0.1, 0.5, 0.9],
                           model_options={"d_model": 4, "d_state": 4, "n_layers": 1, "dropout": 0.0})  # fmt: skip
    watched, without_padding = SyncCalls(), task._without_padding

    def guarded(*args, **kwargs):
        with watched:
            return without_padding(*args, **kwargs)

    task._without_padding = guarded
    trainer = pl.Trainer(accelerator="cpu", devices=devices, strategy="ddp" if devices > 1 else "auto",
                         logger=False, enable_checkpointing=False, enable_progress_bar=False,
                         enable_model_summary=False)  # fmt: skip
    data = _data(csv)
    (val,) = trainer.validate(task, data, verbose=False)
    (test,) = trainer.test(task, data, verbose=False)
    return {**val, **test, "syncs": watched.calls}


def scores_share(rank: int, folder: str, csv: str) -> None:
    # the environment of a process started by a launcher: Lightning then starts none and joins the group
    os.environ.update(LOCAL_RANK=str(rank), NODE_RANK="0", WORLD_SIZE="2", RANK=str(rank))
    with gloo_rank(rank, folder):
        Path(folder, f"rank{rank}").write_text(json.dumps(_scores(csv, 2)))


@pytest.fixture(scope="module")
def etth1(shared_data, tmp_path_factory) -> str:
    import pandas as pd

    csv = tmp_path_factory.mktemp("fcst39") / "etth1.csv"
    rows = START + N_VAL + HORIZON - 1 + N_TEST + HORIZON - 1
    pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", usecols=["date", "OT"]).iloc[:rows].to_csv(
        csv, index=False
    )
    return str(csv)


def test_the_shards_hold_a_padding_window_where_the_test_expects_it(etth1):
    from types import SimpleNamespace

    data = _data(etth1)
    data.setup("fit")
    assert (len(data.windows("val")), len(data.windows("test"))) == (N_VAL, N_TEST)
    data.trainer = SimpleNamespace(world_size=2, global_rank=1)
    loaders = {"val": data.val_dataloader(), "test": data.test_dataloader()}
    for split, loader in loaders.items():
        batches = list(loader)
        kept = [items_in_batch(loader, k, len(batch[1])) for k, batch in enumerate(batches)]
        padded = [int(batch[1].isnan().flatten(1).all(dim=1).sum()) for batch in batches]
        assert kept == ([2, 1] if split == "val" else [2, 0])  # rank 1: [1, 3], [5 or -, padding]
        assert [len(b[1]) - k for b, k in zip(batches, kept, strict=True)] == padded


def test_a_loader_without_an_evaluation_shard_has_no_padding_and_other_loaders_are_unknown():
    windows = list(range(5))
    assert items_in_batch(DataLoader(windows, batch_size=2), 2, 1) == 1
    sharded = DataLoader(windows, batch_size=2, sampler=EvaluationShard(windows, 2, 1, padding=None))
    assert [items_in_batch(sharded, k, n) for k, n in enumerate([2, 1])] == [2, 0]
    assert items_in_batch([sharded], 0, 2) is None and items_in_batch(None, 0, 2) is None


@pytest.mark.timeout(120)
def test_two_processes_find_the_padding_without_reading_the_targets(etth1, tmp_path):
    single = _scores(etth1, 1)
    ranks = [json.loads(text) for text in run_pair(scores_share, tmp_path, etth1)]
    assert ranks[0]["syncs"] == [] and ranks[1]["syncs"] == []  # was ['__bool__', '__getitem__'] per batch
    for name in SCORES:  # the padding scored nothing: one process's scores
        assert ranks[0][name] == ranks[1][name] == pytest.approx(single[name], rel=1e-6, abs=1e-9), name
