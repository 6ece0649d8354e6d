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


def refuse_several_processes(task: ClassificationTask, stage: str, world_size: int | None = None) -> None:
    """Raise :class:`~ssm_ts.errors.ConfigError` when ``stage`` runs on ``world_size`` processes (``None``:
    those of ``task``'s trainer) and the task cannot: ``"predict"``, or ``"fit"`` of a closed-form model.
    A launcher can call it with its trainer's ``world_size`` before it starts the processes."""
    if world_size is None:
        trainer: Any = task._trainer
        world_size = int(getattr(trainer, "world_size", 1) or 1)
    if world_size <= 1:
        return
    if stage == "predict":
        raise ConfigError(
            f"a classifier predicts in one process; this trainer runs {world_size}, each of which would "
            "predict a share of the recordings (predictions.csv would hold one share, under every "
            f"recording's id). Predict on one device: ssm-ts classify predict {ONE_DEVICE}."
        )
    if stage == "fit" and task.closed_form:
        raise ConfigError(
            f"model {task.hparams.model!r} is fitted in closed form in one process (no gradient steps for "
            f"DDP to share over {world_size}). Fit it on one device: ssm-ts classify fit {ONE_DEVICE}; "
            "validate and test may then run on several."
        )


def refuse_before_launch(task: Any, trainer: Any, stage: str) -> None:
    """:func:`refuse_several_processes` of ``task`` (any LightningModule; only a
    :class:`~ssm_ts.tasks.classification.ClassificationTask` refuses) for ``stage`` on ``trainer``'s
    processes, asked before the trainer starts them: a Trainer knows its ``world_size`` (devices times
    nodes, from its strategy) from its construction on."""
    from ssm_ts.tasks.classification import ClassificationTask

    if isinstance(task, ClassificationTask):
        refuse_several_processes(task, stage, int(getattr(trainer, "world_size", 1) or 1))
