"""SpaceTime's layers (Zhang et al. 2023): fixed preprocessing kernels, the encoder block, and the
closed-loop companion decoder that forecasts by feeding its own predicted inputs back.

Shapes: sequences are ``(batch, length, d_model)``; every one of the ``d_model`` channels has its
own single-input single-output SSM of state size N.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ssm_ts.core import CompanionSSM, FFTConv, ShiftSSM, fft_causal_conv, krylov
from ssm_ts.core.base import autocast_on
from ssm_ts.core.conv import kernel_spectrum
from ssm_ts.core.parameter_terms import ParameterTermsCache


def preprocessing_taps(differences: Sequence[int], moving_averages: Sequence[int]) -> list[Tensor]:
    """FIR taps (newest sample first) of the identity, each differencing order and each moving average."""
    taps = [torch.ones(1)]
    for order in differences:
        kernel = torch.ones(1)
        for _ in range(order):  # (1 - z)^order
            kernel = F.pad(kernel, (0, 1)) - F.pad(kernel, (1, 0))
        taps.append(kernel)
    taps.extend(torch.full((window,), 1.0 / window) for window in moving_averages)
    return taps


class FixedPreprocessing(nn.Module):
    """Applies fixed differencing / moving-average filters as shift-SSM kernels, cycling over channels.

    Channel ``h`` gets filter ``h mod n_filters`` (identity, differences, moving averages): the block
    after it sees the trend and the changes of the series side by side. ``x (B, L, H)`` -> same shape.
    """

    def __init__(self, *, d_model: int, differences: Sequence[int], moving_averages: Sequence[int]):
        super().__init__()
        taps = preprocessing_taps(differences, moving_averages)
        length = max(len(t) for t in taps)
        bank = torch.stack([F.pad(t, (0, length - len(t))) for t in taps])  # (n_filters, length)
        self.shift = ShiftSSM(d_model=d_model, d_state=length, learn_c=False)
        self.shift.set_taps(bank[torch.arange(d_model) % len(taps)])

    def forward(self, x: Tensor) -> Tensor:
        taps = self.shift.kernel(
            self.shift.d_state
        )  # (H, K); short FIR: a direct depthwise conv beats an FFT
        weight = taps.flip(-1).unsqueeze(1)  # (H, 1, K): cross-correlation with the oldest sample first
        if _channels_last_conv(x, taps):
            return _channels_last_fir(x, weight)
        u = F.pad(x.transpose(1, 2), (taps.shape[-1] - 1, 0))
        if u.device.type == "cpu" and u.dtype == torch.float16:
            # torch 2.11's CPU float16 depthwise conv1d never returns at some shapes (--trainer.precision
            # 16-true hung, deaf to Ctrl-C): the same taps in float32, cast back
            y = F.conv1d(u.float(), weight.float(), groups=taps.shape[0]).to(u.dtype)
        else:
            y = F.conv1d(u, weight, groups=taps.shape[0])
        return y.transpose(1, 2)


def _channels_last_conv(x: Tensor, taps: Tensor) -> bool:
    """Whether :func:`_channels_last_fir` applies: on the CPU, in float32 without autocast, with fixed
    taps. There its outputs and input gradients are the padded ``conv1d``'s bit for bit (checked on
    ETTh1 batches, forward and training steps); float64's outputs round otherwise, and the taps'
    gradient (a ``c`` made learnable by hand) was not checked."""
    return (
        x.device.type == "cpu"
        and x.dtype == torch.float32
        and taps.dtype == torch.float32
        and not taps.requires_grad
        and not autocast_on("cpu")
    )


def _channels_last_fir(x: Tensor, weight: Tensor) -> Tensor:
    """Causal depthwise FIR of ``x (B, L, H)`` with ``weight (H, 1, K)`` -> ``(B, L, H)``, read and written
    channel-last: ``x`` as a channels-last ``(B, H, 1, L)`` image (a view, no copy), the convolution's
    own zero padding instead of a padded, transposed copy of ``x``; the output is a view of its
    channels-last result. Half the time of the padded channel-first ``conv1d`` or less, forward and
    backward, at ETTh1's shapes (lookback 336, 16 or 64 channels, 2 threads)."""
    K, L = weight.shape[-1], x.shape[1]
    y = F.conv2d(
        x.transpose(1, 2).unsqueeze(2), weight.unsqueeze(2), padding=(0, K - 1), groups=weight.shape[0]
    )
    return y[..., :L].squeeze(2).transpose(1, 2)  # (B, H, 1, L + K - 1): keep the causal part


class SpaceTimeBlock(nn.Module):
    """Pre-norm residual block: fixed preprocessing -> companion SSM convolution -> MLP.

    ``x (B, L, H)`` -> ``(B, L, H)``.
    """

    def __init__(
        self,
        *,
        d_model: int,
        d_state: int,
        differences: Sequence[int],
        moving_averages: Sequence[int],
        mlp_expand: int,
        dropout: float,
    ):
        super().__init__()
        self.norm_ssm = nn.LayerNorm(d_model)
        self.preprocess = FixedPreprocessing(
            d_model=d_model, differences=differences, moving_averages=moving_averages
        )
        self.ssm = FFTConv(d_model=d_model, ssm=CompanionSSM(d_model=d_model, d_state=d_state))
        self.norm_mlp = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(
            nn.Linear(d_model, mlp_expand * d_model),
            nn.GELU(),
            nn.Dropout(dropout),
            nn.Linear(mlp_expand * d_model, d_model),
        )
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: Tensor) -> Tensor:
        x = x + self.dropout(self.ssm(self.preprocess(self.norm_ssm(x))))
        return x + self.dropout(self.mlp(self.norm_mlp(x)))


def _reversed_channel_major(u_t: Tensor) -> Tensor:
    """``u_t (B, H, L)`` -> contiguous ``(H, B, L)`` with time reversed: ``out[h, b, j] = u_t[b, h, L - 1 - j]``.

    On the CPU one gather (``index_select``) where a flip then a transposing copy read and wrote the
    whole input twice (half the time at ETTh1's shapes); the same values, and a permutation's gradient
    is the same too. Elsewhere the flip and the copy, as before."""
    if u_t.device.type != "cpu":
        return u_t.flip(-1).transpose(0, 1).contiguous()
    reverse = torch.arange(u_t.shape[-1] - 1, -1, -1, device=u_t.device)
    return torch.index_select(u_t.transpose(0, 1), 2, reverse)


class ClosedLoopCompanionDecoder(nn.Module):
    """Companion SSM per channel that forecasts by rolling its own next-input prediction forward.

    Over the lookback (open loop, teacher forced): ``x_t = A x_(t-1) + b u_t``, outputs ``y_t = c x_t``
    (the forecast of step t+1) and ``u^_(t+1) = k x_t`` (the predicted next input). Over the horizon the
    input is the model's own prediction, so ``x_(t+1) = (A + b k^T) x_t`` and the forecast is
    ``y_(L-1+m) = c (A + b k^T)^m x_(L-1)``, m = 0 .. horizon-1.

    Everything is computed with kernels, never state by state: the lookback outputs are causal FFT
    convolutions with ``c A^j b`` and ``k A^j b``; ``x_(L-1)`` contracts the Krylov columns ``A^j b``
    with the reversed input; the horizon rows ``c M^m`` come from a Krylov doubling of ``M^T``
    (log2(horizon) matrix products).
    """

    ssm_parameter_names = ("k",)  # the feedback of the closed loop: in the SSM optimizer group

    def __init__(self, *, d_model: int, d_state: int, horizon: int):
        super().__init__()
        self.horizon = horizon
        self.ssm = CompanionSSM(d_model=d_model, d_state=d_state)
        # k starts at 0: the horizon begins as the free response of A and learns to use its feedback.
        self.k = nn.Parameter(torch.zeros(d_model, d_state))
        self._terms = ParameterTermsCache()

    def closed_loop_matrix(self) -> Tensor:
        """``A + b k^T`` (H, N, N)."""
        A, b, _ = self.ssm.dense_discrete()
        return A + b.unsqueeze(-1) * self.k.unsqueeze(-2)

    def forward(self, u: Tensor, aux: bool = True) -> tuple[Tensor, Tensor | None, Tensor | None]:
        """``u (B, L, H)`` -> ``(horizon (B, horizon, H), lookback_out (B, L, H), next_input (B, L, H))``.

        ``lookback_out[:, t]`` and ``next_input[:, t]`` are the one-step predictions made at step t; they
        feed only the training's auxiliary loss. ``aux=False`` skips them (two FFT convolutions over
        the lookback, a fifth to a third of an evaluation forward) and returns ``None`` for both; the
        horizon is the same, bit for bit.
        """
        # the same for every window: kept between forecasts (no gradients, unchanged weights)
        L = u.shape[1]
        columns_t, kernels, spectra, rows = self._terms.get(
            self, (L, self.horizon), lambda: self._terms_of(L)
        )
        u_t = u.transpose(1, 2)  # (B, H, L)
        lookback_out = next_input = None
        if aux:
            lookback_out = fft_causal_conv(u_t, kernels[0], spectra[0]).transpose(1, 2)
            next_input = fft_causal_conv(u_t, kernels[1], spectra[1]).transpose(1, 2)
        # Channel-batched matrix products (H, B, .): much faster on CPU than the equivalent einsums.
        # Both operands contiguous: the same values bit for bit as the strided views, but CPU bmm of a
        # strided input was up to 10x slower with 2 threads and 1.4x in a training step's f+b.
        reversed_input = _reversed_channel_major(u_t)  # (H, B, L)
        state = torch.bmm(reversed_input, columns_t)  # x_(L-1): (H, B, N)
        horizon = torch.bmm(state, rows).permute(1, 2, 0)  # (B, horizon, H)
        return horizon, lookback_out, next_input

    def _terms_of(self, L: int) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """:meth:`parameter_terms` with the Krylov columns transposed to a contiguous (H, L, N) (copied
        once per cached computation, not per forecast) and the lookback kernels' FFTs (2, H, L + 1)
        after the kernels."""
        columns, kernels, rows = self.parameter_terms(L)
        # each on its own (H, L), as fft_causal_conv took them: the same values, bit for bit
        spectra = torch.stack([kernel_spectrum(k, L) for k in kernels])
        return columns.transpose(1, 2).contiguous(), kernels, spectra, rows

    def parameter_terms(self, L: int) -> tuple[Tensor, Tensor, Tensor]:
        """What :meth:`forward` of a length-``L`` input computes from the parameters alone: the Krylov
        columns ``A^j b`` (H, N, L), the lookback kernels ``c A^j b`` and ``k A^j b`` (2, H, L) and the
        horizon rows ``(c M^m)^T`` (H, N, horizon)."""
        A, b, c = self.ssm.dense_discrete()
        columns = krylov(A, b, L)  # (H, N, L): A^j b
        kernels = torch.einsum("hnl,khn->khl", columns, torch.stack([c, self.k]))  # (2, H, L)
        rows = krylov(self.closed_loop_matrix().transpose(-1, -2), c, self.horizon)  # (c M^m)^T
        return columns, kernels, rows

    def reference_rollout(self, u: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """The same three outputs computed state by state (slow; the specification for tests)."""
        A, b, c = self.ssm.dense_discrete()
        B, L, H = u.shape
        state = torch.zeros(B, H, self.ssm.d_state, dtype=u.dtype, device=u.device)
        outs, nexts = [], []
        for t in range(L):
            state = (A @ state.unsqueeze(-1)).squeeze(-1) + b * u[:, t].unsqueeze(-1)
            outs.append((c * state).sum(-1))
            nexts.append((self.k * state).sum(-1))
        horizon = []
        for _ in range(self.horizon):
            horizon.append((c * state).sum(-1))
            predicted_input = (self.k * state).sum(-1)
            state = (A @ state.unsqueeze(-1)).squeeze(-1) + b * predicted_input.unsqueeze(-1)
        return torch.stack(horizon, 1), torch.stack(outs, 1), torch.stack(nexts, 1)
