"""SpaceTime's discrete-time SSMs (Zhang et al. 2023, "Effectively Modeling Time Series with
Simple Discrete State Spaces"): the companion SSM and the shift SSM.

Companion: ``A = S + a e_(N-1)^T`` (S shifts the state down by one; ``a`` is the learned last
column), ``x_t = A x_(t-1) + b u_t``, ``y_t = c x_t``. Its transfer function is a ratio of
polynomials (derived from ``(I - zA) x(z) = b``)::

    K(z) = P_cb(z) + z P_ca(z) beta(z) / (1 - alpha(z)),
    alpha(z) = sum_j a_j z^(N-j),  beta(z) = sum_j b_j z^(N-1-j),  P_xy(z) = sum_d (x * y)[d] z^d

(``*`` is cross-correlation), so the length-L kernel costs a few FFTs of length L with
``c~ = c (I - A^L)`` for the finite length, never L products with A. ``a`` is rescaled so that
``||a||_1 < 1``, which puts every eigenvalue inside the unit disc (Rouché): the SSM is stable.

Shift: ``A = S``, ``b = e_0``: the state holds the last N inputs and ``y = c x`` is an FIR filter.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ssm_ts.core.base import SSM, autocast_on, check_length, check_size
from ssm_ts.errors import ConfigError
from ssm_ts.kernels.matrix_power import matrix_power

STABILITY_MARGIN = 0.999


def _shift_matrix(N: int, device=None, dtype=None) -> Tensor:
    return torch.diag(torch.ones(N - 1, device=device, dtype=dtype), -1)


def _cross_correlation(x: Tensor, y: Tensor) -> Tensor:
    """``r[d] = sum_j x[j + d] y[j]`` for d = 0 .. N-1 over the last axis."""
    N = x.shape[-1]
    spectrum = torch.fft.rfft(x, n=2 * N) * torch.fft.rfft(y, n=2 * N).conj()
    return torch.fft.irfft(spectrum, n=2 * N)[..., :N]


def _evaluate_at_roots(coefficients: Tensor, L: int) -> Tensor:
    """Values of polynomials (..., D) at the L-th roots of unity exp(-2 pi i k / L), k <= L/2.

    Coefficients beyond L fold back (z^L = 1 on the roots), so any degree works for any L.
    """
    D = coefficients.shape[-1]
    if D > L:
        coefficients = F.pad(coefficients, (0, -D % L)).reshape(*coefficients.shape[:-1], -1, L).sum(-2)
    return torch.fft.rfft(coefficients, n=L)


class CompanionSSM(SSM):
    """Learned companion-matrix SSM, one per channel.

    Args:
        d_model: channels H.
        d_state: state size N.
        learn_a: learn the last column (else a = 0: a pure shift with learned b, c).
    """

    continuous_time = False
    ssm_parameter_names = ("a_raw", "b")

    def __init__(self, *, d_model: int, d_state: int = 64, learn_a: bool = True):
        super().__init__()
        check_size("CompanionSSM", "d_model", d_model)
        check_size("CompanionSSM", "d_state", d_state)
        self.d_model, self.d_state = d_model, d_state
        H, N = d_model, d_state
        # A frozen last column is zero (a pure shift), not a frozen random one.
        a = torch.randn(H, N) / N if learn_a else torch.zeros(H, N)
        self.a_raw = nn.Parameter(a, requires_grad=learn_a)
        self.b = nn.Parameter(torch.randn(H, N) / N**0.5)
        self.c = nn.Parameter(torch.randn(H, N) / N**0.5)

    def last_column(self) -> Tensor:
        """``a`` (H, N) with ``||a||_1 <= 0.999``: rescaled only when it would leave the stable set."""
        norm = self.a_raw.abs().sum(-1, keepdim=True)
        return self.a_raw / torch.clamp(norm / STABILITY_MARGIN, min=1.0)

    def state_dtype(self) -> torch.dtype:
        return self.a_raw.dtype

    def dense_discrete(self, rate: float = 1.0) -> tuple[Tensor, Tensor, Tensor]:
        self.check_rate(rate)
        a = self.last_column()
        A = _shift_matrix(self.d_state, a.device, a.dtype).expand(self.d_model, -1, -1).clone()
        A[..., :, -1] = A[..., :, -1] + a
        return A, self.b, self.c

    def kernel(self, L: int, rate: float = 1.0) -> Tensor:
        """Real (H, L) kernel ``c A^l b`` via the transfer function (module docstring)."""
        check_length("CompanionSSM", L)
        if autocast_on(self.a_raw.device.type):
            # bfloat16 matmuls in A^L lost the kernel (wrong by more than its size) near |eigenvalue| = 1
            with torch.autocast(self.a_raw.device.type, enabled=False):
                return self.kernel(L, rate)
        A, b, c = self.dense_discrete(rate)
        if L == 0:  # no roots of unity to evaluate at
            return c.new_zeros(self.d_model, 0)
        a = self.last_column()
        c_tilde = c - (c.unsqueeze(-2) @ matrix_power(A, L)).squeeze(-2)  # compiled: no guard on the exact L
        alpha = F.pad(a.flip(-1), (1, 0))  # sum_j a_j z^(N-j): degrees 1..N
        beta = b.flip(-1)  # sum_j b_j z^(N-1-j)
        p_cb = _cross_correlation(c_tilde, b)
        z_p_ca = F.pad(_cross_correlation(c_tilde, a), (1, 0))
        feedback = _evaluate_at_roots(beta, L) / (1 - _evaluate_at_roots(alpha, L))
        values = _evaluate_at_roots(p_cb, L) + _evaluate_at_roots(z_p_ca, L) * feedback
        return torch.fft.irfft(values, n=L)

    def step(self, u: Tensor, state: Tensor, rate: float = 1.0) -> tuple[Tensor, Tensor]:
        """O(N) update: shift the state, add ``a x_(N-1) + b u``."""
        self.check_step_shapes(u, state)
        self.check_rate(rate)
        a = self.last_column()
        shifted = F.pad(state[..., :-1], (1, 0))
        state = shifted + a * state[..., -1:] + self.b * u.unsqueeze(-1)
        return (self.c * state).sum(-1), state


class ShiftSSM(SSM):
    """Shift SSM: a length-N FIR filter ``c`` written as an SSM (fixed or learned ``c``).

    Args:
        d_model: channels H.
        d_state: filter length N.
        learn_c: learn the taps; ``False`` keeps them fixed (set them with :meth:`set_taps`).
    """

    continuous_time = False

    def __init__(self, *, d_model: int, d_state: int = 64, learn_c: bool = True):
        super().__init__()
        check_size("ShiftSSM", "d_model", d_model)
        check_size("ShiftSSM", "d_state", d_state)
        self.d_model, self.d_state = d_model, d_state
        self.c = nn.Parameter(torch.randn(d_model, d_state) / d_state**0.5, requires_grad=learn_c)

    @torch.no_grad()
    def set_taps(self, taps: Tensor) -> None:
        """Set the filter ``taps`` (H, N) or (N,) (e.g. differencing or moving-average weights)."""
        taps = torch.as_tensor(taps)
        if taps.shape not in ((self.d_state,), (1, self.d_state), tuple(self.c.shape)):
            raise ConfigError(
                f"ShiftSSM.set_taps: taps must be (H, N) = {tuple(self.c.shape)} or (N,) = ({self.d_state},), "
                f"got {tuple(taps.shape)}"
            )
        self.c.copy_(taps.expand_as(self.c))

    def state_dtype(self) -> torch.dtype:
        return self.c.dtype

    def dense_discrete(self, rate: float = 1.0) -> tuple[Tensor, Tensor, Tensor]:
        self.check_rate(rate)
        A = _shift_matrix(self.d_state, self.c.device, self.c.dtype).expand(self.d_model, -1, -1)
        b = F.one_hot(torch.zeros(self.d_model, dtype=torch.long, device=self.c.device), self.d_state)
        return A, b.to(self.c.dtype), self.c

    def kernel(self, L: int, rate: float = 1.0) -> Tensor:
        """(H, L): the taps, truncated or zero-padded to L."""
        check_length("ShiftSSM", L)  # a negative L sliced the taps to the wrong length silently
        self.check_rate(rate)
        return F.pad(self.c, (0, max(0, L - self.d_state)))[..., :L]

    def step(self, u: Tensor, state: Tensor, rate: float = 1.0) -> tuple[Tensor, Tensor]:
        self.check_step_shapes(u, state)
        self.check_rate(rate)
        state = torch.cat([u.unsqueeze(-1), state[..., :-1]], dim=-1)
        return (self.c * state).sum(-1), state
