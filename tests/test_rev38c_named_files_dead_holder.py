"""The record of the files named once across processes (:mod:`ssm_ts.pipelines.audio.named_files`) reads
and writes under a lock the processes share. A process killed while it held it (a DDP rank or a loader
worker ended by a signal mid-step: torch's process launcher ends the other ranks so when one fails) never
released it, and every later use of the record waited for ever: the next damaged file hung the fit, and
after a ``ddp_spawn`` crash the warning naming the files found hung the process that started it. The
record now waits ``LOCK_WAIT_S`` for the lock, then goes on without it (at worst a file named twice)."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time

import pytest

from ssm_ts.pipelines.audio import named_files
from ssm_ts.pipelines.audio.named_files import NamedFiles

pytestmark = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="forks a process"
)


def _hold_for_ever(record: NamedFiles, holding) -> None:
    record.lock.acquire()
    holding.set()
    time.sleep(60)


def _killed_holding_the_lock(record: NamedFiles) -> None:
    fork = multiprocessing.get_context("fork")
    holding = fork.Event()
    holder = fork.Process(target=_hold_for_ever, args=(record, holding), daemon=True)
    holder.start()
    assert holding.wait(20)
    os.kill(holder.pid, signal.SIGKILL)
    holder.join(20)


def _within(seconds: float, call) -> list:
    """``call()``'s result, in a thread given ``seconds``: ``[]`` if it has not returned by then."""
    result = []
    thread = threading.Thread(target=lambda: result.append(call()), daemon=True)
    thread.start()
    thread.join(seconds)
    return result


def test_a_process_killed_holding_the_lock_does_not_hang_the_others(tmp_path, monkeypatch):
    monkeypatch.setattr(named_files, "LOCK_WAIT_S", 0.2, raising=False)
    take, other = tmp_path / "take.wav", tmp_path / "other.wav"
    take.write_bytes(b"take")
    other.write_bytes(b"other")
    record = NamedFiles()
    _killed_holding_the_lock(record)
    assert _within(5, lambda: record.first_time(take)) == [True]  # was: waited for ever
    started = time.monotonic()
    assert not record.first_time(take) and record.holds(take) and record.first_time(other)
    assert time.monotonic() - started < 0.2  # the dead holder is not waited for again, file after file
