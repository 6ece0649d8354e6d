"""docs/core.md says masked steps of an ``SSMBlock`` input "may hold NaN" (pandas pads with NaN). That
held for the forward pass only: in training, the NaN at the padded steps reached the gradients through
the LayerNorm (its weight's gradient sums ``grad * x_hat`` over every step, and ``0 * NaN = NaN``), and
with post-norm through every parameter. The loss was finite, the first optimizer step made the weights
NaN, and the NaN-loss check then blamed divergence. The padded steps now train as zero-padded ones."""

from __future__ import annotations

import pytest
import torch

from ssm_ts.core import SSMBlock
from tests.core.ssm_cases import SSM_CASES

H = 4
CASES = {**SSM_CASES, "scan-s5": ("scan", {"variant": "s5"})}


def gradients(block: SSMBlock, x: torch.Tensor, mask: torch.Tensor) -> dict[str, torch.Tensor]:
    """The gradients of a loss on the real (unmasked) steps' outputs, per parameter."""
    block.zero_grad()
    real = mask.bool().unsqueeze(-1).expand_as(x)
    block(x, mask=mask)[real].pow(2).sum().backward()
    return {name: p.grad.clone() for name, p in block.named_parameters() if p.grad is not None}


@pytest.mark.parametrize("prenorm", [True, False])
@pytest.mark.parametrize("case", CASES)
def test_nan_at_masked_steps_trains_as_zero_padding(case, prenorm):
    torch.manual_seed(0)
    name, options = CASES[case]
    block = SSMBlock(d_model=H, ssm=name, d_state=8, ssm_options=options, prenorm=prenorm).train()
    x = torch.randn(2, 9, H)
    mask = torch.ones(2, 9)
    mask[0, 6:] = 0  # the first recording is shorter: its last three steps are padding
    padding = mask.unsqueeze(-1) == 0
    zero_padded = gradients(block, x.masked_fill(padding, 0.0), mask)
    nan_padded = gradients(block, x.masked_fill(padding, float("nan")), mask)
    assert zero_padded.keys() == nan_padded.keys() and zero_padded
    for name, grad in zero_padded.items():
        assert torch.isfinite(nan_padded[name]).all(), name
        torch.testing.assert_close(nan_padded[name], grad, msg=name)
