"""The resolved config of a command, saved beside its outputs and logged to its MLflow run (imports
Lightning: only a running command needs it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lightning.pytorch.cli import SaveConfigCallback
from lightning.pytorch.loggers import MLFlowLogger

from ssm_ts.atomic import atomic_path
from ssm_ts.cli.resume_trainer import TRAINER_SETTINGS_KEY, fit_trainer_settings
from ssm_ts.tracking.logger import log_artifact, log_params
from ssm_ts.tracking.run_folder import run_folder


def logged_config_params(config: dict[str, Any]) -> dict[str, Any]:
    """The parts of a resolved config (as a dict) logged as the run's parameters: model and data."""
    return {key: config.get(key) for key in ("model", "data") if config.get(key)}


class MLflowSaveConfig(SaveConfigCallback):
    """Save the resolved config beside the outputs and log it (and its values) to the MLflow run.

    The run logs its own copy, in its run folder: a fit running at the same time with the same
    --out may replace ``<out>/config.yaml`` (the last one written wins)."""

    def save_config(self, trainer, pl_module, stage: str) -> None:
        out_dir = Path(self.config.get("out") or ".")
        text = self.parser.dump(self.config, skip_none=False)
        for logger in trainer.loggers:
            if isinstance(logger, MLFlowLogger):
                own = run_folder(out_dir, logger) / "config.yaml"
                with atomic_path(own) as tmp:
                    tmp.write_text(text)
                log_artifact(logger, own)
                log_params(logger, logged_config_params(self.config.as_dict()))
        with atomic_path(out_dir / "config.yaml") as tmp:
            tmp.write_text(text)

    def on_save_checkpoint(self, trainer, pl_module, checkpoint: dict[str, Any]) -> None:
        # a resume's trainer settings (saved_trainer_settings): without MLflow, <out>/config.yaml is
        # whichever command ran last under the same --out (a validate, another fit), not this fit's
        checkpoint[TRAINER_SETTINGS_KEY] = fit_trainer_settings(self.config.get("trainer"))
