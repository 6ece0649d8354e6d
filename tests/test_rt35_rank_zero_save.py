"""A user's ``trainer.save_checkpoint`` inside ``if trainer.is_global_zero:`` under DDP: saving is collective
(ssm-ts's tasks gather every rank's generator states; Lightning ends the save in a barrier), so the fit
waited for the other ranks until the process group's timeout (30 minutes by default) and then failed
deep in torch (``Timed out waiting ... for send operation``). Now rank 0 refuses such a save once the
other ranks have not reached it within the callback's ``save_wait_s``, naming the fix.

Two CPU processes on gloo (``ddp_spawn``, with a collective timeout of 20 s, so the old code fails the
test instead of hanging it for 30 minutes); the arrival check itself on a one-process store."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from types import SimpleNamespace

import pandas as pd
import pytest
import torch.distributed as dist
from lightning.pytorch.callbacks import Callback
from lightning.pytorch.strategies import DDPStrategy

from ssm_ts.pipelines.forecasting import ForecastDataModule
from ssm_ts.tasks.forecasting import ForecastingTask
from ssm_ts.training import build_trainer, save_arrivals

FIX = "Call trainer.save_checkpoint(path) on every rank"


class SaveOnRankZero(Callback):
    """What the user wrote: a checkpoint of their own at each epoch's end, on rank 0 only."""

    def __init__(self, path: str, weights_only: bool) -> None:
        self.path, self.weights_only = path, weights_only

    def on_train_epoch_end(self, trainer, pl_module) -> None:
        if trainer.is_global_zero:
            trainer.save_checkpoint(self.path, weights_only=self.weights_only)


# weights_only: Lightning calls no callback's on_save_checkpoint then, so the check runs in the task's hook
@pytest.mark.timeout(240)
@pytest.mark.parametrize("weights_only", [False, True], ids=["full", "weights_only"])
def test_a_rank_zero_only_save_fails_fast_naming_the_fix(shared_data, tmp_path, weights_only):
    csv = tmp_path / "etth1.csv"
    pd.read_csv(shared_data / "forecasting" / "ETTh1.csv").iloc[:200].to_csv(csv, index=False)
    data = ForecastDataModule(path=str(csv), target="OT", lookback=24, horizon=6, batch_size=16)
    task = ForecastingTask(model="s4d", lookback=24, horizon=6,
                           model_options={"d_model": 4, "d_state": 4, "n_layers": 1})  # fmt: skip
    trainer = build_trainer(
        max_epochs=1,
        out_dir=tmp_path / "out",
        accelerator="cpu",
        devices=2,
        strategy=DDPStrategy(start_method="spawn", timeout=timedelta(seconds=20)),  # ddp_spawn, bounded
        num_sanity_val_steps=0,
        limit_val_batches=1,
        callbacks=[SaveOnRankZero(str(tmp_path / "mine.ckpt"), weights_only)],
    )
    trainer.checkpoint_callback.save_wait_s = 2  # pickled into the started processes with the trainer
    start = time.monotonic()
    with pytest.raises(Exception, match="save_checkpoint ran on global rank 0 alone") as raised:
        trainer.fit(task, data)
    assert FIX in str(raised.value) and "is_global_zero" in str(raised.value)
    assert "Timed out waiting" not in str(raised.value)  # the old failure, after the collective's timeout
    assert not (tmp_path / "mine.ckpt").exists()
    assert time.monotonic() - start < 200


def _trainer(rank: int) -> SimpleNamespace:
    state = SimpleNamespace(fn=None, stage=None)
    return SimpleNamespace(world_size=2, global_rank=rank, state=state, current_epoch=0, global_step=5)


def test_rank_zero_waits_for_the_other_ranks_and_refuses_a_save_they_never_make(monkeypatch):
    store = dist.HashStore()
    monkeypatch.setattr(save_arrivals, "_default_store", lambda: store)
    ranks = {rank: save_arrivals.Counter() for rank in (0, 1)}  # each process counts its own saves

    def save(rank: int, wait_s: float) -> None:
        monkeypatch.setattr(save_arrivals, "_saves", ranks[rank])
        save_arrivals.check_every_rank_saves(_trainer(rank), wait_s)

    save(1, wait_s=0.1)  # rank 1 arrives first: it never waits
    save(0, wait_s=0.1)  # rank 0 finds it there
    start = time.monotonic()
    with pytest.raises(RuntimeError, match=re.escape(FIX)):  # the next save at the same step: rank 0 alone
        save(0, wait_s=0.2)
    assert 0.2 <= time.monotonic() - start < 2
