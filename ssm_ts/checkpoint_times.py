"""Which of several checkpoints was saved last: by the time each records inside itself.

``fit(resume=True)``, ``--ckpt_path last`` / ``best`` and a tuning trial's rerun take the newest
checkpoint under an output folder. A file's modification time is no reliable age: a copy made
without keeping times (``cp -r``, ``rsync -r``, a download) stamps each file with the moment it was
copied, in the order the copy met them (a folder's listing order, not the order they were written),
and an archive keeps whole seconds only (zip: two), so two fits' ``last.ckpt`` could tie and the pick
then followed the listing order, which differs between file systems. Every checkpoint an ssm-ts fit
writes therefore records when it was saved (:data:`SAVED_AT_KEY`, nanoseconds since the epoch), and
that time orders them; a checkpoint without it (a user's file, or one written before this) counts with
its modification time, and equal times are decided by the path, never by the listing order.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import torch

SAVED_AT_KEY = "ssm_ts_saved_at_ns"  # in a checkpoint: when it was saved (time.time_ns())


def record_saved_at(checkpoint: dict[str, Any]) -> None:
    """Write the current time into ``checkpoint`` (a Lightning checkpoint dict, being saved)."""
    checkpoint[SAVED_AT_KEY] = time.time_ns()


def saved_at(path: str | os.PathLike) -> int:
    """When the checkpoint at ``path`` was saved, in nanoseconds since the epoch: the time it records,
    else (none recorded, or the file cannot be read as a checkpoint) its modification time."""
    path = Path(path)
    try:
        # mmap: the tensors are mapped, not read; only the small pickled structure is
        stamp = torch.load(path, map_location="cpu", weights_only=True, mmap=True).get(SAVED_AT_KEY)
    except Exception:  # noqa: BLE001 - a truncated or foreign file still has an age, its mtime
        stamp = None
    if isinstance(stamp, int) and not isinstance(stamp, bool):
        return stamp
    return path.stat().st_mtime_ns


def newest_checkpoint(paths: Iterable[str | os.PathLike]) -> Path | None:
    """The checkpoint of ``paths`` saved last (:func:`saved_at`), the greater path on equal times;
    ``None`` for none. One path is returned without being read."""
    candidates = sorted({Path(p) for p in paths})
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    return max(candidates, key=lambda p: (saved_at(p), str(p)))
