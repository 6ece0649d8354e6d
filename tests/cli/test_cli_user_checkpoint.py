"""A ``ModelCheckpoint`` in ``ssm-ts forecast fit --trainer.callbacks`` keeps its own files beside ssm-ts's
best checkpoint, and the fit's results are ssm-ts's.

LightningCLI puts the command line's callbacks before its defaults, so the user's ModelCheckpoint was
the trainer's ``checkpoint_callback``: the fit calibrated and logged the user's best checkpoint (on the
user's metric) as the fitted model. And ``last.ckpt`` is written at every epoch
after all checkpoint callbacks (Lightning 2.6 wrote it only in an epoch whose ``val_loss`` improved).
On real ETTh1 rows, a tiny nlinear model."""

from __future__ import annotations

from pathlib import Path

import mlflow
import pytest
import torch

from ssm_ts import cli
from ssm_ts.api.conformal import CHECKPOINT_KEY
from ssm_ts.data_fetch import ENV_DATA_HOME
from tests.cli_runs import only_run_id

FORECAST = [
    "forecast", "fit", "--data.path", "ETTh1", "--data.target", "OT", "--data.boundaries", "[600, 800, 1000]",
    "--data.batch_size", "64", "--model.model", "nlinear", "--model.lookback", "48", "--model.horizon", "12",
    "--seed_everything", "0", "--out", "out", "--trainer.limit_train_batches", "3",
]  # fmt: skip
# every epoch's weights, ranked by another metric than ssm-ts's best, in a folder of the user's
MINE = ["--trainer.callbacks+=ModelCheckpoint", "--trainer.callbacks.dirpath=mine", "--trainer.callbacks.monitor=val_mae",
        "--trainer.callbacks.filename=mine-{epoch}", "--trainer.callbacks.save_top_k=-1"]  # fmt: skip


@pytest.fixture
def work(shared_data, tmp_path, monkeypatch, single_thread) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(ENV_DATA_HOME, str(shared_data))
    return tmp_path


def test_a_users_checkpoint_keeps_its_files_and_the_fit_logs_ssm_ts_best(work, capsys):
    uri = f"sqlite:///{work / 'mlflow.db'}"
    # a learning rate below float32's resolution of the weights: every epoch has the first one's val_loss
    args = [*FORECAST, *MINE, "--model.lr", "1e-30", "--trainer.max_epochs", "3", "--tracking_uri", uri]
    assert cli.main(args) == 0, capsys.readouterr().err
    assert sorted(p.name for p in (work / "mine").glob("*.ckpt")) == [
        f"mine-epoch={e}.ckpt" for e in range(3)
    ]
    (best,) = (work / "out").rglob("best-*.ckpt")
    assert best.name == "best-epoch=0.ckpt"

    run_id = only_run_id(uri, "ssm-ts-forecast")
    logged = [a.path for a in mlflow.MlflowClient(uri).list_artifacts(run_id, "checkpoints")]
    assert logged == ["checkpoints/best-epoch=0.ckpt"]  # it was the user's best, mine-epoch=0.ckpt
    # the conformal scores were computed on ssm-ts's best checkpoint and kept in it, not in the user's
    assert CHECKPOINT_KEY in torch.load(best, map_location="cpu", weights_only=False)
    assert not any(
        CHECKPOINT_KEY in torch.load(p, weights_only=False) for p in (work / "mine").glob("*.ckpt")
    )

    last = torch.load(next((work / "out").rglob("last.ckpt")), map_location="cpu", weights_only=False)
    assert last["epoch"] == 2  # it was 0: Lightning 2.6 wrote last.ckpt only with a better val_loss
    (mine,) = [v for k, v in last["callbacks"].items() if str(v.get("dirpath", "")).endswith("mine")]
    assert sorted(Path(p).name for p in mine["best_k_models"]) == [f"mine-epoch={e}.ckpt" for e in range(3)]


def test_a_users_checkpoint_on_val_loss_trains_beside_the_best_one_and_resumes(work, capsys):
    # the same metric and mode as ssm-ts's best checkpoint: Lightning refused two callbacks with one state
    # key ("more than one stateful callback of type BestAndLastCheckpoint")
    mine = [*MINE[:3], "--trainer.callbacks.monitor=val_loss", "--trainer.callbacks.save_top_k=2"]
    assert cli.main([*FORECAST, *mine, "--trainer.max_epochs", "2"]) == 0, capsys.readouterr().err
    last_path = next((work / "out").rglob("last.ckpt"))
    states = torch.load(last_path, map_location="cpu", weights_only=False)["callbacks"]
    first = {Path(v["dirpath"]).resolve(): v for k, v in states.items() if k.startswith("ModelCheckpoint")}
    assert set(first) == {work / "mine", last_path.parent.resolve()}  # each its own state
    assert len(first[work / "mine"]["best_k_models"]) == 2

    resume = ["forecast", "fit", "--ckpt_path", "last", "--out", "out", "--trainer.max_epochs", "3"]
    assert cli.main([*resume, *mine]) == 0, capsys.readouterr().err
    states = torch.load(last_path, map_location="cpu", weights_only=False)["callbacks"]
    (resumed,) = [
        v for v in states.values() if v.get("dirpath") and Path(v["dirpath"]).resolve() == work / "mine"
    ]
    # the top two of three epochs, on the files kept: its state came back from the first fit
    assert sorted(resumed["best_k_models"]) == sorted(str(p) for p in (work / "mine").glob("*.ckpt"))
    assert len(resumed["best_k_models"]) == 2
