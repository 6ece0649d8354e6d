"""Checkpoints written whole or not at all (:class:`AtomicCheckpointIO`), installed on every ssm-ts fit's
strategy by :func:`write_checkpoints_atomically`; the temporary files of the writes a killed fit left in a
checkpoint folder removed by the next fit into it (:func:`remove_abandoned_writes`).

Lightning's ``TorchCheckpointIO`` writes a temporary file in ``$TMPDIR`` and moves it onto the checkpoint.
When the checkpoint folder lies on another file system that move is a copy onto the checkpoint itself, so
a full disk left a cut-short ``last.ckpt`` (its first 8192 bytes) where the previous good one was.
"""

from __future__ import annotations

import io
import os
from typing import Any

import torch
from fsspec.implementations.local import LocalFileSystem
from lightning.fabric.plugins.io.torch_io import TorchCheckpointIO
from lightning.fabric.utilities.cloud_io import get_filesystem
from lightning.fabric.utilities.types import _PATH
from lightning.pytorch.plugins.io.wrapper import _WrappingCheckpointIO
from lightning.pytorch.strategies import Strategy

from ssm_ts.atomic import atomic_path, remove_abandoned_checkpoint_writes
from ssm_ts.rank_zero_warnings import warn_on_rank_zero


class AtomicCheckpointIO(TorchCheckpointIO):
    """``TorchCheckpointIO`` that writes a local checkpoint to a temporary file beside it, flushed to the
    disk, then renames it onto the checkpoint (:func:`~ssm_ts.atomic.atomic_path`): a write that fails (a
    full disk) or is killed leaves the previous checkpoint as it was, and the rename is flushed to the disk
    too (its folder), so a power cut after it cannot bring the previous one back. Remote paths (``s3://``) are
    written as Lightning writes them."""

    def save_checkpoint(self, checkpoint: dict[str, Any], path: _PATH, storage_options: Any = None) -> None:
        fs = get_filesystem(path)
        if storage_options is not None or not isinstance(fs, LocalFileSystem):
            super().save_checkpoint(checkpoint, path, storage_options)  # refuses storage_options
            return
        target = fs._strip_protocol(str(path))  # "file:///x/last.ckpt" -> "/x/last.ckpt"
        # serialised first, as Lightning does: torch.save writing to a file turns a full disk's OSError
        # into a RuntimeError ("unexpected pos"), which no longer says what failed
        serialised = io.BytesIO()
        torch.save(checkpoint, serialised)
        try:
            with atomic_path(target, sync_folder=True) as tmp, open(tmp, "wb") as f:
                f.write(serialised.getbuffer())
                f.flush()
                os.fsync(f.fileno())  # a disk that reports it full only at its flush fails here, not later
        except OSError as err:
            # no file name: the one written was the temporary file, which is gone; the checkpoint is as it was
            raise OSError(
                err.errno,
                f"{err.strerror or err}; checkpoint {target} was not written, the one before is kept",
            ) from err


def write_checkpoints_atomically(strategy: Strategy) -> None:
    """Give ``strategy`` an :class:`AtomicCheckpointIO` in place of Lightning's default ``TorchCheckpointIO``,
    also inside a wrapper of it (``AsyncCheckpointIO()``). A checkpoint IO of the user's own (a plugin)
    and the ones of strategies that write otherwise (XLA's) are kept."""
    io = strategy.checkpoint_io  # Lightning's default when none was given, also as a wrapper's base
    if type(io) is TorchCheckpointIO:
        strategy.checkpoint_io = AtomicCheckpointIO()
    elif isinstance(io, _WrappingCheckpointIO) and type(io.checkpoint_io) is TorchCheckpointIO:
        io._checkpoint_io = AtomicCheckpointIO()  # its setter sets the base only once, and it is set


def remove_abandoned_writes(folder: _PATH) -> None:
    """Remove the temporary checkpoints that fits killed while writing one (an OOM kill, ``kill -9``) left in
    the local checkpoint ``folder``, hundreds of MB each, and say so once; those another process is still
    writing stay (:func:`~ssm_ts.atomic.remove_abandoned_checkpoint_writes`)."""
    fs = get_filesystem(folder)
    if not isinstance(fs, LocalFileSystem):
        return
    local = fs._strip_protocol(str(folder))
    freed = remove_abandoned_checkpoint_writes(local)
    if freed:
        warn_on_rank_zero(
            f"Removed the unfinished checkpoint files ({freed / 2**20:.1f} MB) that a fit killed while writing "
            f"a checkpoint left in {local}",
            stacklevel=None,  # the user's fit call, not this line (the command line: one line)
        )
