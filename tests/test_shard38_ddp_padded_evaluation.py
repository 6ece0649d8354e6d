"""Under DDP the forecasting validation and test windows are split among the processes in shards of equal
length: a process short of a window takes a padding one (the first window's inputs, targets all NaN), which
weighs nothing in the loss and the metrics, masked task or not. Before, the shards were left uneven
(Lightning's ``UnrepeatedDistributedSampler``): with 3 validation windows, an evaluation batch of 1 and
``limit_val_batches=0.5`` process 1 held 1 batch, 0.5 * 1 rounded to none, and Lightning raised "You
requested to check 0.5 of the val_dataloader" on that process alone, blaming the user's setting; a split of
fewer windows than processes was refused. Each window is still scored exactly once over the processes, the
metrics those of one process.

Two forked processes on gloo (tests/gloo_pair.py), each running Lightning's ``ddp`` strategy on that group,
against one process validating the same model on real ETTh1 rows."""

from __future__ import annotations

import json
import os
from pathlib import Path
from types import SimpleNamespace

import lightning.pytorch as pl
import pytest
import torch

from ssm_ts.pipelines.forecasting import ForecastDataModule
from ssm_ts.tasks.forecasting import ForecastingTask
from tests.gloo_pair import gloo_rank, run_pair

LOOKBACK, HORIZON, START = 48, 12, 442
METRICS = ("val_loss", "val_mse", "val_mae", "val_mse_orig", "val_mae_orig")


def _data(csv: str, n_val: int, fill: str | None = None) -> ForecastDataModule:
    """ETTh1's OT with ``n_val`` validation windows, evaluated one a batch."""
    end = START + n_val + HORIZON - 1
    return ForecastDataModule(path=csv, target="OT", lookback=LOOKBACK, horizon=HORIZON, boundaries=[START, end],
                              batch_size=8, eval_batch_size=1, fill=fill)  # fmt: skip


def _validate(csv: str, n_val: int, devices: int, limit: float = 1.0, fill: str | None = None) -> dict:
    """A tiny untrained S4D forecaster (seeded: the same weights on every process) validated on
    ``devices`` processes (within a process group already joined, for 2)."""
    pl.seed_everything(7, verbose=False)
    task = ForecastingTask(model="s4d", lookback=LOOKBACK, horizon=HORIZON, quantiles=[0.1, 0.5, 0.9],
                           model_options={"d_model": 4, "d_state": 4, "n_layers": 1, "dropout": 0.0})  # fmt: skip
    trainer = pl.Trainer(accelerator="cpu", devices=devices, strategy="ddp" if devices > 1 else "auto",
                         logger=False, enable_checkpointing=False, enable_progress_bar=False,
                         enable_model_summary=False, limit_val_batches=limit)  # fmt: skip
    (metrics,) = trainer.validate(task, _data(csv, n_val, fill), verbose=False)
    return metrics


def validate_share(rank: int, folder: str, csv: str, n_val: int, limit: float, fill: str | None) -> None:
    # the environment of a process started by a launcher: Lightning then starts none and joins the group
    os.environ.update(LOCAL_RANK=str(rank), NODE_RANK="0", WORLD_SIZE="2", RANK=str(rank))
    with gloo_rank(rank, folder):
        metrics = _validate(csv, n_val, 2, limit, fill)
        Path(folder, f"rank{rank}").write_text(json.dumps(metrics))


@pytest.fixture(scope="module")
def etth1(shared_data, tmp_path_factory) -> dict[str | None, str]:
    """The first 520 rows of ETTh1's OT as they are (``None``), and with gaps in the validation targets
    that ``fill="ffill"`` fills (a masked task: ``"ffill"``)."""
    import pandas as pd

    folder = tmp_path_factory.mktemp("shard38")
    table = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", usecols=["date", "OT"]).iloc[:520]
    table.to_csv(folder / "etth1.csv", index=False)
    table.loc[[444, 445, 450], "OT"] = float("nan")
    table.to_csv(folder / "gapped.csv", index=False)
    return {None: str(folder / "etth1.csv"), "ffill": str(folder / "gapped.csv")}


def test_each_window_is_scored_once_in_shards_of_equal_length(etth1):
    data = _data(etth1[None], 3)
    data.setup("fit")
    windows = data.windows("val")
    shares = []
    for rank in range(2):
        data.trainer = SimpleNamespace(world_size=2, global_rank=rank)
        shares.append(list(data.val_dataloader()))
    assert [len(share) for share in shares] == [2, 2]  # was [2, 1]
    scored = [batch for share in shares for batch in share if not batch[1].isnan().all()]
    assert len(scored) == 3
    expected = sorted((windows[i] for i in range(3)), key=lambda w: w[0].sum().item())
    for (x, y), (wx, wy) in zip(sorted(scored, key=lambda b: b[0].sum().item()), expected, strict=True):
        assert torch.equal(x[0], wx) and torch.equal(y[0], wy)
    (padding,) = [batch for share in shares for batch in share if batch[1].isnan().all()]
    assert torch.equal(padding[0][0], windows[0][0])  # the first window's inputs, nothing to score


@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    ("n_val", "fill"),
    [(3, None), (3, "ffill"), (1, None)],
    ids=["3 windows", "3 windows, masked", "1 window, 2 processes"],
)
def test_two_processes_score_as_one_even_with_a_fraction_of_the_batches(etth1, tmp_path, n_val, fill):
    csv = etth1[fill]
    single = _validate(csv, n_val, 1, fill=fill)
    ranks = [json.loads(text) for text in run_pair(validate_share, tmp_path, csv, n_val, 1.0, fill)]
    assert ranks[0] == ranks[1]  # the metrics synced over the processes
    for name in METRICS:
        assert ranks[0][name] == pytest.approx(single[name], rel=1e-6, abs=1e-9), name
    if n_val == 3:  # was: "You requested to check 0.5 of the val_dataloader" raised on process 1 alone
        (tmp_path / "rank0").unlink()
        (tmp_path / "rank1").unlink()
        (tmp_path / "rendezvous").unlink(missing_ok=True)
        halves = [json.loads(text) for text in run_pair(validate_share, tmp_path, csv, n_val, 0.5, fill)]
        assert halves[0] == halves[1] and set(halves[0]) >= set(METRICS)
