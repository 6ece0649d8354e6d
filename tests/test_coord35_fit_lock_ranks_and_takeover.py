"""The resumed fit's lock (ssm_ts/training/fit_lock.py), two cases found in review: a SLURM or LSF task
other than rank 0 (``srun -n 2`` sets only ``SLURM_PROCID``) found rank 0's lock held and refused the
fit; and of two fits taking over one stale lock at the same moment, the second removed the lock the
first had just taken, so both ran."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest

from ssm_ts.errors import TrainingError
from ssm_ts.training import fit_lock
from ssm_ts.training.fit_lock import LOCK_NAME, hold_fit_lock, release_fit_locks


@pytest.fixture(autouse=True)
def rank_0_alone(monkeypatch):
    """A process with no rank set (a plain fit, or rank 0)."""
    for name in fit_lock._RANK_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def _lock_of(folder, pid: int):
    lock = folder / LOCK_NAME
    lock.write_text(json.dumps({"pid": pid, "host": socket.gethostname()}))
    return lock


@pytest.mark.parametrize("variable", ["SLURM_PROCID", "JSM_NAMESPACE_RANK"])
def test_a_scheduler_task_other_than_rank_0_leaves_rank_0s_lock_alone(tmp_path, monkeypatch, variable):
    lock = _lock_of(tmp_path, os.getppid())  # rank 0: a process that runs
    monkeypatch.setenv(variable, "1")
    hold_fit_lock(tmp_path, "ssm-ts forecast fit --ckpt_path last --out out")
    assert json.loads(lock.read_text())["pid"] == os.getppid()


def test_a_stale_lock_taken_over_meanwhile_by_another_fit_is_not_removed(tmp_path, monkeypatch):
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    lock = _lock_of(tmp_path, ended.pid)  # left by a killed fit
    runs = fit_lock._runs

    def stale_then_taken_over(holder: dict) -> bool:
        _lock_of(tmp_path, os.getppid())  # another fit starting now took the stale lock over
        monkeypatch.setattr(fit_lock, "_runs", runs)
        return False

    monkeypatch.setattr(fit_lock, "_runs", stale_then_taken_over)
    try:
        with pytest.raises(TrainingError, match="a fit is already running"):
            hold_fit_lock(tmp_path, "ssm-ts forecast fit --ckpt_path last --out out")
    finally:
        release_fit_locks()
    assert json.loads(lock.read_text())["pid"] == os.getppid()
