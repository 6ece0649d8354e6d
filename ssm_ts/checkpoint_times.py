"""Which of several checkpoints was saved last: by the time each records inside itself.

``fit(resume=True)``, ``--ckpt_path last`` / ``best`` and a tuning trial's rerun take the newest
checkpoint under an output folder. A file's modification time is no reliable age: a copy made
without keeping times (``cp -r``, ``rsync -r``, a download) stamps each file with the moment it was
copied, in the order the copy met them (a folder's listing order, not the order they were written),
and an archive keeps whole seconds only (zip: two), so two fits' ``last.ckpt`` could tie and the pick
then followed the listing order, which differs between file systems. Every checkpoint an ssm-ts fit
writes therefore records when it was saved (:data:`SAVED_AT_KEY`, nanoseconds since the epoch), and
that time orders them. Checkpoints without it (a user's files, or ones written before this) count with
their modification time, except among themselves in one folder: there a copy may have swapped which
file has which time, and Lightning's own progress counters (``global_step``, then ``epoch``) say
which was written last (a ModelCheckpoint saving every N steps, a fit's best checkpoints). Between
folders (different fits) progress says which trained longer, not which is newer, so the newest time
in each folder decides. Equal times are decided by the path, never by the listing order.
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


def _whole(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def recorded_save_time(path: Path) -> tuple[int | None, tuple[int, int]]:
    """The save time the checkpoint at ``path`` records (``None``: none, or not a checkpoint that
    loads) and its progress ``(global_step, epoch)``, -1 for what it lacks."""
    try:
        # mmap: the tensors are mapped, not read; only the small pickled structure is
        checkpoint = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
        stamp, step, epoch = (_whole(checkpoint.get(key)) for key in (SAVED_AT_KEY, "global_step", "epoch"))
    except Exception:  # noqa: BLE001 - a truncated or foreign file still has an age, its mtime
        return None, (-1, -1)
    return stamp, (-1 if step is None else step, -1 if epoch is None else epoch)


def saved_at(path: str | os.PathLike) -> int:
    """When the checkpoint at ``path`` was saved, in nanoseconds since the epoch: the time it records,
    else (none recorded, or the file cannot be read as a checkpoint) its modification time."""
    stamp, _ = recorded_save_time(Path(path))
    return stamp if stamp is not None else Path(path).stat().st_mtime_ns


def newest_checkpoint(paths: Iterable[str | os.PathLike]) -> Path | None:
    """The checkpoint of ``paths`` saved last, the greater path on equal times; ``None`` for none. One
    path is returned without being read. Checkpoints with a recorded time count with it; those without
    count with the newest modification time of such files in their folder, and among these the
    furthest trained (``global_step``, then ``epoch``) is the newest (see the module's docstring)."""
    candidates = sorted({Path(p) for p in paths})
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    recorded = {p: recorded_save_time(p) for p in candidates}
    folder_times: dict[Path, int] = {}  # a folder's newest file time, of its files recording none
    for path, (stamp, _) in recorded.items():
        if stamp is None:
            mtime = path.stat().st_mtime_ns
            folder_times[path.parent] = max(folder_times.get(path.parent, mtime), mtime)

    def rank(path: Path) -> tuple[int, tuple[int, int], str]:
        stamp, progress = recorded[path]
        return (stamp if stamp is not None else folder_times[path.parent]), progress, str(path)

    return max(candidates, key=rank)
