"""S4ND encoders: shapes, padding invariance, the separable 2-D kernel against a direct convolution,
and resolution agnosticism (a denser sampling with a scaled SSM step gives the same outputs)."""

from __future__ import annotations

import pytest
import torch

from ssm_ts.errors import ConfigError
from ssm_ts.models.s4nd import S4NDConv2d, S4NDEncoder2d, SSMEncoder1d, build_encoder


def small_1d():
    return SSMEncoder1d(n_channels=3, n_classes=4, d_model=16, n_layers=2, d_state=16, dropout=0.0).eval()


def small_2d():
    return S4NDEncoder2d(n_channels=8, n_classes=5, d_model=8, n_layers=2, d_state=8, dropout=0.0).eval()


@pytest.mark.parametrize("make", [small_1d, small_2d])
def test_padding_does_not_change_outputs(make):
    model = make()
    channels = model.encoder.in_features if isinstance(model, SSMEncoder1d) else 8
    x = torch.randn(2, 30, channels)
    mask = torch.ones(2, 30, dtype=torch.bool)
    logits = model(x, mask)
    assert logits.shape == (2, model.head.out_features)
    padded = torch.cat([x, 100 * torch.randn(2, 17, channels)], dim=1)  # junk in the padding
    padded_mask = torch.cat([mask, torch.zeros(2, 17, dtype=torch.bool)], dim=1)
    torch.testing.assert_close(model(padded, padded_mask), logits, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("make", [small_1d, small_2d])
def test_padded_batch_matches_one_at_a_time_with_layernorm_biases(make):
    # Trained LayerNorms have non-zero biases, which map zeroed padded steps to beta; the backward SSM
    # half must still never read them, so a recording's logits cannot depend on its batch.
    torch.manual_seed(0)
    model = make().double()
    for module in model.modules():
        if isinstance(module, torch.nn.LayerNorm):
            torch.nn.init.normal_(module.bias)
            torch.nn.init.normal_(module.weight, 1.0, 0.3)
    channels = model.encoder.in_features if isinstance(model, SSMEncoder1d) else 8
    lengths = [7, 29, 15]
    recordings = [torch.randn(n, channels, dtype=torch.float64) for n in lengths]
    batch = torch.zeros(len(lengths), max(lengths), channels, dtype=torch.float64)
    mask = torch.zeros(len(lengths), max(lengths), dtype=torch.bool)
    for i, r in enumerate(recordings):
        batch[i, : len(r)], mask[i, : len(r)] = r, True
    alone = torch.cat([model(r[None], torch.ones(1, len(r), dtype=torch.bool)) for r in recordings])
    torch.testing.assert_close(model(batch, mask), alone, atol=1e-6, rtol=0)


def test_separable_kernel_matches_direct_2d_convolution():
    torch.manual_seed(1)
    conv = S4NDConv2d(d_model=2, d_state=4).double()
    F, T = 5, 7
    x = torch.randn(1, 2, F, T, dtype=torch.float64)
    with torch.no_grad():
        kernel = conv.kernel(F, T)  # (H, 2F, 2T), offsets wrap around (negative at the end)
        k_freq = torch.stack([conv.freq[0].kernel(F).double(), conv.freq[1].kernel(F).double()])
        k_time = torch.stack([conv.time[0].kernel(T).double(), conv.time[1].kernel(T).double()])
        expected = torch.zeros_like(x)
        for h in range(2):
            for i in range(F):
                for j in range(T):
                    total = 0.0
                    for a in range(F):
                        for b in range(T):
                            di, dj = i - a, j - b  # output i sees input a at offset di
                            kf = k_freq[0, h, di] if di >= 0 else k_freq[1, h, -di - 1]
                            kt = k_time[0, h, dj] if dj >= 0 else k_time[1, h, -dj - 1]
                            total += kf * kt * x[0, h, a, b]
                    expected[0, h, i, j] = total + conv.D[h] * x[0, h, i, j]
        torch.testing.assert_close(conv(x), expected, atol=1e-9, rtol=1e-7)
        # the outer product structure itself
        torch.testing.assert_close(
            kernel[:, 1, 2], conv.freq[0].kernel(F)[:, 1] * conv.time[0].kernel(T)[:, 2]
        )


def smooth_signal(n: int) -> torch.Tensor:
    t = torch.linspace(0, 1, n)
    return torch.stack([torch.sin(6 * t), torch.cos(3 * t), t], dim=-1).unsqueeze(0)


def test_1d_encoder_is_resolution_agnostic():
    torch.manual_seed(0)
    model = small_1d()
    with torch.no_grad():
        reference = model.features(smooth_signal(200))
        same_rate = model.features(smooth_signal(400))  # twice as dense, SSM steps unchanged
        scaled = model.features(smooth_signal(400), rate=0.5)  # steps halved: same continuous system
    error_scaled = (scaled - reference).norm() / reference.norm()
    error_unscaled = (same_rate - reference).norm() / reference.norm()
    assert error_scaled < 0.05
    assert error_scaled < 0.3 * error_unscaled


def test_2d_encoder_rate_scales_time_axis():
    torch.manual_seed(0)
    model = small_2d()
    t = torch.linspace(0, 1, 60)
    t2 = torch.linspace(0, 1, 120)
    bands = torch.linspace(0.5, 2, 8)
    image = torch.sin(3 * t[:, None] * bands).unsqueeze(0)
    image2 = torch.sin(3 * t2[:, None] * bands).unsqueeze(0)
    with torch.no_grad():
        reference = model.features(image)
        scaled = model.features(image2, rate=0.5)
        unscaled = model.features(image2)
    assert (scaled - reference).norm() < 0.3 * (unscaled - reference).norm()


def test_build_encoder_checks_names_and_options():
    with pytest.raises(ConfigError, match="unknown classifier model 'cnn'"):
        build_encoder("cnn", n_channels=1, n_classes=2)
    with pytest.raises(ConfigError, match="bad option for model 's4d1d'"):
        build_encoder("s4d1d", n_channels=1, n_classes=2, options={"widht": 3})
    with pytest.raises(ConfigError, match="mask shape"):
        small_1d()(torch.randn(2, 5, 3), torch.ones(2, 4, dtype=torch.bool))
