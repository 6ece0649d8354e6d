"""S4NDConv2d convolves one axis at a time (Toeplitz products, FFTs past DIRECT_MAX_STEPS): the same
values and gradients as the 2-D FFT convolution with its (H, 2F, 2T) kernel, and float32 under autocast."""

from __future__ import annotations

import pytest
import torch

import ssm_ts.models.s4nd as s4nd
from ssm_ts.models.s4nd import S4NDConv2d


def fft2_convolution(conv: S4NDConv2d, x: torch.Tensor) -> torch.Tensor:
    """The definition: 2-D circular convolution of the zero-padded input with ``conv.kernel``."""
    F, T = x.shape[-2:]
    size = (2 * F, 2 * T)
    spectrum = torch.fft.rfft2(x, s=size) * torch.fft.rfft2(conv.kernel(F, T), s=size)
    return torch.fft.irfft2(spectrum, s=size)[..., :F, :T] + conv.D[:, None, None] * x


@pytest.mark.parametrize("direct_max_steps", [0, 6, 512])  # FFT on both axes, on T only, on neither
@pytest.mark.parametrize(("F", "T"), [(5, 7), (1, 9), (6, 1)])
def test_axis_by_axis_equals_the_2d_convolution(F, T, direct_max_steps, monkeypatch):
    monkeypatch.setattr(s4nd, "DIRECT_MAX_STEPS", direct_max_steps)
    torch.manual_seed(0)
    conv = S4NDConv2d(d_model=3, d_state=4).double()
    x = torch.randn(2, 3, F, T, dtype=torch.float64, requires_grad=True)
    y, expected = conv(x), fft2_convolution(conv, x)
    torch.testing.assert_close(y, expected, atol=1e-12, rtol=1e-10)
    g = torch.randn_like(y)
    inputs = [x, *conv.parameters()]
    for got, want in zip(
        torch.autograd.grad(y, inputs, g), torch.autograd.grad(expected, inputs, g), strict=True
    ):
        torch.testing.assert_close(got, want, atol=1e-11, rtol=1e-9)


def test_bfloat16_autocast_runs_the_convolution_in_float32():
    """The S4D kernels' Vandermonde products ran as bfloat16 matmuls under autocast (3e-3 off)."""
    torch.manual_seed(0)
    conv = S4NDConv2d(d_model=4, d_state=8)
    x = torch.randn(2, 4, 6, 10)
    with torch.no_grad():
        expected = conv(x)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            y = conv(x)
    assert y.dtype == torch.float32
    torch.testing.assert_close(y, expected, atol=1e-5, rtol=1e-5)
