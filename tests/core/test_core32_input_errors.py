"""A wrong input's error says what to do, not only the expected and found shapes."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from ssm_ts.core import FFTConv, SSMBlock
from ssm_ts.errors import ConfigError


@pytest.mark.parametrize("layer", [SSMBlock(d_model=4, d_state=4), FFTConv(d_model=4, d_state=4)])
def test_wrong_channel_count_and_extra_batch_axes_name_the_fix(layer):
    x = torch.randn(2, 9, 5)
    with pytest.raises(
        ConfigError, match=r"got shape \(2, 9, 5\); x has 5 channels: build the layer with d_model=5"
    ):
        layer(x)
    with pytest.raises(ConfigError, match=r"nn\.Linear\(5, 4\)"):
        layer(x)
    layer(nn.Linear(5, 4)(x))  # the fix, as written
    x = torch.randn(3, 2, 9, 4)
    with pytest.raises(ConfigError, match=r"one batch axis only: pass x\.flatten\(0, -3\)"):
        layer(x)
    assert layer(x.flatten(0, -3)).reshape(x.shape).shape == x.shape
