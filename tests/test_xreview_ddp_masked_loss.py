"""Lightning DDP on two CPU processes (gloo) matches one process when the targets have filled gaps.

The training loss, the validation loss and the metrics are means over the target values the data holds
(values ``fill=`` invented are NaN in the windows' targets). One process averages over the observed
values of its whole batch; under DDP each rank holds half of it, with its own count of observed values,
and DDP averages the ranks' gradients: a loss that is each rank's own mean gives the mean of per-rank
means, which weighs the values of a rank with many filled targets more. Real ETTh1 rows with short gaps
cut unevenly into the training and validation rows; otherwise as ``test_ddp_equivalence.py``.
"""

from __future__ import annotations

from pathlib import Path

import lightning.pytorch as pl
import numpy as np
import pandas as pd
import pytest
import torch

from ssm_ts.pipelines.forecasting import ForecastDataModule
from ssm_ts.tasks.forecasting import ForecastingTask
from ssm_ts.training import build_trainer

GLOBAL_BATCH = 16
LOOKBACK, HORIZON = 48, 12
BOUNDARIES = [442, 534]  # as test_ddp_equivalence.py: 383 training and 81 validation windows
METRICS = ("val_loss", "val_mse", "val_mae", "val_mse_orig", "val_mae_orig", "train_loss")


def gapped_csv(shared_data: Path, folder: Path) -> Path:
    """The first 620 rows of ETTh1's OT with 25 gaps of 2 to 10 rows in the training and validation rows."""
    table = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", usecols=["date", "OT"]).iloc[:620]
    rng = np.random.default_rng(0)
    for start in rng.choice(np.arange(60, 520), 25, replace=False):
        table.loc[start : start + rng.integers(1, 10), "OT"] = np.nan
    path = folder / "gapped.csv"
    table.to_csv(path, index=False)
    return path


def fit(csv: Path, out: Path, devices: int) -> tuple[dict[str, float], dict[str, torch.Tensor]]:
    """Two epochs of a tiny S4D forecaster on the filled data; returns (metrics, final weights)."""
    pl.seed_everything(7, verbose=False)
    data = ForecastDataModule(path=str(csv), target="OT", lookback=LOOKBACK, horizon=HORIZON,
                              boundaries=BOUNDARIES, batch_size=GLOBAL_BATCH // devices, eval_batch_size=16,
                              shuffle_seed=3, fill="ffill")  # fmt: skip
    task = ForecastingTask(model="s4d", lookback=LOOKBACK, horizon=HORIZON, lr=3e-3,
                           model_options={"d_model": 8, "d_state": 8, "n_layers": 1, "dropout": 0.0})  # fmt: skip
    trainer = build_trainer(max_epochs=2, out_dir=out, accelerator="cpu", devices=devices, progress=False,
                            strategy="ddp_spawn" if devices > 1 else "auto", num_sanity_val_steps=0)  # fmt: skip
    trainer.fit(task, data)
    metrics = {name: float(trainer.callback_metrics[name]) for name in METRICS}
    # ddp_spawn trains in child processes; their weights come back through the last checkpoint
    (last,) = (out / "checkpoints").glob("last*.ckpt")  # one last.ckpt, not one per rank
    return metrics, torch.load(last, map_location="cpu", weights_only=True)["state_dict"]


@pytest.mark.timeout(400)
def test_two_process_ddp_matches_one_process_with_filled_targets(shared_data, tmp_path):
    csv = gapped_csv(shared_data, tmp_path)
    data = ForecastDataModule(path=str(csv), target="OT", lookback=LOOKBACK, horizon=HORIZON,
                              boundaries=BOUNDARIES, fill="ffill")  # fmt: skip
    data.setup("fit")
    observed = data.observed_targets[:, 0]
    assert 0.5 < observed[LOOKBACK : BOUNDARIES[0]].mean() < 0.95  # gaps the training windows do see
    assert not observed[BOUNDARIES[0] : BOUNDARIES[1]].all()  # and the validation windows

    single_metrics, single_weights = fit(csv, tmp_path / "single", devices=1)
    ddp_metrics, ddp_weights = fit(csv, tmp_path / "ddp", devices=2)
    for name in METRICS:
        # a mean of per-rank means: val_loss 0.105820 against 0.105790 (rel. 2.8e-4); now 2e-7
        assert ddp_metrics[name] == pytest.approx(single_metrics[name], abs=1e-7, rel=2e-5), name
    for name, weight in single_weights.items():  # float32 rounding, through Adam (as test_ddp_equivalence)
        torch.testing.assert_close(ddp_weights[name], weight, atol=1e-4, rtol=1e-4, msg=name)
