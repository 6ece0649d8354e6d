"""torch.compile(dynamic=True) of an S4D layer: one graph for every sequence length.

The Vandermonde kernel was built in chunks of c ~ sqrt(L) and sliced back to L; where c divided L
(36, 49, 4096) the slice was the whole padded kernel, contiguous, elsewhere a strided view, so AOT
autograd guarded on which and compiled the layer again at the first such length."""

from __future__ import annotations

import torch
from torch._dynamo.testing import CompileCounterWithBackend

from ssm_ts.core import FFTConv


def test_s4d_compiled_once_across_lengths_that_fill_the_chunks(single_thread):
    torch._dynamo.reset()
    torch.manual_seed(0)
    conv = FFTConv(d_model=2, ssm="s4d", d_state=4).eval()
    backend = CompileCounterWithBackend("aot_eager")
    compiled = torch.compile(conv, backend=backend, fullgraph=True, dynamic=True)
    compiles = []
    with torch.no_grad():
        for length in (33, 36):  # chunks of 6: 36 fills them exactly, 33 does not
            x = torch.randn(1, length, 2)
            torch.testing.assert_close(compiled(x), conv(x))
            compiles.append(backend.frame_count)
    assert compiles == [1, 1], f"graphs compiled after each length: {compiles}"
