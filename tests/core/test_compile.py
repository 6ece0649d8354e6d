"""torch.compile traces every SSM block as one graph (no graph break), forward and backward.

The "aot_eager" backend runs Dynamo's tracing and AOT autograd's (forward and backward) without
Inductor's code generation (a minute per block on a CPU): a graph break, or an input check that
Dynamo cannot trace, fails here in seconds. One compiled block per SSM serves both compile tests, as
``torch.compile``'s default serves users: static shapes at the first length, then one recompile with
the length symbolic when a second length comes, then no more."""

from __future__ import annotations

from dataclasses import dataclass, field

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


LENGTHS = (33, 48, 70)  # static at 33; 48 recompiles with a symbolic length; 70 must not recompile


@dataclass
class CompiledRun:
    """A block compiled with ``torch.compile``'s default (static first) run at each of ``LENGTHS``:
    compiled and eager outputs and parameter gradients, and the frames compiled after each length."""

    outputs: list[tuple[torch.Tensor, torch.Tensor]] = field(default_factory=list)
    grads: list[tuple[tuple[torch.Tensor, ...], tuple[torch.Tensor, ...]]] = field(default_factory=list)
    frames: list[int] = field(default_factory=list)
    graph_breaks: dict = field(default_factory=dict)


@pytest.fixture(scope="module", params=list(CASES))
def compiled_run(request) -> CompiledRun:
    """Compiling dominates (Dynamo and AOT tracing, several seconds a block): once per SSM, read by
    both compile tests."""
    torch._dynamo.reset()
    counters.clear()
    torch.manual_seed(0)
    name, options = CASES[request.param]
    block = SSMBlock(d_model=4, ssm=name, d_state=8, ssm_options=options)
    backend = CompileCounterWithBackend("aot_eager")  # AOT autograd traces the backward too
    compiled = torch.compile(block, backend=backend, fullgraph=True)  # dynamic=None: static first
    run = CompiledRun()
    for length in LENGTHS:
        x = torch.randn(2, length, 4)
        y = compiled(x)
        run.frames.append(backend.frame_count)
        y_eager = block(x)
        run.outputs.append((y, y_eager))
        run.grads.append(
            tuple(torch.autograd.grad(out.pow(2).sum(), list(block.parameters())) for out in (y, y_eager))
        )
    run.graph_breaks = dict(counters["graph_break"])
    return run


def _assert_matches_eager(run: CompiledRun, index: int) -> None:
    torch.testing.assert_close(*run.outputs[index])
    for got, want in zip(*run.grads[index], strict=True):
        torch.testing.assert_close(got, want)


def test_compiled_block_is_one_graph_and_matches_eager(compiled_run):
    """The scans broke the graph: their chunk totals are transposed, and Dynamo refuses ``out=``
    into such strided views ('non-contiguous `out=` tensor'). ``fullgraph=True`` makes a graph break
    an error; the first length is compiled with static shapes (the second recompiles), as users'
    default ``torch.compile`` does."""
    assert compiled_run.frames[1] > compiled_run.frames[0], "the first length was not compiled static"
    _assert_matches_eager(compiled_run, 0)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.filterwarnings("ignore::torch.jit.TracerWarning", "ignore::DeprecationWarning")
def test_jit_trace_of_a_block_matches_eager(case):
    """Under tracing a length is a 0-d tensor, which the kernel length checks refused."""
    name, options = CASES[case]
    block = SSMBlock(d_model=4, ssm=name, d_state=8, ssm_options=options).eval()
    x = torch.randn(2, 33, 4)
    traced = torch.jit.trace(block, x)
    torch.testing.assert_close(traced(x), block(x))


def test_compiled_with_dynamic_lengths_is_one_graph(compiled_run):
    """After the static first length, one graph with a symbolic length, compiled once, for every
    later length, forward and backward.

    The rate check's ``math.isfinite`` broke the graph of every continuous-time SSM; S4's roots of unity
    (``-2j * math.pi`` inline) broke its graph; the scans' sqrt(L) loops, S4's Cauchy chunks and its
    ``matrix_power(dA, L)`` made Dynamo guard on the exact length, so each new length recompiled."""
    for index in range(1, len(LENGTHS)):
        _assert_matches_eager(compiled_run, index)
    frames = compiled_run.frames
    assert frames[-1] == frames[1], f"graphs compiled after each length {LENGTHS}: {frames}"
    assert not compiled_run.graph_breaks
