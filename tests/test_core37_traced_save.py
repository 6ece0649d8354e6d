"""A torch.jit.trace of an S4 or scan SSM block can be saved, loaded and run at other lengths.

Their PyTorch paths ran through Python autograd Functions, which a trace records as Python calls that
torch.jit.save refuses ("Could not export Python function call '_ChunkedCauchy'"); traced, they now
call the registered ``ssm_ts::`` ops, which chunk at run time."""

from __future__ import annotations

import pytest
import torch

from ssm_ts.core import SSMBlock


@pytest.mark.parametrize(("ssm", "options"), [("s4", {"dt_min": 0.05, "dt_max": 0.2}), ("scan", {})])
@pytest.mark.filterwarnings("ignore::torch.jit.TracerWarning")
def test_saved_trace_matches_eager_at_other_lengths(ssm, options, tmp_path, single_thread):
    torch.manual_seed(0)
    block = SSMBlock(d_model=4, ssm=ssm, d_state=8, ssm_options=options).eval()
    traced = torch.jit.trace(block, torch.randn(2, 8, 4))
    path = tmp_path / "block.pt"
    torch.jit.save(traced, path)
    loaded = torch.jit.load(path)
    # 600 steps: S4's 301 frequencies take two Cauchy chunks of 256, where the trace saw one
    for length in (8, 20, 600):
        x = torch.randn(2, length, 4, requires_grad=True)
        y = loaded(x)
        torch.testing.assert_close(y, block(x))
        (grad,) = torch.autograd.grad(y.square().sum(), x)  # saliency through the loaded trace
        (want,) = torch.autograd.grad(block(x).square().sum(), x)
        torch.testing.assert_close(grad, want)
