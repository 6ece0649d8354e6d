"""A resumed fit's trainer settings (max_epochs, gradient clipping, ...): the ones its fit recorded in
each checkpoint, taken again unless given."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console

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


# precisions only a CUDA GPU runs: float16 autocast (Lightning turns it into bf16-mixed on a CPU, with a
# warning of its own) and NVIDIA's Transformer Engine (refused on a CPU)
GPU_ONLY_PRECISIONS = frozenset({"16", "16-mixed", "transformer-engine", "transformer-engine-float16"})
# what a resume on the CPU takes instead: 16-mixed kept the weights and the optimiser's state in float32,
# so 32-true continues in the fit's own number format and runs every model; Lightning's bf16-mixed has
# fewer mantissa bits than float16 (8, not 11) and is slower than float32 on most CPUs
CPU_PRECISION = "32-true"


def trains_on_cpu(accelerator: Any) -> bool:
    """Whether a trainer given ``accelerator`` (``--trainer.accelerator``) trains on the CPU: ``"cpu"``,
    or ``"auto"`` (the default) on a machine with no CUDA or MPS device."""
    if accelerator is None or accelerator == "auto":
        import torch

        return not torch.cuda.is_available() and not torch.backends.mps.is_available()
    return isinstance(accelerator, str) and accelerator.lower() == "cpu"


def replace_unrunnable_precision(restored: dict[str, Any], trainer: Any) -> None:
    """Replace in ``restored`` (a resumed fit's defaults, ``{"trainer.precision": "16-mixed", ...}``) a
    precision of the fit that the CPU cannot run, when this run trains there, by :data:`CPU_PRECISION`,
    saying so in one line. ``trainer``: the parsed trainer config; a precision given again is left as
    given. Lightning keeps no precision in a checkpoint: a checkpoint resumes in any one."""
    saved = restored.get("trainer.precision")
    if saved is None or str(saved) not in GPU_ONLY_PRECISIONS or trainer is None:
        return
    if trainer.get("precision") is not None or not trains_on_cpu(trainer.get("accelerator")):
        return
    restored["trainer.precision"] = CPU_PRECISION
    Console(stderr=True, soft_wrap=True).print(
        f"resuming on the CPU with --trainer.precision {CPU_PRECISION} instead of the fit's {saved}, which "
        "needs a GPU: give --trainer.precision to choose another",
        markup=False,
        highlight=False,
    )
