"""The data module's record of the files named (:mod:`ssm_ts.pipelines.audio.named_files`) is shared by
processes that name files at the same time (DDP ranks, loader workers): its read, decision and write
were three steps, so two processes naming one file at the same instant were both told to name it, and two
naming two files wrote to the same slot (one of them named again later). Now one step under a lock they
share. The race is made certain: each process, having read the record, waits for the other to have read
it too (a barrier); under the lock the other cannot, the wait times out and the processes take turns."""

from __future__ import annotations

import copy
import multiprocessing
import pickle
import threading
from pathlib import Path

import numpy as np
import pytest
import torch

from ssm_ts.pipelines.audio import named_files
from ssm_ts.pipelines.audio.named_files import NamedFiles

WAIT_S = 1.0  # how long a process that read the record waits for the other to read it


class _Meeting(np.ndarray):
    """The record's keys, whose lookup (``key in keys``) waits at a barrier: both processes read the
    record before either writes to it, unless a lock keeps the second out meanwhile."""

    barrier = None

    def __contains__(self, key) -> bool:
        if self.barrier is not None:
            try:
                self.barrier.wait(WAIT_S)
            except threading.BrokenBarrierError:  # the other held off (by the lock): take turns
                pass
        return super().__contains__(key)


class _MeetingKeys:
    """Stands for the record's shared tensor: its ``numpy()`` is the same memory, seen as :class:`_Meeting`."""

    def __init__(self, keys: torch.Tensor):
        self.keys = keys

    def numpy(self) -> np.ndarray:
        return self.keys.numpy().view(_Meeting)


def _name(record: NamedFiles, name: str, told: torch.Tensor, rank: int) -> None:
    told[rank] = record.first_time(Path(name))


@pytest.fixture
def versions_by_name(monkeypatch):
    """A file's version from its name alone: the record needs no files on disk here (forked processes
    inherit the patch)."""
    monkeypatch.setattr(named_files, "file_version", lambda path: (str(path),))


def _at_once(record: NamedFiles, names: tuple[str, str]) -> list[bool]:
    """Two forked processes ask the record about ``names`` (one each) at the same instant: what each is told."""
    fork = multiprocessing.get_context("fork")
    shared = record.keys
    _Meeting.barrier = fork.Barrier(2)
    record.keys = _MeetingKeys(shared)
    told = torch.zeros(2, dtype=torch.bool).share_memory_()
    try:
        workers = [fork.Process(target=_name, args=(record, names[r], told, r)) for r in range(2)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(30)
    finally:
        record.keys, _Meeting.barrier = shared, None
    assert [w.exitcode for w in workers] == [0, 0]
    return told.tolist()


pytestmark = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="forks two processes"
)


def test_two_processes_naming_one_file_at_once_name_it_once(versions_by_name):
    record = NamedFiles()
    assert sorted(_at_once(record, ("take.wav", "take.wav"))) == [False, True]  # was [True, True]
    assert int(record.keys[0]) == 1


def test_two_processes_naming_two_files_at_once_record_both(versions_by_name):
    record = NamedFiles()
    assert _at_once(record, ("take1.wav", "take2.wav")) == [True, True]
    assert int(record.keys[0]) == 2  # was 1: both wrote their key to the first slot
    assert not record.first_time(Path("take1.wav")) and not record.first_time(Path("take2.wav"))


def test_a_copy_outside_a_started_process_is_a_record_of_its_own(versions_by_name):
    record = NamedFiles()
    assert record.first_time(Path("take.wav"))
    for other, copied in enumerate((copy.deepcopy(record), pickle.loads(pickle.dumps(record)))):
        assert copied.lock is not record.lock
        assert not copied.first_time(Path("take.wav"))  # what the record held when copied
        assert copied.first_time(Path(f"other{other}.wav")) and record.first_time(Path(f"other{other}.wav"))
