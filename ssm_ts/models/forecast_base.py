"""What every forecaster shares: option checking, channel layout and instance normalisation.

A forecaster maps ``x (batch, lookback, n_channels)`` to ``prediction (batch, horizon, n_outputs,
n_quantiles)``. Input channels are ``targets first, then covariates`` (the pipeline's layout).

- Channel-independent mode folds the targets into the batch: each target series is forecast by
  one shared univariate model, seeing its own history plus the covariates (``1 + n_covariates`` input
  channels, 1 output). Mixed mode sees all channels at once and forecasts all targets together.
  ``covariate_index`` (channel-independent) gives each target its own covariates: row ``c`` lists the
  covariate channels target ``c`` reads (the shared ones and its own per-series ones, such as its
  price or its static features), the same count for every target.
- Instance normalisation (``"last"``: subtract each window's last value; ``"mean_std"``: RevIN without
  the affine part; ``"none"``) is applied to the target channels before the network and inverted after:
  it removes the level shift between training and test years that dominates errors on ETT.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import torch
from torch import Tensor, nn

from ssm_ts.errors import ConfigError
from ssm_ts.models.forecast_output import ForecastOutput

INSTANCE_NORMS = ("last", "mean_std", "none")


def resolve_options(model_name: str, options_cls: type, options: dict[str, Any] | None) -> Any:
    """Build the dataclass ``options_cls`` from ``options``; unknown keys raise ConfigError listing the valid ones."""
    options = dict(options or {})
    valid = [f.name for f in fields(options_cls)]
    unknown = sorted(set(options) - set(valid))
    if unknown:
        raise ConfigError(
            f"unknown option(s) {unknown} for forecasting model {model_name!r}; valid options: {', '.join(valid)}."
        )
    return options_cls(**options)


def check_choice(model_name: str, key: str, value: Any, choices: tuple) -> None:
    if value not in choices:
        raise ConfigError(
            f"option {key}={value!r} of model {model_name!r} is invalid; choose one of {list(choices)}."
        )


def check_positive(model_name: str, **values: float) -> None:
    for key, value in values.items():
        if not value > 0:
            raise ConfigError(f"option {key}={value!r} of model {model_name!r} must be positive.")


def check_covariate_index(
    model_name: str, covariate_index: list[list[int]] | None, n_outputs: int, n_covariates: int
) -> Tensor | None:
    """``covariate_index`` as a ``(n_outputs, m)`` long tensor (``None`` stays ``None``): one row per
    target, each listing ``m`` covariate channels in ``[0, n_covariates)``.

    Raises:
        ConfigError: another shape, or a channel out of range."""
    if covariate_index is None:
        return None
    rows = [list(row) for row in covariate_index]
    widths = {len(row) for row in rows}
    if len(rows) != n_outputs or len(widths) != 1 or any(not 0 <= i < n_covariates for r in rows for i in r):
        raise ConfigError(
            f"{model_name}: covariate_index must list, for each of the {n_outputs} targets, the same number "
            f"of covariate channels in [0, {n_covariates}); got {covariate_index!r}."
        )
    return torch.tensor(rows, dtype=torch.long)


class InstanceNorm(nn.Module):
    """Per-window normalisation of ``z (batch, length, channels)`` and its inverse on forecasts."""

    def __init__(self, mode: str):
        super().__init__()
        check_choice("forecaster", "instance_norm", mode, INSTANCE_NORMS)
        self.mode = mode

    def statistics(self, z: Tensor) -> tuple[Tensor, Tensor]:
        """``(shift, scale)`` each (batch, 1, channels)."""
        if self.mode == "last":
            return z[:, -1:].detach(), torch.ones_like(z[:, -1:])
        if self.mode == "mean_std":
            mean = z.mean(1, keepdim=True).detach()
            return mean, (z.var(1, keepdim=True, unbiased=False).detach() + 1e-5).sqrt()
        return torch.zeros_like(z[:, -1:]), torch.ones_like(z[:, -1:])


class ForecastModel(nn.Module):
    """Base class: validates ``x``, normalises, lays channels out, calls :meth:`forecast`, undoes both.

    Subclasses set up their network for ``self.in_channels`` inputs and ``self.out_channels`` outputs
    (1 each in channel-independent mode without covariates) and implement :meth:`forecast`.
    """

    model_name = "forecaster"

    def __init__(
        self,
        *,
        lookback: int,
        horizon: int,
        n_channels: int,
        n_outputs: int,
        n_quantiles: int = 1,
        channel_independent: bool = True,
        instance_norm: str = "last",
        covariate_index: list[list[int]] | None = None,
    ):
        super().__init__()
        for key, value in dict(
            lookback=lookback,
            horizon=horizon,
            n_channels=n_channels,
            n_outputs=n_outputs,
            n_quantiles=n_quantiles,
        ).items():
            if not isinstance(value, int) or value < 1:
                raise ConfigError(f"{self.model_name}: {key} must be a positive integer, got {value!r}.")
        if n_outputs > n_channels:
            raise ConfigError(
                f"{self.model_name}: n_outputs={n_outputs} exceeds n_channels={n_channels}; targets are the first "
                "n_outputs input channels, so n_channels must be at least n_outputs."
            )
        self.lookback, self.horizon, self.n_quantiles = lookback, horizon, n_quantiles
        self.n_channels, self.n_outputs = n_channels, n_outputs
        self.channel_independent = channel_independent
        n_covariates = n_channels - n_outputs
        index = check_covariate_index(self.model_name, covariate_index, n_outputs, n_covariates)
        if index is not None and channel_independent:
            n_covariates = index.shape[1]
        # not saved in state dicts: rebuilt from the setting (older checkpoints load unchanged)
        self.register_buffer("covariate_index", index if channel_independent else None, persistent=False)
        self.in_channels = 1 + n_covariates if channel_independent else n_channels
        self.out_channels = 1 if channel_independent else n_outputs
        self.norm = InstanceNorm(instance_norm)

    def forecast(
        self, z: Tensor, targets: Tensor, valid: Tensor | None = None
    ) -> tuple[Tensor, Tensor | None]:
        """Normalised ``z (B', lookback, in_channels)`` -> ``(pred (B', horizon, out_channels, n_quantiles), aux)``.

        ``targets`` (B', lookback, out_channels) are the normalised target channels of the lookback (for
        auxiliary fitting terms); ``aux`` is a weighted scalar loss or ``None``. ``valid`` (B', out_channels)
        bool, or ``None`` for all: the target series each row is valid for; auxiliary terms average over
        those only (the predictions do not depend on it).
        """
        raise NotImplementedError

    def forward(self, x: Tensor, valid: Tensor | None = None, rows: Tensor | None = None) -> ForecastOutput:
        """``x (batch, lookback, n_channels)`` scaled -> ForecastOutput with (batch, horizon, n_outputs, n_quantiles).

        ``valid`` (batch, n_outputs) bool: which target series each window is valid for (a ragged panel's
        windows reach outside some series' spans, whose inputs the task fed as zeros); auxiliary loss
        terms count the valid (window, series) pairs only. ``None`` (the default): all are valid, and the
        outputs are exactly those of a model called without it.

        ``rows`` (n,) long, channel-independent only: the (window, series) rows to compute, ``b *
        n_outputs + c`` for series ``c`` of window ``b`` (a ragged panel's valid pairs); the network
        runs on those alone and the predictions of the other pairs are NaN. ``None``: all rows.
        """
        if x.dim() != 3 or x.shape[1] != self.lookback or x.shape[2] != self.n_channels:
            raise ConfigError(
                f"{self.model_name} expects x of shape (batch, lookback={self.lookback}, n_channels={self.n_channels}), "
                f"got {tuple(x.shape)}."
            )
        if valid is not None and tuple(valid.shape) != (x.shape[0], self.n_outputs):
            raise ConfigError(
                f"{self.model_name}: valid must be a (batch, n_outputs) = ({x.shape[0]}, {self.n_outputs}) mask "
                f"of the target series each window is valid for, got shape {tuple(valid.shape)}."
            )
        if rows is not None and not self.channel_independent:
            raise ConfigError(
                f"{self.model_name}: rows selects (window, series) rows of a channel-independent model; a "
                "multivariate one (channel_independent=False) reads whole windows: pass rows=None."
            )
        B, C = x.shape[0], self.n_outputs
        shift, scale = self.norm.statistics(x[..., :C])
        targets = (x[..., :C] - shift) / scale
        covariates = x[..., C:]
        if self.channel_independent:
            # (B, L, C) -> (B*C, L, 1) with the covariates repeated beside each target series.
            series = targets.permute(0, 2, 1).reshape(B * C, self.lookback, 1)
            # valid folds like the targets: row b*C + c is series c of window b
            if rows is None:
                every = torch.arange(B * C, device=x.device)
                covs = self._own_covariates(covariates, every // C, every % C)
                z = torch.cat([series, covs], dim=-1)
                pred, aux = self.forecast(z, series, **self._valid_arg(valid, B * C))
            else:  # indices, not a boolean mask: no GPU synchronisation
                folded = self._valid_arg(valid, B * C)
                covs = self._own_covariates(covariates, rows // C, rows % C)
                kept, aux = self.forecast(torch.cat([series[rows], covs], dim=-1), series[rows],
                                          **{k: v[rows] for k, v in folded.items()})  # fmt: skip
                pred = kept.new_full((B * C, *kept.shape[1:]), float("nan")).index_copy(0, rows, kept)
            pred = pred.reshape(B, C, self.horizon, self.n_quantiles).permute(0, 2, 1, 3)
        else:
            z = torch.cat([targets, covariates], dim=-1)
            pred, aux = self.forecast(z, targets, **self._valid_arg(valid, B))
        pred = pred * scale.unsqueeze(-1) + shift.unsqueeze(-1)
        return ForecastOutput(prediction=pred, aux_loss=aux)

    def _own_covariates(self, covariates: Tensor, windows: Tensor, targets: Tensor) -> Tensor:
        """``covariates (B, L, n_covariates)`` of the ``B`` windows -> those of ``n`` folded rows, each
        the channels its target reads, ``(n, L, m)`` (all of them without a ``covariate_index``);
        ``windows``, ``targets`` ``(n,)`` long: the window and the target of each row."""
        if self.covariate_index is None:
            return covariates[windows]
        index = self.covariate_index[targets.to(self.covariate_index.device)]  # (n, m)
        # picked per row, never repeated whole first: (n, L, n_covariates) of 1,000 series with their
        # own features each held ~1,000 x the windows' covariates (GBs, and most of a step's time)
        return covariates.transpose(1, 2)[windows[:, None], index].transpose(1, 2)

    def _valid_arg(self, valid: Tensor | None, rows: int) -> dict[str, Tensor]:
        """``{"valid": (rows, out_channels) bool}`` for :meth:`forecast`, or ``{}`` without a mask (so
        the call, and its outputs, stay those of a model called without one)."""
        if valid is None:
            return {}
        return {"valid": valid.to(torch.bool).reshape(rows, self.out_channels)}
