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

import sys
from pathlib import Path

# the names callers and tests import from ssm_ts.cli, defined in its modules; none of those imports
# Lightning: ssm_ts.training (and so Lightning, several seconds) is imported only when a use runs, so
# `ssm-ts --help`, `--version` and `ssm-ts configs` answer at once
from ssm_ts.cli.checkpoint_defaults import resume_conflicts
from ssm_ts.cli.config_text import check_config_texts
from ssm_ts.cli.config_yaml import ConfigYAMLError, check_config_yaml, yaml_parse_error
from ssm_ts.cli.interrupted import INTERRUPTED_FIT, interrupted_text
from ssm_ts.cli.option_spelling import command_spelling
from ssm_ts.cli.parse_errors import colon_space_hint, parse_error_text
from ssm_ts.cli.renamed_columns import renamed_file_hint
from ssm_ts.cli.restored_data import RESTORED_DATA_SETTINGS, forget_run_settings, restored_settings_hint
from ssm_ts.cli.resume_trainer import (
    RESUMED_TRAINER_SETTINGS,
    TRAINER_SETTINGS_KEY,
    fit_trainer_settings,
    saved_trainer_settings,
)
from ssm_ts.cli.short_file import short_file_hint
from ssm_ts.cli.use_command import build_cli_class, refuse_search_configs, run_use
from ssm_ts.cli.uses import USES, UseSpec, load_target, running_command, usage_text
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
        except SSMTSError as err:  # named as argparse names its own errors: ssm-ts configs show: error:
            named = " ".join(argv[:2]) if len(argv) > 1 and not argv[1].startswith("-") else "configs"
            print(f"ssm-ts {named}: error: {err}", file=sys.stderr)
            return 1
    use, rest = argv[0], argv[1:]
    if use not in USES:
        print(
            f"ssm-ts: unknown use {use!r}; choose one of {', '.join(USES)}\n\n{usage_text()}", file=sys.stderr
        )
        return 2
    spec = USES[use]
    # each error and warning line names the command that ran (ssm-ts classify fit, ssm-ts forecast tune)
    words = running_command(use, rest)
    command = f"ssm-ts {words}"
    forget_run_settings()  # what the last command recorded: not this one's
    INTERRUPTED_FIT.clear()
    try:
        with short_warnings(words, verbose):
            check_config_texts(rest)  # a UTF-16 YAML (PowerShell's '>'): one error, before any reads it
            check_config_yaml(rest)  # a YAML slip: the file, line, column and fix, for every command
            if rest and rest[0] in spec.extra_commands:
                return int(load_target(spec.extra_commands[rest[0]])(rest[1:]) or 0)
            run_use(use, rest, verbose=verbose)
    except ConfigYAMLError as err:  # a parse error: the command's name, exit code 2, as a wrong option's
        sys.stderr.write(yaml_parse_error(command, err))  # ssm-ts forecast fit, as its parser names itself
        raise SystemExit(2) from None
    except SSMTSError as err:
        if verbose:
            raise
        hint = colon_space_hint(str(err)) if isinstance(err, ConfigError) else ""  # a config's {d_model:16}
        # a fit's run and checkpoint, spelt as the message is
        notes = "".join(f"\n{command_spelling(str(note), use)}" for note in getattr(err, "__notes__", []))
        text = command_spelling(str(err), use)  # fill="ffill" as --data.fill ffill
        hint += short_file_hint(err)  # today's rows alone: the fit's file holds the earlier ones
        hint += renamed_file_hint(err)  # the fitted columns under other names: the read under the fitted ones
        # the checkpoint's settings as options too: --data.freq W-TUE, not data.freq='W-TUE'
        hint = command_spelling(hint + restored_settings_hint(err), use)
        print(f"{command}: error: {text}{hint}{notes}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as err:
        from ssm_ts.tracking.interruptible_call import Terminated

        if isinstance(err, Terminated):  # kill, a scheduler's preemption: 128 + SIGTERM, as the shell's
            print(f"{command}: {interrupted_text(use, stopped='stopped by SIGTERM')}", file=sys.stderr)
            return 143
        print(f"{command}: {interrupted_text(use)}", file=sys.stderr)
        return 130  # the shell's code for an end by Ctrl-C
    finally:  # a resumed fit's lock on its run folder (taken only where Lightning is imported)
        fit_lock = sys.modules.get("ssm_ts.training.fit_lock")
        if fit_lock is not None:
            fit_lock.release_fit_locks()
    return 0
