"""SpaceTime's fixed preprocessing in float16 on the CPU runs its depthwise convolution in float32:
torch 2.11's CPU float16 depthwise ``conv1d`` never returns at some shapes (8 x 16 x 119 with 16 taps),
so ``--trainer.precision 16-true`` hung, deaf to Ctrl-C, instead of reaching the model's own error."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ssm_ts.models import spacetime_layers
from ssm_ts.models.spacetime_layers import FixedPreprocessing


def test_cpu_float16_convolves_in_float32_and_returns_float16(monkeypatch):
    layer = FixedPreprocessing(d_model=16, differences=[1, 2], moving_averages=[16])
    x = torch.randn(8, 119, 16)
    expected = layer(x)
    seen: list[torch.dtype] = []
    conv1d = F.conv1d

    def recording_conv1d(u, weight, **options):
        seen.append(u.dtype)
        if u.dtype == torch.float16:  # the call that hangs: fail instead of running it
            raise AssertionError("float16 depthwise conv1d on the CPU")
        return conv1d(u, weight, **options)

    monkeypatch.setattr(spacetime_layers.F, "conv1d", recording_conv1d)
    y = layer.half()(x.half())
    assert seen == [torch.float32]
    assert y.dtype == torch.float16 and y.shape == (8, 119, 16)
    torch.testing.assert_close(y.float(), expected, atol=1e-2, rtol=1e-2)
