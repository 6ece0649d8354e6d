"""A resumed Forecaster fit whose best checkpoint was saved before the resume reports what validating
those weights with the resume's settings gives, not the figures the run before the resume stored in
the checkpoint: a resume may change ``trainer_options`` (here ``limit_val_batches``), so those figures
were measured on other windows. Real ETTh1 rows, a tiny nlinear model, one epoch."""

from __future__ import annotations

import shutil

import pytest

from ssm_ts import Forecaster
from ssm_ts.api import forecast_fit_end

pytestmark = pytest.mark.usefixtures("single_thread")


def forecaster(out_dir, val_batches: int) -> Forecaster:
    options = {"limit_train_batches": 2, "limit_val_batches": val_batches, "enable_progress_bar": False}
    return Forecaster(model="nlinear", lookback=48, horizon=12, max_epochs=1, batch_size=8, log_to_mlflow=False,
                      seed=3, out_dir=str(out_dir), trainer_options=options)  # fmt: skip


def test_a_resume_reports_its_own_validation_of_a_best_checkpoint_saved_before_it(ett, tmp_path, monkeypatch):
    first = forecaster(tmp_path / "a", 2).fit(ett, target="OT", time_col="date")
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    # the same finished fit resumed with more validation windows: no training, the same best weights
    resumed = forecaster(tmp_path / "a", 4).fit(ett, target="OT", time_col="date", resume=True)
    monkeypatch.setattr(forecast_fit_end, "validated_metrics", lambda *args: None)  # always validate again
    validated = forecaster(tmp_path / "b", 4).fit(ett, target="OT", time_col="date", resume=True)
    assert resumed.metrics_["val_loss"] != first.metrics_["val_loss"]  # other windows, other figures
    assert resumed.metrics_ == validated.metrics_
