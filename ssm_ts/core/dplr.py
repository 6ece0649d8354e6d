"""S4: the diagonal-plus-low-rank (DPLR) state space model with HiPPO-LegS initialisation
(Gu et al. 2022, "Efficiently Modeling Long Sequences with Structured State Spaces").

The state matrix is ``A = diag(Lambda) - P P^*`` on N complex states made of N/2 stored modes and
their conjugates (so the system is real). With the bilinear discretisation, the length-L kernel's
generating function at the L-th roots of unity ``w`` is

    K^(w) = 2/(1+w) * [k_CB - k_CP k_PB / (1 + k_PP)],   k_XY = sum_n dt X~_n Y_n / (g(w) - dt Lambda_n)

with ``g(w) = 2 (1-w)/(1+w)``, a Cauchy product (:func:`ssm_ts.kernels.cauchy`) plus a Woodbury
correction, and ``C~ = C (I - dA^L)`` accounting for the finite length. Because C~ is built from
the plain C for every L, ``kernel(L)`` and ``step`` describe the same system exactly; ``step`` uses
the dense N x N discrete matrix (the eigen-diagonalised step is numerically wrong at N = 64).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from ssm_ts.core.base import (
    SSM,
    check_dt_range,
    check_length,
    check_size,
    complex_dtype,
    init_log_dt,
    init_readout,
    ssm_parameter,
)
from ssm_ts.core.discretization import discretize_dense
from ssm_ts.core.hippo import conjugate_half, nplr_legs
from ssm_ts.core.saved_options import DPLR_SSM_SHAPES, check_options_on_load
from ssm_ts.kernels import cauchy
from ssm_ts.kernels.matrix_power import matrix_power

# A module constant: Dynamo cannot fold the Python complex product ``-2j * math.pi`` written inline
# (it broke the graph of every compiled S4 kernel); the same constant keeps the kernel bit-identical.
MINUS_TWO_PI_I = -2j * math.pi


def _with_conjugates(x: Tensor) -> Tensor:
    """(..., N/2) stored modes -> (..., N) modes followed by their conjugates."""
    return torch.cat([x, x.conj()], dim=-1)


class DPLRSSM(SSM):
    """S4 layer core: ``H`` DPLR SSMs sharing a HiPPO-LegS initialisation, each with its own dt and C.

    Args:
        d_model: channels H.
        d_state: state size N (N/2 conjugate pairs stored).
        dt_min, dt_max: step size initialised log-uniformly in this range.
        learn_dt, learn_A, learn_B: freeze parts of the SSM.
    """

    ssm_parameter_names = ("log_dt", "log_neg_real", "Lambda_imag", "P", "B")

    def __init__(
        self,
        *,
        d_model: int,
        d_state: int = 64,
        dt_min: float = 1e-3,
        dt_max: float = 1e-1,
        learn_dt: bool = True,
        learn_A: bool = True,
        learn_B: bool = True,
    ):
        super().__init__()
        check_size("DPLRSSM", "d_model", d_model)
        check_size("DPLRSSM", "d_state", d_state, even=True)  # N/2 modes and their conjugates
        check_dt_range("DPLRSSM", dt_min, dt_max)
        self.d_model, self.d_state = d_model, d_state
        H, N2 = d_model, d_state // 2
        nplr = nplr_legs(d_state)
        keep = conjugate_half(nplr.Lambda)
        Lambda, P, B = nplr.Lambda[keep], nplr.P[keep], nplr.B[keep]
        log_dt = init_log_dt(H, dt_min, dt_max)
        C = init_readout(H, N2)
        self.log_dt = ssm_parameter(log_dt, learn_dt)
        self.log_neg_real = ssm_parameter(torch.log(-Lambda.real).expand(H, N2).clone(), learn_A)
        self.Lambda_imag = ssm_parameter(Lambda.imag.expand(H, N2).clone(), learn_A)
        self.P = ssm_parameter(torch.view_as_real(P.expand(H, N2).clone()), learn_A)
        self.B = ssm_parameter(torch.view_as_real(B.expand(H, N2).clone()), learn_B)
        self.C = ssm_parameter(torch.view_as_real(C), True)
        check_options_on_load(self, DPLR_SSM_SHAPES)  # loading other options' weights names them

    # --- parameters -------------------------------------------------------------------------
    def dt(self, rate: float = 1.0) -> Tensor:
        """Step sizes (H,)."""
        self.check_rate(rate)
        return torch.exp(self.log_dt) * rate

    def modes(self) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """Full-size complex ``(Lambda, P, B, C)``, each (H, N), conjugates included."""
        Lambda = torch.complex(-torch.exp(self.log_neg_real), self.Lambda_imag)
        parts = (Lambda, *(torch.view_as_complex(t) for t in (self.P, self.B, self.C)))
        return tuple(_with_conjugates(x) for x in parts)

    def state_dtype(self) -> torch.dtype:
        return complex_dtype(self.log_dt.dtype)  # dense_discrete's dA: complex in the parameters' precision

    def dense_discrete(self, rate: float = 1.0) -> tuple[Tensor, Tensor, Tensor]:
        """Bilinear ``(dA (H, N, N), dB (H, N), C (H, N))`` of ``A = diag(Lambda) - P P^*``."""
        Lambda, P, B, C = self.modes()
        A = torch.diag_embed(Lambda) - P.unsqueeze(-1) * P.conj().unsqueeze(-2)
        dA, dB = discretize_dense(A, B, self.dt(rate)[:, None, None], "bilinear")
        return dA, dB, C

    # --- protocol -------------------------------------------------------------------------------
    def kernel(self, L: int, rate: float = 1.0) -> Tensor:
        """Real (H, L) kernel from Cauchy products at the roots of unity (see module docstring)."""
        check_length("DPLRSSM", L)
        if L == 0:  # no roots of unity to evaluate at
            return self.log_dt.new_zeros(self.d_model, 0)
        Lambda, P, B, C = self.modes()
        dA, _, _ = self.dense_discrete(rate)
        dA_L = matrix_power(dA, L)  # under torch.compile an op: no guard on the exact L
        C_tilde = C - (C.unsqueeze(-2) @ dA_L).squeeze(-2)  # C (I - dA^L)
        dt = self.dt(rate).unsqueeze(-1)
        n_freq = L // 2 + 1  # the kernel is real: half the spectrum suffices
        # Frequencies in the parameters' precision: an integer arange times a Python complex is
        # complex64, which limited float64 kernels to ~1e-7.
        frequencies = torch.arange(n_freq, device=dt.device, dtype=dt.dtype)
        omega = torch.exp(MINUS_TWO_PI_I * frequencies / L).to(C.dtype)
        g = 2 * (1 - omega) / (1 + omega)  # (F,)
        # Rows: (C~, P*) on the left, (B, P) on the right: the four Cauchy products at once.
        left = torch.stack([C_tilde, P.conj()], dim=0)  # (2, H, N)
        right = torch.stack([B, P], dim=0)  # (2, H, N)
        v = dt * left.unsqueeze(1) * right.unsqueeze(0)  # (2, 2, H, N)
        r = cauchy(v, g.expand(*v.shape[:-1], -1), (dt * Lambda).expand_as(v))  # (2, 2, H, F)
        k_f = r[0, 0] - r[0, 1] * r[1, 0] / (1 + r[1, 1])
        k_f = k_f * 2 / (1 + omega)
        return torch.fft.irfft(k_f, n=L)
