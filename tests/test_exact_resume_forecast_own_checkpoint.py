"""``Forecaster.fit(..., resume=True)`` resumes ssm-ts's own ``last.ckpt`` by the rule of ``--ckpt_path
last`` (``find_own_checkpoint``), never a user's ModelCheckpoint's ``last.ckpt`` under the same folder, which
is newer when it saves by steps (a tuning trial's rerun: ``test_exact_resume_forecast.py``).

Before, ``resume=True`` took the newest ``checkpoints/last.ckpt`` at any depth: a user's ModelCheckpoint
whose ``dirpath`` ended in ``checkpoints`` (here ``<out_dir>/mine/checkpoints``) was resumed mid-epoch, and
the fit ended with other weights than the uninterrupted one. A trial's rerun took the newest ``last.ckpt``
of any name's folder: it recorded the user's file as the checkpoint it resumed (and, were it the only one,
claimed a resume while the fit started from scratch)."""

from __future__ import annotations

from pathlib import Path

import lightning.pytorch as pl
import pandas as pd
import pytest
import torch
from lightning.pytorch.callbacks import ModelCheckpoint

from ssm_ts import Forecaster

pytestmark = pytest.mark.usefixtures("single_thread")

FAST = {"limit_train_batches": 3, "limit_val_batches": 2, "enable_progress_bar": False}


class InterruptInEpoch1(pl.Callback):
    """Ctrl-C as epoch 1's second batch starts: a ModelCheckpoint saving every step has just written
    its ``last.ckpt`` (epoch 1, step 4), after ssm-ts's of epoch 0 (step 3)."""

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
        if trainer.current_epoch == 1 and batch_idx == 1:
            raise KeyboardInterrupt


@pytest.fixture(scope="module")
def etth1(shared_data) -> pd.DataFrame:
    return pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", parse_dates=["date"]).iloc[:600]


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def test_resume_continues_ssm_ts_last_checkpoint_not_a_users_newer_one(etth1, tmp_path):
    def fit(out: Path, interrupt: bool = False, resume: bool = False) -> Forecaster:
        mine = ModelCheckpoint(dirpath=out / "mine" / "checkpoints", save_last=True, every_n_train_steps=1)
        callbacks = [mine, *([InterruptInEpoch1()] if interrupt else [])]
        forecaster = Forecaster(model="s4d", lookback=24, horizon=8, max_epochs=3, batch_size=16,
                                model_options={"d_model": 8, "n_layers": 1, "d_state": 8}, patience=None,
                                log_to_mlflow=False, out_dir=str(out),
                                trainer_options={**FAST, "callbacks": callbacks})  # fmt: skip
        return forecaster.fit(etth1, time_col="date", target="OT", resume=resume)

    whole = fit(tmp_path / "whole")
    with pytest.raises(KeyboardInterrupt):
        fit(tmp_path / "cut", interrupt=True)
    users = tmp_path / "cut" / "mine" / "checkpoints" / "last.ckpt"
    (own,) = (tmp_path / "cut" / "fits").glob("*/checkpoints/last.ckpt")
    assert users.stat().st_mtime_ns >= own.stat().st_mtime_ns  # the user's is the newest last.ckpt

    resumed = fit(tmp_path / "cut", resume=True)
    expected = whole.task_.state_dict()
    for name, value in resumed.task_.state_dict().items():
        assert torch.equal(value, expected[name]), name
    assert Forecaster._resume_point(tmp_path / "cut")[0] == str(own)
