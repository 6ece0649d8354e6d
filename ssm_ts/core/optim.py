"""Optimizer parameter groups that treat SSM parameters (A, B, dt) the way S4 training needs."""

from __future__ import annotations

from torch import nn

MAX_SSM_LR = 1e-3


def ssm_param_groups(
    module: nn.Module, lr: float, weight_decay: float, ssm_lr: float = MAX_SSM_LR
) -> list[dict]:
    """Three groups: SSM parameters (lr <= 1e-3, no weight decay), other matrices (``weight_decay``),
    and biases / norm scales (no weight decay). Empty groups are dropped.

    SSM parameters are those named in a submodule's ``ssm_parameter_names`` (every
    :class:`~ssm_ts.core.SSM` declares its own; other modules may too).
    """
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
        {"params": ssm, "lr": min(lr, ssm_lr, MAX_SSM_LR), "weight_decay": 0.0},
        {"params": decayed, "lr": lr, "weight_decay": weight_decay},
        {"params": plain, "lr": lr, "weight_decay": 0.0},
    ]
    return [g for g in groups if g["params"]]
