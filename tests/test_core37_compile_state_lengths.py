"""torch.compile(dynamic=True) of a dense SSM block continuing a state: one graph for every length.

``forward(state=..., return_state=True)`` of the S4 and companion SSMs (a prompt before stepping)
built its Krylov columns by a doubling loop and ``dA^L`` by ``torch.linalg.matrix_power``: Dynamo
guarded on the exact length and compiled again for each. Both run as ``ssm_ts::`` ops while
compiling; the Krylov op's gradient is checked against autograd through the doubling loop."""

from __future__ import annotations

import pytest
import torch
from torch._dynamo.testing import CompileCounterWithBackend

from ssm_ts.core import SSMBlock
from ssm_ts.kernels.krylov import krylov_doubling, krylov_op


@pytest.mark.parametrize("ssm", ["companion"])  # S4 goes the same way (the SSM base class), 2 s slower
def test_state_continuation_compiled_once_across_lengths(ssm, single_thread):
    torch._dynamo.reset()
    torch.manual_seed(0)
    block = SSMBlock(d_model=2, ssm=ssm, d_state=4).eval()
    backend = CompileCounterWithBackend("aot_eager")
    compiled = torch.compile(block, backend=backend, fullgraph=True, dynamic=True)
    compiles = []
    with torch.no_grad():
        for length in (33, 40):
            x, state = torch.randn(1, length, 2), block.default_state(1) + 0.5
            y, new_state = compiled(x, state=state, return_state=True)
            y_eager, state_eager = block(x, state=state, return_state=True)
            torch.testing.assert_close(y, y_eager)
            torch.testing.assert_close(new_state, state_eager)
            compiles.append(backend.frame_count)
    assert compiles[-1] == compiles[0], f"{ssm}: graphs compiled after each length: {compiles}"


@pytest.mark.parametrize("dtype", [torch.float64, torch.complex128])
@pytest.mark.parametrize("length", [1, 6])
def test_krylov_op_gradients_match_autograd(dtype, length):
    torch.manual_seed(0)
    A = (0.4 * torch.randn(2, 3, 3, dtype=dtype)).requires_grad_()
    b = torch.randn(4, 2, 3, dtype=dtype).requires_grad_()  # a batch axis before (H, N)
    torch.testing.assert_close(krylov_op(A, b, length), krylov_doubling(A, b, length))
    assert torch.autograd.gradcheck(lambda A, b: krylov_op(A, b, length), (A, b))
