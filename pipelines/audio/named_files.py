"""Files a warning named already, recorded for every process a data module reaches: under ``ddp_spawn``
each trainer call starts processes of its own (a fit, then the validation of the best weights that
``WaveformGenerator.fit`` runs), each setting up its copy of the data module anew, so a damaged
validation file the fit named was named again by the validation after it. The record lives in shared
memory made with the data module, before any process starts: a started process (and its loader
workers) receives it by handle, not as a copy, and sees what any other named. One record serves each
warning that names a file once (a damaged file, a clipped one): each records under a ``kind`` of its own."""

from __future__ import annotations

import hashlib
from pathlib import Path

import torch

from .file_version import file_version

CAPACITY = 1024  # files recorded; past it, a file is named as if none was recorded


class NamedFiles:
    """A record of file versions (:func:`~.file_version.file_version`: a file saved anew is another) in
    shared memory: ``keys`` ``(1 + CAPACITY,)`` int64, the count first, then each version's 64-bit hash."""

    def __init__(self, capacity: int = CAPACITY):
        self.keys = torch.zeros(1 + capacity, dtype=torch.long).share_memory_()

    def first_time(self, path: Path, kind: str = "damaged") -> bool:
        """Record ``path``'s version for the warning ``kind`` (``"damaged"``, ``"clipped"``); whether no
        process recorded it for that warning before (then name it). Two processes naming one file at the
        same instant may both be told ``True``: at worst the warning of before."""
        version = file_version(path)
        if version is None:
            return True
        digest = hashlib.blake2b(
            repr((kind, version)).encode(), digest_size=8
        ).digest()  # str hash differs by process
        key = int.from_bytes(digest, "little", signed=True)
        keys = self.keys.numpy()  # the shared memory itself
        count = int(keys[0])
        if key in keys[1 : 1 + count]:
            return False
        if count < keys.size - 1:
            keys[1 + count] = key
            keys[0] = count + 1
        return True
