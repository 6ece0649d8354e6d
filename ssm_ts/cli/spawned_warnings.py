"""ssm-ts's warnings as one line in the processes a ``ddp_spawn`` fit starts (imports Lightning: only a
running command needs it)."""

from __future__ import annotations

from typing import Any

from lightning.pytorch.callbacks import Callback

from ssm_ts.cli.warning_lines import install_in_child_process


class SpawnedWarningLines(Callback):
    """A trainer callback that ``ddp_spawn`` pickles into each process it starts with the trainer: when
    unpickled there, before the data or the model is set up, it makes ssm-ts's warnings one line,
    ``ssm-ts USE: warning: ...``, as the command's own process writes them (rank 0's included: under
    ``ddp_spawn`` every rank runs in a started process). It keeps no state: checkpoints hold nothing of it."""

    def __init__(self, use: str) -> None:
        self.use = use

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        install_in_child_process(self.use)
