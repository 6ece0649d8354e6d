"""A Forecaster fit that crashed (Ctrl-C after epoch 1) and is resumed with other free settings leaves
``resumed.<n>.forecaster.*`` tags, and its run keeps the settings it was started with: the
``forecaster.*`` params used to be logged only after training, so a crashed run had none, the resume
compared nothing, and the resumed values were logged as if they were the first. A refused change
lists the Forecaster's free settings (it listed none)."""

from __future__ import annotations

import mlflow
import pandas as pd
import pytest

from ssm_ts import Forecaster
from ssm_ts.errors import ConfigError
from ssm_ts.tracking.logger import default_tracking_uri
from tests.cli.fake_use import InterruptAtEpoch

pytestmark = pytest.mark.usefixtures("single_thread")


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # MLflow's store and artifacts in the test's folder


@pytest.fixture
def illness(shared_data) -> pd.DataFrame:
    return pd.read_csv(shared_data / "forecasting" / "national_illness.csv")


def _settings(tmp_path, **changed) -> dict:
    base = dict(model="nlinear", lookback=24, horizon=8, max_epochs=3, out_dir=str(tmp_path / "fit"),
                trainer_options={"enable_progress_bar": False, "limit_train_batches": 2})  # fmt: skip
    return {**base, **changed}


def _crash_after_epoch_1(tmp_path, frame: pd.DataFrame) -> mlflow.entities.Run:
    options = {"enable_progress_bar": False, "limit_train_batches": 2, "callbacks": [InterruptAtEpoch(1)]}
    with pytest.raises(KeyboardInterrupt):
        Forecaster(**_settings(tmp_path, trainer_options=options)).fit(frame, target="OT")
    return _only_run()


def _only_run() -> mlflow.entities.Run:
    client = mlflow.MlflowClient(default_tracking_uri())
    (run,) = client.search_runs([client.get_experiment_by_name("ssm-ts-forecast").experiment_id])
    return run


def test_a_crashed_fit_resumed_with_more_epochs_tags_the_change_and_keeps_its_first_params(illness, tmp_path):
    crashed = _crash_after_epoch_1(tmp_path, illness)
    assert crashed.info.status == "KILLED"
    assert crashed.data.params["forecaster.max_epochs"] == "3"  # logged before training
    assert crashed.data.params["data.targets"] == "['OT']"

    resumed = Forecaster(**_settings(tmp_path, max_epochs=4, patience=6)).fit(
        illness, target="OT", resume=True
    )
    run = _only_run()
    assert resumed.run_id_ == run.info.run_id and run.info.status == "FINISHED"
    assert run.data.params["forecaster.max_epochs"] == "3" and run.data.params["forecaster.patience"] == "5"
    tags = {k: v for k, v in run.data.tags.items() if k.startswith("resumed.")}
    assert tags["resumed.1.forecaster.max_epochs"] == "4" and tags["resumed.1.forecaster.patience"] == "6"
    assert "resumed.1.forecaster.trainer_options" in tags  # the crash's callback is gone
    assert len(mlflow.MlflowClient().get_metric_history(run.info.run_id, "val_loss")) == 4


def test_a_refused_change_to_a_crashed_runs_params_lists_the_free_settings(illness, tmp_path, monkeypatch):
    _crash_after_epoch_1(tmp_path, illness)
    # the run's check alone (the checkpoint's check would refuse first): what MLflow's refusal says
    monkeypatch.setattr(Forecaster, "_check_resume", lambda *args: None)
    with pytest.raises(ConfigError, match=r"forecaster.weight_decay: 0.0 in the run, 0.5 now") as err:
        Forecaster(**_settings(tmp_path, weight_decay=0.5)).fit(illness, target="OT", resume=True)
    hint = str(err.value).split("may differ: ", 1)[1]
    assert hint.startswith("max_epochs, max_time, patience, accelerator, trainer_options")
