"""torch.compile traces every SSM block as one graph (no graph break), forward and backward.

The "eager" backend runs Dynamo's tracing without Inductor's code generation (a minute per block on
a CPU): a graph break, or an input check that Dynamo cannot trace, fails here in seconds."""

from __future__ import annotations

import pytest
import torch

from ssm_ts.core import SSMBlock
from tests.core.ssm_cases import SSM_CASES

CASES = {
    **SSM_CASES,
    "scan-s5": ("scan", {"variant": "s5"}),
    "scan-selective": ("scan", {"variant": "selective"}),
}


@pytest.mark.parametrize("case", CASES)
def test_compiled_block_is_one_graph_and_matches_eager(case):
    """The scans broke the graph: their chunk totals are transposed, and Dynamo refuses ``out=``
    into such strided views ('non-contiguous `out=` tensor')."""
    torch._dynamo.reset()
    torch.manual_seed(0)
    name, options = CASES[case]
    block = SSMBlock(d_model=4, ssm=name, d_state=8, ssm_options=options)
    x = torch.randn(2, 33, 4)
    compiled = torch.compile(block, backend="eager", fullgraph=True)
    y = compiled(x)
    y.pow(2).sum().backward()
    compiled_grads = [p.grad.clone() for p in block.parameters()]
    block.zero_grad()
    y_eager = block(x)
    y_eager.pow(2).sum().backward()
    torch.testing.assert_close(y, y_eager)
    for got, want in zip(compiled_grads, [p.grad for p in block.parameters()], strict=True):
        torch.testing.assert_close(got, want)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.filterwarnings("ignore::torch.jit.TracerWarning", "ignore::DeprecationWarning")
def test_jit_trace_of_a_block_matches_eager(case):
    """Under tracing a length is a 0-d tensor, which the kernel length checks refused."""
    name, options = CASES[case]
    block = SSMBlock(d_model=4, ssm=name, d_state=8, ssm_options=options).eval()
    x = torch.randn(2, 33, 4)
    traced = torch.jit.trace(block, x)
    torch.testing.assert_close(traced(x), block(x))


@pytest.mark.parametrize("case", [c for c in CASES if CASES[c][0] not in ("dplr", "s4")])
def test_compiled_with_dynamic_lengths_is_one_graph(case):
    """``dynamic=True`` (one graph for every length): the rate check's ``math.isfinite`` broke the graph of
    every continuous-time SSM. S4's DPLR kernel still breaks once, at its roots of unity (a Python complex
    times a symbolic length); changing that moves its float32 kernel by an ulp, so it is left."""
    torch._dynamo.reset()
    name, options = CASES[case]
    block = SSMBlock(d_model=4, ssm=name, d_state=8, ssm_options=options).eval()
    compiled = torch.compile(block, backend="eager", fullgraph=True, dynamic=True)
    for length in (33, 48):
        x = torch.randn(2, length, 4)
        torch.testing.assert_close(compiled(x), block(x))
