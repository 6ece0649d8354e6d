"""Kernel back-end choice where Triton cannot run, and sequences of no steps through the scan SSM.

No kernel runs here: each forced-Triton case must be refused before one is defined or launched.
"""

from __future__ import annotations

import pytest
import torch

from ssm_ts.core import DiagonalScanSSM
from ssm_ts.errors import KernelBackendError
from ssm_ts.kernels import diag_scan, vandermonde

C128 = torch.complex128


def vandermonde_inputs(H: int = 2, N: int = 3) -> tuple[torch.Tensor, torch.Tensor]:
    return torch.randn(H, N, dtype=C128), torch.complex(
        -torch.rand(H, N).double(), torch.randn(H, N).double()
    )


def test_triton_forced_by_the_environment_names_the_variable(monkeypatch):
    """Models call their ops with backend='auto': the fix for SSM_TS_BACKEND=triton on a CPU is the
    variable, which the message ("use backend='torch'") did not name."""
    monkeypatch.delenv("TRITON_INTERPRET", raising=False)
    monkeypatch.setenv("SSM_TS_BACKEND", "triton")
    v, x = vandermonde_inputs()
    with pytest.raises(
        KernelBackendError, match=r"SSM_TS_BACKEND=triton needs CUDA tensors.*unset SSM_TS_BACKEND"
    ):
        vandermonde(v, x, 5)
    monkeypatch.delenv("SSM_TS_BACKEND")
    with pytest.raises(
        KernelBackendError, match=r"backend='triton' needs CUDA tensors.*use backend='torch'.*cpu"
    ):
        vandermonde(v, x, 5, backend="triton")


def test_triton_on_meta_tensors_is_refused_before_the_interpreter_reads_them(monkeypatch):
    """Under TRITON_INTERPRET=1 a forced Triton op on a meta model reached the interpreter's copy
    of the data ("Cannot copy out of meta tensor; no data!"). ('auto' takes the PyTorch path, which
    gives the shapes: tests/core cover model.to("meta").)"""
    monkeypatch.setenv("TRITON_INTERPRET", "1")
    monkeypatch.delenv("SSM_TS_BACKEND", raising=False)
    v, x = (t.to("meta") for t in vandermonde_inputs())
    with pytest.raises(KernelBackendError, match=r"tensors on meta hold none: use backend='torch'"):
        vandermonde(v, x, 5, backend="triton")


def test_triton_inside_torch_func_transforms_is_a_clear_error(monkeypatch):
    """The Triton ops' autograd functions have no torch.func support: the error was torch's own about
    a 'setup_context staticmethod'. 'auto' takes the PyTorch path there (on CUDA too). vmap stands
    for every transform (grad, jacrev: one test, torch's own, decides them all; grad's first call
    costs seconds of set-up)."""
    monkeypatch.setenv("TRITON_INTERPRET", "1")
    monkeypatch.delenv("SSM_TS_BACKEND", raising=False)
    a, b = torch.rand(3, 1, 4, 2).double(), torch.randn(1, 4, 2).double()
    with pytest.raises(
        KernelBackendError, match=r"backend='triton': .*torch\.func transforms.*use backend='torch'"
    ):
        torch.func.vmap(lambda a: diag_scan(a, b, backend="triton"))(a)
    got = torch.func.vmap(lambda a: diag_scan(a, b))(a)
    torch.testing.assert_close(got, torch.stack([diag_scan(a_i, b, backend="torch") for a_i in a]))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="the automatic choice of Triton needs CUDA")
def test_auto_takes_the_pytorch_path_inside_torch_func_transforms_on_cuda(monkeypatch):
    monkeypatch.delenv("SSM_TS_BACKEND", raising=False)
    v, x = (t.cuda() for t in vandermonde_inputs())
    batched = torch.func.vmap(lambda v: vandermonde(v, x, 7))(v.unsqueeze(0).expand(3, -1, -1))
    torch.testing.assert_close(batched, vandermonde(v, x, 7, backend="torch").expand(3, -1, -1))


@pytest.mark.parametrize("variant", ["s5", "lru", "selective"])
def test_scan_ssm_over_no_steps_returns_the_state_it_was_given(variant):
    """forward_sequence(u of length 0) took h[:, -1] of no states: an IndexError."""
    ssm = DiagonalScanSSM(d_model=3, d_state=4, variant=variant)
    u = torch.zeros(2, 0, 3)
    y, final = ssm.forward_sequence(u)
    assert y.shape == (2, 0, 3)
    assert torch.equal(final, ssm.default_state(2))
    state = torch.randn_like(ssm.default_state(2))
    assert torch.equal(ssm.forward_sequence(u, state)[1], state)
