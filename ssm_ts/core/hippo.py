"""HiPPO transition matrices and the normal-plus-low-rank (NPLR) form of HiPPO-LegS.

All matrices are built in float64. Conventions follow the S4 papers (Gu et al. 2020, 2022):
``x'(t) = A x(t) + B u(t)`` projects the input history onto a basis (Legendre, Laguerre, Fourier).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from ssm_ts.errors import ConfigError

MEASURES = ("legs", "legt", "lagt", "fourier")


def transition(measure: str, N: int) -> tuple[Tensor, Tensor]:
    """HiPPO ``(A (N, N), B (N,))`` in float64 for ``measure`` in :data:`MEASURES`."""
    n = torch.arange(N, dtype=torch.float64)
    if measure == "legs":
        r = torch.sqrt(2 * n + 1)
        A = -torch.tril(r[:, None] * r[None, :], diagonal=-1) - torch.diag(n + 1)
        B = r.clone()
    elif measure == "legt":
        # Translated Legendre, halved for the unit-window timescale.
        r = torch.sqrt(2 * n + 1)
        i, j = n[:, None], n[None, :]
        sign = torch.where(i < j, (-1.0) ** (i - j), torch.ones_like(i - j))
        A = -0.5 * r[:, None] * sign * r[None, :]
        B = 0.5 * r
    elif measure == "lagt":
        A = torch.eye(N, dtype=torch.float64) / 2 - torch.tril(torch.ones(N, N, dtype=torch.float64))
        B = torch.ones(N, dtype=torch.float64)
    elif measure == "fourier":
        freqs = torch.arange(N // 2, dtype=torch.float64)
        d = torch.stack([torch.zeros(N // 2, dtype=torch.float64), freqs], dim=-1).reshape(-1)[1:]
        A = torch.pi * (-torch.diag(d, 1) + torch.diag(d, -1))
        B = torch.zeros(N, dtype=torch.float64)
        B[0::2] = 2**0.5
        B[0] = 1.0
        A = A[:N, :N] - B[:, None] * B[None, :]  # rank-one correction for the window's far end
    else:
        raise ConfigError(f"unknown HiPPO measure {measure!r}; expected one of {MEASURES}")
    return A, B


@dataclass(frozen=True)
class NPLR:
    """``A = V (diag(Lambda) - P~ P~^*) V^*`` with ``P~ = V^* P`` and ``B~ = V^* B``; complex128."""

    Lambda: Tensor  # (N,) eigenvalues of the normal part
    P: Tensor  # (N,) low-rank factor in the eigenbasis
    B: Tensor  # (N,) input vector in the eigenbasis
    V: Tensor  # (N, N) unitary eigenvectors

    def reconstruct(self) -> Tensor:
        """The dense ``A`` this decomposition represents (for checking)."""
        inner = torch.diag(self.Lambda) - self.P[:, None] * self.P.conj()[None, :]
        return self.V @ inner @ self.V.conj().T


def nplr_legs(N: int) -> NPLR:
    """NPLR decomposition of HiPPO-LegS, computed exactly in float64.

    LegS satisfies ``A + P P^T = -I/2 + S`` with ``P_n = sqrt(n + 1/2)`` and ``S`` skew-symmetric;
    ``i S`` is Hermitian, so ``eigh`` diagonalises it with a unitary ``V``.
    """
    A, B = transition("legs", N)
    P = torch.sqrt(torch.arange(N, dtype=torch.float64) + 0.5)
    S = A + P[:, None] * P[None, :]
    skew = S + 0.5 * torch.eye(N, dtype=torch.float64)
    mu, V = torch.linalg.eigh(1j * skew.to(torch.complex128))
    Lambda = -0.5 - 1j * mu  # eigenvalues of S = -I/2 + skew, since skew = V (-i mu) V^*
    Vh = V.conj().T
    return NPLR(Lambda=Lambda, P=Vh @ P.to(torch.complex128), B=Vh @ B.to(torch.complex128), V=V)


def conjugate_half(Lambda: Tensor) -> Tensor:
    """Indices of one eigenvalue of each conjugate pair of ``Lambda`` (N,): the N/2 with the largest
    imaginary parts, in descending order. S4 and S4D store these modes and imply their conjugates."""
    return torch.argsort(Lambda.imag, descending=True)[: len(Lambda) // 2]
