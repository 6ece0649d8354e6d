"""One recurrent step of a batch of diagonal (complex) SSMs, the update every diagonal SSM's
``step`` performs during generation:

    x <- dA * x + dB * u          (elementwise over the state axis N)
    y  = 2 Re sum_n C[h, n] x[b, h, n] + D[h] u[b, h]

Shapes: ``state`` complex (B, H, N); ``u`` real (B, H); ``dA``, ``dB``, ``C`` complex (H, N);
``D`` real (H,) or None. Returns ``(y (B, H) real, new_state (B, H, N) complex)``.

Paths:
- :func:`ssm_step_reference`: the definition in complex arithmetic (float64-capable).
- :func:`ssm_step_torch`: the differentiable PyTorch step (addcmul for the update); on the CPU it
  is as fast as the reference; the fused path that matters is the Triton kernel on CUDA.
- Triton (``ssm_ts.kernels.triton.ssm_step``): one kernel reads state, u and the parameters once
  and writes y and the new state; on CUDA this is the whole step. A second kernel gives the
  gradients of every input, so the step can be trained through.
"""

from __future__ import annotations

import torch
from torch import Tensor

from ssm_ts.errors import ConfigError
from ssm_ts.kernels.dispatch import resolve_backend


def check_ssm_step_shapes(
    state: Tensor, u: Tensor, dA: Tensor, dB: Tensor, C: Tensor, D: Tensor | None
) -> None:
    """Raise :class:`ConfigError` naming the argument whose shape does not fit the others."""
    if state.dim() != 3 or not state.is_complex():
        raise ConfigError(
            f"ssm_step: state must be complex (B, H, N), got {tuple(state.shape)} {state.dtype}"
        )
    B, H, N = state.shape
    if tuple(u.shape) != (B, H) or u.is_complex():
        raise ConfigError(f"ssm_step: u must be real (B, H) = {(B, H)}, got {tuple(u.shape)} {u.dtype}")
    for name, t in (("dA", dA), ("dB", dB), ("C", C)):
        if tuple(t.shape) != (H, N):
            raise ConfigError(
                f"ssm_step: {name} must be (H, N) = {(H, N)} like the state, got {tuple(t.shape)}"
            )
    # Real like u: a complex D made y complex on the PyTorch path and lost its imaginary part on Triton's.
    if D is not None and (tuple(D.shape) != (H,) or D.is_complex()):
        raise ConfigError(f"ssm_step: D must be real (H,) = ({H},) or None, got {tuple(D.shape)} {D.dtype}")


def ssm_step_reference(
    state: Tensor, u: Tensor, dA: Tensor, dB: Tensor, C: Tensor, D: Tensor | None = None
) -> tuple[Tensor, Tensor]:
    """Plain definition (see module docstring)."""
    new_state = dA * state + dB * u.unsqueeze(-1)
    y = 2 * (C * new_state).sum(-1).real
    if D is not None:
        y = y + D * u
    return y, new_state


def ssm_step_torch(
    state: Tensor, u: Tensor, dA: Tensor, dB: Tensor, C: Tensor, D: Tensor | None = None
) -> tuple[Tensor, Tensor]:
    """PyTorch path: differentiable; shapes as :func:`ssm_step`."""
    new_state = torch.addcmul(dB * u.unsqueeze(-1), dA, state)
    # One complex product and reduction: splitting into real parts (Cr xr - Ci xi) measured
    # slower on the CPU at generation batch sizes (strided real views, more launches).
    y = 2 * (C * new_state).sum(-1).real
    if D is not None:
        y = y + D * u
    return y, new_state


def ssm_step(
    state: Tensor,
    u: Tensor,
    dA: Tensor,
    dB: Tensor,
    C: Tensor,
    D: Tensor | None = None,
    backend: str = "auto",
) -> tuple[Tensor, Tensor]:
    """x <- dA x + dB u; y = 2 Re(sum_n C x) + D u, for a batch of diagonal SSMs.

    Args:
        state: complex (B, H, N) current state.
        u: real (B, H) input at this step.
        dA, dB, C: complex (H, N) discretised parameters.
        D: real (H,) skip term, or None.
        backend: ``"auto"`` | ``"torch"`` | ``"triton"`` (see :mod:`ssm_ts.kernels.dispatch`).

    Returns:
        ``(y (B, H) real, new_state (B, H, N) complex)``.
    """
    check_ssm_step_shapes(state, u, dA, dB, C, D)
    tensors = [t for t in (state, u, dA, dB, C, D) if t is not None]
    if resolve_backend(backend, *tensors) == "triton":
        from ssm_ts.kernels.triton.ssm_step import ssm_step_triton

        return ssm_step_triton(state, u, dA, dB, C, D)
    return ssm_step_torch(state, u, dA, dB, C, D)
