"""Building SSMs by name with checked options, and the SSM optimizer group."""

from __future__ import annotations

import pytest
import torch

from ssm_ts.core import SSMBlock, build_ssm, ssm_param_groups
from ssm_ts.errors import ConfigError


def test_unknown_ssm_and_unknown_option_are_config_errors():
    with pytest.raises(ConfigError, match="unknown SSM 'nope'"):
        build_ssm("nope", d_model=2)
    with pytest.raises(ConfigError, match=r"does not take option\(s\) \['dt_mn'\]; valid options: .*dt_min"):
        build_ssm("s4d", d_model=2, dt_mn=0.1)


def test_block_argument_errors_name_the_choices():
    with pytest.raises(ConfigError, match="unknown norm 'group'"):
        SSMBlock(d_model=4, norm="group")


def test_ssm_parameters_get_low_lr_and_no_weight_decay():
    block = SSMBlock(d_model=8, d_state=16)
    groups = ssm_param_groups(block, lr=1e-2, weight_decay=0.1)
    ssm_group = groups[0]
    ssm_names = {n for n, p in block.named_parameters() if any(p is q for q in ssm_group["params"])}
    assert ssm_names == {"conv.ssm.log_dt", "conv.ssm.A_real_raw", "conv.ssm.A_imag", "conv.ssm.B"}
    assert ssm_group["lr"] == 1e-3 and ssm_group["weight_decay"] == 0.0
    assert sum(len(g["params"]) for g in groups) == len(list(block.parameters()))
    torch.optim.AdamW(groups, lr=1e-2)  # accepted by a real optimizer


@torch.no_grad()
def test_step_cache_follows_parameter_updates():
    ssm = build_ssm("s4d", d_model=2, d_state=4)
    u, state = torch.ones(1, 2), ssm.default_state(1)
    before, _ = ssm.step(u, state)
    ssm.C.mul_(2.0)  # an in-place update, like an optimizer step
    after, _ = ssm.step(u, state)
    assert torch.allclose(after, 2 * before)
