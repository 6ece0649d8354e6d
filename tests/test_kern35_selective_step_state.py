"""A bfloat16 selective scan SSM steps with a float32 state, as its scan computes: a long rollout of
``step`` agrees with ``forward_sequence`` (the state used to be rounded to bfloat16 every step)."""

from __future__ import annotations

import torch

from ssm_ts.core import SSMBlock, build_ssm


def test_bfloat16_step_rollout_agrees_with_the_scan():
    torch.manual_seed(0)
    ssm = build_ssm("scan", d_model=4, d_state=8, variant="selective", dt_min=1e-3, dt_max=1e-2).bfloat16()
    u = torch.randn(2, 300, 4).bfloat16()
    with torch.no_grad():
        y_scan, final_scan = ssm.forward_sequence(u)
        state = ssm.default_state(2)
        steps = []
        for t in range(u.shape[1]):
            y, state = ssm.step(u[:, t], state)
            steps.append(y)
    y_steps = torch.stack(steps, 1)
    scale = y_scan.float().abs().mean()
    drift = ((y_steps.float() - y_scan.float()).abs().mean() / scale).item()
    assert drift < 2e-3, f"step drifted from the scan by {drift:.2%} of the output"
    assert state.dtype == final_scan.dtype == torch.float32 and y_steps.dtype == torch.bfloat16
    assert torch.allclose(state, final_scan, rtol=1e-4, atol=1e-4 * final_scan.abs().max().item())


def test_bfloat16_block_state_continues_between_forward_and_step():
    torch.manual_seed(1)
    block = SSMBlock(d_model=4, d_state=8, ssm="scan", ssm_options={"variant": "selective"}).bfloat16().eval()
    x = torch.randn(2, 12, 4).bfloat16()
    with torch.no_grad():
        y, state = block(x[:, :11], return_state=True)
        assert state.dtype == block.default_state(2).dtype == torch.float32
        y_next, _ = block.step(x[:, 11], state)  # the state forward returned is accepted as it is
        y_whole = block(x)
    assert torch.allclose(y_next.float(), y_whole[:, 11].float(), atol=3e-2)
