"""``Forecaster.fit(..., resume=True)`` checks its data and settings against the checkpoint, with or
without MLflow, before any training: the same CSV (also moved) or the same DataFrame resumes, with
more epochs; another CSV or DataFrame, one changed in place, or a changed ``lr`` / ``fill`` /
``ema_decay`` is a ConfigError naming it (it resumed silently, or failed mid-fit with an
MlflowException). A changed ``patience`` takes effect."""

from __future__ import annotations

import shutil

import mlflow
import pandas as pd
import pytest
import torch
from lightning.pytorch.callbacks import Callback, EarlyStopping

from ssm_ts import Forecaster
from ssm_ts.api.resumable import ResumableEarlyStopping
from ssm_ts.errors import ConfigError
from ssm_ts.export import load_checkpoint
from ssm_ts.tracking.resume_settings import FINGERPRINT_KEY, frame_change_reason, frame_fingerprint
from ssm_ts.training import find_newest_checkpoint

pytestmark = pytest.mark.usefixtures("single_thread")

FAST = {
    "limit_train_batches": 4,
    "limit_val_batches": 2,
    "limit_test_batches": 2,
    "enable_progress_bar": False,
}


def _forecaster(tmp_path, log_to_mlflow: bool = True, **settings) -> Forecaster:
    base = dict(model="nlinear", lookback=24, horizon=8, max_epochs=1, patience=3, out_dir=str(tmp_path / "run"),
                log_to_mlflow=log_to_mlflow, trainer_options=FAST)  # fmt: skip
    return Forecaster(**{**base, **settings})


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path, monkeypatch):
    """MLflow's artifacts (./mlruns) and outputs in the test's folder, not the working tree."""
    monkeypatch.chdir(tmp_path)


def _epochs_done(tmp_path) -> int:
    """Epochs the newest last.ckpt under the fit folder has trained (4 steps each)."""
    return (
        load_checkpoint(find_newest_checkpoint(tmp_path / "run"))["global_step"]
        // FAST["limit_train_batches"]
    )


def _only_run() -> mlflow.entities.Run:
    client = mlflow.MlflowClient()
    (run,) = client.search_runs([client.get_experiment_by_name("ssm-ts-forecast").experiment_id])
    return run


def _val_epochs(run_id: str) -> int:
    return len(mlflow.MlflowClient().get_metric_history(run_id, "val_mse"))


@pytest.fixture
def ett_csv(shared_data, tmp_path):
    """A copy of ETTh1 (17420 hourly rows, 7 series) that a test may move or change."""
    path = tmp_path / "data" / "ETTh1.csv"
    path.parent.mkdir()
    shutil.copy(shared_data / "forecasting" / "ETTh1.csv", path)
    return path


def test_resume_on_the_same_csv_moved_with_more_epochs_continues_the_run(ett_csv, tmp_path):
    _forecaster(tmp_path).fit(ett_csv, target="OT")
    moved = tmp_path / "elsewhere" / "ETTh1.csv"
    moved.parent.mkdir()
    ett_csv.rename(moved)

    # max_epochs and patience are free; before, max_epochs stayed 1 in the run with no trace of the change
    resumed = _forecaster(tmp_path, max_epochs=2, patience=4).fit(moved, target="OT", resume=True)
    run = _only_run()
    assert resumed.run_id_ == run.info.run_id and run.info.status == "FINISHED"
    assert _val_epochs(run.info.run_id) == 2 and _epochs_done(tmp_path) == 2
    assert run.data.params["forecaster.max_epochs"] == "1" and run.data.params["data.source"] == str(ett_csv)
    assert run.data.tags["resumed.1.forecaster.max_epochs"] == "2"
    assert run.data.tags["resumed.1.forecaster.patience"] == "4"
    assert run.data.tags["resumed.1.data.source"] == str(moved)

    _forecaster(tmp_path, max_epochs=3, patience=4).fit(
        moved, target="OT", resume=True
    )  # the same path again
    assert _val_epochs(run.info.run_id) == 3 and _epochs_done(tmp_path) == 3
    assert _only_run().data.tags["resumed.2.forecaster.max_epochs"] == "3"


@pytest.mark.parametrize("log_to_mlflow", [True, False], ids=["mlflow", "no-mlflow"])
def test_resume_refuses_other_data_or_settings_before_training(ett_csv, tmp_path, log_to_mlflow):
    _forecaster(tmp_path, log_to_mlflow).fit(ett_csv, target="OT")
    last = find_newest_checkpoint(tmp_path / "run")
    written = last.stat().st_mtime_ns
    other = tmp_path / "other.csv"
    frame = pd.read_csv(ett_csv)
    frame.loc[100, "OT"] += 0.5  # one value of the trained-on series
    frame.to_csv(other, index=False)

    def refused(data, match: str, **settings) -> str:
        with pytest.raises(ConfigError, match=match) as err:  # not an MlflowException mid-fit
            _forecaster(tmp_path, log_to_mlflow, max_epochs=2, **settings).fit(data, target="OT", resume=True)
        return str(err.value)

    message = refused(other, r"data.path: .*ETTh1.csv' in the checkpoint, .*other.csv' now")
    assert f"{other} differs in content from {ett_csv}, which the fit was trained on" in message
    message = refused(ett_csv, r"lr: 0.001 in the checkpoint, 0.01 now", lr=0.01)
    assert "pass the values it was started with, or fit from scratch with another out_dir" in message
    assert "may differ (max_epochs, max_time, patience" in message
    refused(
        ett_csv, r"ema_decay: None in the checkpoint, 0.9 now", ema_decay=0.9
    )  # kept by the checkpoint only
    with pytest.raises(ConfigError, match=r"fill: None in the checkpoint, 'ffill' now"):
        _forecaster(tmp_path, log_to_mlflow, max_epochs=2).fit(
            ett_csv, target="OT", fill="ffill", resume=True
        )
    shutil.copy(other, ett_csv)  # the trained-on file, changed in place
    refused(ett_csv, r"ETTh1.csv was changed since the fit read it")

    # nothing trained: the checkpoint is the first fit's, and the run holds its one epoch
    assert find_newest_checkpoint(tmp_path / "run") == last and last.stat().st_mtime_ns == written
    if log_to_mlflow:
        run = _only_run()
        assert _val_epochs(run.info.run_id) == 1 and run.info.status == "FINISHED"
        assert not any(key.startswith("resumed.") for key in run.data.tags)


@pytest.mark.parametrize("log_to_mlflow", [True, False], ids=["mlflow", "no-mlflow"])
def test_resume_on_a_dataframe_needs_the_same_content(shared_data, tmp_path, log_to_mlflow):
    frame = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv")
    _forecaster(tmp_path, log_to_mlflow).fit(frame, target="OT")
    last = find_newest_checkpoint(tmp_path / "run")

    changed = frame.copy()
    changed.loc[100, "OT"] += 0.5
    with pytest.raises(
        ConfigError, match=r"data: a DataFrame of 17420 rows x 8 columns in the checkpoint, another"
    ):
        _forecaster(tmp_path, log_to_mlflow, max_epochs=2).fit(changed, target="OT", resume=True)
    with pytest.raises(
        ConfigError, match=r"a DataFrame of 17420 rows x 7 columns, not a DataFrame of 17420 rows"
    ):
        _forecaster(tmp_path, log_to_mlflow, max_epochs=2).fit(
            frame.drop(columns="HUFL"), target="OT", resume=True
        )
    with pytest.raises(ConfigError, match=r"the fit was trained on a DataFrame: pass that DataFrame again"):
        path = tmp_path / "frame.csv"
        frame.to_csv(path, index=False)
        _forecaster(tmp_path, log_to_mlflow, max_epochs=2).fit(path, target="OT", resume=True)
    assert find_newest_checkpoint(tmp_path / "run") == last  # nothing trained

    resumed = _forecaster(tmp_path, log_to_mlflow, max_epochs=2).fit(frame.copy(), target="OT", resume=True)
    assert _epochs_done(tmp_path) == 2
    if log_to_mlflow:
        assert resumed.run_id_ == _only_run().info.run_id and _val_epochs(resumed.run_id_) == 2


def test_a_resume_on_a_csv_refuses_a_dataframe(ett_csv, tmp_path):
    _forecaster(tmp_path, log_to_mlflow=False).fit(ett_csv, target="OT")
    with pytest.raises(ConfigError, match=r"data.path: .*ETTh1.csv' in the checkpoint, a DataFrame now"):
        _forecaster(tmp_path, log_to_mlflow=False, max_epochs=2).fit(
            pd.read_csv(ett_csv), target="OT", resume=True
        )


def test_a_resume_stops_early_with_the_patience_it_is_given(ett_csv, tmp_path):
    class RecordPatience(Callback):
        seen: list[int] = []

        def on_train_epoch_start(self, trainer, pl_module) -> None:
            self.seen.append(trainer.early_stopping_callback.patience)

    record = RecordPatience()
    _forecaster(tmp_path, log_to_mlflow=False, patience=2).fit(ett_csv, target="OT")
    options = {**FAST, "callbacks": [record]}
    _forecaster(tmp_path, log_to_mlflow=False, max_epochs=2, patience=6, trainer_options=options).fit(
        ett_csv, target="OT", resume=True
    )
    assert record.seen == [6]  # Lightning restored the checkpoint's 2

    # the count so far is restored; checkpoints of Lightning's own EarlyStopping resume too
    lightning = EarlyStopping("val_loss", patience=2)
    lightning.wait_count = 1
    ours = ResumableEarlyStopping("val_loss", patience=6)
    assert ours.state_key == lightning.state_key
    ours.load_state_dict(lightning.state_dict())
    assert (ours.patience, ours.wait_count) == (6, 1)


def test_frame_fingerprint_is_of_the_content(shared_data):
    frame = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv")
    stored = frame_fingerprint(frame)
    assert frame_fingerprint(frame.copy()) == stored and frame_change_reason(stored, frame.copy()) is None
    changed = frame.copy()
    changed.loc[17419, "OT"] = changed.loc[17419, "OT"] + 1e-9
    for other, reason in [
        (changed, "values (or index) differ"),
        (frame.set_axis(frame.index + 1), "values (or index) differ"),
        (frame.rename(columns={"OT": "ot"}), r"missing ['OT'], new ['ot']"),
        (frame[list(frame.columns[::-1])], "in the order ['OT', 'LULL'"),
        (frame.astype({"HUFL": "float32"}), "HUFL: float64 then, float32 now"),
        (frame.iloc[:-1], "17419 rows x 8 columns, not a DataFrame of 17420 rows x 8 columns"),
    ]:
        assert frame_fingerprint(other)["sha256"] != stored["sha256"]
        assert reason in frame_change_reason(stored, other)
    lists = pd.DataFrame({"a": [[1, 2], [3]]})  # cells pandas cannot hash are hashed as text
    assert frame_fingerprint(lists) != frame_fingerprint(pd.DataFrame({"a": [[1, 2], [4]]}))


def test_a_dataframe_resume_of_a_checkpoint_without_its_fingerprint_is_refused(shared_data, tmp_path):
    """Checkpoints written before DataFrames had a fingerprint cannot tell another frame from the same."""
    frame = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv")
    _forecaster(tmp_path, log_to_mlflow=False).fit(frame, target="OT")
    for path in (tmp_path / "run").rglob("*.ckpt"):
        checkpoint = load_checkpoint(path)
        checkpoint.pop(FINGERPRINT_KEY, None)
        torch.save(checkpoint, path)
    with pytest.raises(
        ConfigError, match=r"holds no fingerprint of its DataFrame, written before ssm-ts kept one"
    ):
        _forecaster(tmp_path, log_to_mlflow=False, max_epochs=2).fit(frame, target="OT", resume=True)
