"""Zero-order hold and bilinear discretisation of ``x' = A x + B u`` with step ``dt``.

Diagonal forms work elementwise on ``A`` of shape (..., N); dense forms on ``A`` of shape
(..., N, N). Both return ``(dA, dB)`` with the shapes of ``A`` and ``B``.
"""

from __future__ import annotations

import torch
from torch import Tensor

from ssm_ts.errors import ConfigError

METHODS = ("zoh", "bilinear")


def _check(method: str) -> None:
    if method not in METHODS:
        raise ConfigError(f"unknown discretisation {method!r}; expected one of {METHODS}")


def discretize_diagonal(A: Tensor, B: Tensor, dt: Tensor, method: str = "zoh") -> tuple[Tensor, Tensor]:
    """Diagonal ``A`` (..., N), ``B`` (..., N), ``dt`` broadcastable to (..., 1)."""
    _check(method)
    dtA = dt * A
    if method == "zoh":
        dA = torch.exp(dtA)
        return dA, (dA - 1) / A * B
    denom = 1 - dtA / 2
    return (1 + dtA / 2) / denom, dt * B / denom


def discretize_dense(A: Tensor, B: Tensor, dt: Tensor, method: str = "zoh") -> tuple[Tensor, Tensor]:
    """Dense ``A`` (..., N, N), ``B`` (..., N), ``dt`` broadcastable to (..., 1, 1)."""
    _check(method)
    N = A.shape[-1]
    eye = torch.eye(N, dtype=A.dtype, device=A.device)
    if method == "zoh":
        # exp([[A, B], [0, 0]] dt) = [[dA, dB], [0, 1]]
        top = torch.cat([A, B.unsqueeze(-1)], dim=-1)
        block = torch.cat([top, torch.zeros_like(top[..., :1, :])], dim=-2)
        expm = torch.linalg.matrix_exp(dt * block)
        return expm[..., :N, :N], expm[..., :N, N]
    left = eye - dt / 2 * A
    dA = torch.linalg.solve(left, eye + dt / 2 * A)
    dB = torch.linalg.solve(left, dt * B.unsqueeze(-1)).squeeze(-1)
    return dA, dB
