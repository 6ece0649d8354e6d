"""``ssm-ts forecast fit --trainer.strategy ddp_spawn`` ends as a one-process fit does. Every rank trains
in a process the fit starts: the command's own process kept a task never built (its network and scaler
are made in ``setup``) and a copy of the MLflow logger that never saw the run. The calibration of the
best checkpoint failed there ("Unexpected key(s) in state_dict: scaler_mean ..."), the fitted run
stayed FINISHED without its model, and a second, empty run was marked FAILED."""

from __future__ import annotations

import mlflow
import pandas as pd
import pytest

from ssm_ts import cli
from ssm_ts.export import load_checkpoint
from ssm_ts.tasks.conformal_storage import CHECKPOINT_KEY, scores_from_checkpoint
from ssm_ts.tracking.logger import default_tracking_uri

TRAIN_END, VAL_END, N_ROWS, HORIZON = 300, 380, 400, 8


@pytest.mark.timeout(300)
def test_a_two_process_spawned_fit_calibrates_and_logs_its_model_in_its_own_run(
    shared_data, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    frame = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", usecols=["date", "OT"]).iloc[:N_ROWS]
    frame.to_csv(tmp_path / "ett.csv", index=False)
    out = tmp_path / "out"
    fit = ["forecast", "fit", "--data.path", "ett.csv", "--model.model", "nlinear", "--model.lookback", "24",
           "--model.horizon", str(HORIZON), "--data.boundaries", f"[{TRAIN_END}, {VAL_END}, {N_ROWS}]",
           "--trainer.max_epochs", "1", "--trainer.limit_train_batches", "1", "--trainer.accelerator", "cpu",
           "--trainer.devices", "2", "--trainer.strategy", "ddp_spawn", "--register_as", "spawned",
           "--out", str(out)]  # fmt: skip
    assert cli.main(fit) == 0

    client = mlflow.MlflowClient(default_tracking_uri())
    (run,) = client.search_runs([client.get_experiment_by_name("ssm-ts-forecast").experiment_id])
    assert run.info.status == "FINISHED"
    (best,) = out.rglob("best-*.ckpt")
    assert best.parent.parent.name == run.info.run_id
    # every validation window scored once, as by a one-process fit (the loaders' shard of one rank is half)
    scores, targets = scores_from_checkpoint(load_checkpoint(best)[CHECKPOINT_KEY])
    assert targets == ["OT"] and scores.n_windows == VAL_END - TRAIN_END - HORIZON + 1

    mlflow.set_tracking_uri(default_tracking_uri())
    model = mlflow.pyfunc.load_model("models:/spawned/1")
    forecast = model.predict(frame.iloc[-24:])
    assert len(forecast) == HORIZON and forecast["OT"].notna().all()


def test_without_a_best_path_sent_back_the_fit_s_best_then_last_checkpoint_is_found(tmp_path):
    """Lightning sends the command's process the best path of the first checkpoint callback only (a
    user's comes first) and never the last one: a spawned fit without validation logged no checkpoint
    and failed on its unbuilt task ("no attribute 'scaler_mean'")."""
    import torch

    from ssm_ts.cli.spawned_fit import started_processes_checkpoint
    from ssm_ts.training import best_checkpoint_callback

    own = best_checkpoint_callback(out_dir=tmp_path)  # its folder given: no trainer needed to resolve it
    folder = tmp_path / "checkpoints"
    assert started_processes_checkpoint(own, trainer=None) == ""
    folder.mkdir()
    torch.save({}, folder / "last.ckpt")
    assert started_processes_checkpoint(own, trainer=None) == str(folder / "last.ckpt")
    torch.save({}, folder / "best-epoch=0.ckpt")
    assert started_processes_checkpoint(own, trainer=None) == str(folder / "best-epoch=0.ckpt")
