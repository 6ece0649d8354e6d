"""Under DDP a forecasting evaluation batch drops the windows whose targets are all NaN (the padding of a
process short of a window). A real window can have all-NaN targets too: in a masked task every target of
its horizon filled by ``fill``. One process scores nothing of it either (no observed value: no weight in
the loss, no point in the metrics), so dropping it changes no score: the metrics of two processes' shards,
merged as DDP syncs them, equal one process's. The processes are simulated in one (each rank's loader and
steps in turn, its metric states merged), on real ETTh1 rows."""

from __future__ import annotations

import copy
from types import SimpleNamespace

import pandas as pd
import pytest
import torch

from ssm_ts.pipelines.forecasting import ForecastDataModule
from ssm_ts.tasks.forecasting import ForecastingTask

LOOKBACK, HORIZON, START, N_VAL = 24, 6, 300, 9


@pytest.fixture(scope="module")
def csvs(shared_data, tmp_path_factory) -> dict[str | None, str]:
    """ETTh1's OT, 330 rows, as it is (``None``) and with a gap that ``fill="ffill"`` fills over a whole
    validation horizon (``"ffill"``)."""
    folder = tmp_path_factory.mktemp("rev38g")
    table = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", usecols=["date", "OT"]).iloc[:330]
    table.to_csv(folder / "etth1.csv", index=False)
    table.loc[START + 2 : START + 1 + HORIZON, "OT"] = float("nan")  # window 2: all filled
    table.to_csv(folder / "gapped.csv", index=False)
    return {None: str(folder / "etth1.csv"), "ffill": str(folder / "gapped.csv")}


def _merged_scores(task: ForecastingTask, data: ForecastDataModule, world_size: int) -> dict[str, float]:
    """The validation metrics of ``world_size`` processes: each rank's shard through the steps, the
    metric states merged (DDP's sync)."""
    task.log = lambda *args, **kwargs: None  # no trainer loop: the metrics are read directly
    ranks = []
    for rank in range(world_size):
        for metric in task.metrics["val"].values():
            metric.reset()
        data.trainer = SimpleNamespace(world_size=world_size, global_rank=rank)
        task._trainer = SimpleNamespace(world_size=world_size, datamodule=data)
        with torch.no_grad():
            for batch in data.val_dataloader():
                task.validation_step(data.on_before_batch_transfer(batch, 0), 0)
        ranks.append(copy.deepcopy(task.metrics["val"]))
    merged = ranks[0]
    for other in ranks[1:]:
        for name, metric in merged.items():
            metric.merge_state(other[name])
    return {name: metric.compute().item() for name, metric in merged.items()}


@pytest.mark.parametrize("eval_batch_size", [1, 4])
@pytest.mark.parametrize("fill", [None, "ffill"], ids=["unmasked", "masked, a window all filled"])
def test_padding_and_a_window_of_filled_targets_only_score_as_on_one_process(csvs, fill, eval_batch_size):
    data = ForecastDataModule(path=csvs[fill], target="OT", lookback=LOOKBACK, horizon=HORIZON, fill=fill,
                              boundaries=[START, START + N_VAL + HORIZON - 1], batch_size=8,
                              eval_batch_size=eval_batch_size)  # fmt: skip
    data.setup("fit")
    if fill:  # a real window with nothing to score
        assert data.windows("val")[2][1].isnan().all()
    torch.manual_seed(0)
    task = ForecastingTask(model="s4d", lookback=LOOKBACK, horizon=HORIZON, quantiles=[0.1, 0.5, 0.9],
                           model_options={"d_model": 4, "d_state": 4, "n_layers": 1, "dropout": 0.0})  # fmt: skip
    task._trainer = SimpleNamespace(world_size=1, datamodule=data)
    task.setup("fit")
    assert task.masked is bool(fill)
    task.eval()
    single = _merged_scores(task, data, 1)
    for world_size in (2, 4):  # 9 windows: 1 and 3 padding windows
        scores = _merged_scores(task, data, world_size)
        assert scores == pytest.approx(single, rel=1e-6, abs=1e-9), world_size
    assert all(value == value for value in single.values())  # no NaN
