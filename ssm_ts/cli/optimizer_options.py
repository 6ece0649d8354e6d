"""Lightning's ``--optimizer`` and ``--lr_scheduler`` options, which LightningCLI adds to every command,
refused with the ssm-ts settings that do their job.

Every ssm-ts task builds its own AdamW (the SSM parameters A, B and dt in a group of their own) and its
cosine schedule. ``--optimizer Adam`` replaced that method and failed with a traceback ("optimizer got an
empty parameter list": the network is built from the data, after LightningCLI made the optimizer);
``--lr_scheduler StepLR`` without ``--optimizer`` was dropped without a word. The keys stay in the parser
(as null) so that config.yaml files saved by earlier fits, which hold ``optimizer: null``, still load.
"""

from __future__ import annotations

from typing import Any

from ssm_ts.errors import ConfigError

INSTEAD = "--model.lr, --model.weight_decay and --model.lr_schedule (cosine or none)"


def given_class(value: Any) -> str:
    """The class a LightningCLI ``--optimizer``/``--lr_scheduler`` value names (``torch.optim.Adam``)."""
    class_path = getattr(value, "class_path", None)
    if class_path is None and isinstance(value, dict):
        class_path = value.get("class_path")
    return str(class_path or value)


def refuse_lightning_optimizer_options(options: Any) -> None:
    """Refuse a non-null ``optimizer`` or ``lr_scheduler`` in a command's parsed ``options`` (a namespace
    or dict), naming the ssm-ts settings to use instead."""
    for key in ("optimizer", "lr_scheduler"):
        value = options.get(key) if hasattr(options, "get") else None
        if value is None:
            continue
        raise ConfigError(
            f"--{key} {given_class(value)}: ssm-ts trains with its own AdamW (the SSM parameters in a group "
            f"of their own) and a cosine learning-rate schedule, which Lightning's --{key} cannot change; "
            f"set {INSTEAD} instead"
        )
