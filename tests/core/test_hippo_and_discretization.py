"""HiPPO matrices, the exact NPLR form of LegS, and both discretisations against matrix_exp."""

from __future__ import annotations

import pytest
import torch

from ssm_ts.core.discretization import discretize_dense, discretize_diagonal
from ssm_ts.core.hippo import MEASURES, nplr_legs, transition
from ssm_ts.errors import ConfigError


@pytest.mark.parametrize("N", [2, 16, 64, 128, 256])
def test_nplr_reconstructs_legs_and_is_stable(N):
    nplr = nplr_legs(N)
    A, _ = transition("legs", N)
    assert (nplr.reconstruct() - A).abs().max().item() < 1e-6
    assert (nplr.Lambda.real <= 0).all()
    identity = torch.eye(N, dtype=torch.complex128)
    assert torch.allclose(nplr.V.conj().T @ nplr.V, identity, atol=1e-10)  # unitary


@pytest.mark.parametrize("measure", MEASURES)
def test_every_measure_is_stable(measure):
    A, B = transition(measure, 32)
    assert A.shape == (32, 32) and B.shape == (32,)
    assert torch.linalg.eigvals(A).real.max().item() <= 1e-8


def test_legs_structure():
    A, B = transition("legs", 4)
    assert A[2, 2] == -3 and A[0, 3] == 0 and A[3, 1] == pytest.approx(-((7 * 3) ** 0.5))
    assert B[3] == pytest.approx(7**0.5)
    with pytest.raises(ConfigError, match="unknown HiPPO measure"):
        transition("legx", 4)


def test_dense_zoh_matches_matrix_exp_and_integral():
    torch.manual_seed(0)
    A = transition("legs", 8)[0]
    B = torch.randn(8, dtype=torch.float64)
    dt = torch.tensor(0.05, dtype=torch.float64)
    dA, dB = discretize_dense(A, B, dt, "zoh")
    assert torch.allclose(dA, torch.linalg.matrix_exp(dt * A), atol=1e-12)
    # dB = int_0^dt exp(sA) ds B, by a fine midpoint rule
    s = (torch.arange(4000, dtype=torch.float64) + 0.5) * dt / 4000
    integral = torch.linalg.matrix_exp(s[:, None, None] * A).sum(0) * dt / 4000
    assert torch.allclose(dB, integral @ B, atol=1e-8)


def test_dense_bilinear_is_the_cayley_transform():
    A = transition("legt", 6)[0]
    B = torch.ones(6, dtype=torch.float64)
    dt = torch.tensor(0.01, dtype=torch.float64)
    dA, dB = discretize_dense(A, B, dt, "bilinear")
    eye = torch.eye(6, dtype=torch.float64)
    inverse = torch.linalg.inv(eye - dt / 2 * A)
    assert torch.allclose(dA, inverse @ (eye + dt / 2 * A), atol=1e-12)
    assert torch.allclose(dB, inverse @ (dt * B), atol=1e-12)
    # bilinear agrees with exp(dt A) to second order
    assert (dA - torch.linalg.matrix_exp(dt * A)).abs().max() < 1e-4


@pytest.mark.parametrize("method", ["zoh", "bilinear"])
def test_diagonal_matches_dense_on_a_diagonal_matrix(method):
    torch.manual_seed(0)
    A = torch.complex(-torch.rand(5, dtype=torch.float64) - 0.1, torch.randn(5, dtype=torch.float64))
    B = torch.randn(5, dtype=torch.complex128)
    dt = torch.tensor([0.3], dtype=torch.float64)
    dA, dB = discretize_diagonal(A, B, dt, method)
    dense_A, dense_B = discretize_dense(torch.diag(A), B, dt.to(torch.complex128)[:, None], method)
    assert torch.allclose(dA, torch.diagonal(dense_A), atol=1e-12)
    assert torch.allclose(dB, dense_B, atol=1e-12)
    if method == "zoh":
        assert torch.allclose(dA, torch.diagonal(torch.linalg.matrix_exp(dt * torch.diag(A))), atol=1e-12)


def test_unknown_method_is_config_error():
    with pytest.raises(ConfigError, match="unknown discretisation 'euler'"):
        discretize_diagonal(torch.ones(2), torch.ones(2), torch.ones(1), "euler")
