"""The PyTorch diag_scan under ``torch.compile(dynamic=True)``: one graph for every length.

The chunked scan's Python loops run T ~ sqrt(L) and L / T times; traced inline, Dynamo unrolled them
and guarded on ceil(sqrt(L)), so every new length recompiled. As the opaque op
``ssm_ts::chunked_scan`` it is one graph node whatever the length."""

from __future__ import annotations

import pytest
import torch
from torch._dynamo.utils import counters

from ssm_ts.kernels import diag_scan_reference, diag_scan_torch
from ssm_ts.kernels.diag_scan import chunked_scan_op
from tests.kernels.test_compile_ops import LENGTHS, assert_values_and_gradients_close, compile_counting
from tests.kernels.test_diag_scan import scan_inputs


@pytest.mark.parametrize("complex_values", [False, True])
def test_compiled_scan_is_one_graph_for_every_length(complex_values):
    compiled, backend = compile_counting(diag_scan_torch)
    for length in LENGTHS:
        inputs = [t.requires_grad_() for t in scan_inputs(2, length, 3, complex_values, complex_values)]
        assert_values_and_gradients_close(compiled(*inputs), diag_scan_reference(*inputs), inputs)
    assert backend.frame_count == 1, f"compiled {backend.frame_count} graphs for lengths {LENGTHS}"
    assert not counters["graph_break"]


@pytest.mark.parametrize("complex_values", [False, True])
@pytest.mark.parametrize("with_h0", [False, True])
def test_chunked_scan_op_passes_opcheck(complex_values, with_h0):
    """The op's registered output shape (its fake) and schema agree with what it computes."""
    a, b, h0 = scan_inputs(2, 11, 3, complex_values, complex_values)
    torch.library.opcheck(chunked_scan_op, (a, b.to(a.dtype), h0.to(a.dtype) if with_h0 else None, None))
    torch.library.opcheck(chunked_scan_op, (a, b.to(a.dtype), None, 4))
