"""The one SSM protocol, and generic state handling for SSMs with a dense discrete form.

Every SSM in :mod:`ssm_ts.core` is a :class:`SSM`:

- ``kernel(L, rate=1.0) -> (H, L)``: the convolution kernel (skip term D excluded);
- ``default_state(*batch_shape) -> (*batch_shape, H, N)``: the zero state;
- ``step(u (B, H), state, rate=1.0) -> (y (B, H), new_state)``: one recurrent step;
- ``state_response(state, L, rate)``: the output (B, H, L) that a state alone produces;
- ``final_state(u (B, H, L), state, rate)``: the state after a whole input sequence.

and names its A, B, dt parameters in ``ssm_parameter_names`` for the SSM optimizer group.

``rate`` multiplies the step size ``dt`` (rate = trained sample rate / new sample rate), so a model
trained at one resolution runs at another. Discrete-time SSMs (companion, shift) only accept 1.

The base class implements ``step``, ``state_response`` and ``final_state`` from
``dense_discrete(rate) -> (dA (H, N, N), dB (H, N), C (H, N))`` with Krylov doubling; SSMs with a
cheaper structure (diagonal) override them.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Hashable
from typing import Any, ClassVar

import torch
from torch import Tensor, nn

from ssm_ts.core.parameter_terms import keep_terms
from ssm_ts.errors import ConfigError
from ssm_ts.kernels.krylov import krylov as krylov_columns
from ssm_ts.kernels.matrix_power import matrix_power
from ssm_ts.whole_numbers import is_real_number

_CACHE = "_discretization_cache"  # instance attribute: the ParameterTermsCache of step()'s discretisation


def autocast_on(device_type: str) -> bool:
    """Whether ``torch.autocast`` is on for ``device_type``; False for devices it does not know.

    ``torch.is_autocast_enabled("meta")`` raises, which made every forward of a ``model.to("meta")``
    (shape inference, FLOP counting) a deep RuntimeError about autocast. The availability check is
    skipped while ``torch.compile`` traces, which cannot trace it (and compiles no meta models)."""
    if not torch.compiler.is_compiling() and not torch.amp.is_autocast_available(device_type):
        return False
    return torch.is_autocast_enabled(device_type)


def check_size(owner: str, name: str, value: object, *, even: bool = False) -> None:
    """Raise :class:`ConfigError` unless ``value`` is a positive int (an even one with ``even``)."""
    ok = is_real_number(value) and isinstance(value, numbers.Integral) and value >= (2 if even else 1)
    if not ok or (even and value % 2):
        allowed = "an even integer >= 2" if even else "an integer >= 1"
        raise ConfigError(f"{owner}: {name} must be {allowed}, got {value!r}")


def is_length(L: object) -> bool:
    """An integer >= 0: a Python/NumPy int, or a 0-d integer tensor (``torch.jit.trace`` gives shapes so)."""
    if isinstance(L, Tensor):
        integer = L.dim() == 0 and not (L.is_floating_point() or L.is_complex() or L.dtype == torch.bool)
        return integer and bool(L >= 0)
    return isinstance(L, numbers.Integral) and not isinstance(L, bool) and L >= 0


def check_length(owner: str, L: object) -> None:
    """Raise :class:`ConfigError` unless the kernel length ``L`` is an integer >= 0."""
    if not is_length(L):
        raise ConfigError(f"{owner}.kernel: L must be an integer >= 0, got {L!r}")


def check_dt_range(owner: str, dt_min: object, dt_max: object) -> None:
    """Raise :class:`ConfigError` unless ``0 < dt_min <= dt_max`` are finite numbers."""
    if not all(is_real_number(v) and math.isfinite(v) for v in (dt_min, dt_max)) or not 0 < dt_min <= dt_max:
        raise ConfigError(
            f"{owner}: need finite numbers 0 < dt_min <= dt_max, got dt_min={dt_min!r}, dt_max={dt_max!r}"
        )


_COMPLEX_OF = {
    torch.float16: torch.complex32,
    torch.float32: torch.complex64,
    torch.float64: torch.complex128,
}


def parameter_dtype() -> torch.dtype:
    """The dtype SSMs build their parameters in: torch's default (float64 after
    ``torch.set_default_dtype(torch.float64)``, like the block's norm and linear layers), or float32 when
    the default is a half precision, which the complex kernels cannot use."""
    default = torch.get_default_dtype()
    return default if default in (torch.float32, torch.float64) else torch.float32


def complex_dtype(real: torch.dtype) -> torch.dtype:
    """The complex dtype of the same precision as ``real`` (complex64 for float32)."""
    return _COMPLEX_OF.get(real, real)


def ssm_parameter(value: Tensor, learn: bool) -> nn.Parameter:
    """``value`` as a contiguous Parameter in :func:`parameter_dtype`, frozen unless ``learn``."""
    return nn.Parameter(value.to(parameter_dtype()).contiguous(), requires_grad=learn)


def init_log_dt(H: int, dt_min: float, dt_max: float) -> Tensor:
    """(H,) float64 log step sizes, log-uniform in ``[dt_min, dt_max]`` (S4 and S4D's initialisation)."""
    return torch.rand(H, dtype=torch.float64) * (math.log(dt_max) - math.log(dt_min)) + math.log(dt_min)


def init_readout(H: int, N2: int) -> Tensor:
    """(H, N2) complex128 read-out ``C`` of unit variance (0.5 in each of the real and imaginary parts)."""
    return torch.randn(H, N2, dtype=torch.complex128) * math.sqrt(0.5)


def krylov(dA: Tensor, b: Tensor, L: int) -> Tensor:
    """``[b, dA b, dA^2 b, ...]`` stacked on the last axis: (..., H, N, L), by doubling.

    ``dA``: (H, N, N); ``b``: (..., H, N). log2(L) matrix products instead of L; one opaque op while
    ``torch.compile`` traces (:mod:`ssm_ts.kernels.krylov`), so no graph guards on L.
    """
    return krylov_columns(dA, b, L)


class SSM(nn.Module):
    """Base class of every SSM; see the module docstring for the protocol."""

    d_model: int
    d_state: int
    continuous_time: bool = True
    supports_low_precision: bool = False  # float16/bfloat16 parameters (complex kernels need float32+)
    # Names of the parameters (A, B, dt, ...) that go in the SSM optimizer group (lr <= 1e-3, no weight
    # decay; see ssm_ts.core.optim); names a variant lacks are skipped. Found by name, not by a flag on
    # the Parameter object, which copies, assign-loads and meta-device builds do not keep.
    ssm_parameter_names: ClassVar[tuple[str, ...]] = ()

    def kernel(self, L: int, rate: float = 1.0) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} must implement kernel(L, rate) -> (H, L)")

    def dense_discrete(self, rate: float = 1.0) -> tuple[Tensor, Tensor, Tensor]:
        # Reached by a user's SSM that implements only kernel, default_state and step: say what is missing.
        raise NotImplementedError(
            f"{type(self).__name__} has no dense_discrete(rate) -> (dA (H, N, N), dB (H, N), C (H, N)), from "
            "which the SSM base class derives step, state_response and final_state: implement it, or override "
            "those three (a block's forward(state=...) needs state_response, return_state=True final_state)"
        )

    def check_rate(self, rate: float) -> None:
        """Raise :class:`ConfigError` unless ``rate`` is a finite number > 0 (exactly 1.0 in discrete time).

        Not while ``torch.compile`` traces: with ``dynamic=True`` the rate may be symbolic, and the check
        broke the graph at ``math.isfinite`` (eager calls check it)."""
        if torch.compiler.is_compiling():
            return
        name = type(self).__name__
        if not self.continuous_time:
            if not is_real_number(rate) or rate != 1.0:
                raise ConfigError(
                    f"{name} is a discrete-time SSM with no step size: rate must be 1.0, got {rate!r}"
                )
            return
        # rate <= 0 would give dt <= 0: an all-zero or exponentially growing kernel, silently.
        if not (is_real_number(rate) and math.isfinite(rate) and rate > 0):
            raise ConfigError(
                f"{name}: rate must be a finite number > 0 (trained sample rate / new sample rate), got {rate!r}"
            )

    def state_shape(self) -> tuple[int, ...]:
        """Shape of one sequence's state, without batch dimensions: (H, N) unless overridden."""
        return (self.d_model, self.d_state)

    def __getstate__(self) -> dict[str, Any]:
        # The step cache holds views of the parameters (view_as_complex(C)), which torch.save
        # refuses ("view the same data as different types"); a copy recomputes it anyway.
        state = super().__getstate__()
        state.pop(_CACHE, None)
        return state

    def cached(self, tag: Hashable, compute: Callable[[], Any]) -> Any:
        """``compute()``, memoised while gradients are off and the parameters hold the same values.

        Recurrent generation calls ``step`` once per sample: re-discretising each time would
        dominate. Validity is decided by the parameters' contents (:class:`ParameterTermsCache`):
        version counters miss writes through ``.data`` (EMA weight swaps: Lightning's weight
        averaging, torch_ema's ``copy_to``), which would leave ``step`` on the old weights.
        """
        return keep_terms(self, _CACHE, tag, compute)

    def check_step_shapes(self, u: Tensor, state: Tensor) -> None:
        """Raise :class:`ConfigError` unless ``u`` is (B, H) and ``state`` (B, *state_shape()).

        Shapes only (a few microseconds: ``step`` runs once per sample); blocks check dtypes too.
        Without it a state missing its batch axis was broadcast, and others failed deep in torch."""
        shape = self.state_shape()
        if (
            u.dim() != 2
            or u.shape[1] != self.d_model
            or state.shape[1:] != shape
            or state.shape[0] != u.shape[0]
        ):
            raise ConfigError(
                f"{type(self).__name__}.step: u must be (batch, {self.d_model}) and state (batch, "
                f"{', '.join(map(str, shape))}) as default_state(batch) makes it; got u {tuple(u.shape)}, "
                f"state {tuple(state.shape)}"
            )

    def check_sequence_shapes(self, u: Tensor, state: Tensor | None) -> None:
        """Raise :class:`ConfigError` unless ``u`` is (B, H, L) and ``state`` None or (B, *state_shape()).

        :meth:`final_state`'s inputs, channels before time as :class:`~ssm_ts.core.FFTConv` passes them:
        a (B, L, H) sequence failed deep inside an einsum."""
        shape = self.state_shape()
        if (
            u.dim() != 3
            or u.shape[1] != self.d_model
            or (state is not None and (state.shape[1:] != shape or state.shape[0] != u.shape[0]))
        ):
            found = "None" if state is None else str(tuple(state.shape))
            raise ConfigError(
                f"{type(self).__name__}.final_state: u must be (batch, {self.d_model}, length), channels before "
                f"time, and state None or (batch, {', '.join(map(str, shape))}); got u {tuple(u.shape)}, "
                f"state {found}"
            )

    def check_state_shape(self, state: Tensor) -> None:
        """Raise :class:`ConfigError` unless ``state`` is (*batch, *state_shape()) (:meth:`state_response`'s)."""
        shape = self.state_shape()
        if tuple(state.shape[state.dim() - len(shape) :]) != shape:
            raise ConfigError(
                f"{type(self).__name__}.state_response: state must be (*batch, {', '.join(map(str, shape))}) as "
                f"default_state(*batch) makes it, got {tuple(state.shape)}"
            )

    def state_dtype(self) -> torch.dtype:
        """The dtype of :meth:`default_state`, which ``forward`` and ``step`` take.

        Input checks call it every step: subclasses override it with a cheap rule."""
        return self.default_state(0).dtype

    def default_state(self, *batch_shape: int) -> Tensor:
        """Zero state, (*batch_shape, H, N)."""
        dA, _, _ = self.dense_discrete()
        return torch.zeros(*batch_shape, self.d_model, dA.shape[-1], dtype=dA.dtype, device=dA.device)

    @staticmethod
    def _read_out(C: Tensor, x: Tensor) -> Tensor:
        y = (C * x).sum(-1)
        return y.real if y.is_complex() else y

    def step(self, u: Tensor, state: Tensor, rate: float = 1.0) -> tuple[Tensor, Tensor]:
        """``x <- dA x + dB u``; ``y = C x``. ``u``: (B, H); ``state``: (B, H, N)."""
        self.check_step_shapes(u, state)
        dA, dB, C = self.cached(("dense", rate), lambda: self.dense_discrete(rate))
        state = (dA @ state.unsqueeze(-1)).squeeze(-1) + dB * u.unsqueeze(-1).to(dB.dtype)
        return self._read_out(C, state), state

    def state_response(self, state: Tensor, L: int, rate: float = 1.0) -> Tensor:
        """Zero-input output (B, H, L) of a state: ``y_t = C dA^(t+1) x``."""
        self.check_state_shape(state)
        dA, _, C = self.dense_discrete(rate)
        # The read-out rows C dA^(t+1) (H, N, L) once for the whole batch, as Krylov columns of
        # dA^T: the orbit of each state (B, H, N, L) took 2.6 GB at B=8, H=N=64, L=4096.
        transposed = dA.transpose(-1, -2)
        rows = krylov(transposed, (transposed @ C.unsqueeze(-1)).squeeze(-1), L)  # (H, N, L)
        y = torch.einsum("hnl,...hn->...hl", rows, state.to(rows.dtype))
        return y.real if y.is_complex() else y

    def final_state(self, u: Tensor, state: Tensor | None, rate: float = 1.0) -> Tensor:
        """State after ``u`` (B, H, L): ``dA^L x + sum_s dA^(L-1-s) dB u_s``."""
        self.check_sequence_shapes(u, state)
        dA, dB, _ = self.dense_discrete(rate)
        L = u.shape[-1]
        columns = krylov(dA, dB, L)  # (H, N, L): dA^j dB
        new = torch.einsum("hnl,bhl->bhn", columns, u.flip(-1).to(columns.dtype))
        if state is not None:
            new = new + (matrix_power(dA, L) @ state.unsqueeze(-1)).squeeze(-1)  # compiled: no guard on L
        return new
