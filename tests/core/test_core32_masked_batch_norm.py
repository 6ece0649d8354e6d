"""SSMBlock(norm="batch") with mask= in training: batch statistics of the real steps only."""

from __future__ import annotations

import pytest
import torch

from ssm_ts.core import SSMBlock


@pytest.mark.parametrize("prenorm", [True, False])
def test_padding_does_not_enter_the_batch_statistics(prenorm):
    torch.manual_seed(0)
    padded = SSMBlock(d_model=3, d_state=4, norm="batch", prenorm=prenorm).double().train()
    short = SSMBlock(d_model=3, d_state=4, norm="batch", prenorm=prenorm).double().train()
    short.load_state_dict(padded.state_dict())
    x = torch.randn(1, 8, 3, dtype=torch.float64)
    mask = torch.ones(1, 8)
    mask[0, 5:] = 0
    y = padded(x, mask=mask)
    # The same sequence without its padding: the padded zeros shifted the mean and variance.
    torch.testing.assert_close(y[:, :5], short(x[:, :5]))
    torch.testing.assert_close(padded.norm.running_mean, short.norm.running_mean)
    torch.testing.assert_close(padded.norm.running_var, short.norm.running_var)
    y.sum().backward()
    assert all(torch.isfinite(p.grad).all() for p in padded.parameters() if p.grad is not None)
