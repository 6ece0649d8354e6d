"""Impulse responses of drawn random SSM kernels (:class:`~ssm_ts.models.random_ssm_features.
RandomSSMKernels`): S4D kernels from a frozen :class:`~ssm_ts.core.DiagonalSSM`, shift kernels from a
frozen :class:`~ssm_ts.core.ShiftSSM`, at the training rate or another.

Another sample rate: ``transform(values, rate=r)`` with ``r`` = training sample rate / the rate of
``values`` (0.5 for recordings at twice the rate) gives the features the kernels would give the same
continuous-time signals at the training rate. An S4D kernel scales its step by ``r`` (its zero-order
hold input matrix scales with the step, so the response keeps its continuous-time magnitude and the
fixed thresholds still apply; PPV is a share of steps, so it carries over). A mode at the training
Nyquist frequency (where the draw caps frequencies; about one kernel in ten holds one) alternates
in sign from one training step to the next, so the training rate saw only part of its response; at
another rate it keeps that part only (:func:`seen_at_training_rate`). A first difference is
divided by ``r`` (a slope per training step). A shift kernel's taps, ``d`` training steps apart, go
``d / r`` steps apart; a tap that falls between two samples (more than :data:`WHOLE_STEP_TOLERANCE`
from a whole step, e.g. dilation 1 at half the rate) reads the recording linearly interpolated there,
which is the filter applied to the recording linearly interpolated to the training rate. A shift
kernel pooled only inside the recording starts where its scaled filter lies wholly inside it. Fine
detail that a lower rate does not hold cannot come back: expect features close to, not equal to,
those of the recordings at the training rate. ``rate=1`` computes exactly what it always did.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import Tensor

from ssm_ts.core import DiagonalSSM, ShiftSSM

if TYPE_CHECKING:
    from ssm_ts.models.random_ssm_features import RandomSSMKernels

# a shift kernel's tap this close (in steps) to a whole step at another rate is read at that step
WHOLE_STEP_TOLERANCE = 1e-6
S4D_LIN_DECAY = 0.5  # Re(A) of S4D-Lin: the memory timescale of a mode is 1 / (0.5 dt) steps
NYQUIST_TOLERANCE = 1e-6  # a mode within this share of pi radians per training step is at Nyquist


def ssm_kernels(kernels: RandomSSMKernels, index: slice, length: int, rate: float = 1.0) -> Tensor:
    """``(k, length)`` float32 impulse responses (on the CPU) of the kernels ``index``: S4D kernels from a
    frozen DiagonalSSM, shift kernels from a frozen ShiftSSM; at ``rate`` (training sample rate / the
    recordings' rate) as the module docstring says."""
    responses = s4d_kernels(kernels, index, length, rate)
    if kernels.shift is not None:
        shift = torch.as_tensor(kernels.shift[index], device="cpu")
        if shift.any():
            taps = torch.as_tensor(kernels.taps[index], dtype=torch.float32, device="cpu")[shift]
            dilation = torch.as_tensor(kernels.dilation[index], device="cpu")[shift]
            responses[shift] = shift_kernels(taps, dilation, length, rate)
    return responses


def shift_kernels(taps: Tensor, dilation: Tensor, length: int, rate: float = 1.0) -> Tensor:
    """``(k, length)`` impulse responses of shift SSMs whose FIR filters put ``taps`` ``(k, T)`` every
    ``dilation`` ``(k,)`` training steps (ROCKET's dilated kernels, written as SSMs), at ``rate``:
    every ``dilation / rate`` steps, a tap between two steps split between them (linear interpolation)."""
    n_kernels, n_taps = taps.shape
    if rate == 1.0:
        positions = torch.arange(n_taps)[None, :] * dilation[:, None]  # (k, T)
        span = int(positions.max()) + 1
        filters = torch.zeros(n_kernels, span).scatter_(1, positions, taps)
    else:
        filters = scaled_shift_filters(taps, dilation, length, rate)
    ssm = ShiftSSM(d_model=n_kernels, d_state=filters.shape[1], learn_c=False)
    ssm.set_taps(filters)
    with torch.no_grad():
        return ssm.kernel(length)


def scaled_shift_filters(taps: Tensor, dilation: Tensor, length: int, rate: float) -> Tensor:
    """``(k, span)`` FIR filters (at most ``length`` steps: later taps never reach a response) putting
    ``taps`` ``(k, T)`` at ``j dilation / rate`` steps; a position more than
    :data:`WHOLE_STEP_TOLERANCE` from a whole step shares its tap between the steps either side."""
    n_kernels, n_taps = taps.shape
    position = torch.arange(n_taps, dtype=torch.float64)[None, :] * dilation[:, None].double() / rate
    whole = position.round()
    position = torch.where((position - whole).abs() <= WHOLE_STEP_TOLERANCE, whole, position)
    below = position.floor()
    above_share = (position - below).float()
    span = min(int(below.max()) + 2, length)
    filters = torch.zeros(n_kernels, span + 1)  # column span collects the taps beyond the filter
    below = below.long().clamp(max=span)
    filters.scatter_add_(1, below, taps * (1 - above_share))
    filters.scatter_add_(1, (below + 1).clamp(max=span), taps * above_share)
    return filters[:, :span]


def inside_start(start: np.ndarray | Tensor, rate: float) -> np.ndarray | Tensor:
    """First pooled step at ``rate`` of kernels whose first pooled step at the training rate is
    ``start`` (``(n_taps - 1) dilation`` for a shift kernel pooled only inside the recording, else 0):
    the first step where the scaled filter lies wholly inside the recording."""
    if rate == 1.0:
        return start
    if isinstance(start, Tensor):
        return torch.ceil(start.double() / rate - WHOLE_STEP_TOLERANCE).long()
    return np.ceil(np.asarray(start, dtype=np.float64) / rate - WHOLE_STEP_TOLERANCE).astype(np.int64)


def seen_at_training_rate(
    log_dt: np.ndarray | Tensor, freq: np.ndarray | Tensor, C: np.ndarray | Tensor
) -> Tensor:
    """``(k, M)`` complex64 read-outs ``C`` of S4D-Lin modes (steps ``exp(log_dt)`` ``(k,)``, frequencies
    ``freq`` ``(k, M)``), less what the training rate cannot see: a mode at the training Nyquist
    frequency (where the draw caps frequencies) alternates in sign from step to step, so the training
    steps see only the real part of ``C dB`` (the sine part of its response is zero at every one of
    them) while other rates would see the rest too. Those modes keep ``Re(C dB) / dB``: the same kernel
    at the training rate, nothing hidden at another (ArrowHead at twice the rate, S4D kernels only:
    0.53 of the original-rate labels kept with the hidden part, 0.99 without)."""
    log_dt, freq, C = (torch.as_tensor(a, device="cpu") for a in (log_dt, freq, C))  # arrays or buffers
    dt = torch.exp(log_dt.double())[:, None]
    A = torch.complex(torch.full_like(freq.double(), -S4D_LIN_DECAY), freq.double())
    dB = torch.expm1(dt * A) / A  # zero-order hold, B = 1
    nyquist = (freq.double() * dt).abs() >= math.pi * (1 - NYQUIST_TOLERANCE)
    seen = torch.where(nyquist, (C.to(torch.complex128) * dB).real / dB, C.to(torch.complex128))
    return seen.to(torch.complex64)


def s4d_kernels(kernels: RandomSSMKernels, index: slice, length: int, rate: float = 1.0) -> Tensor:
    """``(k, length)`` float32 impulse responses (on the CPU) of the kernels ``index`` from a frozen
    DiagonalSSM, its step scaled by ``rate``."""
    log_dt = torch.as_tensor(kernels.log_dt[index], dtype=torch.float32, device="cpu")
    freq = torch.as_tensor(kernels.freq[index], dtype=torch.float32, device="cpu")
    C = torch.as_tensor(kernels.C[index], dtype=torch.complex64, device="cpu")
    if rate != 1.0:
        C = seen_at_training_rate(kernels.log_dt[index], kernels.freq[index], kernels.C[index])
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
        ssm.A_real_raw.fill_(math.log(S4D_LIN_DECAY))
        ssm.A_imag.copy_(freq)
        ssm.B.copy_(torch.view_as_real(torch.ones_like(C)))
        ssm.C.copy_(torch.view_as_real(C))
        # zero-order hold: the input matrix scales with the step, so the response to the same
        # continuous-time signal at another rate keeps its magnitude
        return ssm.kernel(length, rate=rate)
