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
    ``ddp_spawn`` every rank runs in a started process), and keeps Lightning quiet there as in the
    command's process (it is a callback of quiet commands only: not with ``--verbose``). It keeps no
    state: checkpoints hold nothing of it."""

    def __init__(self, use: str) -> None:
        self.use = use

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        install_in_child_process(self.use)
        import multiprocessing

        if multiprocessing.current_process().name != "MainProcess":
            # Lightning quiet there too, as in the command's process (set_verbosity): its log levels and
            # warning filters are per process, and a started one printed Lightning's banners and hints
            from ssm_ts.training import set_verbosity

            set_verbosity(False)
