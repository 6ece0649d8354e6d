"""SpaceTime's CPU forward copies its activations less: the fixed preprocessing convolves ``x``
channel-last in place (no padded, transposed copy of it) and the decoder reverses its input with one
gather (not a flip and then a transposing copy). Forecasts, training losses and every gradient are
the same, bit for bit, as the old computations written out below, on ETTh1 windows in float32."""

from __future__ import annotations

import copy

import pandas as pd
import pytest
import torch
import torch.nn.functional as F
from torch import Tensor
from torch.utils._python_dispatch import TorchDispatchMode

from ssm_ts.models import spacetime_layers
from ssm_ts.models.forecasting_registry import build_forecasting_model
from ssm_ts.models.spacetime import SpaceTime
from ssm_ts.models.spacetime_layers import ClosedLoopCompanionDecoder, FixedPreprocessing

LOOKBACK, HORIZON = 48, 12
pytestmark = pytest.mark.usefixtures("single_thread")  # small ops: one thread is faster


def old_preprocessing(layer: FixedPreprocessing, x: Tensor) -> Tensor:
    """The preprocessing as it was: a zero-padded channel-first copy of ``x (B, L, H)``, then conv1d."""
    taps = layer.shift.kernel(layer.shift.d_state)
    u = F.pad(x.transpose(1, 2), (taps.shape[-1] - 1, 0))
    return F.conv1d(u, taps.flip(-1).unsqueeze(1), groups=taps.shape[0]).transpose(1, 2)


def old_reversal(u_t: Tensor) -> Tensor:
    """The decoder's reversed input as it was: ``u_t (B, H, L)`` flipped, then copied to (H, B, L)."""
    return u_t.flip(-1).transpose(0, 1).contiguous()


class _Ops(TorchDispatchMode):
    """Records the aten operations run, with their arguments."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, tuple]] = []

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.calls.append((func.overloadpacket.__name__, args))
        return func(*args, **(kwargs or {}))


@pytest.fixture
def series(ett: pd.DataFrame) -> Tensor:
    """ETTh1's 7 series scaled by their first 800 rows, ``(1200, 7)`` float32."""
    values = torch.tensor(ett.iloc[:, 1:].to_numpy(), dtype=torch.float64)
    return ((values - values[:800].mean(0)) / values[:800].std(0)).float()


def _windows(series: Tensor, starts: range) -> tuple[Tensor, Tensor]:
    windows = torch.stack([series[s : s + LOOKBACK + HORIZON] for s in starts])
    return windows[:, :LOOKBACK], windows[:, LOOKBACK:]


def _model() -> SpaceTime:
    torch.manual_seed(0)
    options = {"d_model": 16, "d_state": 8, "n_layers": 2, "dropout": 0.1}
    model = build_forecasting_model(
        "spacetime", lookback=LOOKBACK, horizon=HORIZON, n_channels=7, n_outputs=7, options=options
    )
    with torch.no_grad():
        model.decoder.k.normal_(std=0.1)  # a non-trivial closed loop
    return model


def _train_steps(model: SpaceTime, series: Tensor) -> tuple[list[Tensor], list[list[Tensor]], Tensor]:
    """Losses and gradients of 3 AdamW steps on ETTh1 windows (dropout seeded), then an eval forecast."""
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
    losses, grads = [], []
    model.train()
    for step in range(3):
        x, y = _windows(series, range(100 * step, 100 * step + 160, 20))
        torch.manual_seed(step)
        out = model(x)
        loss = F.mse_loss(out.prediction[..., 0], y) + out.aux_loss
        optimizer.zero_grad()
        loss.backward()
        losses.append(loss.detach())
        grads.append([p.grad.clone() for p in model.parameters() if p.grad is not None])
        optimizer.step()
    model.eval()
    with torch.no_grad():
        forecast = model(_windows(series, range(700, 1000, 30))[0]).prediction
    return losses, grads, forecast


def test_training_and_forecasts_equal_the_old_computations_bit_for_bit(series, monkeypatch):
    model = _model()
    reference = copy.deepcopy(model)
    with monkeypatch.context() as patch:
        patch.setattr(FixedPreprocessing, "forward", old_preprocessing)
        patch.setattr(spacetime_layers, "_reversed_channel_major", old_reversal)
        old_losses, old_grads, old_forecast = _train_steps(reference, series)
    losses, grads, forecast = _train_steps(model, series)
    assert all(torch.equal(a, b) for a, b in zip(losses, old_losses, strict=True))
    for step, (got, want) in enumerate(zip(grads, old_grads, strict=True)):
        assert len(got) == len(want) == sum(p.requires_grad for p in model.parameters()), step
        assert all(torch.equal(a, b) for a, b in zip(got, want, strict=True)), f"step {step}"
    assert torch.equal(forecast, old_forecast)
    # the fixed taps are not learned: no gradient reaches them, before or now
    assert all(block.preprocess.shift.c.grad is None for block in model.blocks)


@pytest.mark.parametrize("grad", [False, True])
def test_preprocessing_convolves_x_in_place_with_the_old_outputs_and_gradients(series, grad):
    torch.manual_seed(0)
    layer = FixedPreprocessing(d_model=16, differences=[1, 2], moving_averages=[4, 16])
    embed = torch.nn.Linear(7, 16)
    x = F.layer_norm(embed(_windows(series, range(0, 1000, 50))[0]), (16,)).detach()
    x.requires_grad_(grad)
    with _Ops() as ops:
        y = layer(x)
    want = old_preprocessing(layer, x)
    assert torch.equal(y, want)
    convolutions = [args for name, args in ops.calls if name == "convolution"]
    assert len(convolutions) == 1
    # the convolution reads x's own memory: no padded or transposed copy of the input is made
    assert convolutions[0][0].data_ptr() == x.data_ptr()
    if grad:
        g = torch.randn(x.shape[0], 16, LOOKBACK).transpose(1, 2)  # laid out as FFTConv hands it back
        (got,) = torch.autograd.grad(y, x, g)
        (expected,) = torch.autograd.grad(want, x, g)
        assert torch.equal(got, expected)


def test_preprocessing_with_learnable_taps_keeps_their_gradient():
    """Taps made learnable by hand take the old path, which differentiates them too."""
    torch.manual_seed(0)
    layer = FixedPreprocessing(d_model=8, differences=[1], moving_averages=[3])
    layer.shift.c.requires_grad_(True)
    x = torch.randn(3, 20, 8)
    layer(x).square().sum().backward()
    got = layer.shift.c.grad.clone()
    layer.shift.c.grad = None
    old_preprocessing(layer, x).square().sum().backward()
    assert torch.equal(got, layer.shift.c.grad) and got.abs().sum() > 0


def test_decoder_reverses_its_input_with_one_gather(series):
    torch.manual_seed(0)
    decoder = ClosedLoopCompanionDecoder(d_model=7, d_state=6, horizon=HORIZON).eval()
    with torch.no_grad():
        decoder.k.normal_(std=0.1)
        u = _windows(series, range(0, 1000, 40))[0]
        decoder(u, aux=False)  # the terms are kept from here on
        with _Ops() as ops:
            horizon, _, _ = decoder(u, aux=False)
        names = [name for name, _ in ops.calls]
        assert "flip" not in names and "clone" not in names and "copy_" not in names
        assert names.count("index_select") == 1
        columns_t, _, _, rows = decoder._terms_of(LOOKBACK)
        state = torch.bmm(old_reversal(u.transpose(1, 2)), columns_t)
        assert torch.equal(horizon, torch.bmm(state, rows).permute(1, 2, 0))
