"""The fit lock (ssm_ts/training/fit_lock.py) covered CLI resumes only, on the checkpoint's run folder. A
fresh fit took none, so a resume of a fit still training (``fit --ckpt_path last``, ``fit(resume=True)``)
trained into its checkpoints and MLflow run with it; ``fit(resume=True)`` checked no lock at all; and a
CLI fit without MLflow, or a resume into another ``--out``, wrote a folder another fit was writing.
Every fit now holds the lock of the folder it writes its checkpoints into while it trains, and a Python
resume checks it before touching its run. The other process here is a real one that holds the lock."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from lightning.pytorch.callbacks import Callback

from ssm_ts import Forecaster, cli
from ssm_ts.errors import TrainingError
from ssm_ts.training import fit_lock
from ssm_ts.training.fit_lock import LOCK_NAME, hold_fit_lock, release_fit_locks

# a process that takes a folder's lock, as a fit would, says so and trains on (sleeps)
_HOLDER = (
    "import json, os, socket, sys, time\n"
    "path = os.path.join(sys.argv[1], '.fit.lock')\n"
    "fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)\n"
    "os.write(fd, json.dumps({'pid': os.getpid(), 'host': socket.gethostname()}).encode())\n"
    "os.close(fd)\n"
    "print('held', flush=True)\n"
    "time.sleep(60)\n"
)


@pytest.fixture(autouse=True)
def rank_0_alone(monkeypatch):
    """A process with no rank set (a plain fit, or rank 0)."""
    for name in fit_lock._RANK_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def holder() -> Iterator:
    """``hold(folder)``: another process holds ``folder``'s lock until the test ends; returns its pid."""
    started: list[subprocess.Popen] = []

    def hold(folder: Path) -> int:
        folder.mkdir(parents=True, exist_ok=True)
        process = subprocess.Popen(
            [sys.executable, "-c", _HOLDER, str(folder)], stdout=subprocess.PIPE, text=True
        )
        started.append(process)
        assert process.stdout.readline().strip() == "held"
        return process.pid

    yield hold
    for process in started:
        process.kill()
        process.wait()


def _series() -> pd.DataFrame:
    hours = pd.date_range("2020-01-01", periods=120, freq="h")
    return pd.DataFrame({"time": hours, "y": np.sin(np.arange(120) / 5.0)})


def _forecaster(out: Path, callbacks: list | None = None) -> Forecaster:
    options = {"enable_progress_bar": False, "callbacks": callbacks or []}
    return Forecaster(model="nlinear", lookback=12, horizon=4, max_epochs=1, out_dir=str(out),
                      log_to_mlflow=False, trainer_options=options)  # fmt: skip


class _SeesTheLock(Callback):
    """Records, while the fit trains, the lock file in the folder ssm-ts's checkpoints go to."""

    def __init__(self) -> None:
        self.seen: list[tuple[Path, dict]] = []

    def on_train_epoch_start(self, trainer, pl_module) -> None:
        own = next(c for c in trainer.checkpoint_callbacks if type(c).__name__ == "BestAndLastCheckpoint")
        lock = Path(own.dirpath).parent / LOCK_NAME
        self.seen.append((lock, json.loads(lock.read_text()) if lock.exists() else {}))


def test_a_python_fit_holds_its_folders_lock_while_it_trains_and_releases_it(tmp_path):
    sees = _SeesTheLock()
    forecaster = _forecaster(tmp_path / "out", [sees])
    forecaster.fit(_series())
    ((lock, held),) = forecaster.callbacks_[0].seen  # the fit's own copy of the callback
    assert held == {"pid": os.getpid(), "host": socket.gethostname()}, lock
    assert lock.parent == Path(forecaster.best_checkpoint_).parent.parent  # the fit's own folder
    assert not lock.exists()  # released once the fit has ended
    assert not sees.seen  # (the callback given was copied, not used)


def test_a_resume_of_a_fit_still_training_is_refused_in_python_and_on_the_command_line(
    tmp_path, holder, capsys
):
    out = tmp_path / "out"
    _forecaster(out).fit(_series())
    (last,) = out.glob("fits/*/checkpoints/last.ckpt")
    run = last.parent.parent.resolve()
    pid = holder(run)  # the fit in that folder still trains, in another process
    with pytest.raises(TrainingError) as refused:
        _forecaster(out).fit(_series(), resume=True)
    said = " ".join(str(refused.value).split())
    assert f"a fit is already running in {run} (process {pid} on {socket.gethostname()} holds" in said
    assert (
        "then run fit(..., resume=True) again; to train a separate copy, start a new fit with another out_dir"
        in said
    )
    assert list(out.glob("fits/*/checkpoints/last.ckpt")) == [last]  # nothing trained
    # the same resume on the command line, refused before it reads any data
    assert cli.main(["forecast", "fit", "--ckpt_path", "last", "--out", str(out)]) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert f"a fit is already running in {run} (process {pid} on" in err, err
    assert json.loads((run / LOCK_NAME).read_text())["pid"] == pid  # the holder's lock is left as it was


@pytest.fixture()
def line_use(monkeypatch):
    spec = cli.UseSpec(task="tests.cli.fake_use:LineTask", datamodule="tests.cli.fake_use:LineDataModule",
                       description="a line", example="ssm-ts line fit")  # fmt: skip
    monkeypatch.setitem(cli.USES, "line", spec)


_UNLOGGED = [
    "--trainer.logger",
    "false",
    "--trainer.max_epochs",
    "1",
    "--trainer.enable_progress_bar",
    "false",
]


def test_a_cli_fit_without_mlflow_into_an_out_in_use_is_refused(line_use, tmp_path, holder, capsys):
    out = tmp_path / "out"
    pid = holder(out)  # a fit without MLflow writes out/checkpoints: another one trains there now
    assert cli.main(["line", "fit", "--out", str(out), *_UNLOGGED]) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert f"a fit is already running in {out.resolve()} (process {pid} on {socket.gethostname()}" in err, err
    assert (
        "then run the same command again; to train a separate copy, start a new fit with another --out" in err
    )
    assert not (out / "checkpoints").exists()
    assert json.loads((out / LOCK_NAME).read_text())["pid"] == pid


def test_a_cli_resume_into_another_out_in_use_is_refused_and_a_free_one_leaves_no_lock(
    line_use, tmp_path, holder, capsys
):
    first, second = tmp_path / "first", tmp_path / "second"
    assert cli.main(["line", "fit", "--out", str(first), *_UNLOGGED]) == 0
    assert not (first / LOCK_NAME).exists()  # the command's lock went with it
    last = first / "checkpoints" / "last.ckpt"
    pid = holder(second)  # the resume would write second/checkpoints, where another fit trains
    resume = ["line", "fit", "--ckpt_path", str(last), "--out", str(second), *_UNLOGGED[:2]]
    assert cli.main([*resume, "--trainer.max_epochs", "2"]) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert f"a fit is already running in {second.resolve()} (process {pid} on" in err, err
    assert not (second / "checkpoints").exists() and not (first / LOCK_NAME).exists()


def test_a_lock_of_the_process_that_started_this_one_is_this_fits_own(tmp_path):
    """ddp_spawn: the command holds its resume's lock, and its rank 0 trains in a process it started."""
    lock = tmp_path / LOCK_NAME
    lock.write_text(json.dumps({"pid": os.getppid(), "host": socket.gethostname()}))
    try:
        assert hold_fit_lock(tmp_path, "x", launcher=os.getppid()) is False
        with pytest.raises(TrainingError, match="a fit is already running"):
            hold_fit_lock(tmp_path, "x")  # any other fit is refused
    finally:
        release_fit_locks()
    assert json.loads(lock.read_text())["pid"] == os.getppid()


def test_a_held_lock_is_taken_once_and_released_by_its_folder(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert hold_fit_lock(tmp_path / "a", "x") is True
    assert hold_fit_lock(tmp_path / "a", "x") is False  # this process holds it already
    assert hold_fit_lock(tmp_path / "b", "x") is True
    fit_lock.release_fit_lock(tmp_path / "b")  # one fit's end leaves another's lock (threads of one Python)
    assert (tmp_path / "a" / LOCK_NAME).exists() and not (tmp_path / "b" / LOCK_NAME).exists()
    release_fit_locks()
    assert not (tmp_path / "a" / LOCK_NAME).exists()


def test_a_ddp_spawn_fit_into_an_out_in_use_is_refused_before_it_starts_processes(
    line_use, tmp_path, holder, capsys
):
    """Its rank 0 trains in a process it starts: refused there, the command raised the started processes'
    traceback (ProcessRaisedException) after starting them."""
    out = tmp_path / "out"
    pid = holder(out)
    spawn = ["--trainer.strategy", "ddp_spawn", "--trainer.devices", "2", "--trainer.accelerator", "cpu"]
    assert cli.main(["line", "fit", "--out", str(out), *_UNLOGGED, *spawn]) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert f"a fit is already running in {out.resolve()} (process {pid} on" in err, err
    assert "Traceback" not in err and not (out / "checkpoints").exists()
