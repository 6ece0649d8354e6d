"""Every forecaster through the registry: shapes in every mode, gradients, normalisation, option errors,
and learning on a real series."""

from __future__ import annotations

import pandas as pd
import pytest
import torch

from ssm_ts.errors import ConfigError
from ssm_ts.models.forecasting_registry import available_forecasting_models, build_forecasting_model
from ssm_ts.models.losses import build_forecast_loss

MODELS = ["spacetime", "s4d", "nlinear", "dlinear"]
TINY = {
    "spacetime": {"d_model": 8, "d_state": 8, "n_layers": 1},
    "s4d": {"d_model": 8, "d_state": 8, "n_layers": 1},
    "nlinear": {},
    "dlinear": {"moving_average": 5},
}
# (n_channels, n_outputs, n_quantiles, channel_independent)
MODES = {
    "univariate": (1, 1, 1, True),
    "multivariate_ci": (3, 3, 1, True),
    "multivariate_mixed": (3, 3, 1, False),
    "quantiles": (3, 3, 3, True),
    "covariates_ci": (4, 2, 1, True),
    "covariates_mixed_quantiles": (4, 2, 3, False),
}


def build(name, lookback=24, horizon=6, n_channels=1, n_outputs=1, n_quantiles=1, ci=True, options=None):
    return build_forecasting_model(
        name,
        lookback=lookback,
        horizon=horizon,
        n_channels=n_channels,
        n_outputs=n_outputs,
        n_quantiles=n_quantiles,
        channel_independent=ci,
        options=TINY[name] if options is None else options,
    )


def test_registry_lists_every_model():
    assert available_forecasting_models() == sorted(MODELS)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", MODELS)
def test_shapes_gradients_and_aux_loss(name, mode):
    n_channels, n_outputs, n_quantiles, ci = MODES[mode]
    model = build(name, n_channels=n_channels, n_outputs=n_outputs, n_quantiles=n_quantiles, ci=ci)
    x = torch.randn(5, 24, n_channels)
    out = model(x)
    assert out.prediction.shape == (5, 6, n_outputs, n_quantiles)
    assert torch.isfinite(out.prediction).all()
    assert (out.aux_loss is not None) == (name == "spacetime")
    loss = (
        build_forecast_loss("quantile", quantiles=[0.1, 0.5, 0.9][:n_quantiles] if n_quantiles == 3 else None)
        if n_quantiles == 3
        else build_forecast_loss("mse")
    )
    total = loss(out.prediction, torch.randn(5, 6, n_outputs))
    if out.aux_loss is not None:
        assert out.aux_loss.dim() == 0
        total = total + out.aux_loss
    total.backward()
    grads = [p.grad for p in model.parameters() if p.requires_grad]
    assert grads and all(g is not None and torch.isfinite(g).all() for g in grads)
    model.eval()
    assert model(x).aux_loss is None  # auxiliary terms are a training-time loss only


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", MODELS)
@torch.no_grad()
def test_an_empty_batch_or_no_rows_gives_an_empty_forecast(name, mode):
    """Zero windows (an empty batch, or ``rows=[]``): the linear path's reshape could not infer the
    channel count from zero elements."""
    n_channels, n_outputs, n_quantiles, ci = MODES[mode]
    model = build(name, n_channels=n_channels, n_outputs=n_outputs, n_quantiles=n_quantiles, ci=ci).eval()
    empty = (0, 6, n_outputs, n_quantiles)
    assert model(torch.randn(0, 24, n_channels)).prediction.shape == empty
    if ci:  # rows selects (window, series) pairs; the others are NaN
        no_rows = torch.zeros(0, dtype=torch.long)
        pred = model(torch.randn(4, 24, n_channels), rows=no_rows).prediction
        assert pred.shape == (4, *empty[1:]) and pred.isnan().all()


@pytest.mark.parametrize("name", MODELS)
def test_channel_independent_models_treat_each_series_alike(name):
    """Channel independence: forecasting [a, b] equals forecasting a and b separately."""
    model = build(name, n_channels=2, n_outputs=2).eval()
    single = build(name, n_channels=1, n_outputs=1).eval()
    single.load_state_dict(model.state_dict())
    x = torch.randn(3, 24, 2)
    both = model(x).prediction
    for c in range(2):
        assert torch.allclose(both[:, :, c], single(x[..., c : c + 1]).prediction[:, :, 0], atol=1e-5)


def randomised(model: torch.nn.Module) -> torch.nn.Module:
    """``model`` in eval mode with random noise on every weight: at initialisation some paths are zero and
    the linear path repeats the last value, which is shift-equivariant with or without normalisation."""
    torch.manual_seed(0)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.add_(0.3 * torch.randn_like(parameter))
    return model.eval()


@pytest.mark.parametrize("name", ["nlinear", "spacetime", "s4d"])
def test_last_value_normalisation_makes_forecasts_shift_equivariant(name):
    model = randomised(build(name, n_channels=2, n_outputs=2))
    x = torch.randn(3, 24, 2)
    assert torch.allclose(model(x + 5.0).prediction, model(x).prediction + 5.0, atol=1e-4)


@pytest.mark.parametrize("name", ["nlinear", "spacetime", "s4d"])
def test_mean_std_normalisation_makes_forecasts_affine_equivariant(name):
    # RevIN without the affine part: scaling and shifting a window's series scales and shifts its forecast
    model = randomised(
        build(name, n_channels=2, n_outputs=2, options={**TINY[name], "instance_norm": "mean_std"})
    )
    x = torch.randn(3, 24, 2)
    scale, shift = torch.tensor([3.0, 0.5]), torch.tensor([5.0, -2.0])
    expected = model(x).prediction * scale[:, None] + shift[:, None]
    assert torch.allclose(model(x * scale + shift).prediction, expected, atol=1e-4)


def test_unknown_option_lists_valid_ones():
    with pytest.raises(
        ConfigError, match=r"unknown option\(s\) \['d_modle'\].*valid options: d_model, d_state"
    ):
        build("spacetime", options={"d_modle": 8})
    with pytest.raises(ConfigError, match="valid: dlinear, nlinear, s4d, spacetime"):
        build_forecasting_model("transformer", lookback=8, horizon=2, n_channels=1, n_outputs=1)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"options": {"instance_norm": "batch"}}, "instance_norm"),
        ({"options": {"d_model": 0, "d_state": 8}}, "d_model"),
        ({"options": {"dropout": 1.5}}, "dropout"),
        ({"options": {"differences": [0]}}, "differences"),
        ({"n_outputs": 3, "n_channels": 2}, "n_outputs=3 exceeds n_channels=2"),
        ({"lookback": 0}, "lookback must be a positive integer"),
    ],
)
def test_bad_settings_raise_config_errors(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        build("spacetime", **kwargs)


def test_wrong_input_shape_is_a_clear_error():
    model = build("nlinear", n_channels=2, n_outputs=2)
    with pytest.raises(ConfigError, match=r"expects x of shape \(batch, lookback=24, n_channels=2\)"):
        model(torch.randn(4, 20, 2))


def real_series(shared_data, rows=1200):
    """OT of ETTh1 (hourly transformer oil temperature), standardised on its first rows."""
    frame = pd.read_csv(shared_data / "forecasting" / "ETTh1.csv", nrows=rows)
    values = torch.tensor(frame["OT"].to_numpy(), dtype=torch.float32)
    return (values - values[:800].mean()) / values[:800].std()


@pytest.mark.parametrize("name", MODELS)
def test_tiny_models_learn_a_real_series(shared_data, name):
    series = real_series(shared_data)
    lookback, horizon = 48, 12
    starts = torch.arange(0, 800 - lookback - horizon)
    index = starts.unsqueeze(1) + torch.arange(lookback + horizon)
    windows = series[index].unsqueeze(-1)
    x, y = windows[:, :lookback], windows[:, lookback:]
    torch.manual_seed(0)
    model = build(name, lookback=lookback, horizon=horizon)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    loss_fn = build_forecast_loss("mse")

    def horizon_loss():
        model.eval()
        with torch.no_grad():
            return loss_fn(model(x).prediction, y).item()

    before = horizon_loss()
    generator = torch.Generator().manual_seed(0)
    for _ in range(40):
        model.train()
        batch = torch.randint(0, len(x), (32,), generator=generator)
        out = model(x[batch])
        loss = loss_fn(out.prediction, y[batch])
        if out.aux_loss is not None:
            loss = loss + out.aux_loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    after = horizon_loss()
    assert after < 0.8 * before, (before, after)


@pytest.mark.parametrize("name", ["spacetime", "s4d"])
def test_ridge_linear_init_starts_the_model_at_the_closed_form_ridge_forecast(shared_data, name):
    from ssm_ts.core import ssm_param_groups
    from ssm_ts.models.linear import RIDGE_ALPHAS, init_linear_path_with_ridge

    series = real_series(shared_data)
    lookback, horizon = 48, 12
    index = torch.arange(0, 1200 - lookback - horizon).unsqueeze(1) + torch.arange(lookback + horizon)
    windows = series[index].unsqueeze(-1).repeat(1, 1, 2)  # two target channels, CI: one shared map
    windows[..., 1] = windows[..., 1].flip(1) * 0.5  # a second, different series
    train, val = windows[:700], windows[800:1000]
    model = build(name, lookback=lookback, horizon=horizon, n_channels=2, n_outputs=2,
                  options={**TINY[name], "linear_init": "ridge"})  # fmt: skip
    fit = init_linear_path_with_ridge(
        model,
        [(w[:, :lookback], w[:, lookback:]) for w in train.split(256)],
        [(val[:, :lookback], val[:, lookback:])],
    )

    def rows(w):  # last-value-normalised rows of both channels, the model's own design
        last = w[:, lookback - 1 : lookback]
        return (
            (w - last).permute(0, 2, 1).reshape(-1, lookback + horizon).double().split([lookback, horizon], 1)
        )

    X, Y = rows(train)
    Xv, Yv = rows(val)
    scores = {}
    for alpha in RIDGE_ALPHAS:
        W = torch.linalg.solve(X.T @ X + alpha * torch.eye(lookback, dtype=X.dtype), X.T @ Y)
        scores[alpha] = ((Xv @ W - Yv) ** 2).mean().item()
    assert fit.alpha == min(scores, key=scores.get) and fit.val_mse == pytest.approx(
        scores[fit.alpha], rel=1e-6
    )
    model.eval()
    with torch.no_grad():
        prediction = model(val[:, :lookback]).prediction[..., 0]  # the SSM head starts at zero
    expected = (Xv @ fit.weight).reshape(len(val), 2, horizon).permute(0, 2, 1) + val[
        :, lookback - 1 : lookback
    ]
    torch.testing.assert_close(prediction, expected.float(), atol=1e-4, rtol=1e-4)
    # the ridge map stays fixed: it is not in the optimiser's groups
    trained = {id(p) for group in ssm_param_groups(model, 1e-3, 0.0) for p in group["params"]}
    assert all(id(p) not in trained for p in model.linear.parameters())


def test_ridge_linear_init_needs_a_linear_path():
    with pytest.raises(ConfigError, match="linear_path=True"):
        build("spacetime", options={**TINY["spacetime"], "linear_init": "ridge", "linear_path": False})
    with pytest.raises(ConfigError, match="linear_init"):
        build("s4d", options={**TINY["s4d"], "linear_init": "lstsq"})
