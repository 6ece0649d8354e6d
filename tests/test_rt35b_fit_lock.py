"""Two resumes of one fit at once (``fit --ckpt_path last --out X`` started twice) trained into the same
checkpoints and MLflow run. A resumed fit now holds a lock file in the run's folder: a second is refused,
naming the folder, the process holding it and the fix; a lock of a process that has ended does not block,
and the lock goes when the command ends, by an error too."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from ssm_ts import cli
from ssm_ts.cli.checkpoint_args import CheckpointArgs
from ssm_ts.errors import ConfigError, TrainingError
from ssm_ts.training.fit_lock import LOCK_NAME, hold_fit_lock, release_fit_locks


def write_lock(folder: Path, pid: int) -> Path:
    lock = folder / LOCK_NAME
    lock.write_text(json.dumps({"pid": pid, "host": socket.gethostname()}))
    return lock


def ended_pid() -> int:
    """The pid of a process that has ended."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


@pytest.fixture
def resumable_out(basicmotions_random_features_cli_fit, tmp_path) -> tuple[Path, Path]:
    """``(out, run folder)``: a copy of a classify fit's last.ckpt in an --out of the test's own."""
    run = tmp_path / "out" / "1" / "abc"
    (run / "checkpoints").mkdir(parents=True)
    shutil.copy(basicmotions_random_features_cli_fit[0], run / "checkpoints" / "last.ckpt")
    return tmp_path / "out", run


def test_a_second_resume_is_refused_naming_the_folder_the_pid_and_the_fix(resumable_out, capsys):
    out, run = resumable_out
    lock = write_lock(run, os.getppid())  # a running process of this host: the first resume
    assert cli.main(["classify", "fit", "--ckpt_path", "last", "--out", str(out)]) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert f"a fit is already running in {run.resolve()} (process {os.getppid()} on" in err, err
    assert f"then run ssm-ts classify fit --ckpt_path last --out {out} again" in err, err
    assert json.loads(lock.read_text())["pid"] == os.getppid()  # the first's lock is left as it was


def test_the_lock_goes_when_the_resume_ends_by_an_error(resumable_out, monkeypatch, capsys):
    out, run = resumable_out
    taken = []

    def fails_after_the_lock(self, ckpt_path, checkpoint):
        taken.append(json.loads((run / LOCK_NAME).read_text()))
        raise ConfigError("a setting the resume refuses")

    monkeypatch.setattr(CheckpointArgs, "_restore_fit_settings", fails_after_the_lock)
    write_lock(run, ended_pid())  # left by a killed fit: taken over
    assert cli.main(["classify", "fit", "--ckpt_path", "last", "--out", str(out)]) == 1
    assert "a setting the resume refuses" in capsys.readouterr().err
    assert taken == [{"pid": os.getpid(), "host": socket.gethostname()}]
    assert not (run / LOCK_NAME).exists()


def test_a_lock_of_another_host_is_held_and_one_s_own_taken_again(tmp_path):
    (tmp_path / LOCK_NAME).write_text(json.dumps({"pid": 1, "host": "another-host"}))
    with pytest.raises(TrainingError, match="process 1 on another-host holds"):
        hold_fit_lock(tmp_path, "ssm-ts forecast fit --ckpt_path last --out X")
    (tmp_path / LOCK_NAME).unlink()
    hold_fit_lock(tmp_path, "")
    hold_fit_lock(tmp_path, "")  # this process's own lock: a second fit in one Python
    release_fit_locks()
    assert not (tmp_path / LOCK_NAME).exists()
