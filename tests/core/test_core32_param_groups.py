"""ssm_param_groups with a plain torch optimizer, as the S4 repository's groups are used."""

from __future__ import annotations

import pytest
import torch

from ssm_ts.core import SSMBlock, ssm_param_groups
from ssm_ts.errors import ConfigError

H = 3


def test_ssm_param_groups_work_with_a_plain_optimizer_and_honour_an_explicit_ssm_lr():
    torch.manual_seed(0)
    block = SSMBlock(d_model=H, ssm="s4d", d_state=4)
    names = {id(p): n for n, p in block.named_parameters()}
    default = ssm_param_groups(block, lr=1e-2, weight_decay=0.1)
    assert default[0]["lr"] == 1e-3 and default[0]["weight_decay"] == 0.0  # min(lr, 1e-3), as S4's
    assert {names[id(p)] for p in default[0]["params"]} == {
        f"conv.ssm.{n}" for n in block.conv.ssm.ssm_parameter_names
    }
    assert ssm_param_groups(block, lr=1e-4, weight_decay=0.1)[0]["lr"] == 1e-4
    # An explicit ssm_lr was capped at 1e-3 without a word.
    groups = ssm_param_groups(block, lr=1e-2, weight_decay=0.1, ssm_lr=5e-3)
    assert groups[0]["lr"] == 5e-3
    # A plain optimizer: the SSM parameters move by the group's lr and get no weight decay.
    optimizer = torch.optim.AdamW(groups)
    before = block.conv.ssm.log_dt.detach().clone()
    block(torch.randn(2, 5, H)).square().sum().backward()
    optimizer.step()
    torch.testing.assert_close(
        (block.conv.ssm.log_dt - before).abs(), torch.full_like(before, 5e-3), rtol=1e-3, atol=0
    )
    with pytest.raises(ConfigError, match="ssm_lr must be a finite number > 0"):
        ssm_param_groups(block, lr=1e-2, weight_decay=0.1, ssm_lr=0)
