"""torch.func transforms (vmap, grad, per-sample gradients) through the PyTorch kernel ops."""

from __future__ import annotations

import pytest
import torch

from ssm_ts.core import SSMBlock

H = 3


FUNC_CASES = {
    "dplr": ("dplr", {}),
    "scan-s5": ("scan", {"variant": "s5"}),
    "scan-selective": ("scan", {"variant": "selective"}),
}


@pytest.mark.parametrize("case", FUNC_CASES)
@pytest.mark.filterwarnings("error::UserWarning")  # torch's slow-fallback notice included
def test_torch_func_vmap_and_per_sample_gradients_match_a_loop(case):
    # The Cauchy product (S4) and the chunked scan were autograd.Functions of the old form, which
    # torch.func refuses ("must override the setup_context staticmethod").
    from torch.func import functional_call, grad, vmap

    torch.manual_seed(0)
    name, options = FUNC_CASES[case]
    block = SSMBlock(d_model=H, ssm=name, d_state=4, ssm_options=options).double()
    params = {k: p.detach() for k, p in block.named_parameters()}
    x = torch.randn(3, 6, H, dtype=torch.float64)
    ys = vmap(lambda seq: functional_call(block, params, (seq[None],)))(x)
    torch.testing.assert_close(ys[:, 0], block(x))

    def loss(p, seq):
        return functional_call(block, p, (seq[None],)).square().sum()

    per_sample = vmap(grad(loss), in_dims=(None, 0))(params, x)
    for i in (0, 2):
        block.zero_grad()
        block(x[i : i + 1]).square().sum().backward()
        for key, p in block.named_parameters():
            torch.testing.assert_close(per_sample[key][i], p.grad)
