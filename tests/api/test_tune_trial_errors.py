"""What a search does with a trial whose fit fails in torch. A value that torch cannot compute with
(``trainer_options.gradient_clip_val`` 1e39: "value cannot be converted to type float without overflow")
or memory a trial's model needs fails that trial, as a NaN loss does, and the search goes on: it aborted
the whole search with torch's RuntimeError. Any other error from a trial's fit (a bug) still stops the
search at once. A learning rate that overflows float32 (``lr`` 1e38) is refused before training: by
Forecaster itself, and by a search naming the searched value, before any trial."""

from __future__ import annotations

import mlflow
import pandas as pd
import pytest
import torch

from ssm_ts import Forecaster
from ssm_ts.api.tuning import tune_forecaster
from ssm_ts.errors import ConfigError
from ssm_ts.tasks.forecasting import ForecastingTask

OVERFLOW = "value cannot be converted to type float without overflow"
SMALL = dict(target="OT", time_col="date", model="nlinear", lookback=48, horizon=12, max_epochs=1)
CLIP = {"limit_train_batches": 5, "gradient_clip_algorithm": "value"}


def test_a_trial_torch_cannot_compute_fails_and_the_search_goes_on(
    ett, single_thread, tmp_path, optuna_records
):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    result = tune_forecaster(ett, {"trainer_options.gradient_clip_val": [1e39, 1.0]}, sampler="grid",
                             tracking_uri=uri, out_dir=str(tmp_path), trainer_options=CLIP, **SMALL)  # fmt: skip
    trials = result.trials.set_index("trainer_options.gradient_clip_val")
    assert trials.loc[1e39, "state"] == "FAIL"
    assert OVERFLOW in trials.loc[1e39, "error"] and "too large for float32" in trials.loc[1e39, "error"]
    assert trials.loc[1.0, "state"] == "COMPLETE" and pd.isna(trials.loc[1.0, "error"])
    assert result.best_params == {"trainer_options.gradient_clip_val": 1.0}
    client = mlflow.MlflowClient(uri)
    failed = client.get_run(trials.loc[1e39, "run_id"])
    assert failed.info.status == "FAILED" and failed.data.tags["optuna.state"] == "FAIL"
    assert client.get_run(result.run_id).info.status == "FINISHED"
    warned = [r for r in optuna_records if OVERFLOW in r.getMessage()]
    assert warned and all(r.exc_info is None for r in warned)  # one line, no traceback through torch


def test_a_trial_out_of_memory_fails_and_the_search_goes_on(ett, single_thread, tmp_path, monkeypatch):
    step = ForecastingTask.training_step

    def needs_memory(self, batch, batch_idx):  # as a CUDA device would refuse a large trial's model
        if self.hparams.lr > 0.01:
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB")
        return step(self, batch, batch_idx)

    monkeypatch.setattr(ForecastingTask, "training_step", needs_memory)
    result = tune_forecaster(ett, {"lr": [0.05, 1e-3]}, sampler="grid", log_to_mlflow=False,
                             out_dir=str(tmp_path), trainer_options={"limit_train_batches": 5}, **SMALL)  # fmt: skip
    trials = result.trials.set_index("lr")
    assert trials.loc[0.05, "state"] == "FAIL" and "ran out of memory" in trials.loc[0.05, "error"]
    assert "Tried to allocate 20.00 GiB" in trials.loc[0.05, "error"]
    assert result.best_params == {"lr": 1e-3}


def test_another_error_in_a_trial_stops_the_search_at_once(ett, single_thread, tmp_path, monkeypatch):
    def broken(self, batch, batch_idx):  # a bug: every trial would fail the same way
        raise RuntimeError("mat1 and mat2 shapes cannot be multiplied (32x48 and 12x48)")

    monkeypatch.setattr(ForecastingTask, "training_step", broken)
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    with pytest.raises(RuntimeError, match="shapes cannot be multiplied"):
        tune_forecaster(ett, {"lr": [1e-3, 1e-2]}, sampler="grid", tracking_uri=uri, out_dir=str(tmp_path),
                        trainer_options={"limit_train_batches": 5}, **SMALL)  # fmt: skip
    assert len(pd.read_csv(tmp_path / "trials.csv")) == 1  # the second trial never ran
    client = mlflow.MlflowClient(uri)
    runs = client.search_runs([client.get_experiment_by_name("ssm-ts-forecast").experiment_id])
    assert sorted(r.info.status for r in runs) == ["FAILED", "FAILED"]  # the search's run and the trial's


@pytest.mark.parametrize("lr", [1e38, 0.0, -1e-3, float("nan")])
def test_a_learning_rate_training_cannot_use_is_refused_by_forecaster(lr):
    with pytest.raises(ConfigError, match=r"lr must be a number above 0 and at most 3.4e\+37.*got"):
        Forecaster(lr=lr)


def test_a_searched_learning_rate_that_overflows_is_refused_before_any_trial(ett, tmp_path):
    for space in ({"lr": [1e30, 1e38]}, {"lr": (1e-4, 1e38)}):
        with pytest.raises(ConfigError, match=r"search space 'lr': the value 1e\+38 is refused: lr must be"):
            tune_forecaster(ett, space, log_to_mlflow=False, out_dir=str(tmp_path), **SMALL)
    assert not (tmp_path / "trials.csv").exists()
