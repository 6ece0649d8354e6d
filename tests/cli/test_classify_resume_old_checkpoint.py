"""``ssm-ts classify fit --ckpt_path last`` resumes a checkpoint written before ``class_weight`` and
``channel_names`` existed, into its MLflow run, which never logged them: it was refused ("its
parameters differ (model: s4d1d in the run, {'model': 's4d1d', ... now)"), the run's ``model``
param (Lightning's: the task's model name) taken for the config's ``model.*`` section, as if it had
gone from one value to nested ones. A new setting given another value than its default (the value
the checkpoint trained with) is refused, as a changed setting is. The old state is made from a fit of this version: the new
settings' params deleted from the run's store and their values from the checkpoint."""

from __future__ import annotations

import sqlite3

import mlflow
import torch

from ssm_ts import cli
from ssm_ts.tracking.logger import default_tracking_uri

FIT = [
    "classify", "fit", "--config", "classify_basicmotions_quick", "--data.path", "GunPoint",
    "--model.model_options", "{d_model: 8, n_layers: 1, d_state: 8}",
    "--trainer.max_epochs", "1", "--seed_everything", "0", "--out", "out",
]  # fmt: skip
RESUME = ["classify", "fit", "--ckpt_path", "last", "--trainer.max_epochs", "2", "--out", "out"]
NEW_SETTINGS = ("class_weight", "channel_names")  # the classifier's settings new since that version


def _as_written_before_the_new_settings(data_home) -> str:
    """Drop the new settings from the fit's checkpoint and run, as a fit of the previous version
    left them; return the run's id."""
    ckpt = next((data_home / "out").rglob("last.ckpt"))
    checkpoint = torch.load(ckpt, map_location="cpu", weights_only=False)
    for name in NEW_SETTINGS:
        del checkpoint["hyper_parameters"][name]
    del checkpoint["state_dict"]["class_weights"]
    torch.save(checkpoint, ckpt)
    run_id = checkpoint["ssm_ts_mlflow_run"]["run_id"]
    names = [f"model.{name}" for name in NEW_SETTINGS]
    with sqlite3.connect(data_home / "mlflow.db") as db:
        deleted = db.execute(
            f"DELETE FROM params WHERE run_uuid = ? AND key IN ({', '.join('?' * len(names))})",
            [run_id, *names],
        ).rowcount
        # logged since that version: the trainer's settings and the seed
        db.execute("DELETE FROM params WHERE run_uuid = ? AND (key LIKE 'trainer.%' OR key = 'seed_everything')",
                   [run_id])  # fmt: skip
    assert deleted == len(names)
    # that version's Lightning also logged the task's settings unprefixed: "model" beside "model.*"
    client = mlflow.MlflowClient(default_tracking_uri())
    client.log_param(run_id, "model", checkpoint["hyper_parameters"]["model"])
    client.log_param(run_id, "lr", checkpoint["hyper_parameters"]["lr"])
    return run_id


def test_a_checkpoint_from_before_class_weight_resumes_into_its_run(data_home, capsys):
    assert cli.main(FIT) == 0
    first_steps = torch.load(next((data_home / "out").rglob("last.ckpt")), weights_only=False)["global_step"]
    run_id = _as_written_before_the_new_settings(data_home)
    params = mlflow.MlflowClient(default_tracking_uri()).get_run(run_id).data.params
    assert params["model"] == "s4d1d" and params["model.lr"] == "0.005"  # the two "model"s
    assert "model.class_weight" not in params
    capsys.readouterr()

    # it trained without class weights (the default): another class_weight is refused, as a changed
    # setting is, before the run or the checkpoint is touched (it was taken, and the run logged it)
    ckpt = next((data_home / "out").rglob("last.ckpt"))
    before = ckpt.read_bytes()
    assert cli.main([*RESUME, "--model.class_weight", "balanced"]) == 1
    err = capsys.readouterr().err
    assert "--model.class_weight: None in the checkpoint, 'balanced' now" in err, err
    assert ckpt.read_bytes() == before
    run = mlflow.MlflowClient(default_tracking_uri()).get_run(run_id)
    assert run.data.params == params and run.info.status == "FINISHED"

    assert cli.main(RESUME) == 0, capsys.readouterr().err
    resumed = torch.load(next((data_home / "out").rglob("last.ckpt")), map_location="cpu", weights_only=False)
    assert resumed["global_step"] == 2 * first_steps  # trained on, in the same run
    assert resumed["ssm_ts_mlflow_run"]["run_id"] == run_id
    assert resumed["hyper_parameters"]["class_weight"] is None
    run = mlflow.MlflowClient(default_tracking_uri()).get_run(run_id)
    assert run.info.status == "FINISHED"
    # the new settings logged at their defaults, once; nothing the run logged changed
    assert run.data.params["model.class_weight"] == "None" and "class_weight" not in run.data.params
    assert run.data.params["trainer.max_epochs"] == "2"  # first logged by this resume
    assert {k: v for k, v in run.data.params.items() if k in params} == params
