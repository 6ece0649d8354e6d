"""Build a forecaster by name: ``"spacetime"``, ``"s4d"``, ``"nlinear"``, ``"dlinear"``.

Every forecaster maps ``x (batch, lookback, n_channels)`` (already scaled; targets first, then
covariates) to a :class:`~ssm_ts.models.forecast_output.ForecastOutput` whose ``prediction`` is
``(batch, horizon, n_outputs, n_quantiles)``. Model-specific settings go in ``options``; an unknown key
raises :class:`~ssm_ts.errors.ConfigError` listing the valid ones.
"""

from __future__ import annotations

import importlib
from typing import Any

from ssm_ts.errors import ConfigError
from ssm_ts.models.forecast_base import ForecastModel, resolve_options

# name -> (module, model class, options dataclass); imported on use so a name costs nothing until built.
FORECASTING_MODELS: dict[str, tuple[str, str, str]] = {
    "spacetime": ("ssm_ts.models.spacetime", "SpaceTime", "SpaceTimeOptions"),
    "s4d": ("ssm_ts.models.s4d_forecaster", "S4DForecaster", "S4DForecasterOptions"),
    "nlinear": ("ssm_ts.models.linear", "NLinear", "NLinearOptions"),
    "dlinear": ("ssm_ts.models.linear", "DLinear", "DLinearOptions"),
}


def available_forecasting_models() -> list[str]:
    return sorted(FORECASTING_MODELS)


def forecasting_options(name: str) -> type:
    """The options dataclass of model ``name`` (its fields are the valid ``options`` keys)."""
    return _lookup(name)[1]


def _lookup(name: str) -> tuple[type, type]:
    if name not in FORECASTING_MODELS:
        raise ConfigError(
            f"unknown forecasting model {name!r}; valid: {', '.join(available_forecasting_models())}."
        )
    module_name, model_cls, options_cls = FORECASTING_MODELS[name]
    module = importlib.import_module(module_name)
    return getattr(module, model_cls), getattr(module, options_cls)


def build_forecasting_model(
    name: str,
    *,
    lookback: int,
    horizon: int,
    n_channels: int,
    n_outputs: int,
    n_quantiles: int = 1,
    channel_independent: bool = True,
    options: dict[str, Any] | None = None,
    covariate_index: list[list[int]] | None = None,
) -> ForecastModel:
    """The forecaster ``name`` for windows of ``lookback`` steps of ``n_channels`` inputs.

    Args:
        name: ``"spacetime"``, ``"s4d"``, ``"nlinear"`` or ``"dlinear"``.
        lookback, horizon: input and forecast lengths.
        n_channels: input channels (targets first, then covariates); n_outputs: target channels.
        n_quantiles: forecast slots per target (1 for a point forecast).
        channel_independent: one shared univariate model per target series (else channels mixed).
        options: model settings, e.g. ``{"d_model": 64, "n_layers": 2}``; see ``forecasting_options(name)``.
        covariate_index: per target, the covariate channels it reads (its own per-series ones); ``None``:
            every target reads every covariate (see :class:`~ssm_ts.models.forecast_base.ForecastModel`).
    """
    model_cls, options_cls = _lookup(name)
    resolved = resolve_options(name, options_cls, options)
    return model_cls(
        lookback=lookback,
        horizon=horizon,
        n_channels=n_channels,
        n_outputs=n_outputs,
        n_quantiles=n_quantiles,
        channel_independent=channel_independent,
        options=resolved,
        **({"covariate_index": covariate_index} if covariate_index is not None else {}),
    )
