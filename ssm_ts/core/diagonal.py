"""S4D: the diagonal state space model (Gu et al. 2022, "On the Parameterization and
Initialization of Diagonal State Space Models").

``A`` is diagonal and complex with N/2 modes kept (their conjugates are implied), so every
output is ``2 Re(...)``. The kernel is a Vandermonde product (:func:`ssm_ts.kernels.vandermonde`),
computed in chunks so that (H, N, L) is never materialised.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
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
from ssm_ts.core.discretization import METHODS, discretize_diagonal
from ssm_ts.core.hippo import conjugate_half, nplr_legs
from ssm_ts.core.saved_options import DIAGONAL_SSM_SHAPES, check_options_on_load
from ssm_ts.errors import ConfigError
from ssm_ts.kernels import ssm_step, vandermonde

INITS = ("legs", "lin", "inv")
REAL_TRANSFORMS = ("exp", "softplus", "clip")
_MIN_DECAY = 1e-4


def diagonal_init(init: str, N2: int) -> tuple[Tensor, Tensor]:
    """Initial ``(A (N2,), B (N2,))`` complex128 for S4D-LegS, S4D-Lin or S4D-Inv."""
    n = torch.arange(N2, dtype=torch.float64)
    if init == "legs":
        nplr = nplr_legs(2 * N2)
        keep = conjugate_half(nplr.Lambda)
        return nplr.Lambda[keep], nplr.B[keep]
    if init == "lin":
        A = -0.5 + 1j * math.pi * n
    elif init == "inv":
        A = -0.5 + 1j * (2 * N2) / math.pi * ((2 * N2) / (2 * n + 1) - 1)
    else:
        raise ConfigError(f"unknown S4D init {init!r}; expected one of {INITS}")
    return A.to(torch.complex128), torch.ones(N2, dtype=torch.complex128)


class DiagonalSSM(SSM):
    """S4D layer core: ``H`` independent diagonal SSMs with ``N`` (= 2 x N/2 conjugate) states.

    Args:
        d_model: channels H.
        d_state: state size N (N/2 complex modes are stored).
        init: ``"legs"`` | ``"lin"`` | ``"inv"``.
        dt_min, dt_max: the step size is initialised log-uniformly in this range.
        real_transform: keeps Re(A) < 0: ``"exp"`` | ``"softplus"`` | ``"clip"``.
        discretization: ``"zoh"`` | ``"bilinear"``.
        learn_dt, learn_A, learn_B: freeze parts of the SSM.
    """

    ssm_parameter_names = ("log_dt", "A_real_raw", "A_imag", "B")

    def __init__(
        self,
        *,
        d_model: int,
        d_state: int = 64,
        init: str = "legs",
        dt_min: float = 1e-3,
        dt_max: float = 1e-1,
        real_transform: str = "exp",
        discretization: str = "zoh",
        learn_dt: bool = True,
        learn_A: bool = True,
        learn_B: bool = True,
    ):
        super().__init__()
        check_size("DiagonalSSM", "d_model", d_model)
        check_size("DiagonalSSM", "d_state", d_state, even=True)  # N/2 modes and their conjugates
        if real_transform not in REAL_TRANSFORMS:
            raise ConfigError(f"unknown real_transform {real_transform!r}; expected one of {REAL_TRANSFORMS}")
        if discretization not in METHODS:
            raise ConfigError(f"unknown discretization {discretization!r}; expected one of {METHODS}")
        check_dt_range("DiagonalSSM", dt_min, dt_max)
        self.d_model, self.d_state = d_model, d_state
        self.real_transform, self.discretization = real_transform, discretization
        H, N2 = d_model, d_state // 2

        A, B = diagonal_init(init, N2)
        log_dt = init_log_dt(H, dt_min, dt_max)
        decay = (-A.real).clamp(min=_MIN_DECAY)
        if real_transform == "exp":
            A_real_raw = torch.log(decay)
        elif real_transform == "softplus":
            A_real_raw = decay + torch.log(-torch.expm1(-decay))  # softplus^{-1}
        else:
            A_real_raw = decay
        C = init_readout(H, N2)
        self.log_dt = ssm_parameter(log_dt, learn_dt)
        self.A_real_raw = ssm_parameter(A_real_raw.expand(H, N2).clone(), learn_A)
        self.A_imag = ssm_parameter(A.imag.expand(H, N2).clone(), learn_A)
        self.B = ssm_parameter(torch.view_as_real(B.expand(H, N2).clone()), learn_B)
        self.C = ssm_parameter(torch.view_as_real(C), True)
        check_options_on_load(self, DIAGONAL_SSM_SHAPES)  # loading other options' weights names them

    # --- parameters -----------------------------------------------------------------------
    def continuous_A(self) -> Tensor:
        """Complex (H, N/2) state matrix diagonal with negative real part."""
        if self.real_transform == "exp":
            real = -torch.exp(self.A_real_raw)
        elif self.real_transform == "softplus":
            real = -F.softplus(self.A_real_raw)
        else:
            real = -self.A_real_raw.clamp(min=_MIN_DECAY)
        return torch.complex(real, self.A_imag)

    def dt(self, rate: float = 1.0) -> Tensor:
        """Step sizes (H,)."""
        self.check_rate(rate)
        return torch.exp(self.log_dt) * rate

    def discrete(self, rate: float = 1.0) -> tuple[Tensor, Tensor, Tensor]:
        """``(dA, dB, C)``, each complex (H, N/2)."""
        A = self.continuous_A()
        B = torch.view_as_complex(self.B)
        dA, dB = discretize_diagonal(A, B, self.dt(rate).unsqueeze(-1), self.discretization)
        return dA, dB, torch.view_as_complex(self.C)

    def _log_dA(self, rate: float) -> Tensor:
        if self.discretization == "zoh":
            return self.dt(rate).unsqueeze(-1) * self.continuous_A()
        return torch.log(self.discrete(rate)[0])

    # --- protocol ---------------------------------------------------------------------------
    def kernel(self, L: int, rate: float = 1.0) -> Tensor:
        """Real (H, L): ``K[h, l] = 2 Re sum_n C dB dA^l``."""
        check_length("DiagonalSSM", L)
        _, dB, C = self.discrete(rate)
        return vandermonde(C * dB, self._log_dA(rate), L)

    def state_shape(self) -> tuple[int, ...]:
        return (self.d_model, self.d_state // 2)

    def default_state(self, *batch_shape: int) -> Tensor:
        """Complex zeros (*batch_shape, H, N/2), complex128 when the parameters are float64."""
        return torch.zeros(*batch_shape, *self.state_shape(), dtype=self.state_dtype(), device=self.C.device)

    def state_dtype(self) -> torch.dtype:
        return complex_dtype(self.C.dtype)

    def step(self, u: Tensor, state: Tensor, rate: float = 1.0) -> tuple[Tensor, Tensor]:
        """``u`` (B, H) real, ``state`` (B, H, N/2) complex -> ``(y (B, H), new_state)``."""
        self.check_step_shapes(u, state)
        dA, dB, C = self.cached(("diagonal", rate), lambda: self.discrete(rate))
        return ssm_step(state, u, dA, dB, C)  # fused Triton kernel on CUDA

    def state_response(self, state: Tensor, L: int, rate: float = 1.0) -> Tensor:
        """(B, H, L) output of ``state`` alone: ``2 Re sum_n C dA^(t+1) x``."""
        self.check_state_shape(state)
        dA, _, C = self.discrete(rate)
        batch = state.shape[:-2]
        v = (C * dA * state).reshape(-1, state.shape[-1])
        x = self._log_dA(rate).expand(*batch, -1, -1).reshape(-1, state.shape[-1])
        return vandermonde(v, x, L).reshape(*batch, self.d_model, L)

    def final_state(self, u: Tensor, state: Tensor | None, rate: float = 1.0) -> Tensor:
        """State after ``u`` (B, H, L), chunked so (B, H, N, L) is never built."""
        self.check_sequence_shapes(u, state)
        dA, dB, _ = self.discrete(rate)
        log_dA = self._log_dA(rate)
        L = u.shape[-1]
        c = max(1, int(math.ceil(math.sqrt(L))))
        n_chunks = -(-L // c)
        reversed_u = F.pad(u.flip(-1), (0, n_chunks * c - L)).reshape(*u.shape[:-1], n_chunks, c)
        within = torch.exp(log_dA.unsqueeze(-1) * torch.arange(c, device=u.device))  # (H, N, c)
        starts = torch.exp(log_dA.unsqueeze(-2) * (torch.arange(n_chunks, device=u.device) * c).unsqueeze(-1))
        inner = torch.einsum("bhki,hni->bhkn", reversed_u.to(within.dtype), within)
        new = dB * torch.einsum("bhkn,hkn->bhn", inner, starts)
        if state is not None:
            new = new + torch.exp(log_dA * L) * state
        return new
