"""DiagonalScanSSM: SSMs run as a diagonal linear recurrence (:func:`ssm_ts.kernels.diag_scan`)
instead of a convolution kernel.

Three variants (``variant=``):

- ``"s5"`` (Smith et al. 2023, "Simplified State Space Layers for Sequence Modeling"): one
  multi-input multi-output diagonal system shared by all H channels, state of P = ``d_state``
  complex modes, ``x_t = exp(dt Lambda) x_{t-1} + B_bar u_t``, ``y_t = Re(C x_t)``, with
  ``B`` (P, H), ``C`` (H, P), Lambda initialised to the HiPPO-LegS eigenvalues, per-mode dt and
  zero-order hold. Time-invariant: the same decay every step.
- ``"lru"`` (Orvieto et al. 2023, "Resurrecting Recurrent Neural Networks"): the same MIMO shape,
  parameterised directly in discrete time, ``lambda = exp(-exp(nu) + i exp(theta))`` on a ring
  ``r_min <= |lambda| <= r_max``, inputs scaled by ``gamma = sqrt(1 - |lambda|^2)``.
- ``"selective"`` (Gu and Dao 2023, Mamba's S6): H independent real diagonal systems of N states
  whose step ``dt_t`` (through a rank ``dt_rank`` projection), input matrix ``B_t`` and read-out
  ``C_t`` are computed from the input ``u_t``: ``h_t = exp(dt_t A) h_{t-1} + dt_t B_t u_t``,
  ``y_t = C_t . h_t``. Only the SSM core; Mamba's convolution and gating belong to a block.

None of these is one fixed (H, L) convolution kernel, so instead of ``kernel(L)`` the layer
offers ``forward_sequence(u (B, L, H), state, rate) -> (y (B, L, H), final_state)``, which
:class:`ssm_ts.core.FFTConv` (and so :class:`ssm_ts.core.SSMBlock`) uses when an SSM has it.
``step`` runs the same recurrence one sample at a time; the skip term D lives in FFTConv.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ssm_ts.core.base import SSM, check_dt_range, check_size, complex_dtype, parameter_dtype
from ssm_ts.core.diagonal import diagonal_init
from ssm_ts.errors import ConfigError
from ssm_ts.kernels import BACKENDS, diag_scan
from ssm_ts.kernels.diag_scan import working_dtype

VARIANTS = ("s5", "lru", "selective")


def _read_out(equation: str, states: Tensor, C_t: Tensor) -> Tensor:
    """The selective read-out ``C_t . h`` of float32 ``states`` (..., H, N) and ``C_t`` (..., N),
    returned in the dtype of ``C_t`` (bfloat16 for a bfloat16 model; autocast's under autocast)."""
    return torch.einsum(equation, states, C_t.to(states.dtype)).to(C_t.dtype)


class DiagonalScanSSM(SSM):
    """Diagonal SSM evaluated by a parallel scan: S5, LRU or Mamba-style selective.

    Args:
        d_model: channels H.
        d_state: S5/LRU: P complex modes shared by all channels; selective: N real states per channel.
        variant: ``"s5"`` | ``"lru"`` | ``"selective"`` (see the module docstring).
        dt_min, dt_max: initial step sizes, log-uniform (S5 and selective).
        r_min, r_max, max_phase: LRU eigenvalue ring and phase range.
        dt_rank: rank of the selective step projection (default ceil(H / 16)).
        backend: kernel back-end for the scan (``"auto"`` | ``"torch"`` | ``"triton"``).
    """

    # each variant has some of these (selective: A_log, dt_bias; s5: Lambda, log_dt, B; lru: nu, theta, B)
    ssm_parameter_names = (
        "A_log", "dt_bias", "Lambda_log_neg_real", "Lambda_imag", "log_dt", "nu_log", "theta_log", "B",
    )  # fmt: skip

    def __init__(
        self,
        *,
        d_model: int,
        d_state: int = 64,
        variant: str = "s5",
        dt_min: float = 1e-3,
        dt_max: float = 1e-1,
        r_min: float = 0.9,
        r_max: float = 0.999,
        max_phase: float = 2 * math.pi,
        dt_rank: int | None = None,
        backend: str = "auto",
    ):
        super().__init__()
        if variant not in VARIANTS:
            raise ConfigError(f"unknown DiagonalScanSSM variant {variant!r}; expected one of {VARIANTS}")
        check_size("DiagonalScanSSM", "d_model", d_model)
        check_size("DiagonalScanSSM", "d_state", d_state)
        if dt_rank is not None:
            check_size("DiagonalScanSSM", "dt_rank", dt_rank)  # 0 would silently mean the default
        if backend not in BACKENDS:
            raise ConfigError(f"DiagonalScanSSM: unknown backend {backend!r}; expected one of {BACKENDS}")
        check_dt_range("DiagonalScanSSM", dt_min, dt_max)
        if not 0 <= r_min < r_max < 1:
            raise ConfigError(
                f"need 0 <= r_min < r_max < 1 for the LRU ring, got r_min={r_min}, r_max={r_max}"
            )
        self.d_model, self.d_state, self.variant, self.backend = d_model, d_state, variant, backend
        self.continuous_time = variant != "lru"
        self.supports_low_precision = variant == "selective"  # real arithmetic only: bfloat16 works
        H, P = d_model, d_state

        def log_uniform(*shape: int) -> Tensor:
            return torch.rand(*shape) * (math.log(dt_max) - math.log(dt_min)) + math.log(dt_min)

        if variant == "selective":
            rank = dt_rank or math.ceil(H / 16)
            # S4D-real init A_n = -(n + 1); dt bias so that softplus(bias) is log-uniform in range.
            self.A_log = nn.Parameter(torch.log(torch.arange(1, P + 1.0)).repeat(H, 1))
            dt = torch.exp(log_uniform(H))
            self.dt_bias = nn.Parameter(dt + torch.log(-torch.expm1(-dt)))
            self.x_proj = nn.Linear(H, rank + 2 * P, bias=False)  # -> (dt low rank, B_t, C_t)
            self.dt_proj = nn.Linear(rank, H, bias=False)
            nn.init.uniform_(self.dt_proj.weight, -(rank**-0.5), rank**-0.5)
            self.dt_rank = rank
            return

        if variant == "s5":
            Lambda, _ = diagonal_init("legs", P)
            self.Lambda_log_neg_real = nn.Parameter(torch.log(-Lambda.real).to(parameter_dtype()))
            self.Lambda_imag = nn.Parameter(Lambda.imag.to(parameter_dtype()))
            self.log_dt = nn.Parameter(log_uniform(P))
        else:
            radius = torch.sqrt(torch.rand(P) * (r_max**2 - r_min**2) + r_min**2)
            self.nu_log = nn.Parameter(torch.log(-torch.log(radius)))
            self.theta_log = nn.Parameter(torch.log(torch.rand(P) * max_phase + 1e-4))
        B = torch.randn(P, H, dtype=complex_dtype(parameter_dtype())) / math.sqrt(H)
        C = torch.randn(H, P, dtype=complex_dtype(parameter_dtype())) / math.sqrt(P)
        self.B = nn.Parameter(torch.view_as_real(B))
        self.C = nn.Parameter(torch.view_as_real(C))

    # --- time-invariant variants (S5, LRU) -------------------------------------------------
    def discrete(self, rate: float = 1.0) -> tuple[Tensor, Tensor, Tensor]:
        """S5/LRU: ``(decay (P,), B_bar (P, H), C (H, P))``, complex."""
        self.check_rate(rate)
        B = torch.view_as_complex(self.B)
        if self.variant == "s5":
            Lambda = torch.complex(-torch.exp(self.Lambda_log_neg_real), self.Lambda_imag)
            dt_Lambda = torch.exp(self.log_dt) * rate * Lambda
            decay = torch.exp(dt_Lambda)
            B_bar = ((decay - 1) / Lambda).unsqueeze(-1) * B  # zero-order hold
        elif self.variant == "lru":
            decay = torch.exp(torch.complex(-torch.exp(self.nu_log), torch.exp(self.theta_log)))
            gamma = torch.sqrt(1 - decay.abs() ** 2)
            B_bar = gamma.unsqueeze(-1) * B
        else:
            raise ConfigError("discrete() is for the time-invariant variants 's5' and 'lru'")
        return decay, B_bar, torch.view_as_complex(self.C)

    # --- selective variant --------------------------------------------------------------------
    def selective_terms(self, u: Tensor, rate: float = 1.0) -> tuple[Tensor, Tensor, Tensor]:
        """From ``u`` (..., H): decay ``exp(dt A)`` (..., H, N), input ``dt B u`` (..., H, N), ``C`` (..., N)."""
        dt_low, B_t, C_t = self.x_proj(u).split([self.dt_rank, self.d_state, self.d_state], dim=-1)
        self.check_rate(rate)
        dt = F.softplus(self.dt_proj(dt_low) + self.dt_bias) * rate  # (..., H)
        A = -torch.exp(self.A_log)  # (H, N)
        decay = torch.exp(dt.unsqueeze(-1) * A)
        drive = (dt * u).unsqueeze(-1) * B_t.unsqueeze(-2)
        return decay, drive, C_t

    # --- protocol -----------------------------------------------------------------------------
    def kernel(self, L: int, rate: float = 1.0) -> Tensor:
        raise ConfigError(
            f"DiagonalScanSSM (variant {self.variant!r}) is not a per-channel convolution kernel; "
            "run it with forward_sequence (FFTConv and SSMBlock do this automatically)"
        )

    def state_shape(self) -> tuple[int, ...]:
        return (self.d_model, self.d_state) if self.variant == "selective" else (self.d_state,)

    def default_state(self, *batch_shape: int) -> Tensor:
        """S5/LRU: complex zeros (*batch_shape, P); selective: real zeros (*batch_shape, H, N).

        In the parameters' precision (complex128 / float64 after ``.double()``), float32 at least:
        see :meth:`state_dtype`."""
        device = (self.A_log if self.variant == "selective" else self.B).device
        return torch.zeros(*batch_shape, *self.state_shape(), dtype=self.state_dtype(), device=device)

    def state_dtype(self) -> torch.dtype:
        """The parameters' precision, float32 for bfloat16/float16 selective parameters.

        The scan computes its states in float32 (:func:`ssm_ts.kernels.diag_scan.working_dtype`); a
        ``step`` that kept a bfloat16 state rounded it at every sample and drifted from the scan (13%
        of the output after 2,000 steps of a bfloat16 model)."""
        if self.variant == "selective":
            return working_dtype(self.A_log.dtype)
        return complex_dtype(self.B.dtype)

    def forward_sequence(
        self, u: Tensor, state: Tensor | None = None, rate: float = 1.0
    ) -> tuple[Tensor, Tensor]:
        """``u`` (B, L, H) real -> ``(y (B, L, H), final state)``; ``state`` as :meth:`default_state`."""
        if u.dim() != 3 or u.shape[-1] != self.d_model:
            raise ConfigError(
                f"DiagonalScanSSM.forward_sequence: u must be (batch, length, {self.d_model}), got {tuple(u.shape)}"
            )
        Bsz, L, H = u.shape
        if self.variant == "selective":
            decay, drive, C_t = self.selective_terms(u, rate)  # (B, L, H, N) x2, (B, L, N)
            D = H * self.d_state  # explicit: reshape(..., -1) is ambiguous for an empty batch
            # The states in the state dtype (float32 for a bfloat16 model), as step keeps them.
            h0 = (self.default_state(Bsz) if state is None else state).reshape(Bsz, D)
            h = diag_scan(decay.reshape(Bsz, L, D), drive.reshape(Bsz, L, D), h0, backend=self.backend)
            h = h.reshape(Bsz, L, H, self.d_state)
            return _read_out("blhn,bln->blh", h, C_t), self._last_state(h, state)
        decay, B_bar, C = self.discrete(rate)
        drive = u.to(B_bar.dtype) @ B_bar.transpose(0, 1)  # (B, L, P)
        h = diag_scan(decay.expand_as(drive), drive, state, backend=self.backend)
        y = (h @ C.transpose(0, 1)).real
        return y, self._last_state(h, state)

    def _last_state(self, h: Tensor, state: Tensor | None) -> Tensor:
        """The state after the states ``h`` (B, L, ...): the last one, or for L = 0 the state given
        (zeros without one); ``h[:, -1]`` was an IndexError there."""
        if h.shape[1]:
            return h[:, -1]
        return self.default_state(h.shape[0]).to(h.dtype) if state is None else state

    def step(self, u: Tensor, state: Tensor, rate: float = 1.0) -> tuple[Tensor, Tensor]:
        """``u`` (B, H) -> ``(y (B, H), new_state)``; the same recurrence as :meth:`forward_sequence`."""
        self.check_step_shapes(u, state)
        if self.variant == "selective":
            decay, drive, C_t = self.selective_terms(u, rate)
            state = decay * state + drive  # in the state's dtype: float32 at least
            return _read_out("bhn,bn->bh", state, C_t), state
        decay, B_bar, C = self.cached(("scan", rate), lambda: self.discrete(rate))
        state = decay * state + u.to(B_bar.dtype) @ B_bar.transpose(0, 1)
        return (state @ C.transpose(0, 1)).real, state
