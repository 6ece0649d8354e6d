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
twice), where they waited for ever (a fit, or the warning after its crash, hung)."""

from __future__ import annotations

import hashlib
import multiprocessing
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from multiprocessing.context import get_spawning_popen
from pathlib import Path

import numpy as np
import torch

from .file_version import file_version

CAPACITY = 1024  # files recorded; past it, a file is named as if none was recorded
# the lock guards a lookup in 1,024 numbers (microseconds): held this long, its holder died holding it
LOCK_WAIT_S = 10.0
FOUND = "found"  # the kind of a file found damaged, recorded before any warning names it (``ddp_spawn``'s)
# the kind of a file found clipped at full scale, recorded with its counts before any warning names it
FOUND_CLIPPED = "found clipped"
NUMBERS = 3  # numbers a record may carry (a clipped file's frames in full-scale runs, frames read, seconds)


class NamedFiles:
    """A record of file versions (:func:`~.file_version.file_version`: a file saved anew is another) in
    shared memory: ``keys`` ``(1 + CAPACITY,)`` int64, the count first, then each version's 64-bit hash;
    ``numbers`` ``(CAPACITY, NUMBERS)`` float64, row ``i`` those recorded with key ``i`` (zeros: none);
    ``lock``: held while a process reads and writes them.

    The lock is a ``spawn`` one: a process started by spawning (``ddp_spawn``'s, a loader worker's with
    ``multiprocessing_context="spawn"``) receives it with ``keys``, one forked inherits it. Pickled
    otherwise (``copy.deepcopy``, ``pickle.dumps``: the keys travel as a copy then) the copy gets a lock
    of its own, as it holds a record of its own."""

    def __init__(self, capacity: int = CAPACITY):
        self.keys = torch.zeros(1 + capacity, dtype=torch.long).share_memory_()
        self.numbers = torch.zeros((capacity, NUMBERS), dtype=torch.float64).share_memory_()
        self.lock = multiprocessing.get_context("spawn").Lock()

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        if get_spawning_popen() is None:  # not to a started process: the keys are copied, not shared
            state["lock"] = None
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        if self.lock is None:
            self.lock = multiprocessing.get_context("spawn").Lock()

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
            slot = self._recorded_now(keys, key)
            if slot is not None and len(numbers):
                self.numbers.numpy()[slot, : len(numbers)] = numbers
            return slot is not None or self._full(keys, key)

    def numbers_of(self, path: Path, kind: str) -> tuple[float, ...] | None:
        """The numbers recorded with ``path``'s version (as it is now) for ``kind`` (:data:`NUMBERS` of
        them, zeros where fewer were given); ``None`` when no process recorded it. Records nothing."""
        key = _key(path, kind)
        if key is None:
            return None
        keys = self.keys.numpy()
        with self._locked():
            held = np.flatnonzero(keys[1 : 1 + int(keys[0])] == key)
            return tuple(float(n) for n in self.numbers.numpy()[held[0]]) if held.size else None

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
            return key in keys[1 : 1 + int(keys[0])]

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

    @staticmethod
    def _recorded_now(keys, key: int) -> int | None:
        """Add ``key`` to ``keys`` (the record's array) unless there or full (under the lock): the row of
        :attr:`numbers` it was given, ``None`` if it was there or the record is full."""
        count = int(keys[0])
        if key in keys[1 : 1 + count] or count >= keys.size - 1:
            return None
        keys[1 + count] = key
        keys[0] = count + 1
        return count

    @staticmethod
    def _full(keys, key: int) -> bool:
        """Whether ``key`` is not recorded because the record is full (then it is named as if none was)."""
        count = int(keys[0])
        return count >= keys.size - 1 and key not in keys[1 : 1 + count]


def _key(path: Path, kind: str) -> int | None:
    """The record's 64-bit key of ``path``'s version for ``kind``; ``None`` when it cannot be read."""
    version = file_version(path)
    if version is None:
        return None
    digest = hashlib.blake2b(
        repr((kind, version)).encode(), digest_size=8
    ).digest()  # str hash differs by process
    return int.from_bytes(digest, "little", signed=True)
