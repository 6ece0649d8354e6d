"""Causal down- and up-pooling for multi-scale sequence models (SaShiMi).

``DownPool`` folds ``factor`` consecutive steps into one (a linear map of the stacked features);
``UpPool`` unfolds one step into ``factor`` and shifts the result one coarse step to the right, so
fine output ``t`` only depends on coarse steps built from inputs before ``t``: the pair is causal.
Both run on whole sequences (``forward``) or one fine sample at a time (``step``) with an explicit
buffer state, and the two modes agree exactly.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ssm_ts.errors import ConfigError


class DownPool(nn.Module):
    """``(B, L, d_in) -> (B, L / factor, d_out)``: output ``j`` reads inputs ``j*factor .. j*factor + factor - 1``."""

    def __init__(self, d_in: int, d_out: int, factor: int):
        super().__init__()
        if factor < 1:
            raise ConfigError(f"pooling factor must be >= 1, got {factor}")
        self.d_in, self.d_out, self.factor = d_in, d_out, factor
        self.linear = nn.Linear(d_in * factor, d_out)

    def forward(self, x: Tensor) -> Tensor:
        B, L, H = x.shape
        if L % self.factor:
            raise ConfigError(f"DownPool needs a length divisible by {self.factor}, got {L}")
        return self.linear(x.reshape(B, L // self.factor, self.factor * H))

    def default_state(self, batch: int) -> Tensor:
        """The buffer of the current window, zeros (B, factor, d_in)."""
        weight = self.linear.weight
        return torch.zeros(batch, self.factor, self.d_in, dtype=weight.dtype, device=weight.device)

    def step(self, x: Tensor, buffer: Tensor, t: int) -> Tensor | None:
        """Store ``x`` (B, d_in) of fine step ``t`` in ``buffer`` (in place); emit (B, d_out) when the window is full."""
        phase = t % self.factor
        buffer[:, phase] = x
        if phase != self.factor - 1:
            return None
        return self.linear(buffer.reshape(buffer.shape[0], -1))


class UpPool(nn.Module):
    """``(B, L / factor, d_in) -> (B, L, d_out)``, shifted one coarse step right (causal)."""

    def __init__(self, d_in: int, d_out: int, factor: int):
        super().__init__()
        if factor < 1:
            raise ConfigError(f"pooling factor must be >= 1, got {factor}")
        self.d_in, self.d_out, self.factor = d_in, d_out, factor
        self.linear = nn.Linear(d_in, d_out * factor)

    def forward(self, x: Tensor) -> Tensor:
        B, Lc, _ = x.shape
        y = self.linear(x)
        y = F.pad(y[:, :-1], (0, 0, 1, 0))  # coarse step j feeds fine steps of window j + 1
        return y.reshape(B, Lc * self.factor, self.d_out)

    def default_state(self, batch: int) -> Tensor:
        """The fine outputs of the current window, zeros (B, factor, d_out) (the shifted-in window)."""
        weight = self.linear.weight
        return torch.zeros(batch, self.factor, self.d_out, dtype=weight.dtype, device=weight.device)

    def read(self, buffer: Tensor, t: int) -> Tensor:
        """The output (B, d_out) for fine step ``t``."""
        return buffer[:, t % self.factor]

    def refill(self, coarse: Tensor, buffer: Tensor) -> None:
        """A new coarse output (B, d_in) becomes the next window's fine outputs (written into ``buffer``)."""
        buffer.copy_(self.linear(coarse).reshape(buffer.shape))
