"""FFTConv keeps its convolution kernel (and the kernel's FFT) between calls made without gradients while
its weights hold the same values: a forecast recomputed the companion SSM's A^L or S4's Cauchy products
for every window. Outputs are the same, bit for bit; any change of the weights recomputes the kernel,
and training computes it afresh on every call."""

from __future__ import annotations

import copy
import io

import pytest
import torch

from ssm_ts.core import SSMBlock
from ssm_ts.core.parameter_terms import ParameterTermsCache

KERNEL_SSMS = {
    "s4": ("dplr", {}),
    "s4d": ("diagonal", {}),
    "companion": ("companion", {}),
    "shift": ("shift", {}),
}


def _block(case: str, *, bidirectional: bool = False) -> tuple[SSMBlock, list[int]]:
    """A small block whose SSMs count their ``kernel`` calls in the returned list."""
    torch.manual_seed(0)
    name, options = KERNEL_SSMS[case]
    block = SSMBlock(d_model=3, ssm=name, d_state=4, ssm_options=options, bidirectional=bidirectional).eval()
    calls: list[int] = []
    for ssm in (block.conv.ssm, block.conv.ssm_backward):
        if ssm is not None:
            original = ssm.kernel

            def counted(L, rate=1.0, _original=original):
                calls.append(L)
                return _original(L, rate)

            ssm.kernel = counted  # an instance attribute: copies keep counting into the same list
    return block, calls


@pytest.mark.parametrize("case", KERNEL_SSMS)
def test_two_calls_without_gradients_compute_the_kernel_once(case):
    block, calls = _block(case)
    fresh = copy.deepcopy(block)
    x1, x2 = torch.randn(2, 12, 3), torch.randn(4, 12, 3)
    with torch.no_grad():
        first, second = block(x1), block(x2)
    assert calls == [12]  # the old code computed it on each call: [12, 12]
    with torch.no_grad():
        assert torch.equal(first, fresh(x1)) and torch.equal(second, fresh(x2))  # a copy starts empty
    assert calls == [12, 12]
    with torch.inference_mode():
        block(x1)
        block(x1)
    assert len(calls) == 3  # inference mode keeps its own


def test_bidirectional_and_other_lengths_or_rates_are_computed_for_themselves():
    block, calls = _block("s4d", bidirectional=True)
    with torch.no_grad():
        block(torch.randn(1, 8, 3))
        block(torch.randn(1, 8, 3))
        assert calls == [8, 8]  # forward and backward SSM, once
        block(torch.randn(1, 9, 3))
        block(torch.randn(1, 9, 3), rate=0.5)
    assert calls == [8, 8, 9, 9, 9, 9]


@pytest.mark.parametrize("case", ["s4", "companion"])
def test_an_optimizer_step_or_load_state_dict_recomputes_the_kernel(case):
    block, calls = _block(case)
    x = torch.randn(2, 10, 3)
    with torch.no_grad():
        before = block(x)
    block.train()
    block(x).square().sum().backward()  # gradients on: computed afresh, with its graph
    torch.optim.SGD(block.parameters(), lr=0.1).step()
    block.eval()
    assert len(calls) == 2
    with torch.no_grad():
        stepped = block(x)
    assert len(calls) == 3 and not torch.equal(stepped, before)
    other, _ = _block(case)
    with torch.no_grad():
        for p in other.conv.ssm.parameters():
            p.add_(0.01)
        block.load_state_dict(other.state_dict())
        loaded = block(x)
        assert len(calls) == 4 and torch.equal(loaded, other(x))
        block.conv.ssm.load_state_dict(_block(case)[0].conv.ssm.state_dict())  # back: recomputed again
        assert torch.equal(block(x), before) and len(calls) == 5


def test_gradients_on_recompute_every_call_and_reach_the_ssm_parameters():
    block, calls = _block("s4d")
    block.train()
    x = torch.randn(2, 10, 3)
    block(x).sum().backward()
    block(x).sum().backward()
    assert calls == [10, 10]
    assert all(p.grad is not None for p in block.conv.ssm.parameters() if p.requires_grad)
    assert block.conv.__dict__["_kernel_cache"]._entry is None  # nothing kept while training


def test_a_block_that_has_run_saves_without_its_kept_kernel():
    torch.manual_seed(0)
    block = SSMBlock(d_model=3, ssm="dplr", d_state=4).eval()
    x = torch.randn(1, 6, 3)
    with torch.no_grad():
        want = block(x)
        buf = io.BytesIO()
        torch.save(block, buf)
        loaded = torch.load(io.BytesIO(buf.getvalue()), weights_only=False)
        assert loaded.conv.__dict__["_kernel_cache"]._entry is None
        assert torch.equal(loaded(x), want)


def test_a_vmapped_ensemble_without_gradients_keeps_nothing():
    # torch.func.stack_module_state + vmap: the parameters are batched wrappers valid inside vmap only
    from torch.func import functional_call, stack_module_state, vmap

    blocks = [_block("s4d")[0].train() for _ in range(2)]  # eval's NaN check cannot run under vmap
    with torch.no_grad():
        blocks[1].conv.D.add_(1.0)
        params, buffers = stack_module_state(blocks)
        x = torch.randn(1, 7, 3)
        ys = vmap(lambda p, b: functional_call(blocks[0], (p, b), (x,)))(params, buffers)
        torch.testing.assert_close(ys[1], blocks[1](x))  # not a kept kernel of the other member
        torch.testing.assert_close(ys[0], blocks[0](x))
        assert blocks[0].conv.__dict__["_kernel_cache"]._entry[2][0].shape == (3, 7)  # a plain kernel


def test_the_step_cache_is_the_same_kind_of_cache():
    block, _ = _block("s4")
    with torch.no_grad():
        block.step(torch.randn(2, 3), block.default_state(2))
    assert isinstance(block.conv.ssm.__dict__["_discretization_cache"], ParameterTermsCache)
