"""``Forecaster.fit(..., resume=True)`` and a tuning trial's rerun resume ssm-ts's own ``last.ckpt`` by the
rule of ``--ckpt_path last`` (``find_own_checkpoint``), never a user's ModelCheckpoint's ``last.ckpt`` under
the same folder, which is newer when it saves by steps.

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
from ssm_ts.api.tuning import _TrialForecaster, tune_forecaster

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
    assert Forecaster._resume_point(tmp_path / "cut")[0] == str(own)

    resumed = fit(tmp_path / "cut", resume=True)
    expected = whole.task_.state_dict()
    for name, value in resumed.task_.state_dict().items():
        assert torch.equal(value, expected[name]), name


def test_a_rerun_trial_resumes_and_records_ssm_ts_last_checkpoint(etth1, tmp_path, monkeypatch):
    options = {**FAST, "callbacks": [ModelCheckpoint(save_last=True, every_n_train_steps=1)]}

    def search():
        return tune_forecaster(etth1, {"lr": [1e-3]}, target="OT", time_col="date", model="nlinear", lookback=24,
                               horizon=8, max_epochs=3, batch_size=16, patience=None, trainer_options=options,
                               sampler="grid", storage=f"sqlite:///{tmp_path / 'optuna.db'}", out_dir="out",
                               tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}")  # fmt: skip

    with monkeypatch.context() as patch:
        own_callbacks = _TrialForecaster._fit_callbacks
        patch.setattr(
            _TrialForecaster, "_fit_callbacks", lambda self: [*own_callbacks(self), InterruptInEpoch1()]
        )
        with pytest.raises(KeyboardInterrupt):
            search()
    (users,) = (tmp_path / "out" / "trial-0").rglob("user_checkpoints/last.ckpt")
    (own,) = (tmp_path / "out" / "trial-0").rglob("checkpoints/last.ckpt")
    assert users.stat().st_mtime_ns >= own.stat().st_mtime_ns

    rerun = search().study.trials[1]
    assert rerun.user_attrs["resumed"] == {"trial": 0, "checkpoint": str(own.absolute()), "epoch": 1}
