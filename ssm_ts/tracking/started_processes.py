"""Whether a ``Trainer`` fits in processes it starts (``ddp_spawn``): the one check of the tracking code
(what a stopped call records) and the CLI (what follows such a fit in the command's own process)."""

from __future__ import annotations

from typing import Any


def trains_in_started_processes(trainer: Any) -> bool:
    """Whether ``trainer`` (a ``lightning.Trainer``; anything else: ``False``) fits in processes it starts,
    none of them this one (``ddp_spawn``, ``ddp_fork``, ``ddp_notebook``: Lightning's multiprocessing
    launcher); ``ddp`` runs rank 0 here. This process's trainer then keeps neither their epoch and step
    nor their checkpoints' paths. (Imports Lightning: only a trainer's caller needs it.)"""
    from lightning.pytorch.strategies.launchers import _MultiProcessingLauncher

    strategy = getattr(trainer, "strategy", None)
    return isinstance(getattr(strategy, "launcher", None), _MultiProcessingLauncher)
