"""Each command's ``--help`` (what it does, its options in the order a user looks for them) and the
options that belong to one command only."""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from typing import Any

from ssm_ts.cli.parse_errors import SHORT_USAGE
from ssm_ts.errors import ConfigError
from ssm_ts.rank_zero_warnings import warn_on_rank_zero

# what each command does, atop its --help (Lightning's own describe its Trainer methods)
COMMAND_HELP = {
    "fit": "Fit the model on the data into --out (checkpoints, config, plots), logged to MLflow. "
    "--ckpt_path last --out DIR resumes an interrupted fit.",
    "validate": "Score a checkpoint (--ckpt_path best, last or a file) on the validation split of the "
    "fit's data (saved in the checkpoint; --data.* overrides it).",
    "test": "Score a checkpoint (--ckpt_path best, last or a file) on the test split of the fit's data "
    "(saved in the checkpoint; --data.* overrides it).",
    "predict": "Write predictions into --out from a checkpoint (--ckpt_path best, last or a file) on the "
    "fit's data (saved in the checkpoint; --data.* overrides it).",
}
# the commands a use adds beside Lightning's four (UseSpec.extra_commands), as the use's --help lists them
EXTRA_COMMAND_HELP = {
    "tune": "Search the model's settings with Optuna, choosing by validation loss.",
    "generate": "Generate audio clips with a fitted model (recurrent mode).",
}
# forecast predict's own options (configure_cli_parser adds them to every command's parser)
PREDICT_ONLY = ("n", "level", "interval_method", "futr_path")


def arrange_command_help(subcommand_parsers: dict[str, Any]) -> None:
    """Each command's --help: a short usage line, then --out and the model and data options, then the
    --trainer ones (LightningCLI lists those first); predict's own options only on predict."""
    for name, sub in subcommand_parsers.items():
        sub.usage = SHORT_USAGE
        if name in COMMAND_HELP:
            sub.description = f"{COMMAND_HELP[name]} The --model and --data options come first "
            sub.description += "below, then --trainer's (Lightning's Trainer)."
        groups = sub._action_groups
        trainer = [g for g in groups if any(a.dest.startswith("trainer.") for a in g._group_actions)]
        rest = [g for g in groups if g not in trainer]
        at = next((i for i, g in enumerate(rest) if g.title and "Linked" in g.title), len(rest))
        sub._action_groups[:] = rest[:at] + trainer + rest[at:]
        if name != "predict":
            for action in sub._actions:
                if action.dest in PREDICT_ONLY:
                    action.help = argparse.SUPPRESS


def list_use_commands(parser: Any, extra_commands: Iterable[str]) -> None:
    """The use's --help: its own commands (``tune``, ``generate``) in its usage line and its list of
    commands beside Lightning's four (which are all its parser knows: ssm-ts runs the others itself), each
    described by what it does with ssm-ts (Lightning's said "Runs the full optimization routine")."""
    action = parser._subcommands_action
    for choice in action._choices_actions:
        if choice.dest in COMMAND_HELP:
            choice.help = COMMAND_HELP[choice.dest].split(". ")[0].rstrip(".") + "."
    names = [*action.choices, *extra_commands]
    action.metavar = "{" + ",".join(names) + "}"
    for name in extra_commands:
        action._choices_actions.append(action._ChoicesPseudoAction(name, (), EXTRA_COMMAND_HELP.get(name)))


def check_command_options(use: str, subcommand: str, options: Any) -> None:
    """``forecast predict --interval_method`` without ``--level`` would make no interval: refused
    before the model and data are built (its value Literal-checked by the parser already). predict's
    own options (``--level``) given to fit, validate or test are refused: they would do nothing.
    ``--register_as`` outside fit warns that it registers nothing (a config shared with the fit may
    hold it, so it is not refused)."""
    name = options.get("register_as")
    if subcommand != "fit" and name:
        warn_on_rank_zero(
            f"--register_as {name}: {subcommand} registers no model; fit registers the model it logs (one "
            f"logged already: mlflow.register_model('models:/<model id>', '{name}'), its id as fit printed it)",
            UserWarning,
            stacklevel=1,  # ssm-ts's source: one line on the command line (lightning_cli.py reads as Lightning's)
        )
    if subcommand != "predict":
        given = [f"--{key}" for key in PREDICT_ONLY if options.get(key) is not None]
        if given:
            raise ConfigError(
                f"{', '.join(given)}: an option of ssm-ts {use} predict, not of "
                f"{subcommand}; after the fit run ssm-ts {use} predict --ckpt_path best "
                f"--out DIR {' '.join(given)} ..."
            )
        return
    if options.get("interval_method") is not None:
        from ssm_ts.api.conformal import check_interval_request

        check_interval_request(options.get("level"), options.get("interval_method"), None,
                               how='--level "[80, 95]"')  # fmt: skip


# the seeds NumPy's generator takes (Lightning's seed_everything seeds it too)
SEED_RANGE = (0, 2**32 - 1)


def check_seed(seed: Any) -> None:
    """``--seed_everything`` of a value Lightning's ``seed_everything`` refuses (NumPy takes 0 to 2**32 - 1):
    a :class:`ConfigError` naming the range, instead of its ``ValueError`` traceback. ``True`` (a random
    seed) and ``False`` (none) pass; the parser has refused what is not a whole number."""
    low, high = SEED_RANGE
    if isinstance(seed, bool) or not isinstance(seed, int) or low <= seed <= high:
        return
    raise ConfigError(
        f"--seed_everything {seed}: a seed is a whole number from {low} to {high} (true: a random one, "
        "false: no seeding); pass one in that range."
    )
