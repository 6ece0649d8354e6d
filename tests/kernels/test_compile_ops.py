"""S4's kernel ops under ``torch.compile(dynamic=True)``: the Cauchy product and ``dA^L`` are opaque ops.

Traced inline, the Cauchy product's ``range(0, L, chunk)`` and ``torch.linalg.matrix_power(dA, L)``
made Dynamo guard on the exact length, so every new length recompiled S4."""

from __future__ import annotations

import pytest
import torch
from torch._dynamo.testing import CompileCounterWithBackend
from torch._dynamo.utils import counters

from ssm_ts.kernels import cauchy_reference, cauchy_torch
from ssm_ts.kernels.cauchy import chunked_cauchy_backward_op, chunked_cauchy_op
from ssm_ts.kernels.matrix_power import matrix_power, matrix_power_backward, matrix_power_op

C128 = torch.complex128
LENGTHS = (33, 48, 70)


def compile_counting(fn):
    """``fn`` compiled for every length, with a backend that counts the graphs it is given."""
    torch._dynamo.reset()
    counters.clear()
    backend = CompileCounterWithBackend("aot_eager")  # AOT autograd traces the backward too
    return torch.compile(fn, backend=backend, dynamic=True, fullgraph=True), backend


def assert_values_and_gradients_close(
    got: torch.Tensor, want: torch.Tensor, inputs: list[torch.Tensor]
) -> None:
    """``got`` and ``want`` agree, and so do the gradients of ``|.|.sum()`` with respect to ``inputs``."""
    torch.testing.assert_close(got, want)
    got_grads = torch.autograd.grad(got.abs().sum(), inputs)
    for got_grad, want_grad in zip(got_grads, torch.autograd.grad(want.abs().sum(), inputs), strict=True):
        torch.testing.assert_close(got_grad, want_grad)


def cauchy_inputs(L: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    v = torch.randn(2, 3, 5, dtype=C128, generator=g)
    z = torch.polar(torch.ones(3, L, dtype=torch.float64), torch.rand(3, L, dtype=torch.float64, generator=g))
    poles_real = -torch.rand(3, 5, dtype=torch.float64, generator=g) - 0.1  # off the unit circle
    return v, z, torch.complex(poles_real, torch.randn(3, 5, dtype=torch.float64, generator=g))


def test_compiled_cauchy_is_one_graph_for_every_length():
    compiled, backend = compile_counting(lambda v, z, w: cauchy_torch(v, z, w, chunk=16))
    for length in LENGTHS:
        inputs = [t.requires_grad_() for t in cauchy_inputs(length)]
        assert_values_and_gradients_close(compiled(*inputs), cauchy_reference(*inputs), inputs)
    assert backend.frame_count == 1, f"compiled {backend.frame_count} graphs for lengths {LENGTHS}"
    assert not counters["graph_break"]


def test_compiled_matrix_power_is_one_graph_for_every_exponent():
    compiled, backend = compile_counting(lambda A, x: matrix_power(A, x.shape[-1]))
    A = (0.3 * torch.randn(2, 4, 4, dtype=C128)).requires_grad_()
    for length in LENGTHS:
        got = compiled(A, torch.zeros(length))
        want = torch.linalg.matrix_power(A, length)
        torch.testing.assert_close(got, want)
        grad_out = torch.randn_like(want)
        (got_grad,) = torch.autograd.grad(got, A, grad_out)
        torch.testing.assert_close(got_grad, torch.autograd.grad(want, A, grad_out)[0])
    assert backend.frame_count == 1, f"compiled {backend.frame_count} graphs for lengths {LENGTHS}"


@pytest.mark.parametrize("n", [0, 1, 2, 5, 33, 64])
def test_matrix_power_op_and_its_gradient_match_torch(n):
    """The op's backward (log2(n) products over the bits of n) against autograd through torch's."""
    A = (0.4 * torch.randn(3, 5, 5, dtype=C128)).requires_grad_()
    grad_out = torch.randn(3, 5, 5, dtype=C128)
    got = matrix_power_op(A, n)
    want = torch.linalg.matrix_power(A, n)
    assert torch.equal(got, want)
    (got_grad,) = torch.autograd.grad(got, A, grad_out, allow_unused=True, materialize_grads=True)
    want_grad = torch.autograd.grad(want, A, grad_out)[0] if n else torch.zeros_like(A)
    torch.testing.assert_close(got_grad, want_grad)


@pytest.mark.parametrize("n", [0, 1, 5])
def test_matrix_power_ops_pass_opcheck(n):
    """The ops' registered shapes (their fakes), schemas and autograd agree with what they compute."""
    A = torch.randn(2, 4, 4, dtype=torch.complex64, requires_grad=True)
    torch.library.opcheck(matrix_power_op, (A, n))
    torch.library.opcheck(matrix_power_backward, (A.detach(), n, torch.randn_like(A)))


@pytest.mark.parametrize("need_grad_z", [False, True])
def test_cauchy_ops_pass_opcheck(need_grad_z):
    v, z, w = cauchy_inputs(11)
    torch.library.opcheck(chunked_cauchy_op, (v, z, w, 4))
    grad_out = torch.randn(2, 3, 11, dtype=C128)
    torch.library.opcheck(chunked_cauchy_backward_op, (grad_out, v, z, w, 4, need_grad_z))
