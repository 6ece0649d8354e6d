"""What a :class:`~ssm_ts.tasks.classification.ClassificationTask` refuses to run on several (DDP)
processes, at ``setup``: before it reads a batch or DDP wraps the model.

- ``predict``: each process predicts its share of the recordings (Lightning's unrepeated sampler), and
  ``predictions.csv`` was written from one process's share labelled with every recording's id (``ddp``),
  or failed on no predictions at all (``ddp_spawn``, whose processes return none to the launching one).
  Lightning itself advises one device to evaluate each item exactly once; a classifier's predict is a
  forward pass, which one device runs quickly. Validate and test do run on several processes, each
  recording scored once (:mod:`ssm_ts.pipelines.sensor.evaluation_shards`).
- a fit of a closed-form model (``model: random_features``): it takes no gradient steps, so DDP has no
  parameters to share and torch refused it with "DistributedDataParallel is not needed when a module
  doesn't have any parameter that requires a gradient".

``ssm-ts classify`` asks (:func:`refuse_before_launch`) before ``trainer.fit``/``trainer.predict`` starts the
processes: the task's own ``setup`` refusal came from every started process, a traceback of each."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ssm_ts.errors import ConfigError

if TYPE_CHECKING:
    from ssm_ts.tasks.classification import ClassificationTask

# the fix, for the command line and for Python
ONE_DEVICE = "--trainer.devices 1 (Python: Trainer(devices=1))"


def refuse_several_processes(
    task: ClassificationTask, stage: str, world_size: int | None = None, trainer: Any = None
) -> None:
    """Raise :class:`~ssm_ts.errors.ConfigError` when ``stage`` runs on ``world_size`` processes (``None``:
    those of ``trainer``, by default ``task``'s) and the task cannot: ``"predict"``, or ``"fit"`` of a closed-form model,
    which DDP cannot wrap on one process either (``--trainer.strategy ddp_spawn --trainer.devices 1``).
    A launcher can call it with its trainer's ``world_size`` before it starts the processes."""
    trainer = trainer if trainer is not None else getattr(task, "_trainer", None)
    if world_size is None:
        world_size = int(getattr(trainer, "world_size", 1) or 1)
    wraps = _wraps_in_ddp(trainer)
    if stage == "predict" and world_size == 1 and _spawns(trainer):
        raise ConfigError(
            "a classifier predicts in the process that writes predictions.csv; this trainer's strategy "
            f"({type(trainer.strategy).__name__}, started by {trainer.strategy._start_method}: ddp_spawn, "
            "ddp_fork) predicts in a started process, which returns no predictions to it. Predict in this "
            f"process: ssm-ts classify predict {_one_device(trainer, True)}."
        )
    if stage == "predict" and world_size > 1:
        raise ConfigError(
            f"a classifier predicts in one process; this trainer runs {world_size}, each of which would "
            "predict a share of the recordings (predictions.csv would hold one share, under every "
            f"recording's id). Predict on one device: ssm-ts classify predict {_one_device(trainer, False)}."
        )
    if stage == "fit" and task.closed_form and (world_size > 1 or wraps):
        shared = (
            f"DDP to share over {world_size}" if world_size > 1 else "DDP to share, so DDP cannot wrap it"
        )
        raise ConfigError(
            f"model {task.hparams.model!r} is fitted in closed form in one process (no gradient steps for "
            f"{shared}). Fit it on one device: ssm-ts classify fit {_one_device(trainer, wraps)}; "
            "validate and test may then run on several."
        )


def _wraps_in_ddp(trainer: Any) -> bool:
    """Whether ``trainer``'s strategy wraps the model in DDP (``ddp``, ``ddp_spawn``), on one process too."""
    strategy = getattr(trainer, "strategy", None)
    if strategy is None:  # no trainer (the Python API's random features, without Lightning): one process
        return False
    from lightning.pytorch.strategies import DDPStrategy

    return isinstance(strategy, DDPStrategy)


def _spawns(trainer: Any) -> bool:
    """Whether ``trainer``'s strategy runs the stage in started processes (``ddp_spawn``: ``spawn``, ``fork``),
    not in this one (``ddp``'s ``popen`` runs rank 0 here)."""
    return _wraps_in_ddp(trainer) and getattr(trainer.strategy, "_start_method", "popen") != "popen"


def _one_device(trainer: Any, strategy: bool) -> str:
    """The Trainer settings of one process, for the command line and Python: ``--trainer.devices 1``, with
    ``--trainer.num_nodes 1`` where the trainer runs on several nodes, and ``--trainer.strategy auto`` where
    ``strategy`` (its DDP one would still wrap the model)."""
    settings = {"devices": 1}
    if int(getattr(trainer, "num_nodes", 1) or 1) > 1:
        settings["num_nodes"] = 1
    if strategy:
        settings["strategy"] = "auto"
    flags = " ".join(f"--trainer.{name} {value}" for name, value in settings.items())
    return f"{flags} (Python: Trainer({', '.join(f'{name}={value!r}' for name, value in settings.items())}))"


def refuse_before_launch(task: Any, trainer: Any, stage: str) -> None:
    """:func:`refuse_several_processes` of ``task`` (any LightningModule; only a
    :class:`~ssm_ts.tasks.classification.ClassificationTask` refuses) for ``stage`` on ``trainer``'s
    processes, asked before the trainer starts them: a Trainer knows its ``world_size`` (devices times
    nodes, from its strategy) and its strategy from its construction on."""
    from ssm_ts.tasks.classification import ClassificationTask

    if isinstance(task, ClassificationTask):
        refuse_several_processes(task, stage, int(getattr(trainer, "world_size", 1) or 1), trainer)
