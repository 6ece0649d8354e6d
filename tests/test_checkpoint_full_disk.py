"""A checkpoint is written whole or not at all, so a full disk keeps the previous one.

Lightning writes a checkpoint to a temporary file in ``$TMPDIR`` and moves it onto the checkpoint; with
``--out`` on another file system that move is a copy onto the checkpoint itself, and a full disk left a
cut-short ``last.ckpt`` (8192 bytes) where the good one was. The disk here is simulated: renames into the
folder from elsewhere fail as across file systems, and once full each file written there takes 512 bytes.
"""

from __future__ import annotations

import builtins
import errno
import os
import shutil
from pathlib import Path

import pytest
import torch
from lightning.pytorch.callbacks import ModelCheckpoint

from ssm_ts.errors import CheckpointError
from ssm_ts.export import load_checkpoint
from ssm_ts.training import build_trainer, find_own_checkpoint, resolve_named_checkpoint
from tests.test_training_last_checkpoint import WorseEveryEpoch, data


class FullDisk:
    """The file system of ``folder``: another one than ``$TMPDIR``'s, and with :attr:`full` set, each
    file written in it stops with ENOSPC after its first 512 bytes."""

    def __init__(self, folder: Path, monkeypatch: pytest.MonkeyPatch):
        self.folder, self.full = folder.resolve(), False
        real_open, rename, replace = builtins.open, os.rename, os.replace

        def on_disk(path) -> bool:
            return isinstance(path, (str, os.PathLike)) and self.folder in Path(path).resolve().parents

        def across(move):
            def moved(src, dst, *args, **kwargs):
                if on_disk(dst) != on_disk(src):
                    raise OSError(errno.EXDEV, os.strerror(errno.EXDEV), src, None, dst)
                return move(src, dst, *args, **kwargs)

            return moved

        def opened(file, mode="r", *args, **kwargs):
            f = real_open(file, mode, *args, **kwargs)
            return _Cut(f) if self.full and on_disk(file) and "w" in mode else f

        monkeypatch.setattr(os, "rename", across(rename))
        monkeypatch.setattr(os, "replace", across(replace))
        monkeypatch.setattr(builtins, "open", opened)
        monkeypatch.setattr(shutil, "_USE_CP_SENDFILE", False)  # a copy writes through open()'s file


class _Cut:
    """A file that takes 512 bytes (a checkpoint here is a few thousand), then fails as a full disk does."""

    def __init__(self, f):
        self._f, self._room = f, 512

    def write(self, data) -> int:
        data = memoryview(data).cast("B")
        self._f.write(data[: self._room])
        if len(data) > self._room:
            self._room = 0
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self._room -= len(data)
        return len(data)

    def __getattr__(self, name):
        return getattr(self._f, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._f.close()


class FailAtEpoch(WorseEveryEpoch):
    """Fills the disk as epoch ``full_at`` starts: its checkpoints cannot be written."""

    def __init__(self, disk: FullDisk, full_at: int):
        super().__init__()
        self.disk, self.full_at = disk, full_at

    def on_train_epoch_start(self):
        self.disk.full = self.current_epoch == self.full_at


def test_a_full_disk_keeps_the_previous_last_checkpoint_whole(tmp_path, monkeypatch):
    disk = FullDisk(tmp_path / "out", monkeypatch)
    trainer = build_trainer(max_epochs=3, out_dir=tmp_path / "out")
    with pytest.raises(
        OSError, match="No space left on device.*last.ckpt was not written, the one before is kept"
    ):
        trainer.fit(FailAtEpoch(disk, full_at=1), data(), data())
    disk.full = False
    last = tmp_path / "out" / "checkpoints" / "last.ckpt"
    assert load_checkpoint(last)["epoch"] == 0  # was its first 512 bytes, which do not load
    assert sorted(p.name for p in last.parent.iterdir()) == ["best-epoch=0.ckpt", "last.ckpt"]  # no leftover
    build_trainer(max_epochs=2, out_dir=tmp_path / "out").fit(
        WorseEveryEpoch(), data(), data(), ckpt_path=last
    )
    assert load_checkpoint(last)["epoch"] == 1


def test_a_temporary_file_a_killed_fit_left_is_never_taken_for_a_checkpoint(tmp_path, monkeypatch):
    written = []
    real_replace = os.replace
    monkeypatch.setattr(
        os, "replace", lambda src, dst: written.append(Path(src).name) or real_replace(src, dst)
    )
    out = tmp_path / "out"
    # a user's checkpoints too: their top-1 file replaced each epoch, their last.ckpt a link to it
    user = ModelCheckpoint(dirpath=out / "user", monitor="val_loss", mode="max", save_last="link")
    trainer = build_trainer(max_epochs=3, out_dir=out, callbacks=[user])
    trainer.fit(WorseEveryEpoch(), data(), data())
    assert written and all(name.startswith(".checkpoint.") and "ckpt" not in name for name in written)
    assert sorted(p.name for p in (out / "user").iterdir()) == ["epoch=2-step=6.ckpt", "last.ckpt"]
    assert (out / "user" / "last.ckpt").resolve() == out / "user" / "epoch=2-step=6.ckpt"
    own = out / "checkpoints"
    assert sorted(p.name for p in own.iterdir()) == ["best-epoch=0.ckpt", "last.ckpt"]

    # as a SIGKILL mid-write leaves it, newer than every checkpoint
    (own / written[-1]).write_bytes((own / "last.ckpt").read_bytes()[:1000])
    assert find_own_checkpoint(out) == resolve_named_checkpoint("last", out) == own / "last.ckpt"
    assert resolve_named_checkpoint("best", out) == own / "best-epoch=0.ckpt"
    # Lightning's own ckpt_path="last": any file with "last" in its name in a checkpoint folder
    user = ModelCheckpoint(dirpath=out / "user", monitor="val_loss", mode="max", save_last="link")
    resumed = build_trainer(max_epochs=4, out_dir=out, callbacks=[user])
    resumed.fit(WorseEveryEpoch(), data(), data(), ckpt_path="last")
    assert load_checkpoint(own / "last.ckpt")["epoch"] == 3


def test_last_is_the_newest_of_last_and_a_versioned_last_beside_it(tmp_path):
    """A second fit into a folder holding another's ``last.ckpt`` writes ``last-v1.ckpt`` (Lightning's name);
    ``--ckpt_path last`` took the first fit's, or a ``last.ckpt`` cut short, instead of the newest."""
    out = tmp_path / "out"
    build_trainer(max_epochs=1, out_dir=out).fit(WorseEveryEpoch(), data(), data())
    build_trainer(max_epochs=2, out_dir=out).fit(WorseEveryEpoch(), data(), data())
    own = out / "checkpoints"
    assert resolve_named_checkpoint("last", out) == find_own_checkpoint(out) == own / "last-v1.ckpt"
    assert load_checkpoint(own / "last-v1.ckpt")["epoch"] == 1

    # a last.ckpt cut short, newer than the versioned one: taken (by its file's time), and loading it fails
    # naming the checkpoints beside it, not silently an older one
    (own / "last.ckpt").write_bytes((own / "last-v1.ckpt").read_bytes()[:1000])
    os.utime(own / "last.ckpt", ns=(2 * 10**18, 2 * 10**18))
    assert resolve_named_checkpoint("last", out) == own / "last.ckpt"
    with pytest.raises(
        CheckpointError, match=r"truncated or damaged .*Resume from .*beside it: .*last-v1.ckpt\)"
    ):
        load_checkpoint(own / "last.ckpt")


def test_a_checkpoint_io_of_the_users_own_is_kept(tmp_path):
    from lightning.fabric.plugins.io.torch_io import TorchCheckpointIO

    class Mine(TorchCheckpointIO):
        pass

    trainer = build_trainer(max_epochs=1, out_dir=tmp_path, plugins=[Mine()])
    trainer.fit(WorseEveryEpoch(), data(), data())
    assert type(trainer.strategy.checkpoint_io) is Mine
    assert torch.load(tmp_path / "checkpoints" / "last.ckpt", weights_only=True)["epoch"] == 0


def test_a_wrapper_of_the_default_checkpoint_io_writes_atomically_too():
    from lightning.pytorch.plugins.io import AsyncCheckpointIO
    from lightning.pytorch.strategies import SingleDeviceStrategy

    from ssm_ts.training import AtomicCheckpointIO, write_checkpoints_atomically

    strategy = SingleDeviceStrategy("cpu", checkpoint_io=AsyncCheckpointIO())
    write_checkpoints_atomically(strategy)
    assert isinstance(strategy.checkpoint_io, AsyncCheckpointIO)
    assert type(strategy.checkpoint_io.checkpoint_io) is AtomicCheckpointIO
