"""A user's ``ModelCheckpoint`` in ``ssm-ts forecast fit --trainer.callbacks`` without a ``dirpath`` writes
to the fit folder's ``user_checkpoints/``, and ``--ckpt_path last`` / ``best`` name ssm-ts's own checkpoint,
as the Python API's (:func:`~ssm_ts.training.user_checkpoint_folders`).

Lightning's default folder for such a callback is the fit's ``checkpoints/``, ssm-ts's own (``<out>/checkpoints``
with ``--trainer.logger false``, ``<out>/<experiment id>/<run id>/checkpoints`` with MLflow): with
``save_last=true`` the user's file took the name ``last.ckpt`` (its callback runs first each epoch) and
ssm-ts's became ``last-v1.ckpt``, beside the user's ``epoch=N`` files. And ``--ckpt_path last`` took the
newest ``last.ckpt`` anywhere under ``--out``: a user's, newer (one saving by steps, or of its own dirpath
under ``--out``), was resumed or evaluated instead of ssm-ts's. On real ETTh1 rows, a tiny nlinear model."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

from ssm_ts import cli
from ssm_ts.checkpoint_times import SAVED_AT_KEY

FORECAST = [
    "forecast", "fit", "--data.path", "ETTh1", "--data.target", "OT", "--data.boundaries", "[600, 800, 1000]",
    "--data.batch_size", "64", "--model.model", "nlinear", "--model.lookback", "48", "--model.horizon", "12",
    "--seed_everything", "0", "--out", "out", "--trainer.limit_train_batches", "2", "--trainer.max_epochs", "2",
]  # fmt: skip
# every epoch's checkpoint (ranked on another metric than ssm-ts's) and a last.ckpt, in the callback's
# default folder
MINE = ["--trainer.callbacks+=ModelCheckpoint", "--trainer.callbacks.save_last=true",
        "--trainer.callbacks.monitor=val_mae", "--trainer.callbacks.filename=mine-{epoch}",
        "--trainer.callbacks.save_top_k=-1"]  # fmt: skip
# a user's callback of its own dirpath under --out, saving by steps, naming its files as ssm-ts's best
THEIRS = ["--trainer.callbacks+=ModelCheckpoint", "--trainer.callbacks.dirpath=out/mine",
          "--trainer.callbacks.every_n_train_steps=1", "--trainer.callbacks.save_last=true",
          "--trainer.callbacks.filename=best-{epoch}"]  # fmt: skip
NO_MLFLOW = ["--trainer.logger", "false"]


def said(err: str, text: str) -> bool:
    """Whether stderr says ``text``, whatever the console's line wrapping (rich wraps long paths)."""
    return "".join(text.split()) in "".join(err.split())


def fit_folder(out: Path) -> Path:
    """The folder of the one fit in ``out``: the one holding ssm-ts's ``checkpoints/``."""
    (folder,) = {p.parent.parent for p in out.rglob("checkpoints/best-*.ckpt")}
    return folder


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("*.ckpt"))


@pytest.mark.parametrize("logged", [False, True], ids=["no-mlflow", "mlflow"])
def test_a_users_checkpoint_without_dirpath_writes_to_user_checkpoints(data_home, capsys, logged):
    assert cli.main([*FORECAST, *MINE, *([] if logged else NO_MLFLOW)]) == 0, capsys.readouterr().err
    out = data_home / "out"
    folder = fit_folder(out)
    # ssm-ts's own folder: <out> without MLflow, <out>/<experiment id>/<run id> with it
    assert (folder == out) != logged and (folder.parent.parent == out) == logged
    assert names(folder / "checkpoints") == ["best-epoch=1.ckpt", "last.ckpt"]  # no last-v1.ckpt, no mine-*
    assert names(folder / "user_checkpoints") == ["last.ckpt", "mine-epoch=0.ckpt", "mine-epoch=1.ckpt"]
    own = torch.load(folder / "checkpoints" / "last.ckpt", map_location="cpu", weights_only=False)
    assert own["epoch"] == 1 and own["global_step"] == 4


def test_a_second_users_checkpoint_gets_its_own_folder(data_home, capsys):
    second = ["--trainer.callbacks+=ModelCheckpoint", "--trainer.callbacks.filename=other-{epoch}"]
    assert cli.main([*FORECAST, *MINE, *second, *NO_MLFLOW]) == 0, capsys.readouterr().err
    out = data_home / "out"
    assert names(out / "checkpoints") == ["best-epoch=1.ckpt", "last.ckpt"]
    assert names(out / "user_checkpoints") == ["last.ckpt", "mine-epoch=0.ckpt", "mine-epoch=1.ckpt"]
    assert names(out / "user_checkpoints-2") == ["other-epoch=1.ckpt"]


def newer(path: Path) -> Path:
    """``path`` dated a minute after every other file: as a user's callback saving by steps writes it after
    ssm-ts's epoch checkpoints, or a later fit of the user's into its own folder under ``--out``. Both dates
    move: the file's and the save time the checkpoint records (which orders checkpoints before the mtime)."""
    checkpoint = torch.load(path, map_location="cpu", weights_only=False)
    checkpoint[SAVED_AT_KEY] += 60 * 10**9
    torch.save(checkpoint, path)
    later = os.stat(path).st_mtime + 60
    os.utime(path, (later, later))
    return path


@pytest.mark.parametrize("logged", [False, True], ids=["no-mlflow", "mlflow"])
def test_best_and_last_name_ssm_ts_checkpoints_not_a_users_newer_ones(data_home, capsys, logged):
    logger = [] if logged else NO_MLFLOW
    assert cli.main([*FORECAST, *MINE, *THEIRS, *logger]) == 0, capsys.readouterr().err
    out = data_home / "out"
    own = fit_folder(out) / "checkpoints"
    newer(out / "mine" / "last.ckpt"), newer(out / "mine" / "best-epoch=1.ckpt")
    newer(fit_folder(out) / "user_checkpoints" / "last.ckpt")
    capsys.readouterr()

    for named, file in [("last", "last.ckpt"), ("best", "best-epoch=1.ckpt")]:
        assert cli.main(["forecast", "validate", "--ckpt_path", named, "--out", "out", *logger]) == 0
        assert said(capsys.readouterr().err, f"using {Path('out') / own.relative_to(out) / file}")

    last_written = (own / "last.ckpt").stat().st_mtime_ns
    resume = ["forecast", "fit", "--ckpt_path", "last", "--out", "out", "--trainer.max_epochs", "3",
              "--trainer.limit_train_batches", "2", *MINE, *logger]  # fmt: skip
    assert cli.main(resume) == 0
    err = capsys.readouterr().err
    assert said(err, f"resuming from {Path('out') / own.relative_to(out) / 'last.ckpt'}"), err
    resumed = torch.load(own / "last.ckpt", map_location="cpu", weights_only=False)
    assert (resumed["epoch"], resumed["global_step"]) == (2, 6)  # 2 batches an epoch, 3 epochs
    assert (own / "last.ckpt").stat().st_mtime_ns > last_written
    assert [name for name in names(own) if not name.startswith("best-")] == ["last.ckpt"]
    # the user's callback resumed in the same folder, where Lightning restores its state (a new one: none)
    (mine,) = [
        v for v in resumed["callbacks"].values() if str(v.get("dirpath")).endswith("/user_checkpoints")
    ]
    assert sorted(Path(p).name for p in mine["best_k_models"]) == [f"mine-epoch={e}.ckpt" for e in range(3)]


@pytest.mark.parametrize("command", ["validate", "fit"])
def test_a_users_last_checkpoint_alone_is_not_ssm_ts_last(data_home, capsys, command):
    """Only a user's ``last.ckpt`` under --out (ssm-ts's removed): the error of an --out without a fit,
    unchanged."""
    assert cli.main([*FORECAST, *MINE, *THEIRS, *NO_MLFLOW]) == 0, capsys.readouterr().err
    (data_home / "out" / "checkpoints" / "last.ckpt").unlink()
    capsys.readouterr()
    assert cli.main(["forecast", command, "--ckpt_path", "last", "--out", "out", *NO_MLFLOW]) == 1
    err = capsys.readouterr().err
    expected = {
        "validate": "--ckpt_path last: no last.ckpt under --out out; pass the --out of the fit, or the "
        "checkpoint's path",
        "fit": "--ckpt_path last: no last.ckpt under out; start a fit without --ckpt_path, or pass the "
        "checkpoint's path",
    }[command]
    assert said(err, expected), err
