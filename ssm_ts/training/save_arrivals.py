"""A ``trainer.save_checkpoint`` that only global rank 0 makes under DDP: an error naming the fix,
instead of a fit that waits for ever.

Saving a checkpoint is collective: Lightning's ``Trainer.save_checkpoint`` ends in a barrier, and
ssm-ts's tasks gather every rank's generator states into it
(:class:`~ssm_ts.tasks.seeded_training.ResumedGlobalGenerators`). A user's save inside
``if trainer.is_global_zero:`` therefore waited for the other ranks until the process group's timeout
(30 minutes by default), then failed deep in torch with ``Timed out waiting ... for send operation``.

:func:`check_every_rank_saves` runs on every rank as a save begins (ssm-ts's checkpoint callback's
``on_save_checkpoint``, before any collective of the save): each rank marks its arrival in the process
group's key-value store (no collective: a rank that does not save is not held up), and rank 0 waits
up to :data:`WAIT_S` for the others'. Only rank 0 waits: it is the rank a user's ``is_global_zero``
save runs on, and the ranks do slow work of their own on rank 0 only (sample clips, uploads), never on
the others, so a rank 0 that waits long is one that saves alone.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import lightning.pytorch as pl

# how long global rank 0 waits for every rank to reach the same save before it refuses
WAIT_S = 60.0

# this process's saves, by where in the fit they were made: the n-th save at one (stage, epoch, step) of
# one rank pairs with the n-th of the others, and a save of another stage (a user's at the end of a
# training epoch, ModelCheckpoint's after the validation) is never taken for it
_saves: Counter[str] = Counter()

_STORE_PREFIX = "ssm_ts/save_checkpoint/"


def _default_store() -> Any | None:
    """The key-value store of the default process group, or ``None`` outside DDP (or a torch without
    it: then nothing is checked)."""
    import torch.distributed as dist

    if not (dist.is_available() and dist.is_initialized()):
        return None
    get = getattr(dist.distributed_c10d, "_get_default_store", None)
    try:
        return get() if get is not None else None
    except (RuntimeError, ValueError):
        return None


def _where(trainer: pl.Trainer) -> str:
    state = trainer.state
    stage = state.stage.value if state.stage is not None else "-"
    return f"{state.fn.value if state.fn else '-'}/{stage}/{trainer.current_epoch}/{trainer.global_step}"


def check_every_rank_saves(trainer: pl.Trainer, wait_s: float = WAIT_S) -> None:
    """Mark this rank's arrival at a checkpoint save; on global rank 0, wait up to ``wait_s`` seconds
    for every rank's, and raise a ``RuntimeError`` naming the fix when one never comes. Nothing in a
    single process."""
    world_size = trainer.world_size
    store = _default_store() if world_size > 1 else None
    if store is None:
        return
    where = _where(trainer)
    _saves[where] += 1
    key = f"{_STORE_PREFIX}{where}/{_saves[where]}"
    arrived = store.add(key, 1)
    if trainer.global_rank != 0:
        return
    deadline = time.monotonic() + wait_s
    while arrived < world_size:
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"trainer.save_checkpoint ran on global rank 0 alone: {world_size - arrived} of the "
                f"{world_size} processes did not save within {wait_s:g} s (epoch {trainer.current_epoch}, "
                f"global step {trainer.global_step}). Under DDP saving a checkpoint is collective (every "
                "rank's states are gathered, and Lightning ends it in a barrier), so the fit would wait for "
                "ever. Call trainer.save_checkpoint(path) on every rank, outside `if trainer.is_global_zero:`:"
                " Lightning writes the file on rank 0 only."
            )
        time.sleep(0.01)
        arrived = store.add(key, 0)
