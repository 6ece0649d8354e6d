"""S4ND-style classifiers (Nguyen et al. 2022, "S4ND: Modeling Images and Videos as Multidimensional
Signals Using State Spaces"): a 1-D encoder over time and a 2-D encoder over (frequency, time).

Both are resolution-agnostic: the SSM kernels are sampled from continuous-time systems, so a model
trained at one sample rate runs at another by passing ``rate = trained rate / new rate`` (a series
recorded twice as densely uses ``rate=0.5``): every SSM step ``dt`` is scaled by it.

Padding: recordings of a batch are zero-padded at the end with a mask ``(batch, length)``. Padded
steps are zeroed right before every SSM convolution (after the block's norm, which would map a zero
step to its bias), so the (bidirectional) convolutions at real steps see exactly what they would see
without padding, and pooling averages over real steps only.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from ssm_ts.core import DiagonalSSM, SSMBlock
from ssm_ts.core.base import autocast_on
from ssm_ts.core.parameter_terms import keep_terms
from ssm_ts.core.saved_options import check_options_on_load
from ssm_ts.errors import ConfigError
from ssm_ts.models.saved_model_options import S4ND_ENCODER_SHAPES, SSM_ENCODER_SHAPES
from ssm_ts.whole_numbers import is_real_number, is_whole_number


def masked_mean(h: Tensor, mask: Tensor | None, dim: int = 1) -> Tensor:
    """Mean of ``h`` over ``dim`` (time) where ``mask`` (batch, length) is True."""
    if mask is None:
        return h.mean(dim)
    shape = [mask.shape[0]] + [1] * (h.dim() - 1)
    shape[dim] = mask.shape[1]
    weights = mask.to(h.dtype).reshape(shape)
    return (h * weights).sum(dim) / weights.sum(dim).clamp(min=1.0)


def _time_mask(x: Tensor, mask: Tensor | None) -> Tensor | None:
    if mask is None:
        return None
    if mask.shape != x.shape[:2]:
        raise ConfigError(
            f"mask shape {tuple(mask.shape)} does not match the input's (batch, length) {tuple(x.shape[:2])}"
        )
    return mask.to(x.dtype)


class SSMEncoder1d(nn.Module):
    """Bidirectional SSM blocks over time, masked mean pooling, and a linear head.

    Args:
        n_channels: input channels C; n_classes: outputs.
        d_model: width H; n_layers: SSM blocks; d_state: state size N.
        ssm: SSM name (``"diagonal"`` S4D, ``"dplr"`` S4, ...); ssm_options: its options.
        dropout: dropout in every block.

    ``forward(x (batch, length, C), mask (batch, length) | None, rate) -> logits (batch, n_classes)``.
    """

    def __init__(
        self,
        *,
        n_channels: int,
        n_classes: int,
        d_model: int = 64,
        n_layers: int = 4,
        d_state: int = 64,
        ssm: str = "diagonal",
        ssm_options: dict[str, Any] | None = None,
        dropout: float = 0.1,
    ):
        super().__init__()
        self.encoder = nn.Linear(n_channels, d_model)
        self.blocks = nn.ModuleList(
            SSMBlock(
                d_model=d_model,
                ssm=ssm,
                d_state=d_state,
                ssm_options=ssm_options,
                bidirectional=True,
                dropout=dropout,
            )
            for _ in range(n_layers)
        )
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, n_classes)
        check_options_on_load(self, SSM_ENCODER_SHAPES)  # loading other options' weights names them

    def features(self, x: Tensor, mask: Tensor | None = None, rate: float = 1.0) -> Tensor:
        """``x (B, L, C)`` -> pooled features ``(B, H)``."""
        m = _time_mask(x, mask)
        h = self.encoder(x)
        for block in self.blocks:
            h = block(h, rate=rate, mask=m)
        return self.norm(masked_mean(h, mask, dim=1))

    def forward(self, x: Tensor, mask: Tensor | None = None, rate: float = 1.0) -> Tensor:
        return self.head(self.features(x, mask, rate))


def bidirectional_kernel(forward_ssm: DiagonalSSM, backward_ssm: DiagonalSSM, L: int, rate: float) -> Tensor:
    """(H, 2L) kernel for circular convolution: causal part, a zero, then the anti-causal part reversed."""
    k = forward_ssm.kernel(L, rate)
    k_back = backward_ssm.kernel(L, rate)
    return torch.cat([k, torch.zeros_like(k[..., :1]), k_back[..., : L - 1].flip(-1)], dim=-1)


# Up to this many steps an axis is convolved as a (H, n, n) Toeplitz matrix product, beyond it by FFT:
# the product costs n multiply-adds per output, the FFT about log n with a larger constant. One layer's
# forward + backward on the CPU (1 thread, B=4, H=32, F=32), Toeplitz against FFT along T: 0.13 / 0.27 s
# at T=64, 0.96 / 1.41 s at T=512, 2.8 / 2.5 s at T=1024. The 2-D FFT of the (2F, 2T)-padded input
# that this replaced made an S4NDEncoder2d training step on 16 inputs of 64 x 64 take 3.6 s, now 1.5 s.
# The matrices hold H n^2 floats per axis (32 MB at H=32, n=512), the same for their gradient.
DIRECT_MAX_STEPS = 512


def toeplitz(k: Tensor, n: int) -> Tensor:
    """(H, n, n) matrices ``M[h, i, j] = k[h, (i - j) mod 2n]`` of a bidirectional kernel ``k`` (H, 2n).

    ``y = M x`` is the circular convolution of length 2n of ``x`` (n steps, zero-padded) with ``k``:
    the causal part at ``i >= j``, the anti-causal part (stored reversed at the end) above it."""
    steps = torch.arange(n, device=k.device)
    return k[:, (steps[:, None] - steps[None, :]) % (2 * n)]


def axis_operator(k: Tensor, n: int) -> Tensor:
    """What :func:`convolve_axis` applies along an axis of ``n`` steps for the bidirectional kernel ``k``
    (H, 2n): the (H, n, n) :func:`toeplitz` matrices up to :data:`DIRECT_MAX_STEPS` steps, else the
    kernel's spectrum (H, n + 1) over 2n steps."""
    if n <= DIRECT_MAX_STEPS:
        return toeplitz(k, n)
    return torch.fft.rfft(k, n=2 * n)


def convolve_axis(x: Tensor, operator: Tensor, dim: int) -> Tensor:
    """``x`` (B, H, F, T) convolved along ``dim`` (-2: F, -1: T) by ``operator`` from :func:`axis_operator`
    (a Toeplitz matrix product, or an FFT of length 2n): (B, H, F, T)."""
    if operator.dim() == 3:
        if dim == -1:
            return torch.einsum("bhft,hst->bhfs", x, operator)
        return torch.einsum("hgf,bhft->bhgt", operator, x)
    n = x.shape[dim]
    spectrum = operator.unsqueeze(-1) if dim == -2 else operator.unsqueeze(-2)
    y = torch.fft.irfft(torch.fft.rfft(x, n=2 * n, dim=dim) * spectrum, n=2 * n, dim=dim)
    return y.narrow(dim, 0, n)


def axis_convolution(x: Tensor, k: Tensor, dim: int) -> Tensor:
    """``x`` (B, H, F, T) convolved along ``dim`` (-2: F, -1: T) with the bidirectional kernel ``k``
    (H, 2n) laid out as :func:`bidirectional_kernel` makes it; n = ``x.shape[dim]``. Returns (B, H, F, T).

    A Toeplitz matrix product up to :data:`DIRECT_MAX_STEPS` steps, an FFT of length 2n beyond."""
    return convolve_axis(x, axis_operator(k, x.shape[dim]), dim)


# Between calls without gradients S4NDConv2d keeps each axis's operator (ParameterTermsCache), but a
# Toeplitz one only up to this size (H n^2 floats: n = 181 at H = 32); a bigger one is kept as its
# kernel and gathered again per call, which costs little beside its product with a batch, while
# keeping it would hold n_layers x 2 such matrices after a prediction (128 MB at H=32, T=512, 4 layers).
KEPT_OPERATOR_BYTES = 4 * 2**20
_KERNEL_CACHE = "_kernel_cache"  # S4NDConv2d's attribute holding its ParameterTermsCache


def _kept_axis_terms(k: Tensor, n: int) -> tuple[Tensor | None, Tensor | None]:
    """``(kernel, None)`` for an axis whose Toeplitz operator exceeds :data:`KEPT_OPERATOR_BYTES`, else
    ``(None, axis_operator(k, n))``."""
    if n <= DIRECT_MAX_STEPS and k.shape[0] * n * n * k.element_size() > KEPT_OPERATOR_BYTES:
        return k, None
    return None, axis_operator(k, n)


class S4NDConv2d(nn.Module):
    """A separable 2-D SSM convolution: ``K[h, i, j] = k_freq[h, i] * k_time[h, j]`` (outer product of
    per-axis bidirectional S4D kernels), plus a skip ``D``. Separable, it is applied one axis at a time
    (:func:`axis_convolution`), which equals the 2-D circular convolution with :meth:`kernel`.

    Without gradients (prediction) the axes' kernels and operators are kept between calls while the
    weights hold the same values (:meth:`axis_operators`); training computes them every step.

    ``forward(x (B, H, F, T), rate=(freq_rate, time_rate)) -> (B, H, F, T)``.
    """

    def __init__(self, *, d_model: int, d_state: int = 64, ssm_options: dict[str, Any] | None = None):
        super().__init__()
        options = dict(ssm_options or {})
        self.freq = nn.ModuleList(DiagonalSSM(d_model=d_model, d_state=d_state, **options) for _ in range(2))
        self.time = nn.ModuleList(DiagonalSSM(d_model=d_model, d_state=d_state, **options) for _ in range(2))
        self.D = nn.Parameter(torch.randn(d_model))

    def kernel(self, F: int, T: int, rate: tuple[float, float] = (1.0, 1.0)) -> Tensor:
        """(H, 2F, 2T) outer-product kernel."""
        k_freq = bidirectional_kernel(self.freq[0], self.freq[1], F, rate[0])
        k_time = bidirectional_kernel(self.time[0], self.time[1], T, rate[1])
        return k_freq.unsqueeze(-1) * k_time.unsqueeze(-2)

    def forward(self, x: Tensor, rate: tuple[float, float] = (1.0, 1.0)) -> Tensor:
        if autocast_on(x.device.type):
            # In the parameters' precision, as FFTConv runs its SSMs: under bfloat16 autocast the S4D
            # kernels' Vandermonde products (and the Toeplitz products here) were bfloat16 matmuls.
            with torch.autocast(x.device.type, enabled=False):
                return self.forward(x.to(self.D.dtype), rate)
        F, T = x.shape[-2:]
        op_freq, op_time = self.axis_operators(F, T, rate)
        y = convolve_axis(convolve_axis(x, op_time, -1), op_freq, -2)
        return y + self.D[:, None, None] * x

    def axis_operators(self, F: int, T: int, rate: tuple[float, float] = (1.0, 1.0)) -> tuple[Tensor, Tensor]:
        """The :func:`axis_operator` of the frequency axis (F steps) and of the time axis (T steps).

        Kept between calls while gradients are off and the weights hold the same values
        (:class:`~ssm_ts.core.parameter_terms.ParameterTermsCache`, as FFTConv keeps its kernel): a
        prediction in batches computed the same S4D kernels and Toeplitz matrices for every batch
        (two thirds of a one-recording prediction at FSDD's 32 x 64). Training recomputes them."""

        def compute() -> tuple[tuple[Tensor | None, Tensor | None], ...]:
            k_freq = bidirectional_kernel(self.freq[0], self.freq[1], F, rate[0])
            k_time = bidirectional_kernel(self.time[0], self.time[1], T, rate[1])
            return _kept_axis_terms(k_freq, F), _kept_axis_terms(k_time, T)

        if any(isinstance(v, Tensor) for v in (F, T, *rate)):  # traced sizes: no hashable key
            terms = compute()
        else:
            terms = keep_terms(self, _KERNEL_CACHE, (F, T, tuple(rate)), compute)
        (k_freq, op_freq), (k_time, op_time) = terms
        return (
            axis_operator(k_freq, F) if op_freq is None else op_freq,
            axis_operator(k_time, T) if op_time is None else op_time,
        )


def s4nd_conv2d_reference(conv: S4NDConv2d, x: Tensor, rate: tuple[float, float] = (1.0, 1.0)) -> Tensor:
    """:class:`S4NDConv2d`'s definition, ``x`` (B, H, F, T) -> (B, H, F, T): the 2-D circular convolution
    of the (2F, 2T)-zero-padded input with :meth:`S4NDConv2d.kernel` by 2-D FFT, plus the skip. The
    layer ran this way before it convolved one axis at a time; benchmarks/bench_core.py --s4nd times
    it as the baseline."""
    F, T = x.shape[-2:]
    size = (2 * F, 2 * T)
    spectrum = torch.fft.rfft2(x, s=size) * torch.fft.rfft2(conv.kernel(F, T, rate), s=size)
    return torch.fft.irfft2(spectrum, s=size)[..., :F, :T] + conv.D[:, None, None] * x


class S4NDBlock2d(nn.Module):
    """Residual block on ``(B, H, F, T)``: LayerNorm over H -> S4ND conv -> GELU -> GLU -> dropout -> + x."""

    def __init__(
        self,
        *,
        d_model: int,
        d_state: int = 64,
        ssm_options: dict[str, Any] | None = None,
        dropout: float = 0.1,
    ):
        super().__init__()
        self.norm = nn.LayerNorm(d_model)
        self.conv = S4NDConv2d(d_model=d_model, d_state=d_state, ssm_options=ssm_options)
        self.activation = nn.GELU()
        self.output = nn.Sequential(nn.Linear(d_model, 2 * d_model), nn.GLU(dim=-1))
        self.dropout = nn.Dropout(dropout)

    def forward(
        self, x: Tensor, rate: tuple[float, float] = (1.0, 1.0), mask: Tensor | None = None
    ) -> Tensor:
        """``x (B, H, F, T)`` -> same; ``mask (B, T)`` zeroes padded time steps after the norm (which
        would map them to its bias) so the convolution at real steps never reads them."""
        z = self.norm(x.movedim(1, -1)).movedim(-1, 1)
        if mask is not None:
            z = z * mask[:, None, None, :]
        y = self.activation(self.conv(z, rate)).movedim(1, -1)
        return x + self.dropout(self.output(y)).movedim(-1, 1)


class S4NDEncoder2d(nn.Module):
    """S4ND over an image-like input: the ``C`` channels of a ``(batch, length, C)`` batch are one axis
    (mel bands of a spectrogram: frequency), time the other. Global pooling (masked over time), head.

    ``forward(x (B, L, C), mask (B, L) | None, rate) -> logits (B, n_classes)``; ``rate`` scales time
    steps (a float) or both axes (``(freq_rate, time_rate)``).
    """

    def __init__(
        self,
        *,
        n_channels: int,
        n_classes: int,
        d_model: int = 32,
        n_layers: int = 4,
        d_state: int = 32,
        ssm_options: dict[str, Any] | None = None,
        dropout: float = 0.1,
    ):
        super().__init__()
        self.encoder = nn.Linear(1, d_model)
        self.blocks = nn.ModuleList(
            S4NDBlock2d(d_model=d_model, d_state=d_state, ssm_options=ssm_options, dropout=dropout)
            for _ in range(n_layers)
        )
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, n_classes)
        check_options_on_load(self, S4ND_ENCODER_SHAPES)  # loading other options' weights names them

    def features(
        self, x: Tensor, mask: Tensor | None = None, rate: float | tuple[float, float] = 1.0
    ) -> Tensor:
        """``x (B, L, C)`` -> pooled ``(B, H)``."""
        rates = (1.0, float(rate)) if isinstance(rate, (int, float)) else (float(rate[0]), float(rate[1]))
        m = _time_mask(x, mask)
        h = self.encoder(x.transpose(1, 2).unsqueeze(-1)).movedim(-1, 1)  # (B, H, F=C, T=L)
        for block in self.blocks:
            h = block(h, rates, mask=m)
        pooled = masked_mean(h.mean(2).transpose(1, 2), mask, dim=1)  # mean over F, masked over T
        return self.norm(pooled)

    def forward(
        self, x: Tensor, mask: Tensor | None = None, rate: float | tuple[float, float] = 1.0
    ) -> Tensor:
        return self.head(self.features(x, mask, rate))


ENCODERS = {"s4d1d": SSMEncoder1d, "s4nd2d": S4NDEncoder2d}


def _check_sizes(name: str, options: dict[str, Any]) -> None:
    """The encoder's sizes and dropout, checked before torch sees them: a dropout of 1.5 was torch's
    bare "dropout probability" error, a ``d_model`` of 2.5 a dump of ``torch.empty``'s signatures, a
    ``n_layers`` of 0 or less an encoder without blocks."""
    where = f"model {name!r} option"
    for key, least in (("d_model", 1), ("d_state", 1), ("n_layers", 1)):
        if key in options and not (is_whole_number(options[key]) and options[key] >= least):
            raise ConfigError(f"{where} {key} must be an integer >= {least}, got {options[key]!r}.")
    dropout = options.get("dropout", 0.0)
    if not (is_real_number(dropout) and 0 <= dropout < 1):
        raise ConfigError(
            f"{where} dropout must be a number in [0, 1), got {dropout!r} (the share of activations "
            "zeroed in training; 0.1 is the default)."
        )


def build_encoder(
    name: str, *, n_channels: int, n_classes: int, options: dict[str, Any] | None = None
) -> nn.Module:
    """``"s4d1d"`` (:class:`SSMEncoder1d`) or ``"s4nd2d"`` (:class:`S4NDEncoder2d`) with checked options."""
    if name not in ENCODERS:
        raise ConfigError(f"unknown classifier model {name!r}; expected one of {sorted(ENCODERS)}")
    _check_sizes(name, dict(options or {}))
    try:
        return ENCODERS[name](n_channels=n_channels, n_classes=n_classes, **dict(options or {}))
    except TypeError as err:
        raise ConfigError(f"bad option for model {name!r}: {err}") from err
