"""A :class:`~ssm_ts.tasks.classification.ClassificationTask` saved as a folder (settings, weights and
extras) and rebuilt from it; the folder the MLflow pyfunc loads."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ssm_ts.core.saved_options import option_mismatch
from ssm_ts.errors import CheckpointError, ConfigError
from ssm_ts.export import load_export, save_export

if TYPE_CHECKING:
    from ssm_ts.tasks.classification import ClassificationTask

EXPORT_KIND = "ssm-ts-classifier"


def save_classifier_export(
    directory: str | os.PathLike, task: ClassificationTask, extras: dict[str, Any] | None = None
) -> Path:
    """``config.json`` (task hyperparameters), ``model.safetensors`` (weights + scaler), ``extras.json``."""
    hparams = {k: v for k, v in dict(task.hparams).items() if not k.startswith("_")}
    return save_export(directory, {"kind": EXPORT_KIND, "task": hparams}, task.state_dict(), extras or {})


def load_classifier_export(directory: str | os.PathLike) -> tuple[ClassificationTask, dict[str, Any]]:
    """Rebuild ``(task on CPU in eval mode, extras)`` from :func:`save_classifier_export` output."""
    from ssm_ts.tasks.classification import ClassificationTask

    config, state_dict, extras = load_export(directory)
    if config.get("kind") != EXPORT_KIND:
        raise CheckpointError(f"{directory} holds no classifier export (kind {config.get('kind')!r}).")
    task = ClassificationTask(**config["task"])
    try:
        task.load_state_dict(state_dict)
    except RuntimeError as err:
        raise CheckpointError(
            f"the weights in {directory} do not fit the saved settings: {option_mismatch(task, state_dict) or err}"
        ) from err
    return task.eval(), extras


def pyfunc_model(task: ClassificationTask, datamodule, export_dir: Path):
    """``(python_model, artifacts)`` of ``ClassificationTask.mlflow_pyfunc``: ``task`` exported to
    ``export_dir`` with the fit's sampling step and ``nan_policy`` from ``datamodule`` as extras,
    and the pyfunc's model code written beside it."""
    from ssm_ts.pipelines.sensor.sampling_step import step_state
    from ssm_ts.tracking.pyfunc_classify import write_model_code

    step = getattr(datamodule, "fit_sampling_step", None)
    extras = {
        "fit_sampling_step": step_state(step),
        "nan_policy": getattr(datamodule, "nan_policy", None) or "error",
    }
    save_classifier_export(export_dir, task, extras)
    return write_model_code(Path(export_dir).parent / "pyfunc_code"), {"classifier": str(export_dir)}


def pyfunc_example_and_signature(task: ClassificationTask, datamodule):
    """``(input example, signature)`` of ``ClassificationTask.mlflow_example_and_signature``: the
    first training recording of ``datamodule`` and the output columns and params of the pyfunc."""
    from ssm_ts.tracking.pyfunc_classify import classifier_input_example, classifier_signature

    if datamodule.train_set is None:
        raise ConfigError("the MLflow input example needs the fit's data: call datamodule.setup('fit') first")
    signature = classifier_signature(task.classes, getattr(datamodule, "nan_policy", None) or "error")
    return classifier_input_example(datamodule.train_set.values[0]), signature
