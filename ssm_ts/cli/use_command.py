"""Running one use of ``ssm-ts`` (``ssm-ts forecast fit ...``): its LightningCLI, with ssm-ts's
defaults (seed, callbacks, quiet Lightning), built when the use runs (importing Lightning is slow)."""

from __future__ import annotations

import os
import sys
import warnings
from typing import Any

from ssm_ts.cli.uses import USES, load_target
from ssm_ts.errors import ConfigError
from ssm_ts.tasks.config_use import config_contents, is_search_config


def build_cli_class():
    """The LightningCLI subclass shared by every use, its config-saving callback, the callbacks every fit
    adds and its argument parser (imported here, when a use runs: importing Lightning is slow)."""
    from ssm_ts.cli.lightning_cli import SSMTSCLI, SSMTSArgumentParser
    from ssm_ts.cli.save_config import MLflowSaveConfig
    from ssm_ts.tracking.logger import RecordMLflowRun
    from ssm_ts.training import NonFiniteLossGuard

    return SSMTSCLI, MLflowSaveConfig, NonFiniteLossGuard, RecordMLflowRun, SSMTSArgumentParser


def refuse_search_configs(args: list[str], use: str) -> None:
    """A search config (one with a top-level ``space``, such as ``forecast_co2_tune``) given to
    fit/validate/test/predict: a :class:`ConfigError` naming the command it is for, instead of
    jsonargparse's "does not accept option 'space.lr.low'"."""
    for value, content in config_contents(args):
        if is_search_config(content):
            raise ConfigError(
                f"--config {value} is a hyperparameter search config (it has a 'space'): run it with "
                f"ssm-ts {use} tune --config {value}; fit takes a config without 'space'."
            )


def refuse_other_use_configs(args: list[str], use: str) -> None:
    """A config of another use (a forecast config, renamed or not, given to ``ssm-ts classify fit``): a
    :class:`ConfigError` naming the use it is for and the command that runs it, instead of jsonargparse's
    error about its first key or value ``use`` does not take."""
    from ssm_ts.cli.config_use import cli_uses
    from ssm_ts.tasks.checkpoint_use import SHARED_COMMANDS
    from ssm_ts.tasks.config_use import refuse_other_use_configs as refuse

    refuse(args, use, next((a for a in args if a in SHARED_COMMANDS), "fit"), cli_uses())


def run_use(use: str, args: list[str], verbose: bool = False) -> Any:
    """Run one use's LightningCLI in-process with ``args`` (e.g. ``["fit", "--config", ...]``)."""
    from ssm_ts.cli.spawned_warnings import SpawnedWarningLines
    from ssm_ts.cli.uses import running_command
    from ssm_ts.packaged_configs import resolve_config_args
    from ssm_ts.tasks.option_order import refuse_options_before_config
    from ssm_ts.training import (
        LastCheckpointWriter,
        UserCheckpointFolders,
        best_checkpoint_callback,
        set_verbosity,
    )

    args, shipped = resolve_config_args(list(args), use)
    refuse_other_use_configs(args, use)  # before the search-config check: its command is the other use's
    refuse_search_configs(args, use)
    refuse_options_before_config(args)
    for path in shipped:
        print(
            f"config: {path} (shipped with ssm-ts; ssm-ts configs copy {path.stem} to edit it)",
            file=sys.stderr,
        )
    os.environ.setdefault("JSONARGPARSE_DEPRECATION_WARNINGS", "off")
    warnings.filterwarnings("ignore", message="LightningCLI's args parameter")
    spec = USES[use]
    set_verbosity(verbose)
    # LightningCLI picks a seed when none is given; config.yaml records it, so the notice is noise.
    if not verbose:
        warnings.filterwarnings("ignore", message=r"No seed found, seed set to")
    cli_class, save_config, nan_guard, record_run, parser_class = build_cli_class()

    class UseCLI(cli_class):
        use_name = use

    return UseCLI(
        model_class=load_target(spec.task),
        datamodule_class=load_target(spec.datamodule),
        save_config_callback=save_config,
        parser_class=parser_class,
        save_config_kwargs={"save_to_log_dir": False, "overwrite": True},
        # name the command in usage lines and errors ("ssm-ts forecast fit"), not Python's argv[0]
        parser_kwargs={"prog": f"ssm-ts {use}", "description": f"ssm-ts {use}: {spec.description}"},
        # seed 0 unless --seed_everything says otherwise, as the Python API's seed=0; Lightning's default
        # (True) takes PL_GLOBAL_SEED, which an earlier fit in the same process (a notebook) leaves behind
        seed_everything_default=0,
        trainer_defaults={
            # keeps best-epoch=N.ckpt (lowest val_loss; only last.ckpt without validation) and last.ckpt,
            # written after the user's --trainer.callbacks (LightningCLI puts those first)
            "callbacks": [
                nan_guard(),
                best_checkpoint_callback("val_loss"),
                LastCheckpointWriter(),
                record_run(),
                # a --trainer.callbacks ModelCheckpoint without dirpath: <fit folder>/user_checkpoints/
                UserCheckpointFolders(),
                # ssm-ts's warnings as one line in ddp_spawn's processes too (--verbose: Python's form)
                *([] if verbose else [SpawnedWarningLines(running_command(use, args))]),
            ],
            "enable_model_summary": verbose,
        },
        args=args,
    )
