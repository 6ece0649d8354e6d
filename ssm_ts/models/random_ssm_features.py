"""Random SSM convolution features: a ROCKET-style transform whose kernels are fixed, random S4D kernels.

ROCKET (Dempster et al. 2020) convolves every series with thousands of random kernels and keeps two
numbers per kernel: the proportion of positive values (PPV) and the maximum; a ridge classifier on
those features is strong on small archives because nothing in the transform is trained. Here every
kernel is the impulse response of a small diagonal SSM from :class:`ssm_ts.core.DiagonalSSM`
(S4D-Lin modes ``A = -1/2 + i w``) with a random step ``dt`` (log-uniform, so memory timescales
span 2 samples to the training length), random mode frequencies (by default at most 2 oscillations
per memory timescale, so long kernels are smooth: in cross-validation within TRAIN this beat
frequencies up to Nyquist clearly on ArrowHead, 0.92 vs 0.84) and random complex ``C`` (amplitudes
and phases). Each kernel reads a random signed mix of a few channels, of the series
or of its first difference, forwards or backwards in time; its threshold (bias) is a random quantile
of its own response to a random training recording, so PPV is informative whatever the kernel's gain.

``shift_fraction`` turns that share of the kernels into shift SSMs (:class:`ssm_ts.core.ShiftSSM`,
SpaceTime's FIR filters written as SSMs) drawn as ROCKET draws its kernels: short dilated filters of
zero-mean normal taps read forwards from the channels as they are, with a bias ``U(-1, 1)``, half of
them pooled only where the filter lies wholly inside the recording. Which share is best depends on
the problem (cross-validation within TRAIN: all shift kernels on GunPoint, half on ItalyPowerDemand,
none on ArrowHead), so it is a hyperparameter to choose by cross-validation.

Recordings of unequal length are zero-padded at the end; padded steps are left out of every feature
(a backward kernel reads each recording reversed within its own length), so the features of a
recording do not depend on what it was batched with.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from ssm_ts.core import DiagonalSSM, ShiftSSM, fft_causal_conv
from ssm_ts.errors import ConfigError

POOLINGS = ("ppv", "max", "mpv", "mipv")
SHIFT_TAPS = (7, 9, 11)  # taps of a shift-SSM kernel, as ROCKET's kernel lengths
_S4D_LIN_DECAY = 0.5  # Re(A) of S4D-Lin: the memory timescale of a mode is 1 / (0.5 dt) steps
_RESPONSE_BUDGET = 2**24  # floats in one (batch, chunk, length) response block (64 MiB)


@dataclass
class RandomSSMKernels:
    """The drawn kernels, as plain arrays (they pickle and move between machines as they are).

    Attributes:
        log_dt: ``(K,)`` log step of each kernel's SSM.
        freq: ``(K, M)`` imaginary parts of the ``M`` modes' ``A`` (continuous time).
        C: ``(K, M)`` complex read-out of each mode.
        channel_weights: ``(K, channels)`` signed channel mix read by each kernel (mostly zeros).
        difference: ``(K,)`` bool, the kernel reads the first difference of the mix.
        backward: ``(K,)`` bool, the kernel runs backwards in time.
        thresholds: ``(K,)`` PPV thresholds (set by :meth:`RandomSSMFeatures.fit`).
        shift: ``(K,)`` bool, the kernel is a shift SSM (a dilated FIR filter) instead of an S4D one.
        taps: ``(K, max(SHIFT_TAPS))`` a shift kernel's taps (zero beyond its length).
        dilation: ``(K,)`` steps between a shift kernel's taps.
        start: ``(K,)`` first response step pooled (``span - 1`` for a shift kernel pooled only where it
            lies inside the recording, else 0).
    """

    log_dt: np.ndarray
    freq: np.ndarray
    C: np.ndarray
    channel_weights: np.ndarray
    difference: np.ndarray
    backward: np.ndarray
    thresholds: np.ndarray
    shift: np.ndarray | None = None
    taps: np.ndarray | None = None
    dilation: np.ndarray | None = None
    start: np.ndarray | None = None


def _ssm_kernels(kernels: RandomSSMKernels, index: slice, length: int) -> Tensor:
    """``(k, length)`` float32 impulse responses (on the CPU) of the kernels ``index``: S4D kernels from a
    frozen DiagonalSSM, shift kernels from a frozen ShiftSSM."""
    responses = _s4d_kernels(kernels, index, length)
    if kernels.shift is not None:
        shift = torch.as_tensor(kernels.shift[index], device="cpu")
        if shift.any():
            taps = torch.as_tensor(kernels.taps[index], dtype=torch.float32, device="cpu")[shift]
            dilation = torch.as_tensor(kernels.dilation[index], device="cpu")[shift]
            responses[shift] = _shift_kernels(taps, dilation, length)
    return responses


def _shift_kernels(taps: Tensor, dilation: Tensor, length: int) -> Tensor:
    """``(k, length)`` impulse responses of shift SSMs whose FIR filters put ``taps`` ``(k, T)`` every
    ``dilation`` ``(k,)`` steps (ROCKET's dilated kernels, written as SSMs)."""
    n_kernels, n_taps = taps.shape
    positions = torch.arange(n_taps)[None, :] * dilation[:, None]  # (k, T)
    span = int(positions.max()) + 1
    filters = torch.zeros(n_kernels, span).scatter_(1, positions, taps)
    ssm = ShiftSSM(d_model=n_kernels, d_state=span, learn_c=False)
    ssm.set_taps(filters)
    with torch.no_grad():
        return ssm.kernel(length)


def _s4d_kernels(kernels: RandomSSMKernels, index: slice, length: int) -> Tensor:
    """``(k, length)`` float32 impulse responses (on the CPU) of the kernels ``index`` from a frozen DiagonalSSM."""
    log_dt = torch.as_tensor(kernels.log_dt[index], dtype=torch.float32, device="cpu")
    freq = torch.as_tensor(kernels.freq[index], dtype=torch.float32, device="cpu")
    C = torch.as_tensor(kernels.C[index], dtype=torch.complex64, device="cpu")
    n_kernels, n_modes = freq.shape
    ssm = DiagonalSSM(
        d_model=n_kernels,
        d_state=2 * n_modes,
        init="lin",
        learn_dt=False,
        learn_A=False,
        learn_B=False,
    )
    with torch.no_grad():
        ssm.log_dt.copy_(log_dt)
        ssm.A_real_raw.fill_(math.log(_S4D_LIN_DECAY))
        ssm.A_imag.copy_(freq)
        ssm.B.copy_(torch.view_as_real(torch.ones_like(C)))
        ssm.C.copy_(torch.view_as_real(C))
        return ssm.kernel(length)


class RandomSSMFeatures:
    """Fixed random S4D kernels -> ``2 K`` features per recording (PPV and max of every kernel).

    Args:
        n_kernels: number of kernels ``K``.
        n_modes: complex modes per kernel (each with its conjugate).
        max_channels: at most this many channels are mixed by one kernel.
        seed: draws the kernels and the threshold quantiles.
        chunk: kernels convolved at once (bounds memory to ``n x chunk x length`` floats).
        max_cycles: ``None``: mode frequencies uniform up to Nyquist; else at most this many
            oscillations within a kernel's memory timescale (smooth kernels at long timescales).
        pooling: features per kernel, from ``POOLINGS``: ``"ppv"`` (share of steps above the
            threshold), ``"max"``, ``"mpv"`` (mean excess over the threshold where above it) and
            ``"mipv"`` (mean relative time of the steps above it), the last two from MultiRocket.
    """

    def __init__(
        self,
        n_kernels: int = 2000,
        n_modes: int = 4,
        max_channels: int = 3,
        seed: int = 0,
        chunk: int = 250,
        max_cycles: float | None = 2.0,
        pooling: tuple[str, ...] = ("ppv", "max"),
        shift_fraction: float = 0.0,
    ):
        if n_kernels < 1 or n_modes < 1 or max_channels < 1 or chunk < 1:
            raise ConfigError(
                f"n_kernels, n_modes, max_channels and chunk must be positive, got {n_kernels}, {n_modes}, "
                f"{max_channels}, {chunk}"
            )
        self.n_kernels, self.n_modes, self.max_channels = n_kernels, n_modes, max_channels
        unknown = set(pooling) - set(POOLINGS)
        if unknown or not pooling:
            raise ConfigError(f"pooling must be a non-empty subset of {POOLINGS}, got {pooling}")
        if not 0.0 <= shift_fraction <= 1.0:
            raise ConfigError(f"shift_fraction must be in [0, 1], got {shift_fraction}")
        self.seed, self.chunk, self.max_cycles, self.pooling = seed, chunk, max_cycles, tuple(pooling)
        self.shift_fraction = shift_fraction
        self.kernels_: RandomSSMKernels | None = None

    @property
    def n_features(self) -> int:
        return len(self.pooling) * self.n_kernels

    def fit(self, values: Sequence[np.ndarray]) -> RandomSSMFeatures:
        """Draw the kernels for training recordings ``values[i]`` ``(channels, length_i)`` and set
        every kernel's threshold from a random training recording."""
        rng = np.random.default_rng(self.seed)
        n_channels = values[0].shape[0]
        longest = max(v.shape[1] for v in values)
        K, M = self.n_kernels, self.n_modes
        # memory timescale 1 / (0.5 dt) log-uniform in [2, longest] steps
        timescale = np.exp(rng.uniform(math.log(2.0), math.log(max(longest, 4)), size=K))
        dt = 1.0 / (_S4D_LIN_DECAY * timescale)
        if self.max_cycles is None:
            step_freq = rng.uniform(0.0, math.pi, size=(K, M))  # radians per step, up to Nyquist
        else:  # at most max_cycles oscillations within the memory timescale
            step_freq = np.minimum(
                2 * math.pi * rng.uniform(0, self.max_cycles, size=(K, M)) / timescale[:, None], math.pi
            )
        freq = step_freq / dt[:, None]
        C = (rng.standard_normal((K, M)) + 1j * rng.standard_normal((K, M))) * math.sqrt(0.5)
        weights = np.zeros((K, n_channels))
        most = min(self.max_channels, n_channels)
        for k in range(K):
            used = rng.choice(n_channels, size=int(rng.integers(1, most + 1)), replace=False)
            weights[k, used] = rng.standard_normal(len(used))
        shift = self._draw_shift_kernels(longest)
        is_shift = shift["shift"]
        # a shift kernel reads its channels as they are (sign only), forwards, with ROCKET's bias
        weights[is_shift] = np.sign(weights[is_shift])
        self.kernels_ = RandomSSMKernels(
            log_dt=np.log(dt),
            freq=freq,
            C=C,
            channel_weights=weights,
            difference=(rng.random(K) < 0.5) & ~is_shift,
            backward=(rng.random(K) < 0.5) & ~is_shift,
            thresholds=np.zeros(K),
            shift=is_shift,
            taps=shift["taps"],
            dilation=shift["dilation"],
            start=shift["start"],
        )
        quantiles = rng.uniform(0.1, 0.9, size=K)
        for start in range(0, K, self.chunk):
            index = slice(start, min(K, start + self.chunk))
            # a few random recordings per chunk; each kernel takes its threshold from one of them
            picked = rng.choice(len(values), size=min(8, len(values)), replace=False)
            x, lengths = _padded([values[i] for i in picked])
            responses = self._responses(x, lengths, index).numpy()
            for k in range(index.start, index.stop):
                j = int(rng.integers(len(picked)))
                self.kernels_.thresholds[k] = np.quantile(responses[j, k - start, : lengths[j]], quantiles[k])
        # shift kernels went through the quantile loop too (its draws are per kernel, so skipping them
        # would change every S4D threshold after them); their bias replaces those quantiles here
        self.kernels_.thresholds[is_shift] = shift["bias"]
        return self

    def _draw_shift_kernels(self, longest: int) -> dict[str, np.ndarray]:
        """The last ``shift_fraction`` of the kernels become dilated FIR filters (shift SSMs), drawn as
        ROCKET draws its kernels: 7, 9 or 11 zero-mean normal taps, dilation ``2^U(0, log2((L-1)/(T-1)))``,
        threshold (bias) ``U(-1, 1)``, and half of them pooled only where the filter lies inside the
        recording (ROCKET's kernels without padding). Their own generators leave the S4D kernels' draws
        as they are, so ``shift_fraction=0`` gives the S4D-only features exactly."""
        K = self.n_kernels
        n_shift = int(round(self.shift_fraction * K))
        shift = np.zeros(K, dtype=bool)
        shift[K - n_shift :] = True
        taps = np.zeros((K, max(SHIFT_TAPS)))
        dilation = np.ones(K, dtype=np.int64)
        n_taps = np.ones(K, dtype=np.int64)
        rng = np.random.default_rng([self.seed, 1])
        for k in np.flatnonzero(shift):
            n_taps[k] = int(rng.choice(SHIFT_TAPS))
            weights = rng.standard_normal(n_taps[k])
            taps[k, : n_taps[k]] = weights - weights.mean()
            widest = math.log2(max(longest - 1, 1) / (n_taps[k] - 1))
            dilation[k] = int(2 ** rng.uniform(0, max(widest, 0.0)))
        inside_only = shift & (np.random.default_rng([self.seed, 2]).random(K) < 0.5)
        start = np.where(inside_only, (n_taps - 1) * dilation, 0)
        bias = np.random.default_rng([self.seed, 3]).uniform(-1, 1, size=n_shift)
        return {"shift": shift, "taps": taps, "dilation": dilation, "start": start, "bias": bias}

    def transform(self, values: Sequence[np.ndarray], batch_size: int = 256) -> np.ndarray:
        """Features ``(n, P K)`` float32: pooling ``p`` of kernel ``k`` in column ``P k + p``."""
        self._require_kernels()
        out = np.empty((len(values), self.n_features), dtype=np.float32)
        # batches of similar length waste little padding; long recordings come in smaller batches
        lengths_all = [v.shape[1] for v in values]
        order = np.argsort(lengths_all, kind="stable")
        batch_size = max(1, min(batch_size, _RESPONSE_BUDGET // (self.chunk * max(lengths_all))))
        for b in range(0, len(values), batch_size):
            rows = order[b : b + batch_size]
            x, lengths = _padded([values[i] for i in rows])
            out[rows] = self.transform_padded(x, lengths).numpy()
        return out

    def transform_padded(self, x: Tensor, lengths: np.ndarray | Tensor) -> Tensor:
        """Features ``(n, P K)`` float32 of zero-padded recordings ``x`` ``(n, channels, length)``
        whose real lengths are ``lengths`` ``(n,)``, on ``x``'s device (kernels may be tensors there)."""
        kernels = self._require_kernels()
        lengths = torch.as_tensor(lengths, device=x.device)
        valid = torch.arange(x.shape[-1], device=x.device)[None, None, :] < lengths[:, None, None]
        out = torch.empty((x.shape[0], self.n_features), dtype=torch.float32, device=x.device)
        P = len(self.pooling)
        for start in range(0, self.n_kernels, self.chunk):
            index = slice(start, min(self.n_kernels, start + self.chunk))
            y = self._responses(x, lengths, index)
            thresholds = torch.as_tensor(kernels.thresholds[index], dtype=torch.float32, device=x.device)
            valid_k = valid
            if kernels.start is not None:  # a kernel's first pooled step (at least one step is pooled)
                first = torch.as_tensor(kernels.start[index], device=x.device)[None, :, None]
                first = torch.minimum(first, lengths[:, None, None] - 1)
                valid_k = valid & (torch.arange(x.shape[-1], device=x.device)[None, None, :] >= first)
            pooled = pool_responses(y, thresholds[None, :, None], valid_k, lengths, self.pooling)
            for p, values_p in enumerate(pooled):
                out[:, P * start + p : P * index.stop : P] = values_p
        return out

    def _require_kernels(self) -> RandomSSMKernels:
        if self.kernels_ is None:
            raise ConfigError("RandomSSMFeatures.transform before fit; call fit(training recordings) first.")
        return self.kernels_

    def _responses(self, x: Tensor, lengths: np.ndarray | Tensor, index: slice) -> Tensor:
        """Responses ``(n, k, length)`` of kernels ``index`` to padded recordings ``x`` ``(n, channels, length)``."""
        kernels = self.kernels_
        L = x.shape[-1]
        weights = torch.as_tensor(kernels.channel_weights[index], dtype=torch.float32, device=x.device)
        mixed = torch.einsum("kc,ncl->nkl", weights, x)
        backward = torch.as_tensor(kernels.backward[index], device=x.device)
        if backward.any():
            mixed[:, backward] = _reverse_within(mixed[:, backward], lengths)
        difference = torch.as_tensor(kernels.difference[index], device=x.device)
        if difference.any():
            part = mixed[:, difference]
            mixed[:, difference] = torch.cat([torch.zeros_like(part[..., :1]), part.diff(dim=-1)], dim=-1)
        return fft_causal_conv(mixed, _ssm_kernels(kernels, index, L).to(x.device))


def pool_responses(
    y: Tensor, thresholds: Tensor, valid: Tensor, lengths: Tensor, pooling: tuple[str, ...]
) -> list[Tensor]:
    """Pool responses ``y`` ``(n, k, length)`` over real steps (``valid``) into ``(n, k)`` per pooling."""
    above = (y > thresholds) & valid
    # int32 counts are exact (lengths < 2**31) and several times faster than a bool sum (int64)
    n_above = above.sum(-1, dtype=torch.int32)
    steps = valid.sum(-1, dtype=torch.int32).clamp(min=1).to(y.dtype)
    pooled = {
        "ppv": lambda: n_above / steps,
        "max": lambda: y.masked_fill(~valid, -torch.inf).amax(-1),
        "mpv": lambda: ((y - thresholds) * above).sum(-1) / n_above.clamp(min=1),
        "mipv": lambda: (
            (above * torch.arange(y.shape[-1], dtype=y.dtype, device=y.device)).sum(-1)
            / n_above.clamp(min=1)
            / steps
        ),
    }
    return [pooled[name]() for name in pooling]


def _padded(values: Sequence[np.ndarray]) -> tuple[Tensor, np.ndarray]:
    """Zero-pad ``(channels, length_i)`` recordings at the end: ``(n, channels, longest)`` and lengths."""
    lengths = np.array([v.shape[1] for v in values])
    x = np.zeros((len(values), values[0].shape[0], int(lengths.max())), dtype=np.float32)
    for i, v in enumerate(values):
        x[i, :, : v.shape[1]] = v
    return torch.from_numpy(x), lengths


def _reverse_within(x: Tensor, lengths: np.ndarray | Tensor) -> Tensor:
    """Reverse every row of ``x`` ``(n, k, length)`` in time within its own length (padding stays at the end)."""
    L = x.shape[-1]
    steps = torch.arange(L, device=x.device)[None, :]
    n_real = torch.as_tensor(lengths, device=x.device)[:, None]
    source = torch.where(steps < n_real, n_real - 1 - steps, steps)  # (n, L)
    return torch.gather(x, -1, source[:, None, :].expand_as(x))
