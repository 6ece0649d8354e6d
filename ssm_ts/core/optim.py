"""Optimizer parameter groups that treat SSM parameters (A, B, dt) the way S4 training needs."""

from __future__ import annotations

import math

from torch import nn

from ssm_ts.errors import ConfigError
from ssm_ts.whole_numbers import is_real_number

MAX_SSM_LR = 1e-3


def ssm_param_groups(
    module: nn.Module, lr: float, weight_decay: float, ssm_lr: float | None = None
) -> list[dict]:
    """Three groups: SSM parameters (no weight decay; learning rate ``ssm_lr``, by default
    ``min(lr, 1e-3)`` as in the S4 repository), other matrices (``weight_decay``), and biases /
    norm scales / the skip term D (no weight decay). Empty groups are dropped.

    SSM parameters are those named in a submodule's ``ssm_parameter_names`` (every
    :class:`~ssm_ts.core.SSM` declares its own; other modules may too).

    Raises:
        ConfigError: ``ssm_lr`` given but not a finite number > 0.
    """
    if ssm_lr is None:
        ssm_lr = min(lr, MAX_SSM_LR)
    elif not (is_real_number(ssm_lr) and math.isfinite(ssm_lr) and ssm_lr > 0):
        # An explicit ssm_lr was capped at 1e-3 without a word: ssm_lr=1e-2 trained A and dt at 1e-3.
        raise ConfigError(f"ssm_param_groups: ssm_lr must be a finite number > 0 or None, got {ssm_lr!r}")
    ssm_ids = set()
    for sub in module.modules():
        for name in getattr(sub, "ssm_parameter_names", ()):
            param = sub._parameters.get(name)
            if param is not None:
                ssm_ids.add(id(param))
    ssm, decayed, plain = [], [], []
    for param in module.parameters():
        if not param.requires_grad:
            continue
        if id(param) in ssm_ids:
            ssm.append(param)
        elif param.dim() >= 2:
            decayed.append(param)
        else:
            plain.append(param)
    groups = [
        {"params": ssm, "lr": ssm_lr, "weight_decay": 0.0},
        {"params": decayed, "lr": lr, "weight_decay": weight_decay},
        {"params": plain, "lr": lr, "weight_decay": 0.0},
    ]
    return [g for g in groups if g["params"]]
