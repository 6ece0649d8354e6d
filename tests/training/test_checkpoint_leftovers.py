"""A checkpoint write killed midway (an OOM kill, ``kill -9``) leaves its hidden temporary file; the next fit
into the folder removes it, never one that a live writer still writes, nor a file not named as ours. And a
checkpoint's rename is flushed to the disk with its folder."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path
from types import SimpleNamespace

import lightning.pytorch as pl
import pytest
import torch

from ssm_ts import atomic
from ssm_ts.training.checkpoint_io import AtomicCheckpointIO
from ssm_ts.training.checkpoints import best_checkpoint_callback

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the writer's lock needs fcntl (POSIX)")

# a checkpoint writer that stops in the middle of its write, its temporary file written and locked
WRITER = """
import sys, time
from ssm_ts.atomic import atomic_path
with atomic_path(sys.argv[1]) as tmp:
    tmp.write_bytes(bytes(int(sys.argv[2])))
    print(tmp.name, flush=True)
    time.sleep(60)
"""


def dead_writers_file(folder: Path, size: int) -> Path:
    """A temporary checkpoint as a killed writer leaves it: named as ours, locked by nobody."""
    path = folder / f".checkpoint.{uuid.uuid4().hex}.partial"
    path.write_bytes(bytes(size))
    return path


def test_a_live_writers_file_is_kept_and_freed_once_it_is_killed(tmp_path):
    writer = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(WRITER), str(tmp_path / "last.ckpt"), "5000"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        partial = tmp_path / writer.stdout.readline().strip()
        assert partial.name.startswith(".checkpoint.") and partial.stat().st_size == 5000
        assert atomic.remove_abandoned_checkpoint_writes(tmp_path) == 0  # its writer is alive
        assert partial.exists()
        os.kill(writer.pid, signal.SIGKILL)
        assert writer.wait(timeout=10) == -signal.SIGKILL
        assert atomic.remove_abandoned_checkpoint_writes(tmp_path) == 5000
        assert list(tmp_path.iterdir()) == []
    finally:
        writer.kill()
        writer.wait()


def test_files_not_named_as_ours_are_kept(tmp_path):
    hex_ = uuid.uuid4().hex
    others = [
        f".last.{hex_}.partial.ckpt",
        ".checkpoint.mine.partial",
        f".checkpoint.{hex_}.partial.bak",
        f"checkpoint.{hex_}.partial",
        f".model.{hex_}.partial",
    ]
    for name in others:
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / f".checkpoint.{uuid.uuid4().hex}.partial").mkdir()  # a folder, never ours
    dead_writers_file(tmp_path, 10)
    assert atomic.remove_abandoned_checkpoint_writes(tmp_path) == 10
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == sorted(others)
    assert len([p for p in tmp_path.iterdir() if p.is_dir()]) == 1


def test_a_writer_whose_file_a_cleanup_removed_before_its_lock_writes_another(tmp_path, monkeypatch):
    """A cleanup running between a writer's creation of its file and its lock removes it: the writer then
    writes under another name, and its checkpoint is whole."""
    real, cleanups = atomic.fcntl, []

    def flock(fd: int, operation: int) -> None:
        if operation == real.LOCK_EX and not cleanups:  # the writer's first lock: a cleanup comes first
            cleanups.append(sorted(p.name for p in tmp_path.iterdir()))
            atomic.remove_abandoned_checkpoint_writes(tmp_path)
        real.flock(fd, operation)

    monkeypatch.setattr(
        atomic, "fcntl", SimpleNamespace(flock=flock, LOCK_EX=real.LOCK_EX, LOCK_NB=real.LOCK_NB)
    )
    with atomic.atomic_path(tmp_path / "last.ckpt") as tmp:
        tmp.write_bytes(b"whole")
    assert len(cleanups[0]) == 1 and cleanups[0][0] != tmp.name  # the file it found was removed
    assert [p.name for p in tmp_path.iterdir()] == ["last.ckpt"]
    assert (tmp_path / "last.ckpt").read_bytes() == b"whole"


def test_a_fits_setup_removes_a_killed_writes_file_and_says_so(tmp_path):
    checkpoint = best_checkpoint_callback(out_dir=tmp_path)
    folder = Path(checkpoint.dirpath)
    folder.mkdir()
    dead_writers_file(folder, 3 * 2**20)
    (folder / "notes.partial").write_text("the user's")
    trainer = pl.Trainer(
        callbacks=[checkpoint], logger=False, enable_progress_bar=False, enable_model_summary=False
    )
    with pytest.warns(UserWarning, match=rf"\(3\.0 MB\).*{folder}"):
        checkpoint.setup(trainer, pl.LightningModule(), "fit")
    assert [p.name for p in folder.iterdir()] == ["notes.partial"]


def test_a_checkpoints_folder_is_synced_after_its_rename(tmp_path, monkeypatch):
    target, synced, real_fsync = tmp_path / "last.ckpt", [], os.fsync

    def fsync(fd: int) -> None:
        file = os.fstat(fd)
        synced.append(
            (stat.S_ISDIR(file.st_mode) and os.path.samestat(file, tmp_path.stat()), target.exists())
        )
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    AtomicCheckpointIO().save_checkpoint({"w": torch.ones(2)}, target)
    assert synced == [(False, False), (True, True)]  # the file before its rename, then its folder
    assert torch.equal(torch.load(target)["w"], torch.ones(2))
