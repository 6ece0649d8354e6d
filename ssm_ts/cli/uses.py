"""The uses of the ``ssm-ts`` command (forecast, audio, classify): what each is made of, and the
top-level usage text that lists them."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

from ssm_ts.tasks.checkpoint_use import SHARED_COMMANDS, USE_TASKS
from ssm_ts.tasks.config_use import USE_DATAMODULES


@dataclass(frozen=True)
class UseSpec:
    """What one use of the CLI is made of; classes are named as ``"module:attribute"``."""

    task: str
    datamodule: str
    description: str
    example: str
    extra_commands: dict[str, str] = field(default_factory=dict)
    parser_hook: str | None = None


USES: dict[str, UseSpec] = {
    "forecast": UseSpec(
        task=USE_TASKS["forecast"],
        datamodule=USE_DATAMODULES["forecast"],
        description="fit forecasters (SpaceTime, S4D, linear baselines) on a CSV",
        example="ssm-ts forecast fit --config forecast_co2_quick",
        extra_commands={"tune": "ssm_ts.api.tune_cli:tune_command"},
        parser_hook="ssm_ts.tasks.forecasting:configure_cli_parser",
    ),
    "audio": UseSpec(
        task=USE_TASKS["audio"],
        datamodule=USE_DATAMODULES["audio"],
        description="train SaShiMi waveform models on a folder of audio; generate clips",
        example="ssm-ts audio fit --config audio_digits_quick --data.root path/to/wavs",
        extra_commands={"generate": "ssm_ts.api.generate_cli:generate_command"},
        parser_hook="ssm_ts.tasks.waveform:configure_cli_parser",
    ),
    "classify": UseSpec(
        task=USE_TASKS["classify"],
        datamodule=USE_DATAMODULES["classify"],
        description="classify sensor recordings (UCR/UEA files, CSV, NumPy) with S4ND encoders",
        example="ssm-ts classify fit --config classify_basicmotions_quick   # BasicMotions from the data home",
        parser_hook="ssm_ts.tasks.classification:configure_cli_parser",
    ),
}


def load_target(target: str, optional: bool = False) -> Any:
    """The object a ``"module:attribute"`` target names (``None`` when ``optional`` and it lacks one)."""
    module_name, _, attribute = target.partition(":")
    module = importlib.import_module(module_name)
    if optional and not hasattr(module, attribute):
        return None
    return getattr(module, attribute)


# the options LightningCLI's parser of a use takes before its command that take a value (--print_config's
# flags follow an "=")
_USE_OPTIONS_WITH_VALUE = ("-c", "--config")


def running_command(use: str, argv: list[str]) -> str:
    """What follows ``ssm-ts`` in each error and warning line of ``ssm-ts USE ARGV...``: the use and the
    command that ran (``classify fit``, ``forecast tune``; ``forecast fit`` for ``ssm-ts forecast --config
    run.yaml fit`` too, whose fit LightningCLI runs with the config's ``fit:`` section, as its parser names
    it), or the use alone where no command runs (``ssm-ts forecast --help``, ``ssm-ts forecast fitt``)."""
    if argv and use in USES and argv[0] in USES[use].extra_commands:  # tune, generate: first, as main routes
        return f"{use} {argv[0]}"
    at = command_position(argv)
    return f"{use} {argv[at]}" if at is not None else use


def command_position(argv: list[str]) -> int | None:
    """Where in ``argv`` (what follows ``ssm-ts USE``) the LightningCLI command (fit, validate, test,
    predict) is, after the use's own options (``--config run.yaml fit``: 2); None where there is none."""
    at = 0
    while at < len(argv) and argv[at].startswith("-"):  # the use's own options: -c/--config FILE, --help
        at += 2 if argv[at] in _USE_OPTIONS_WITH_VALUE else 1
    return at if at < len(argv) and argv[at] in SHARED_COMMANDS else None


def usage_text() -> str:
    """What ``ssm-ts --help`` prints: the uses, their commands, examples and the common options."""
    lines = ["usage: ssm-ts USE COMMAND [options]", "", "uses:"]
    for name, spec in USES.items():
        commands = ", ".join(["fit", "validate", "test", "predict", *spec.extra_commands])
        lines.append(f"  {name:<9} {spec.description}  ({commands})")
    lines.append(f"  {'configs':<9} the YAML configs shipped with ssm-ts  (list, show, copy)")
    lines += [
        "",
        "examples:",
        *(f"  {spec.example}" for spec in USES.values()),
        "",
        "ssm-ts USE --help lists a use's commands; ssm-ts USE COMMAND --help lists every option;",
        "--print_config shows the resolved YAML; --verbose shows Lightning's own output.",
        "--config takes a YAML file or a shipped config's name: ssm-ts configs list (show NAME, copy NAME).",
        "--data.path / --data.root take a file or folder, or a standard data set's name (ETTh1, BasicMotions,",
        "fsdd, espeak-digits ...) read from the data home, $SSM_TS_DATA_HOME (default ~/.cache/ssm-ts/data).",
        "predict/test --ckpt_path reuse the fit's data settings saved in the checkpoint; --data.* overrides them.",
        "fit --ckpt_path last --out DIR resumes with the checkpoint's model and data settings (no --config needed).",
        "ssm-ts --version prints the installed version.",
    ]
    return "\n".join(lines)
