"""Files a warning named already, recorded for every process a data module reaches: under ``ddp_spawn``
each trainer call starts processes of its own (a fit, then the validation of the best weights that
``WaveformGenerator.fit`` runs), each setting up its copy of the data module anew, so a damaged
validation file the fit named was named again by the validation after it. The record lives in shared
memory made with the data module, before any process starts: a started process (and its loader
workers) receives it by handle, not as a copy, and sees what any other named. One record serves each
warning that names a file once (a damaged file, a clipped one): each records under a ``kind`` of its own.
A record may carry a few numbers (:attr:`NamedFiles.numbers`): what a warning given later, by another
process, says of the file (``ddp_spawn``'s processes record the counts of a file found clipped, which the
process that started them names after they stop on an error).

Reading the record, deciding and writing to it is one step under a lock the processes share: two
processes (DDP ranks, loader workers) naming one file at the same instant both read it unrecorded and
both named it, and two naming two files wrote their keys to the same slot, so one was named again.
A process killed while it holds the lock (a rank or a loader worker ended by a signal mid-step) never
releases it: the others wait :data:`LOCK_WAIT_S` for it, then go on without it (at worst a file named
twice), where they waited for ever (a fit, or the warning after its crash, hung).

The shared memory holds :data:`CAPACITY` records (a clipped file takes two: found, then named); those past
it go on in a file of the temporary folder made with the record's first one past it (:data:`SPILLED`
rows, appended under the lock, read back whole on each lookup past the shared ones: a lookup is per file,
not per clip), so that no file goes unrecorded, where past ~512 clipped files the record was full and a
file found clipped by a ``ddp_spawn`` process that then stopped was named by none. The process that made
the record removes the file when the record is gone or at its exit."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import tempfile
import uuid
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from multiprocessing.context import get_spawning_popen
from pathlib import Path

import numpy as np
import torch

from .file_version import file_version

CAPACITY = 1024  # records in shared memory; past it, in a file (:data:`SPILLED` rows)
# the lock guards a lookup in 1,024 numbers (microseconds): held this long, its holder died holding it
LOCK_WAIT_S = 10.0
FOUND = "found"  # the kind of a file found damaged, recorded before any warning names it (``ddp_spawn``'s)
# the kind of a file found clipped at full scale, recorded with its counts before any warning names it
FOUND_CLIPPED = "found clipped"
NUMBERS = 3  # numbers a record may carry (a clipped file's frames in full-scale runs, frames read, seconds)
# a record past the shared memory's CAPACITY, as its file holds it: the key, then its numbers
SPILLED = np.dtype([("key", "<i8"), ("numbers", "<f8", (NUMBERS,))])


class NamedFiles:
    """A record of file versions (:func:`~.file_version.file_version`: a file saved anew is another) in
    shared memory: ``keys`` ``(1 + capacity,)`` int64, the count of every record first (past ``capacity``
    too), then each version's 64-bit hash; ``numbers`` ``(capacity, NUMBERS)`` float64, row ``i`` those
    recorded with key ``i`` (zeros: none); ``lock``: held while a process reads and writes them;
    ``spill``: the file that holds the records past ``capacity`` (:data:`SPILLED` rows, in the order
    recorded), made with the first of them.

    The lock is a ``spawn`` one: a process started by spawning (``ddp_spawn``'s, a loader worker's with
    ``multiprocessing_context="spawn"``) receives it with ``keys`` and ``spill``, one forked inherits
    them. Pickled otherwise (``copy.deepcopy``, ``pickle.dumps``: the keys travel as a copy then) the copy
    gets a lock and a file of its own, as it holds a record of its own."""

    def __init__(self, capacity: int = CAPACITY):
        self.keys = torch.zeros(1 + capacity, dtype=torch.long).share_memory_()
        self.numbers = torch.zeros((capacity, NUMBERS), dtype=torch.float64).share_memory_()
        self.lock = multiprocessing.get_context("spawn").Lock()
        # files named clipped as found (one process): past the first few, they are listed at the epoch's end
        self.shown_clipped = torch.zeros(1, dtype=torch.long).share_memory_()
        self._own_spill(np.zeros(0, SPILLED))

    def _own_spill(self, records: np.ndarray) -> None:
        """Name a file of this process's own for the records past the shared memory (made when the first
        comes, here if ``records``, a copy's), removed when this record is gone or at this process's exit."""
        try:
            folder = tempfile.gettempdir()
        except OSError:  # no usable temporary folder: records past the shared memory are not kept
            folder = os.curdir
        self.spill = Path(folder) / f"ssm_ts_named_files_{uuid.uuid4().hex}.bin"
        if records.size:
            try:
                records.tofile(self.spill)
            except OSError:  # a full or read-only temporary folder: a copy (deepcopy) never fails for it
                pass
        self._removal = weakref.finalize(self, _remove_spill, self.spill, os.getpid())

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("_removal", None)  # the process that made the record removes its file
        if get_spawning_popen() is None:  # not to a started process: the keys are copied, not shared
            state["lock"] = None
            state["spill"] = self._spilled(self.count() - (self.keys.numel() - 1))  # the records themselves
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        if self.lock is None:
            self.lock = multiprocessing.get_context("spawn").Lock()
            self._own_spill(state["spill"])

    def first_time(self, path: Path, kind: str = "damaged", numbers: Sequence[float] = ()) -> bool:
        """Record ``path``'s version for the warning ``kind`` (``"damaged"``, ``"clipped"``), with up to
        :data:`NUMBERS` ``numbers`` (:meth:`numbers_of` reads them back); whether no process recorded it
        for that warning before (then name it): of processes asking at the same instant, one is told
        ``True``, and its numbers are kept."""
        key = _key(path, kind)
        if key is None:
            return True
        keys = self.keys.numpy()  # the shared memory itself
        with self._locked():
            return self._recorded_now(keys, key, numbers)

    def numbers_of(self, path: Path, kind: str) -> tuple[float, ...] | None:
        """The numbers recorded with ``path``'s version (as it is now) for ``kind`` (:data:`NUMBERS` of
        them, zeros where fewer were given); ``None`` when no process recorded it. Records nothing."""
        key = _key(path, kind)
        if key is None:
            return None
        keys = self.keys.numpy()
        with self._locked():
            count, capacity = int(keys[0]), keys.size - 1
            held = np.flatnonzero(keys[1 : 1 + min(count, capacity)] == key)
            if held.size:
                return tuple(float(n) for n in self.numbers.numpy()[held[0]])
            spilled = self._spilled(count - capacity)
            held = np.flatnonzero(spilled["key"] == key)
            return tuple(float(n) for n in spilled["numbers"][held[0]]) if held.size else None

    def count(self) -> int:
        """How many file versions any process recorded, of every kind (read without the lock: the count
        only grows, and one word is read whole)."""
        return int(self.keys[0])

    def holds(self, path: Path, kind: str = "damaged") -> bool:
        """Whether a process recorded ``path``'s version (as it is now) for ``kind``; records nothing."""
        key = _key(path, kind)
        if key is None:
            return False
        keys = self.keys.numpy()
        with self._locked():
            return self._held(keys, key)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold the lock while the body runs; if :data:`LOCK_WAIT_S` pass first, a process died holding it:
        run the body without it, and from then on this process does not wait for it again."""
        held = self.lock is not None and self.lock.acquire(timeout=LOCK_WAIT_S)
        if not held:
            self.lock = None  # never released: waiting again would cost LOCK_WAIT_S a file
        try:
            yield
        finally:
            if held:
                self.lock.release()

    def _held(self, keys: np.ndarray, key: int) -> bool:
        """Whether ``key`` is recorded, in ``keys`` (the record's shared array) or past them (under the lock)."""
        count, capacity = int(keys[0]), keys.size - 1
        if key in keys[1 : 1 + min(count, capacity)]:
            return True
        return count > capacity and key in self._spilled(count - capacity)["key"]

    def _recorded_now(self, keys: np.ndarray, key: int, numbers: Sequence[float]) -> bool:
        """Add ``key`` with ``numbers`` unless recorded (under the lock): to ``keys`` (the record's shared
        array) and :attr:`numbers` while they have room, else to :attr:`spill`. Whether it was added; a
        file past the shared memory that cannot be written is named as if none was recorded."""
        if self._held(keys, key):
            return False
        count, capacity = int(keys[0]), keys.size - 1
        if count < capacity:
            keys[1 + count] = key
            self.numbers.numpy()[count, : len(numbers)] = numbers
        else:
            record = np.zeros(1, SPILLED)
            record["key"], record["numbers"][0, : len(numbers)] = key, numbers
            try:  # one write of 32 bytes, at the record's place: not after what a failed write left
                spill = os.open(self.spill, os.O_WRONLY | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o600)
                try:
                    os.lseek(spill, (count - capacity) * SPILLED.itemsize, os.SEEK_SET)
                    written = os.write(spill, record.tobytes())
                finally:
                    os.close(spill)
            except OSError:
                return True
            if written < SPILLED.itemsize:  # a full disk: not recorded, named as if none was
                return True
        keys[0] = count + 1
        return True

    def _spilled(self, rows: int) -> np.ndarray:
        """The first ``rows`` records past the shared memory, from :attr:`spill` (:data:`SPILLED`)."""
        if rows <= 0:
            return np.zeros(0, SPILLED)
        try:
            return np.fromfile(self.spill, dtype=SPILLED, count=rows)
        except (OSError, ValueError):  # gone (a temporary folder cleaned) or short: those are not held
            return np.zeros(0, SPILLED)


def _remove_spill(spill: Path, made_by: int) -> None:
    """Remove a record's file past its shared memory, in the process that made it (a forked one inherits
    the record, not the file's ownership)."""
    if os.getpid() == made_by:
        try:
            spill.unlink(missing_ok=True)
        except OSError:  # never made (a temporary folder that cannot be written): printed at exit before
            pass


def _key(path: Path, kind: str) -> int | None:
    """The record's 64-bit key of ``path``'s version for ``kind``; ``None`` when it cannot be read."""
    version = file_version(path)
    if version is None:
        return None
    digest = hashlib.blake2b(
        repr((kind, version)).encode(), digest_size=8
    ).digest()  # str hash differs by process
    return int.from_bytes(digest, "little", signed=True)
