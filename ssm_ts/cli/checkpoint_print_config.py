"""``--print_config`` beside ``--ckpt_path``: the config the command will run, the checkpoint's settings
in it. jsonargparse prints while it parses, before the checkpoint is read, so ``predict --ckpt_path best
--print_config`` showed the defaults (``lookback: 96``, ``data.path: null``) and not the model and data
the command uses; the flag is held back until the checkpoint's settings are in the config."""

from __future__ import annotations

import sys
from importlib.util import find_spec
from typing import Any

PRINT_CONFIG = "--print_config"
# jsonargparse's --print_config=FLAGS, as dump() keywords (comments: where ruamel.yaml is installed)
PRINT_FLAGS = {"skip_default": "skip_default", "skip_unset": "skip_unset"}
if find_spec("ruamel") and find_spec("ruamel.yaml"):
    PRINT_FLAGS["comments"] = "with_comments"


def names_checkpoint(args: list[str]) -> bool:
    """Whether ``args`` give ``--ckpt_path`` on the command line."""
    return any(arg == "--ckpt_path" or arg.startswith("--ckpt_path=") for arg in args)


def hold_print_config(args: Any) -> tuple[Any, list[str] | None]:
    """``args`` without ``--print_config[=FLAGS]`` and those flags (``[]`` for none), when they also
    name a checkpoint; else ``args`` unchanged and ``None`` (jsonargparse prints, as it does)."""
    if not isinstance(args, list) or not names_checkpoint(args):
        return args, None
    held = [arg for arg in args if arg == PRINT_CONFIG or arg.startswith(PRINT_CONFIG + "=")]
    if not held:
        return args, None
    flags = [flag for arg in held for flag in arg.partition("=")[2].split(",") if flag]
    return [arg for arg in args if arg not in held], flags


def print_config_and_exit(parser: Any, config: Any, flags: list[str]) -> None:
    """Write ``config`` (one subcommand's) as YAML, as ``--print_config`` does, and exit 0."""
    unknown = [flag for flag in flags if flag not in PRINT_FLAGS]
    if unknown:
        parser.error(f'Invalid option "{unknown[0]}" for {PRINT_CONFIG}; flags: {", ".join(PRINT_FLAGS)}')
    options = {"skip_unset": False, **{PRINT_FLAGS[flag]: True for flag in flags}}
    sys.stdout.write(parser.dump(config, skip_validation=True, **options))
    parser.exit()
