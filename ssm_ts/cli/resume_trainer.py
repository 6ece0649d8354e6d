"""A resumed fit's trainer settings (max_epochs, gradient clipping, ...): the ones its fit recorded in
each checkpoint, taken again unless given."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ssm_ts.cli.checkpoint_defaults import settable

# trainer settings a resumed fit takes from the config.yaml its fit saved, unless given again: without
# them `fit --ckpt_path last --out DIR` alone trained to Lightning's default 1000 epochs, unclipped
RESUMED_TRAINER_SETTINGS = (
    "max_epochs", "max_steps", "max_time", "min_epochs", "min_steps", "gradient_clip_val",
    "gradient_clip_algorithm", "accumulate_grad_batches", "check_val_every_n_epoch", "val_check_interval",
    "limit_train_batches", "limit_val_batches", "precision",
)  # fmt: skip


# in a checkpoint of a CLI fit: its trainer settings of RESUMED_TRAINER_SETTINGS (fit_trainer_settings)
TRAINER_SETTINGS_KEY = "ssm_ts_fit_trainer_settings"


def _plain(value: Any) -> bool:
    """Whether ``value`` loads back from a checkpoint with ``weights_only=True`` (and is YAML's)."""
    if isinstance(value, (list, tuple)):
        return all(map(_plain, value))
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    return value is None or isinstance(value, (bool, int, float, str))


def fit_trainer_settings(trainer: Any) -> dict[str, Any]:
    """The settings of RESUMED_TRAINER_SETTINGS a fit's ``trainer`` config (a Namespace or dict) gives,
    as ``{"max_epochs": 20, ...}``: the ones set, in plain values a checkpoint keeps."""
    if trainer is None:
        return {}
    values = {name: trainer.get(name) for name in RESUMED_TRAINER_SETTINGS}
    return {name: value for name, value in values.items() if value is not None and _plain(value)}


def saved_trainer_settings(
    ckpt_path: Path, parser: Any, checkpoint: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The ``trainer.*`` settings of RESUMED_TRAINER_SETTINGS of the fit that wrote ``ckpt_path``, as
    ``{"trainer.max_epochs": 20, ...}``: the ones ``checkpoint`` (its content) records, else (written
    before they were recorded) those of the ``config.yaml`` its fit saved (the run folder's,
    ``<run>/checkpoints/`` beside it; ``<out>/`` without MLflow); none where that file is missing."""
    import yaml

    trainer = (checkpoint or {}).get(TRAINER_SETTINGS_KEY)
    if not isinstance(trainer, dict):
        try:
            saved = yaml.safe_load((ckpt_path.parent.parent / "config.yaml").read_text()) or {}
        except (OSError, yaml.YAMLError):
            return {}
        trainer = saved.get("trainer") if isinstance(saved, dict) else None
    if not isinstance(trainer, dict):
        return {}
    return {
        f"trainer.{name}": trainer[name]
        for name in RESUMED_TRAINER_SETTINGS
        if trainer.get(name) is not None and settable(parser, f"trainer.{name}")
    }
