"""``--print_config``: the config the command will run, printed once it is that config. jsonargparse prints
while it parses: before the path settings are expanded (``$HOME/data.csv``, ``~/runs`` printed as given, and
``${DATA_DIR:?message}`` printed with no error for an unset variable) and before a checkpoint is read
(``predict --ckpt_path best --print_config`` showed the defaults, ``lookback: 96``, ``data.path: null``, and
not the model and data the command uses). The flag is held back and the config printed once its paths are
expanded, and with ``--ckpt_path`` once the checkpoint's settings are in it."""

from __future__ import annotations

import sys
from importlib.util import find_spec
from typing import Any

from ssm_ts.cli.uses import command_position

PRINT_CONFIG = "--print_config"
# jsonargparse's --print_config=FLAGS, as dump() keywords (comments: where ruamel.yaml is installed)
PRINT_FLAGS = {"skip_default": "skip_default", "skip_unset": "skip_unset"}
if find_spec("ruamel") and find_spec("ruamel.yaml"):
    PRINT_FLAGS["comments"] = "with_comments"


def names_checkpoint(args: list[str]) -> bool:
    """Whether ``args`` give ``--ckpt_path`` on the command line."""
    return any(arg == "--ckpt_path" or arg.startswith("--ckpt_path=") for arg in args)


def hold_print_config(args: Any) -> tuple[Any, list[str] | None, bool]:
    """``args`` without ``--print_config[=FLAGS]``, those flags (``[]`` for none) and whether it is the use's
    (``ssm-ts forecast --print_config fit``: the whole config, ``fit:`` and all) rather than the command's;
    ``args`` unchanged, ``None`` and False where none is given (or ``args`` is no list: jsonargparse's)."""
    held = (
        [arg for arg in args if arg == PRINT_CONFIG or arg.startswith(PRINT_CONFIG + "=")]
        if isinstance(args, list)
        else []
    )
    if not held:
        return args, None, False
    command = command_position(args)
    flags = [flag for arg in held for flag in arg.partition("=")[2].split(",") if flag]
    return (
        [arg for arg in args if arg not in held],
        flags,
        command is not None and args.index(held[0]) < command,
    )


def print_config_and_exit(parser: Any, config: Any, flags: list[str]) -> None:
    """Write ``config`` (one subcommand's) as YAML, as ``--print_config`` does, and exit 0."""
    unknown = [flag for flag in flags if flag not in PRINT_FLAGS]
    if unknown:
        parser.error(f'Invalid option "{unknown[0]}" for {PRINT_CONFIG}; flags: {", ".join(PRINT_FLAGS)}')
    options = {"skip_unset": False, **{PRINT_FLAGS[flag]: True for flag in flags}}
    sys.stdout.write(parser.dump(config, skip_validation=True, **options))
    parser.exit()
