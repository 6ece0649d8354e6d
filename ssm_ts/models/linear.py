"""Linear forecast baselines: NLinear and DLinear (Zeng et al. 2023, "Are Transformers Effective for
Time Series Forecasting?"), the lookback-to-horizon linear map the SSM forecasters reuse as a
linear path, and its closed-form ridge initialisation.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ssm_ts.errors import ConfigError
from ssm_ts.models.forecast_base import ForecastModel, check_choice, check_positive

LINEAR_INITS = ("default", "ridge")
RIDGE_ALPHAS = (1e-1, 1.0, 10.0, 100.0, 1e3, 1e4, 1e5)
RIDGE_ALPHA_WITHOUT_VALIDATION = 1e3


class LookbackLinear(nn.Module):
    """A linear map from the lookback of every input channel to the horizon of every output channel.

    One time map (lookback -> horizon * n_quantiles) shared by all channels, then a channel mixing
    (in_channels -> out_channels, initialised to pass target channel i to output i), so the
    channel-independent case is exactly NLinear's shared linear layer.

    ``z (B, lookback, in_channels)`` -> ``(B, horizon, out_channels, n_quantiles)``.
    """

    def __init__(
        self, *, lookback: int, horizon: int, in_channels: int, out_channels: int, n_quantiles: int = 1
    ):
        super().__init__()
        self.horizon, self.n_quantiles, self.in_channels = horizon, n_quantiles, in_channels
        self.time = nn.Linear(lookback, horizon * n_quantiles)
        # Start as "repeat the last value" plus small noise: a good first guess after last-value norm.
        nn.init.normal_(self.time.weight, std=0.01 / lookback**0.5)
        nn.init.zeros_(self.time.bias)
        self.mix = None
        if in_channels != 1 or out_channels != 1:
            self.mix = nn.Linear(in_channels, out_channels, bias=False)
            with torch.no_grad():
                self.mix.weight.zero_()
                self.mix.weight[:, :out_channels].copy_(torch.eye(out_channels))

    @torch.no_grad()
    def set_time_map(self, weight: Tensor) -> None:
        """Set the time map to ``weight (lookback, horizon)`` (every quantile slot alike), bias 0."""
        lookback, horizon = self.time.in_features, self.horizon
        if tuple(weight.shape) != (lookback, horizon):
            raise ConfigError(
                f"a time map of shape {tuple(weight.shape)} does not fit lookback {lookback} -> horizon {horizon}."
            )
        rows = weight.T.unsqueeze(1).expand(horizon, self.n_quantiles, lookback)  # (H, Q, L): row h*Q + q
        self.time.weight.copy_(rows.reshape(-1, lookback).to(self.time.weight))
        self.time.bias.zero_()

    def forward(self, z: Tensor) -> Tensor:
        B = z.shape[0]
        y = self.time(z.transpose(1, 2))  # (B, in, H*Q)
        # explicit channel count: view(B, -1, ...) cannot infer it from zero elements (an empty batch)
        y = y.view(B, self.in_channels, self.horizon, self.n_quantiles).permute(0, 2, 3, 1)  # (B, H, Q, in)
        if self.mix is not None:
            y = self.mix(y)
        return y.transpose(2, 3)  # (B, H, out, Q)


def layout_linear(model: ForecastModel) -> LookbackLinear:
    """A :class:`LookbackLinear` for ``model``'s layout: its lookback, horizon, input and output
    channels and quantile slots (set by :class:`ForecastModel`'s constructor)."""
    return LookbackLinear(
        lookback=model.lookback,
        horizon=model.horizon,
        in_channels=model.in_channels,
        out_channels=model.out_channels,
        n_quantiles=model.n_quantiles,
    )


def head_and_linear_path(
    model: ForecastModel, d_model: int, linear_path: bool, linear_init: str = "default"
) -> tuple[nn.Linear, LookbackLinear | None]:
    """An SSM model's output head (d_model -> outputs x quantiles) and its optional linear path.

    With the linear path, the head starts at zero: the model begins as the linear forecaster
    alone (strong on its own) and the SSM learns the residual. ``linear_init="ridge"`` freezes the
    linear path: training code fills it with the closed-form ridge map of the training windows
    (:func:`init_linear_path_with_ridge`) and the SSM learns only what that map misses.
    """
    check_choice(model.model_name, "linear_init", linear_init, LINEAR_INITS)
    if linear_init == "ridge" and not linear_path:
        raise ConfigError(
            f"{model.model_name}: linear_init='ridge' initialises the linear path; set linear_path=True "
            "or leave linear_init='default'."
        )
    head = nn.Linear(d_model, model.out_channels * model.n_quantiles)
    if not linear_path:
        return head, None
    nn.init.zeros_(head.weight)
    nn.init.zeros_(head.bias)
    linear = layout_linear(model)
    if linear_init == "ridge":
        linear.requires_grad_(False)  # the closed-form map is the optimum; SGD would only add noise
    return head, linear


# ---------------------------------------------------------------------------------------- ridge


@dataclass
class RidgeFit:
    """A closed-form ridge map ``weight (lookback, horizon)`` (float64), its ``alpha`` and validation MSE."""

    weight: Tensor
    alpha: float
    val_mse: float | None


class _RowMoments:
    """Running ``X^T X``, ``X^T Y`` and ``sum Y^2`` over chunks of rows ``X (n, L)``, ``Y (n, H)``."""

    def __init__(self):
        self.gram = self.cross = None
        self.y_squared, self.count = 0.0, 0

    def add(self, X: Tensor, Y: Tensor) -> None:
        if not len(X):  # a chunk of a ragged panel may hold no valid row
            return
        X, Y = X.double(), Y.double()
        gram, cross = X.T @ X, X.T @ Y
        self.gram = gram if self.gram is None else self.gram + gram
        self.cross = cross if self.cross is None else self.cross + cross
        self.y_squared += float((Y**2).sum())
        self.count += Y.numel()

    def mse(self, W: Tensor) -> float:
        """Mean of ``(X W - Y)^2`` over the rows seen, from the moments alone."""
        fitted = float((W * (self.gram @ W)).sum()) - 2 * float((W * self.cross).sum())
        return (fitted + self.y_squared) / self.count


def fit_ridge_map(
    train_rows: Iterable[tuple[Tensor, Tensor]],
    val_rows: Iterable[tuple[Tensor, Tensor]] = (),
    alphas: Sequence[float] = RIDGE_ALPHAS,
) -> RidgeFit:
    """Closed-form ridge from lookback rows to horizon rows, alpha chosen on the validation rows.

    Both iterables yield chunks ``(X (n, lookback), Y (n, horizon))``; only their moments are kept, so
    any number of windows fits in memory. Without validation rows alpha is
    ``RIDGE_ALPHA_WITHOUT_VALIDATION``.
    """
    train, val = _RowMoments(), _RowMoments()
    for X, Y in train_rows:
        train.add(X, Y)
    if train.gram is None:
        raise ConfigError(
            "a ridge fit needs at least one training window; use more data or a shorter lookback."
        )
    for X, Y in val_rows:
        val.add(X, Y)
    eye = torch.eye(train.gram.shape[0], dtype=train.gram.dtype)
    candidates = alphas if val.gram is not None else [RIDGE_ALPHA_WITHOUT_VALIDATION]
    best: RidgeFit | None = None
    for alpha in candidates:
        W = torch.linalg.solve(train.gram + alpha * eye, train.cross)
        score = val.mse(W) if val.gram is not None else None
        if best is None or (score is not None and score < best.val_mse):
            best = RidgeFit(W, float(alpha), score)
    return best


def ridge_rows(
    model: ForecastModel, x: Tensor, y: Tensor, valid: Tensor | None = None
) -> tuple[Tensor, Tensor]:
    """Scaled windows ``x (B, lookback, n_channels)``, ``y (B, horizon, n_outputs)`` -> the rows the
    model's linear time map sees: ``(B * n_outputs, lookback)`` and ``(B * n_outputs, horizon)``,
    normalised by the model's own instance norm (targets only).

    ``valid (B, n_outputs)`` bool (a ragged panel): keep only the rows of the (window, series) pairs
    that lie inside the series' span, ``(n_valid, lookback)`` and ``(n_valid, horizon)``; the time map
    is shared by all series, so it is fitted on every series' own windows and nothing else.
    """
    C = model.n_outputs
    shift, scale = model.norm.statistics(x[..., :C])
    X = ((x[..., :C] - shift) / scale).permute(0, 2, 1).reshape(-1, x.shape[1])
    Y = ((y - shift) / scale).permute(0, 2, 1).reshape(-1, y.shape[1])
    if valid is not None:
        keep = valid.to(torch.bool).reshape(-1)  # row b * n_outputs + c is series c of window b
        X, Y = X[keep], Y[keep]
    return X, Y


def wants_ridge_init(model: nn.Module) -> bool:
    """Whether ``model`` was built with ``linear_init="ridge"``."""
    return getattr(getattr(model, "options", None), "linear_init", "default") == "ridge"


def init_linear_path_with_ridge(
    model: ForecastModel,
    train_windows: Iterable[tuple[Tensor, ...]],
    val_windows: Iterable[tuple[Tensor, ...]] = (),
    alphas: Sequence[float] = RIDGE_ALPHAS,
) -> RidgeFit:
    """Fill ``model.linear`` with the ridge map fitted on ``train_windows`` (alpha chosen on ``val_windows``).

    The windows are scaled batches ``(x (B, lookback, n_channels), y (B, horizon, n_outputs))``, or
    ``(x, y, valid (B, n_outputs) bool)`` for a ragged panel: only the valid (window, series) pairs
    count, in the fit and in the choice of alpha (see :func:`ridge_rows`). Pass training windows only
    (never test windows) to keep evaluation honest.
    """
    linear = getattr(model, "linear", None)
    if not isinstance(linear, LookbackLinear):
        raise ConfigError(
            f"{model.model_name} has no linear path to initialise; build it with linear_path=True."
        )
    with torch.no_grad():
        fit = fit_ridge_map(
            (ridge_rows(model, *window) for window in train_windows),
            (ridge_rows(model, *window) for window in val_windows),
            alphas,
        )
    linear.set_time_map(fit.weight)
    return fit


@dataclass
class NLinearOptions:
    """NLinear: subtract the last value, one linear layer, add it back."""

    instance_norm: str = "last"


class NLinear(ForecastModel):
    model_name = "nlinear"

    def __init__(self, *, options: NLinearOptions | None = None, **layout):
        options = options or NLinearOptions()
        super().__init__(instance_norm=options.instance_norm, **layout)
        self.linear = layout_linear(self)

    def forecast(self, z: Tensor, targets: Tensor, valid: Tensor | None = None) -> tuple[Tensor, None]:
        return self.linear(z), None


@dataclass
class DLinearOptions:
    """DLinear: moving-average trend + remainder, one linear layer each (no instance norm by default)."""

    instance_norm: str = "none"
    moving_average: int = 25


def moving_average_trend(z: Tensor, window: int) -> Tensor:
    """Centred moving average of ``z (B, L, C)`` with edge replication, same length."""
    front, back = (window - 1) // 2, window // 2
    padded = F.pad(z.transpose(1, 2), (front, back), mode="replicate")
    return F.avg_pool1d(padded, window, stride=1).transpose(1, 2)


class DLinear(ForecastModel):
    model_name = "dlinear"

    def __init__(self, *, options: DLinearOptions | None = None, **layout):
        options = options or DLinearOptions()
        check_positive(self.model_name, moving_average=options.moving_average)
        super().__init__(instance_norm=options.instance_norm, **layout)
        self.window = options.moving_average
        self.trend = layout_linear(self)
        self.seasonal = layout_linear(self)

    def forecast(self, z: Tensor, targets: Tensor, valid: Tensor | None = None) -> tuple[Tensor, None]:
        trend = moving_average_trend(z, self.window)
        return self.trend(trend) + self.seasonal(z - trend), None
