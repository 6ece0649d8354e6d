"""What ``ddp_spawn``'s processes found damaged or clipped at full scale before a fit stopped on an error,
named by the process that started them: they end without Lightning's exception hooks, so the data module's own
:meth:`~ssm_ts.pipelines.audio.AudioDataModule.on_exception` (which names what a ``ddp`` process or a
single-process fit found since the last epoch's end) runs in none of them, and the started process's
trainer never attached the data module, so it is not called there either. A trainer's callbacks are:
:func:`spawned_stop_callbacks` gives a trainer the one its data module needs (``WaveformGenerator.fit``'s,
``ssm-ts audio fit``'s and the other audio commands')."""

from __future__ import annotations

import warnings
from typing import Any

import lightning.pytorch as pl
from lightning.pytorch.callbacks import Callback


class NameFoundInStartedProcesses(Callback):
    """On an error that stops a trainer call whose work ran in started processes (``ddp_spawn``: this
    process's trainer holds no data module), have ``datamodule`` name the files they found damaged or
    clipped (:meth:`~ssm_ts.pipelines.audio.AudioDataModule.name_found_in_started_processes`; more than a
    warning names are listed in a file in the trainer's ``default_root_dir``); elsewhere nothing,
    the data module's ``on_exception`` names them with where each failed."""

    def __init__(self, datamodule: Any):
        self.datamodule = datamodule

    def on_exception(
        self, trainer: pl.Trainer, pl_module: pl.LightningModule, exception: BaseException
    ) -> None:
        name = getattr(self.datamodule, "name_found_in_started_processes", None)
        if trainer.datamodule is not None or name is None:
            return
        try:
            name(getattr(trainer, "default_root_dir", None))  # the fit's folder: a long list goes there
        except Exception as failed:  # never in place of the error that stopped the fit
            warnings.warn(
                f"the files found damaged or clipped before the fit stopped could not be named ({type(failed).__name__}: "
                f"{failed})",
                stacklevel=1,
            )


def spawned_stop_callbacks(datamodule: Any) -> list[Callback]:
    """The callbacks a trainer over ``datamodule`` adds so that a ``ddp_spawn`` call stopped by an error
    names the files its processes found damaged or clipped: :class:`NameFoundInStartedProcesses` for a data module
    that names them (an audio one: ``name_found_in_started_processes``), none for another."""
    if getattr(datamodule, "name_found_in_started_processes", None) is None:
        return []
    return [NameFoundInStartedProcesses(datamodule)]
