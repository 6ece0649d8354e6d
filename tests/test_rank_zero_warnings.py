"""ssm-ts's warnings about the data show once in a fit of several processes, on global rank 0.

Under ``ddp_spawn`` every process sets up its own data module from the same CSV: the warning naming a
missing-value code (``-9999``) in it was printed once per process."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest
from lightning.fabric.utilities.rank_zero import rank_zero_only

from ssm_ts.pipelines.forecasting import ForecastDataModule
from ssm_ts.rank_zero_warnings import warn_on_rank_zero
from ssm_ts.tasks.forecasting import ForecastingTask
from ssm_ts.training import build_trainer

CODE_WARNING = "most likely a code for a missing reading"


def test_a_warning_shows_at_the_callers_line_on_rank_zero_and_not_on_another_rank(monkeypatch):
    with pytest.warns(UserWarning, match="on rank 0") as shown:
        warn_on_rank_zero("on rank 0")
    assert shown[0].filename == __file__
    monkeypatch.setattr(rank_zero_only, "rank", 1)
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        warn_on_rank_zero("on rank 1")
    assert shown == []


@pytest.mark.timeout(300)
def test_a_data_warning_shows_once_in_a_two_process_ddp_fit(shared_data, tmp_path, capfd):
    frame = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv").iloc[:200]
    frame.loc[[50, 120], "OT"] = -9999  # a missing reading's code, as some exports write it
    frame.to_csv(tmp_path / "coded.csv", index=False)
    data = ForecastDataModule(
        path=str(tmp_path / "coded.csv"), target="OT", lookback=24, horizon=8, batch_size=4
    )
    task = ForecastingTask(model="nlinear", lookback=24, horizon=8, model_options={}, lr=1e-3)
    trainer = build_trainer(
        max_epochs=1,
        limit_train_batches=1,
        out_dir=tmp_path / "ddp",
        accelerator="cpu",
        devices=2,
        strategy="ddp_spawn",
        num_sanity_val_steps=0,
        limit_val_batches=0,
    )
    trainer.fit(task, data)
    assert capfd.readouterr().err.count(CODE_WARNING) == 1  # rank 0's; rank 1's printed it too
