"""SpaceTime's decoder computes its lookback outputs (``lookback_out``, ``next_input``: two FFT
convolutions over the lookback) only for the training's auxiliary loss: an evaluation forward, or a
training one whose auxiliary terms are off, skips them. Forecasts, training losses and every gradient
are the same, bit for bit, as when the decoder computes them always (as it did before)."""

from __future__ import annotations

import pandas as pd
import pytest
import torch
from torch import Tensor

import ssm_ts.models.spacetime_layers as spacetime_layers
from ssm_ts.models.forecasting_registry import build_forecasting_model
from ssm_ts.models.spacetime import SpaceTime
from ssm_ts.models.spacetime_layers import ClosedLoopCompanionDecoder

LOOKBACK, HORIZON = 32, 8
pytestmark = pytest.mark.usefixtures("single_thread")  # small ops: one thread is faster


@pytest.fixture
def conv_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the decoder's FFT convolutions (the encoder's FFTConv calls its own module's function)."""
    calls: list[int] = []
    original = spacetime_layers.fft_causal_conv

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(spacetime_layers, "fft_causal_conv", counting)
    return calls


@pytest.fixture
def windows(ett: pd.DataFrame) -> Tensor:
    """6 windows of ETTh1's 7 series, ``(6, LOOKBACK, 7)`` float64."""
    values = torch.tensor(ett.iloc[:, 1:].to_numpy(), dtype=torch.float64)
    return torch.stack([values[s : s + LOOKBACK] for s in range(0, 600, 100)])


def _model(lookback: int = LOOKBACK, **options) -> SpaceTime:
    torch.manual_seed(0)
    settings = {"d_model": 8, "d_state": 6, "n_layers": 1, "dropout": 0.1, **options}
    model = build_forecasting_model(
        "spacetime", lookback=lookback, horizon=HORIZON, n_channels=7, n_outputs=7, options=settings
    ).double()
    with torch.no_grad():
        model.decoder.k.normal_(std=0.1)  # a non-trivial closed loop
    return model


def _always_aux(model: SpaceTime) -> None:
    """The decoder computes its lookback outputs at every call, whatever it is asked (the old code)."""
    forward = model.decoder.forward
    model.decoder.forward = lambda u, aux=True: forward(u, aux=True)


def _loss_and_grads(model: SpaceTime, x: Tensor) -> list[Tensor]:
    torch.manual_seed(1)  # the same dropout masks in both runs
    out = model(x)
    loss = out.prediction.square().mean()
    if out.aux_loss is not None:
        loss = loss + out.aux_loss
    params = [p for p in model.parameters() if p.requires_grad]
    return [loss.detach(), out.prediction.detach(), *torch.autograd.grad(loss, params)]


def test_evaluation_forward_skips_the_decoder_lookback_convolutions(conv_calls, windows) -> None:
    model = _model().eval()
    with torch.no_grad():
        model(windows)
    assert conv_calls == []  # before: 2 per forward
    model.train()
    assert model(windows).aux_loss is not None
    assert len(conv_calls) == 2  # training with its auxiliary terms still computes both


@pytest.mark.parametrize(
    ("lookback", "options"),
    [(LOOKBACK, {"lookback_weight": 0.0, "next_input_weight": 0.0}), (1, {})],
    ids=["weights-zero", "lookback-1"],
)
def test_training_without_auxiliary_terms_skips_them(conv_calls, windows, lookback, options) -> None:
    model = _model(lookback, **options).train()
    assert model(windows[:, -lookback:]).aux_loss is None
    assert conv_calls == []


def test_evaluation_forecasts_equal_those_computing_the_lookback_outputs(windows) -> None:
    model, reference = _model().eval(), _model().eval()
    _always_aux(reference)
    with torch.no_grad():
        got, want = model(windows).prediction, reference(windows).prediction
        # the cached parameter terms serve a second batch the same way
        again, want_again = model(windows[:3]).prediction, reference(windows[:3]).prediction
    assert torch.equal(got, want) and torch.equal(again, want_again)
    # with gradients (no cached terms) too
    assert torch.equal(model(windows).prediction, reference(windows).prediction)


@pytest.mark.parametrize(
    "options",
    [{}, {"lookback_weight": 0.0, "next_input_weight": 0.0}, {"lookback_weight": 0.0}],
    ids=["aux-on", "aux-off", "next-input-only"],
)
def test_training_loss_and_every_gradient_are_unchanged(windows, options) -> None:
    model, reference = _model(**options).train(), _model(**options).train()
    _always_aux(reference)
    got, want = _loss_and_grads(model, windows), _loss_and_grads(reference, windows)
    assert len(got) == len(want) == 2 + sum(p.requires_grad for p in model.parameters())
    for g, w in zip(got, want, strict=True):
        assert torch.equal(g, w)


def test_decoder_without_aux_returns_the_same_horizon_and_none() -> None:
    torch.manual_seed(0)
    decoder = ClosedLoopCompanionDecoder(d_model=4, d_state=6, horizon=5)
    with torch.no_grad():
        decoder.k.normal_(std=0.1)
    u = torch.randn(3, 12, 4, requires_grad=True)
    horizon, lookback_out, next_input = decoder(u, aux=False)
    assert lookback_out is None and next_input is None
    full = decoder(u)  # aux defaults to True: all three outputs
    assert all(o is not None for o in full)
    assert torch.equal(horizon, full[0])
    params = [u, decoder.k, *decoder.ssm.parameters()]
    got = torch.autograd.grad(horizon.sum(), params)
    want = torch.autograd.grad(full[0].sum(), params)
    assert all(torch.equal(g, w) for g, w in zip(got, want, strict=True))
