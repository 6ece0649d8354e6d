"""The ``ssm-ts`` command: ``ssm-ts {forecast,audio,classify} {fit,validate,test,predict}``.

Each use is a LightningCLI over its task (LightningModule) and data module, with ssm-ts defaults:
every run logs to MLflow (an sqlite store ``mlflow.db`` in the working directory unless
``--tracking_uri`` or ``MLFLOW_TRACKING_URI`` says otherwise), checkpoints and outputs go under
``--out``, Lightning stays quiet unless ``--verbose``, the resolved config is logged with the run,
and a fit ends by logging the model as an MLflow pyfunc (optionally registered with
``--register_as NAME``). ``predict`` turns predictions into files (CSV, PNG, WAV) in ``--out``.
Some uses add their own commands (``ssm-ts audio generate``). ``--config`` takes a file or the name
of a config shipped with ssm-ts (``ssm-ts configs list``), so the CLI works from any folder.
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path
from typing import Any

# the names callers and tests import from ssm_ts.cli, defined in its modules; none of those imports
# Lightning: ssm_ts.training (and so Lightning, several seconds) is imported only when a use runs, so
# `ssm-ts --help`, `--version` and `ssm-ts configs` answer at once
from ssm_ts.cli.checkpoint_defaults import resume_conflicts
from ssm_ts.cli.interrupted import INTERRUPTED_FIT, interrupted_text
from ssm_ts.cli.parse_errors import parse_error_text
from ssm_ts.cli.restored_data import RESTORED_DATA_SETTINGS, restored_settings_hint
from ssm_ts.cli.resume_trainer import (
    RESUMED_TRAINER_SETTINGS,
    TRAINER_SETTINGS_KEY,
    fit_trainer_settings,
    saved_trainer_settings,
)
from ssm_ts.cli.uses import USES, UseSpec, load_target, usage_text
from ssm_ts.cli.warning_lines import short_warnings
from ssm_ts.errors import ConfigError, SSMTSError

__all__ = [
    "INTERRUPTED_FIT",
    "RESTORED_DATA_SETTINGS",
    "RESUMED_TRAINER_SETTINGS",
    "TRAINER_SETTINGS_KEY",
    "USES",
    "UseSpec",
    "build_cli_class",
    "fit_trainer_settings",
    "interrupted_text",
    "main",
    "parse_error_text",
    "refuse_search_configs",
    "resume_conflicts",
    "run_use",
    "saved_trainer_settings",
    "short_warnings",
    "version_line",
]

VERBOSE_FLAG = "--verbose"

_load = load_target  # the name tests use for it


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
    import yaml

    values = [b for a, b in zip(args, args[1:], strict=False) if a == "--config"]
    values += [a.split("=", 1)[1] for a in args if a.startswith("--config=")]
    for value in values:
        try:
            content = yaml.safe_load(Path(value).read_text())
        except (OSError, yaml.YAMLError):
            continue  # LightningCLI reports files it cannot read, and YAML given inline
        if isinstance(content, dict) and "space" in content:
            raise ConfigError(
                f"--config {value} is a hyperparameter search config (it has a 'space'): run it with "
                f"ssm-ts {use} tune --config {value}; fit takes a config without 'space'."
            )


def run_use(use: str, args: list[str], verbose: bool = False) -> Any:
    """Run one use's LightningCLI in-process with ``args`` (e.g. ``["fit", "--config", ...]``)."""
    from ssm_ts.packaged_configs import resolve_config_args
    from ssm_ts.training import (
        LastCheckpointWriter,
        UserCheckpointFolders,
        best_checkpoint_callback,
        set_verbosity,
    )

    args, shipped = resolve_config_args(list(args), use)
    refuse_search_configs(args, use)
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
            ],
            "enable_model_summary": verbose,
        },
        args=args,
    )


def version_line() -> str:
    """``ssm-ts X.Y.Z (Python A.B.C, <package folder>)``: the installed distribution's version and the
    folder it is imported from, which tells an editable install from a wheel."""
    import platform
    from importlib.metadata import PackageNotFoundError, version

    import ssm_ts

    try:
        installed = version("ssm-ts")
    except PackageNotFoundError:  # a source checkout used without an install
        installed = ssm_ts.__version__
    return f"ssm-ts {installed} (Python {platform.python_version()}, {Path(ssm_ts.__file__).parent})"


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``ssm-ts`` console script (and of ``python -m ssm_ts``)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    verbose = VERBOSE_FLAG in argv
    argv = [a for a in argv if a != VERBOSE_FLAG]
    if not argv or argv[0] in ("-h", "--help"):
        print(usage_text())
        return 0 if argv else 2
    if argv[0] in ("-V", "--version"):
        print(version_line())
        return 0
    if argv[0] == "configs":
        from ssm_ts.packaged_configs import configs_command

        try:
            return configs_command(argv[1:])
        except SSMTSError as err:
            print(f"ssm-ts configs: error: {err}", file=sys.stderr)
            return 1
    use, rest = argv[0], argv[1:]
    if use not in USES:
        print(
            f"ssm-ts: unknown use {use!r}; choose one of {', '.join(USES)}\n\n{usage_text()}", file=sys.stderr
        )
        return 2
    spec = USES[use]
    RESTORED_DATA_SETTINGS.clear()
    INTERRUPTED_FIT.clear()
    try:
        with short_warnings(use, verbose):
            if rest and rest[0] in spec.extra_commands:
                return int(load_target(spec.extra_commands[rest[0]])(rest[1:]) or 0)
            if rest and rest[0] in ("-h", "--help") and spec.extra_commands:
                print(f"ssm-ts {use}: also {', '.join(spec.extra_commands)} (ssm-ts {use} COMMAND --help)\n")
            run_use(use, rest, verbose=verbose)
    except SSMTSError as err:
        if verbose:
            raise
        print(f"ssm-ts {use}: error: {err}{restored_settings_hint(err)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"ssm-ts {use}: {interrupted_text(use)}", file=sys.stderr)
        return 130  # the shell's code for an end by Ctrl-C
    return 0
