"""FFTConv: an SSM applied as a long convolution, with its skip term D, and SSMBlock."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from ssm_ts.core.base import SSM
from ssm_ts.core.registry import build_ssm
from ssm_ts.errors import ConfigError


def fft_causal_conv(u: Tensor, k: Tensor) -> Tensor:
    """Causal convolution of ``u`` (..., H, L) with ``k`` (H, K) via FFT, output (..., H, L).

    ``K`` is ``L`` (causal) or ``2L`` (bidirectional kernels laid out for circular convolution).
    """
    L = u.shape[-1]
    n = max(2 * L, k.shape[-1])
    y = torch.fft.irfft(torch.fft.rfft(u, n=n) * torch.fft.rfft(k, n=n), n=n)
    return y[..., :L]


def _make_ssm(ssm: str | SSM, d_model: int, d_state: int, ssm_options: dict[str, Any] | None) -> SSM:
    if isinstance(ssm, nn.Module):
        return ssm
    return build_ssm(ssm, d_model=d_model, d_state=d_state, **(ssm_options or {}))


class FFTConv(nn.Module):
    """``y = K * u + D u`` with the kernel ``K`` of an SSM; causal or bidirectional.

    Args:
        d_model: channels H.
        ssm: SSM name for :func:`build_ssm`, or an SSM module.
        d_state: state size N.
        ssm_options: keyword options of the SSM.
        bidirectional: add an anti-causal SSM (no recurrent mode then).
    """

    def __init__(
        self,
        *,
        d_model: int,
        ssm: str | SSM = "diagonal",
        d_state: int = 64,
        ssm_options: dict[str, Any] | None = None,
        bidirectional: bool = False,
    ):
        super().__init__()
        self.d_model, self.bidirectional = d_model, bidirectional
        self.ssm = _make_ssm(ssm, d_model, d_state, ssm_options)
        self.ssm_backward = _make_ssm(ssm, d_model, d_state, ssm_options) if bidirectional else None
        self.D = nn.Parameter(torch.randn(d_model))

    def full_kernel(self, L: int, rate: float = 1.0) -> Tensor:
        """(H, L) causal kernel, or (H, 2L) with the anti-causal half at the end when bidirectional."""
        k = self.ssm.kernel(L, rate)
        if self.ssm_backward is None:
            return k
        k_back = self.ssm_backward.kernel(L, rate)
        # Position 2L - d holds the weight of u[t + d] (d >= 1): circular convolution of length 2L.
        return torch.cat([k, torch.zeros_like(k[..., :1]), k_back[..., : L - 1].flip(-1)], dim=-1)

    def forward(
        self, x: Tensor, state: Tensor | None = None, return_state: bool = False, rate: float = 1.0
    ) -> Tensor | tuple[Tensor, Tensor]:
        """``x`` (B, L, H) -> ``y`` (B, L, H); with ``return_state``, also the state after ``x``.

        ``state`` (from :meth:`default_state`, a previous chunk, or :meth:`step`) continues a sequence.
        """
        if self.bidirectional and (state is not None or return_state):
            raise ConfigError("a bidirectional FFTConv has no recurrent state; use bidirectional=False")
        if hasattr(self.ssm, "forward_sequence"):
            return self._forward_sequence(x, state, return_state, rate)
        u = x.transpose(-1, -2)  # (B, H, L)
        L = u.shape[-1]
        y = fft_causal_conv(u, self.full_kernel(L, rate)) + self.D.unsqueeze(-1) * u
        if state is not None:
            y = y + self.ssm.state_response(state, L, rate)
        y = y.transpose(-1, -2)
        if return_state:
            return y, self.ssm.final_state(u, state, rate)
        return y

    def _forward_sequence(
        self, x: Tensor, state: Tensor | None, return_state: bool, rate: float
    ) -> Tensor | tuple[Tensor, Tensor]:
        """SSMs with no fixed kernel (selective scans) run their own recurrence over ``x`` (B, L, H)."""
        y, new_state = self.ssm.forward_sequence(x, state, rate)
        if self.ssm_backward is not None:
            # Anti-causal half as in full_kernel: position t sees only u[t + 1:].
            y_back = self.ssm_backward.forward_sequence(x.flip(1), None, rate)[0].flip(1)
            y = y + torch.cat([y_back[:, 1:], torch.zeros_like(y_back[:, :1])], dim=1)
        y = y + self.D * x
        return (y, new_state) if return_state else y

    def default_state(self, *batch_shape: int) -> Tensor:
        return self.ssm.default_state(*batch_shape)

    def step(self, x: Tensor, state: Tensor) -> tuple[Tensor, Tensor]:
        """``x`` (B, H) -> ``(y (B, H), new_state)``."""
        if self.bidirectional:
            raise ConfigError("a bidirectional FFTConv cannot run step by step; use bidirectional=False")
        y, state = self.ssm.step(x, state)
        return y + self.D * x, state


NORMS = ("layer", "batch", "none")
OUTPUTS = ("glu", "linear")
ACTIVATIONS = {"gelu": nn.GELU, "silu": nn.SiLU, "relu": nn.ReLU, "tanh": nn.Tanh, "identity": nn.Identity}


class _ChannelBatchNorm(nn.BatchNorm1d):
    """BatchNorm over channels of (..., H) inputs, for both sequences (B, L, H) and steps (B, H)."""

    def forward(self, x: Tensor) -> Tensor:
        if x.dim() == 2:
            return super().forward(x)
        return super().forward(x.transpose(-1, -2)).transpose(-1, -2)


class SSMBlock(nn.Module):
    """Residual SSM block: norm -> SSM convolution -> activation -> output projection/GLU -> dropout -> + x.

    Args:
        d_model: channels H.
        ssm, d_state, ssm_options, bidirectional: see :class:`FFTConv`.
        activation: ``"gelu"`` | ``"silu"`` | ``"relu"`` | ``"tanh"`` | ``"identity"``.
        output: ``"glu"`` (Linear H -> 2H then GLU) or ``"linear"``.
        norm: ``"layer"`` | ``"batch"`` | ``"none"``; ``prenorm`` puts it before the SSM.
        dropout: dropout probability on the block's output.
    """

    def __init__(
        self,
        *,
        d_model: int,
        ssm: str | SSM = "diagonal",
        d_state: int = 64,
        ssm_options: dict[str, Any] | None = None,
        bidirectional: bool = False,
        activation: str = "gelu",
        output: str = "glu",
        norm: str = "layer",
        prenorm: bool = True,
        dropout: float = 0.0,
    ):
        super().__init__()
        if norm not in NORMS:
            raise ConfigError(f"unknown norm {norm!r}; expected one of {NORMS}")
        if output not in OUTPUTS:
            raise ConfigError(f"unknown output {output!r}; expected one of {OUTPUTS}")
        if activation not in ACTIVATIONS:
            raise ConfigError(f"unknown activation {activation!r}; expected one of {sorted(ACTIVATIONS)}")
        self.d_model, self.prenorm = d_model, prenorm
        self.norm = {"layer": lambda: nn.LayerNorm(d_model), "batch": lambda: _ChannelBatchNorm(d_model)}.get(
            norm, nn.Identity
        )()
        self.conv = FFTConv(
            d_model=d_model, ssm=ssm, d_state=d_state, ssm_options=ssm_options, bidirectional=bidirectional
        )
        self.activation = ACTIVATIONS[activation]()
        if output == "glu":
            self.output = nn.Sequential(nn.Linear(d_model, 2 * d_model), nn.GLU(dim=-1))
        else:
            self.output = nn.Linear(d_model, d_model)
        self.dropout = nn.Dropout(dropout)

    def _mix(self, y: Tensor) -> Tensor:
        return self.dropout(self.output(self.activation(y)))

    def forward(
        self,
        x: Tensor,
        state: Tensor | None = None,
        return_state: bool = False,
        rate: float = 1.0,
        mask: Tensor | None = None,
    ) -> Tensor | tuple[Tensor, Tensor]:
        """``x`` (B, L, H) -> (B, L, H) (and the final state with ``return_state``).

        ``mask`` (B, L), 0 at padded steps, zeroes them right before the convolution: the pre-norm
        would map a zero step to its bias, which an anti-causal (bidirectional) kernel carries into
        the real steps. Real steps then see exactly what they would see without padding."""
        z = self.norm(x) if self.prenorm else x
        if mask is not None:
            z = z * mask.unsqueeze(-1).to(z.dtype)
        conv_out = self.conv(z, state=state, return_state=return_state, rate=rate)
        y, new_state = conv_out if return_state else (conv_out, None)
        out = x + self._mix(y)
        if not self.prenorm:
            out = self.norm(out)
        return (out, new_state) if return_state else out

    def default_state(self, *batch_shape: int) -> Tensor:
        return self.conv.default_state(*batch_shape)

    def step(self, x: Tensor, state: Tensor) -> tuple[Tensor, Tensor]:
        """``x`` (B, H) -> ``(y (B, H), new_state)``; agrees with :meth:`forward` in eval mode."""
        z = self.norm(x) if self.prenorm else x
        y, state = self.conv.step(z, state)
        out = x + self._mix(y)
        if not self.prenorm:
            out = self.norm(out)
        return out, state
