"""torch.compile traces every SSM block as one graph (no graph break), forward and backward.

The "eager" backend runs Dynamo's tracing without Inductor's code generation (a minute per block on
a CPU): a graph break, or an input check that Dynamo cannot trace, fails here in seconds."""

from __future__ import annotations

import pytest
import torch
from torch._dynamo.testing import CompileCounterWithBackend
from torch._dynamo.utils import counters

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


@pytest.mark.parametrize("case", CASES)
def test_compiled_with_dynamic_lengths_is_one_graph(case):
    """``dynamic=True``: one graph, compiled once, for every length, forward and backward.

    The rate check's ``math.isfinite`` broke the graph of every continuous-time SSM; S4's roots of unity
    (``-2j * math.pi`` inline) broke its graph; the scans' sqrt(L) loops, S4's Cauchy chunks and its
    ``matrix_power(dA, L)`` made Dynamo guard on the exact length, so each new length recompiled."""
    torch._dynamo.reset()
    counters.clear()
    torch.manual_seed(0)
    name, options = CASES[case]
    block = SSMBlock(d_model=4, ssm=name, d_state=8, ssm_options=options)
    backend = CompileCounterWithBackend("aot_eager")  # AOT autograd traces the backward too
    compiled = torch.compile(block, backend=backend, fullgraph=True, dynamic=True)
    compiles = []
    for length in (33, 48, 70):
        x = torch.randn(2, length, 4)
        y = compiled(x)
        compiles.append(backend.frame_count)
        grads = torch.autograd.grad(y.pow(2).sum(), list(block.parameters()))
        y_eager = block(x)
        torch.testing.assert_close(y, y_eager)
        eager_grads = torch.autograd.grad(y_eager.pow(2).sum(), list(block.parameters()))
        for got, want in zip(grads, eager_grads, strict=True):
            torch.testing.assert_close(got, want)
    # The first call may compile an extra empty frame around the block's; no later length compiles.
    assert compiles[-1] == compiles[0], f"{case}: graphs compiled after each length: {compiles}"
    assert not counters["graph_break"]
