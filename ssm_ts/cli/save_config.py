"""The resolved config of a command, saved beside its outputs and logged to its MLflow run (imports
Lightning: only a running command needs it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lightning.pytorch.cli import SaveConfigCallback
from lightning.pytorch.loggers import MLFlowLogger

from ssm_ts.atomic import atomic_path
from ssm_ts.cli.resume_trainer import RESUMED_TRAINER_SETTINGS, TRAINER_SETTINGS_KEY, fit_trainer_settings
from ssm_ts.tracking.logger import log_artifact, log_params
from ssm_ts.tracking.run_folder import run_folder

# The trainer settings a run logs as trainer.* params: what decides how long and how it trains and on
# what. Not its callbacks, logger, plugins or profiler (objects), nor where it writes or what it prints.
LOGGED_TRAINER_SETTINGS = (
    *RESUMED_TRAINER_SETTINGS, "accelerator", "strategy", "devices", "num_nodes", "limit_test_batches",
    "overfit_batches", "deterministic", "benchmark", "fast_dev_run",
)  # fmt: skip
# Logged params a resume may change (each new value a resumed.<n>.* tag; see check_resumed_run): the
# trainer's (a resume may train longer) and the seed (the checkpoint keeps the weights and the order
# the data module shuffles in comes from data.shuffle_seed)
FREE_ON_RESUME = ("trainer", "seed_everything")


def logged_config_params(config: dict[str, Any]) -> dict[str, Any]:
    """The parts of a resolved config (as a dict) logged as the run's parameters, under their names in
    the config: model and data, the trainer's :data:`LOGGED_TRAINER_SETTINGS` and ``seed_everything``."""
    params = {key: config.get(key) for key in ("model", "data") if config.get(key)}
    trainer = config.get("trainer") or {}
    params["trainer"] = {name: trainer[name] for name in LOGGED_TRAINER_SETTINGS if name in trainer}
    if "seed_everything" in config:
        params["seed_everything"] = config["seed_everything"]
    return params


class MLflowSaveConfig(SaveConfigCallback):
    """Save the resolved config beside the outputs and log it (and its values) to the MLflow run.

    The run logs its own copy, in its run folder: a fit running at the same time with the same
    --out may replace ``<out>/config.yaml`` (the last one written wins)."""

    _config_text: str | None = None  # the config as dumped before the callback went to another process

    def __getstate__(self) -> dict[str, Any]:
        # ddp_spawn pickles the trainer, its callbacks too, into each process it starts: the parser holds
        # the command's CLI class (made per use: not picklable), so the config goes as its text
        state = dict(self.__dict__)
        state["_config_text"] = self.parser.dump(self.config, skip_none=False)
        state["parser"] = None
        return state

    def save_config(self, trainer, pl_module, stage: str) -> None:
        out_dir = Path(self.config.get("out") or ".")
        text = self._config_text if self.parser is None else self.parser.dump(self.config, skip_none=False)
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
