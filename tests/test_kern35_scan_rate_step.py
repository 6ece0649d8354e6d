"""The scan SSMs' recurrent mode agrees with their sequence mode at another rate too (the protocol
tests cover rate != 1 for the convolution SSMs only), for the SSM and through a block."""

from __future__ import annotations

import pytest
import torch

from ssm_ts.core import SSMBlock, build_ssm


@pytest.mark.parametrize("variant", ["s5", "selective"])  # LRU is discrete-time: rate 1 only
def test_scan_step_at_another_rate_agrees_with_the_sequence(variant):
    torch.manual_seed(0)
    ssm = build_ssm("scan", d_model=3, d_state=4, variant=variant).double()
    u = torch.randn(2, 17, 3, dtype=torch.float64)
    state = torch.randn_like(ssm.default_state(2))
    y, final = ssm.forward_sequence(u, state, rate=0.5)
    steps = []
    for t in range(u.shape[1]):
        y_t, state = ssm.step(u[:, t], state, rate=0.5)
        steps.append(y_t)
    torch.testing.assert_close(torch.stack(steps, 1), y, atol=1e-10, rtol=1e-9)
    torch.testing.assert_close(state, final, atol=1e-10, rtol=1e-9)
    assert not torch.allclose(y, ssm.forward_sequence(u, None, rate=1.0)[0])  # the rate mattered


@pytest.mark.parametrize("variant", ["s5", "selective"])
def test_scan_block_step_at_another_rate_agrees_with_forward(variant):
    torch.manual_seed(1)
    block = SSMBlock(d_model=3, ssm="scan", d_state=4, ssm_options={"variant": variant}).double().eval()
    x = torch.randn(2, 13, 3, dtype=torch.float64)
    with torch.no_grad():
        y, final = block(x, return_state=True, rate=2.0)
        state, steps = block.default_state(2), []
        for t in range(x.shape[1]):
            y_t, state = block.step(x[:, t], state, rate=2.0)
            steps.append(y_t)
    torch.testing.assert_close(torch.stack(steps, 1), y, atol=1e-10, rtol=1e-9)
    torch.testing.assert_close(state, final, atol=1e-10, rtol=1e-9)
