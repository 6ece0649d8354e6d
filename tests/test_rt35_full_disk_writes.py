"""A write through :func:`ssm_ts.atomic.atomic_path` that fails on a full disk is said as the full disk it
is: ``torch.save`` there raises a ``RuntimeError`` with neither errno nor file (``[enforce fail at
inline_container.cc:672] . unexpected pos 27648 vs 27540``, ``basic_ios::clear: iostream error``), which a
fit's end (the conformal scores written into the best checkpoint) reported as such. It is now an
``OSError`` (ENOSPC) naming the file; the file before is kept. (A full disk is stood in for: the free
space :func:`shutil.disk_usage` reports.)"""

from __future__ import annotations

import errno
import shutil
from collections import namedtuple

import pytest
import torch

from ssm_ts import atomic

Usage = namedtuple("Usage", "total used free")


def save_failing_as_on_a_full_disk(path) -> None:
    with atomic.atomic_path(path, sync_folder=True) as tmp:
        torch.save({"weights": torch.zeros(4)}, tmp)
        raise RuntimeError("[enforce fail at inline_container.cc:672] . unexpected pos 27648 vs 27540")


def test_a_writers_error_on_a_full_disk_names_the_file_and_the_full_disk(tmp_path, monkeypatch):
    target = tmp_path / "best-epoch=0.ckpt"
    target.write_bytes(b"the checkpoint before")
    monkeypatch.setattr(shutil, "disk_usage", lambda folder: Usage(10**9, 10**9 - 4096, 4096))
    with pytest.raises(OSError) as raised:
        save_failing_as_on_a_full_disk(target)
    assert raised.value.errno == errno.ENOSPC and raised.value.filename == str(target)
    assert "unexpected pos" in str(raised.value.__cause__)
    assert target.read_bytes() == b"the checkpoint before"
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]  # no temporary file left


def test_the_same_error_with_room_on_the_disk_is_left_as_it_is(tmp_path):
    with pytest.raises(RuntimeError, match="unexpected pos"):
        save_failing_as_on_a_full_disk(tmp_path / "best-epoch=0.ckpt")


def test_another_writers_error_on_a_full_disk_is_left_as_it_is(tmp_path, monkeypatch):
    """Only torch's errno-less RuntimeError is read as the full disk: a writer's own bug (a TypeError, a
    pickling error) is not relabelled "No space left on device" because the disk is nearly full too."""
    monkeypatch.setattr(shutil, "disk_usage", lambda folder: Usage(10**9, 10**9 - 4096, 4096))
    with pytest.raises(TypeError, match="cannot pickle"):
        with atomic.atomic_path(tmp_path / "model.pkl") as tmp:
            tmp.write_bytes(b"")
            raise TypeError("cannot pickle '_thread.lock' object")
