"""``ForecastingTask``: trains any forecaster of the registry on scaled windows and reports honest metrics.

Batches arrive in original units (float64) ``x (batch, lookback, n_channels)``, ``y (batch, horizon,
n_targets)``; the task scales them with the StandardScaler stored in its own buffers (fitted by the
data module on the training rows, then saved in every checkpoint and export), so a checkpoint
applied to a new file scales it exactly as in training. Scaling and its inverse run in float64;
only the scaled values take the model's dtype, and forecasts come back in float64.

Metrics per split: ``{split}_mse`` / ``{split}_mae`` in scaled units (the long-horizon protocol's
numbers), ``{split}_mse_orig`` / ``{split}_mae_orig`` in the data's own units, ``{split}_loss`` (the
training objective without auxiliary terms) and, with quantiles, ``{split}_coverage`` of the outer
interval. Losses and metrics are means over the target values the data holds: values ``fill=`` invented
and a ragged panel's rows outside a series' span are NaN in the windows' targets and count for nothing
(the inputs keep their fill).

The task's other jobs have modules of their own: the masked loss (``forecast_loss``), the split metrics
(``forecast_metrics``), the conformal scores of its checkpoints (``forecast_conformal``), forecasts after
the data and the CLI's files (``forecast_outputs``, ``forecast_rollout`` for ``n`` past the horizon), what
it logs to MLflow (``forecast_mlflow``), the export (``forecast_export``) and the CLI's options
(``forecast_cli``); their names are imported from here as before.
"""

from __future__ import annotations

import warnings
from typing import Any, Literal

import lightning.pytorch as pl
import numpy as np
import torch
from torch import nn

from ssm_ts.errors import ConfigError, DataError
from ssm_ts.mapping_settings import require_mapping
from ssm_ts.pipelines.forecasting import ForecastDataModule, ScalerState, point_index
from ssm_ts.pipelines.forecasting.spans import require_channel_independent
from ssm_ts.pipelines.forecasting.windows import valid_pairs, valid_rows
from ssm_ts.tasks.forecast_cli import configure_cli_parser
from ssm_ts.tasks.forecast_conformal import ConformalCheckpoint
from ssm_ts.tasks.forecast_export import EXPORT_KIND, load_forecast_export, save_forecast_export
from ssm_ts.tasks.forecast_loss import masked_loss
from ssm_ts.tasks.forecast_metrics import SPLITS, ForecastScoring, split_metrics
from ssm_ts.tasks.forecast_mlflow import ForecastMLflow
from ssm_ts.tasks.forecast_outputs import ForecastOutputs
from ssm_ts.tasks.forecast_rollout import check_rollable, check_steps, with_forecast
from ssm_ts.tasks.optimizer_settings import check_lr_schedule, check_weight_decay
from ssm_ts.tasks.seeded_training import ResumedGlobalGenerators
from ssm_ts.tracking.resume_settings import builtin_hparams, builtin_value
from ssm_ts.training import check_learning_rate, cosine_follows_max_epochs
from ssm_ts.user_stack_level import user_stack_level

__all__ = [
    "EXPORT_KIND",
    "SPLITS",
    "ForecastingTask",
    "build_model",
    "check_rollable",
    "check_steps",
    "configure_cli_parser",
    "load_forecast_export",
    "normalise_quantiles",
    "save_forecast_export",
    "with_forecast",
]


def build_model(name: str, **settings: Any) -> nn.Module:
    """The forecaster ``name`` from the model registry (imported late: models load torch-heavy code)."""
    from ssm_ts.models.forecasting_registry import build_forecasting_model

    return build_forecasting_model(name, **settings)


def normalise_quantiles(quantiles: list[float] | None) -> list[float] | None:
    """Sorted, unique levels strictly between 0 and 1 that always include 0.5, or ``None`` for point forecasts.

    The point forecast (and the point metrics) of a quantile model is its median, so 0.5 is added
    when missing: ``[0.05, 0.95]`` becomes ``[0.05, 0.5, 0.95]``.
    """
    if isinstance(quantiles, (str, bytes)) or not isinstance(quantiles, (list, tuple, type(None))):
        raise ConfigError(
            f"quantiles must be a list of levels between 0 and 1 (e.g. [0.1, 0.5, 0.9]) or None, got {quantiles!r}."
        )
    if not quantiles:
        return None
    levels = {float(q) for q in quantiles}
    if any(not 0.0 < q < 1.0 for q in levels):
        raise ConfigError(f"quantiles {quantiles} must lie strictly between 0 and 1 (e.g. [0.1, 0.5, 0.9]).")
    return sorted(levels | {0.5})


def check_channel_independent(channel_independent: Any) -> None:
    """A :class:`ConfigError` unless it is a bool: ``"no"`` or ``None`` would read as true or false."""
    if not isinstance(channel_independent, (bool, np.bool_)):
        raise ConfigError(f"channel_independent must be True or False, got {channel_independent!r}.")


class ForecastingTask(
    ForecastScoring,
    ForecastOutputs,
    ForecastMLflow,
    ConformalCheckpoint,
    ResumedGlobalGenerators,
    pl.LightningModule,
):
    """Lightning task around one forecaster.

    Args:
        model: registry name: ``"spacetime"``, ``"s4d"``, ``"nlinear"``, ``"dlinear"``.
        lookback: input window length; horizon: forecast length (both linked to the data on the CLI).
        n_channels: input channels; n_outputs: target channels. Taken from the data module when omitted.
        channel_independent: share one univariate model across channels (else mix channels).
        quantiles: levels such as ``[0.1, 0.5, 0.9]`` for prediction intervals (pinball loss); 0.5 is
            always added, since the point forecast is the median.
        loss: ``"mse"`` / ``"mae"``; with ``quantiles`` the quantile (pinball) loss replaces it (a
            warning says so when ``loss="mae"`` was asked for).
        model_options: model-specific settings passed to the registry (e.g. ``d_model``, ``n_layers``).
        lr, weight_decay: AdamW settings; SSM parameters get their own group (lr <= 1e-3, no decay).
        lr_schedule: ``"cosine"`` over the epochs, or ``"none"``.
        covariate_index: per target, the covariate channels it reads (a long table's per-series
            covariates and static features, :mod:`ssm_ts.pipelines.forecasting.series_features`);
            ``None``: every target reads every covariate.
    """

    def __init__(
        self,
        model: str = "spacetime",
        lookback: int = 96,
        horizon: int = 24,
        n_channels: int | None = None,
        n_outputs: int | None = None,
        channel_independent: bool = True,
        quantiles: list[float] | None = None,
        loss: Literal["mse", "mae"] = "mse",
        model_options: dict[str, Any] | None = None,
        lr: float = 1e-3,
        weight_decay: float = 0.0,
        lr_schedule: Literal["cosine", "none"] = "cosine",
        covariate_index: list[list[int]] | None = None,
    ):
        super().__init__()
        # here, not at the first optimizer step (torch's overflow traceback mid-fit, the run FAILED)
        check_learning_rate(lr, cli_option="--model.lr", default_from=type(self))
        check_weight_decay(weight_decay)
        check_lr_schedule(lr_schedule)  # anything else trained with the cosine schedule
        check_channel_independent(channel_independent)
        require_mapping(model_options, "model_options")
        quantiles = normalise_quantiles(builtin_value(quantiles))  # a NumPy array too
        if quantiles and loss != "mse":  # "mse" is the default: only an explicit other choice is lost
            warnings.warn(
                f"loss={loss!r} is ignored: with quantiles the model trains with the quantile (pinball) loss. "
                "Leave loss unset, or drop quantiles to train on it.",
                UserWarning,
                stacklevel=user_stack_level(),  # the user's task, or their Forecaster's fit
            )
        # only a model with per-series covariates records an index: others' hparams stay as they were
        self.save_hyperparameters(ignore=["covariate_index"] if covariate_index is None else None)
        self.hparams.quantiles = quantiles
        builtin_hparams(self)  # NumPy or Path settings would make its checkpoints unloadable
        from ssm_ts.models.losses import build_forecast_loss

        self.loss_fn = build_forecast_loss("quantile" if quantiles else loss, quantiles=quantiles)
        self.ragged = False  # set from the data module: windows of a ragged panel hold NaN outside spans
        # set from the data module: window targets are NaN where the fill invented them
        self.fills_unscored = False
        # a CLI fit's conformal calibration (scores and their series), kept in its best checkpoint
        self.conformal: tuple[Any, list[str]] | None = None
        self.point = point_index(quantiles)
        self.net: nn.Module | None = None
        self.metrics = split_metrics()
        if n_channels is not None and n_outputs is not None:
            self._build(n_channels, n_outputs)

    # ------------------------------------------------------------ model and scaler

    def _build(self, n_channels: int, n_outputs: int) -> None:
        hp = self.hparams
        if not 1 <= n_outputs <= n_channels:
            raise ConfigError(f"n_outputs ({n_outputs}) must be between 1 and n_channels ({n_channels}).")
        self.hparams.n_channels, self.hparams.n_outputs = n_channels, n_outputs
        self.net = build_model(
            hp.model,
            lookback=hp.lookback,
            horizon=hp.horizon,
            n_channels=n_channels,
            n_outputs=n_outputs,
            n_quantiles=len(hp.quantiles or [None]),
            channel_independent=hp.channel_independent,
            options=dict(hp.model_options or {}),
            covariate_index=hp.get("covariate_index"),
        )
        # The scaler travels with the weights: checkpoints and exports carry it.
        self.register_buffer("scaler_mean", torch.zeros(n_channels, dtype=torch.float64))
        self.register_buffer("scaler_scale", torch.ones(n_channels, dtype=torch.float64))
        self.register_buffer("scaler_fitted", torch.zeros((), dtype=torch.bool))

    def set_scaler(self, scaler: ScalerState) -> None:
        """Store the training-rows scaler (``n_channels`` means and scales) with the model."""
        if len(scaler.mean) != self.hparams.n_channels:
            raise DataError(
                f"the scaler has {len(scaler.mean)} columns {scaler.columns} but the model takes "
                f"{self.hparams.n_channels} channels; use data with the columns the model was built for."
            )
        self.scaler_mean.copy_(torch.tensor(scaler.mean, dtype=torch.float64))
        self.scaler_scale.copy_(torch.tensor(scaler.scale, dtype=torch.float64))
        self.scaler_fitted.fill_(True)

    def scaler_state(self, columns: list[str]) -> ScalerState:
        return ScalerState(columns, self.scaler_mean.tolist(), self.scaler_scale.tolist())

    def setup(self, stage: str) -> None:
        datamodule = getattr(self.trainer, "datamodule", None)
        if not isinstance(datamodule, ForecastDataModule):
            if self.net is None:
                raise ConfigError(
                    "ForecastingTask needs n_channels and n_outputs, or a ForecastDataModule to read them from."
                )
            return
        if (datamodule.lookback, datamodule.horizon) != (self.hparams.lookback, self.hparams.horizon):
            raise ConfigError(
                f"data lookback/horizon ({datamodule.lookback}, {datamodule.horizon}) differ from the model's "
                f"({self.hparams.lookback}, {self.hparams.horizon}); set them once (model.lookback / model.horizon)."
            )
        if stage == "predict":
            return  # the data is read after the checkpoint is restored, like the training data
        if self.net is None:
            # a CLI fit's per-series inputs: each target reads its own (a multivariate model reads all)
            index = datamodule.covariate_index if self.hparams.channel_independent else None
            if index is not None and self.hparams.get("covariate_index") is None:
                self.hparams.covariate_index = index
            self._build(datamodule.n_channels, datamodule.n_outputs)
        elif (
            datamodule.n_channels != self.hparams.n_channels or datamodule.n_outputs != self.hparams.n_outputs
        ):
            raise DataError(
                f"the data has {datamodule.n_channels} input channels and {datamodule.n_outputs} targets "
                f"({datamodule.spec.input_columns}); the model was built for {self.hparams.n_channels} and "
                f"{self.hparams.n_outputs}."
            )
        if stage in ("fit", "validate", "test"):
            spans = datamodule.spans
            require_channel_independent(spans, datamodule.frame[datamodule.spec.time_col],
                                        bool(self.hparams.channel_independent))  # fmt: skip
            # a ragged panel's windows carry NaN outside the spans, and windows of filled data NaN
            # targets where the fill invented them: mask them (flags, not a check per batch, which
            # would synchronise a GPU at every step; data without either runs the unmasked code)
            self.ragged = spans.ragged
            self.fills_unscored = datamodule.observed_targets is not None
        if stage == "fit" and not bool(self.scaler_fitted):
            self.set_scaler(datamodule.scaler)
        if stage == "fit":
            self._init_linear_path(datamodule)

    def _init_linear_path(self, datamodule: ForecastDataModule, chunk: int = 1024) -> None:
        """``linear_init="ridge"``: the closed-form ridge map of the training windows (alpha chosen on
        validation) fills the frozen linear path. A resumed fit recomputes it, then the checkpoint wins.

        A ragged panel (channel-independent: setup refuses a multivariate model) fits the shared map
        on the valid (window, series) pairs only, each series' own windows inside its span, and
        chooses alpha on the valid validation pairs. A (window, series) pair whose forecast rows hold a
        value the fill invented is left out too (the ridge's moments are per pair: a partly observed
        horizon cannot be kept in part)."""
        from ssm_ts.models.linear import init_linear_path_with_ridge, wants_ridge_init

        if not wants_ridge_init(self.net):
            return
        device = self.scaler_mean.device

        def scaled(split: str):
            windows = datamodule.windows(split)
            offsets = torch.arange(windows.lookback + windows.horizon)
            starts = torch.as_tensor(np.asarray(windows.starts), dtype=torch.long)
            for positions in torch.arange(len(windows)).split(chunk):
                index = starts[positions, None] + offsets
                x = self.scale_inputs(windows.inputs_of(positions).to(device))  # carried fills applied
                y = self.scale_targets(windows.targets[index[:, windows.lookback :]].to(device))
                valid = None if windows.valid is None else windows.valid[positions]
                if windows.observed is not None:  # pairs whose whole horizon the data holds
                    whole = windows.observed[index[:, windows.lookback :]].all(dim=1)  # (B, n_targets)
                    valid = whole if valid is None else valid & whole
                if valid is None:
                    yield x, y
                else:  # outside a span x is 0 and y NaN, filled y invented: those rows are left out
                    yield x, y, valid.to(device)

        init_linear_path_with_ridge(self.net, scaled("train"), scaled("val"))

    @property
    def masked(self) -> bool:
        """Whether window targets may be NaN (a ragged panel's outside its spans, or values the fill
        invented): those are left out of the loss and the metrics."""
        return self.ragged or self.fills_unscored

    def _require_net(self) -> nn.Module:
        if self.net is None:
            raise ConfigError("the forecaster is not built yet: fit it with a data module first.")
        return self.net

    # ------------------------------------------------------------ forward in scaled space

    # Scaling runs in float64 and only the scaled values take the model's dtype: a series at 1e8
    # varying by 5 keeps its signal (float32 holds 1e8 only to the nearest 8).

    def scale_inputs(self, x: torch.Tensor) -> torch.Tensor:
        """``(batch, lookback, n_channels)`` original (float64) -> scaled, in the model's dtype.

        With a ragged panel's data (``self.ragged``), NaN (a window reaching outside a series' span,
        whose target is left out of the loss) becomes 0, so it cannot reach the loss through the
        gradients.
        """
        scaled = (x.double() - self.scaler_mean) / self.scaler_scale
        if self.ragged:
            scaled = scaled.nan_to_num(nan=0.0)
        return scaled.to(self.dtype)

    def scale_targets(self, y: torch.Tensor) -> torch.Tensor:
        """``(batch, horizon, n_targets)`` original -> scaled (targets are the first channels), model dtype."""
        n = y.shape[-1]
        return ((y.double() - self.scaler_mean[:n]) / self.scaler_scale[:n]).to(self.dtype)

    def unscale_prediction(self, prediction: torch.Tensor) -> torch.Tensor:
        """``(batch, horizon, n_targets, n_quantiles)`` scaled -> original units, float64."""
        n = prediction.shape[2]
        mean, scale = self.scaler_mean[:n, None], self.scaler_scale[:n, None]
        return prediction.double() * scale + mean

    def forward(
        self, x_scaled: torch.Tensor, valid: torch.Tensor | None = None, rows: torch.Tensor | None = None
    ) -> Any:
        """Scaled ``x (batch, lookback, n_channels)`` -> the model output (``prediction``, ``aux_loss``).

        ``valid`` (batch, n_targets) bool: the series each window is valid for (a ragged panel); the
        model's auxiliary loss counts only those. ``None``: all. ``rows`` (n,) long: the (window,
        series) rows the channel-independent model computes (a ragged panel's valid pairs, see
        :func:`~ssm_ts.pipelines.forecasting.windows.valid_rows`); the predictions of the others are
        NaN. ``None``: all.
        """
        net = self._require_net()
        return net(x_scaled, valid=valid) if rows is None else net(x_scaled, valid=valid, rows=rows)

    def forecast(self, x: torch.Tensor, rows: torch.Tensor | None = None) -> torch.Tensor:
        """Original-unit ``x (batch, lookback, n_channels)`` -> ``(batch, horizon, n_targets, n_quantiles)``
        in original units, float64.

        ``rows`` (n,) long, channel-independent only: the (window, series) rows to compute, ``b *
        n_targets + c`` for series ``c`` of window ``b`` (as :meth:`forward`); the others are NaN.
        ``None``: all. Quantiles are sorted along the last axis so intervals never cross.
        """
        prediction = self(self.scale_inputs(x), rows=rows).prediction
        return self.unscale_prediction(prediction).sort(dim=-1).values

    # ------------------------------------------------------------ Lightning steps

    def _loss(
        self, prediction: torch.Tensor, y_scaled: torch.Tensor, across_ranks: bool = False
    ) -> torch.Tensor:
        """The loss over the observed targets: ``y`` is NaN where there is none (a ragged panel's series
        a window is not valid for, values the fill invented); those count for nothing (the mean is over
        the observed values only, and over the quantile levels).

        ``across_ranks`` (the training loss): under DDP, the mean is over the observed values of every
        rank's batch, each rank's loss its share of that mean's sum (scaled by the number of ranks,
        whose gradients DDP averages), so the gradient is one process's over the whole global batch:
        each rank's own mean would weigh a value by how many of its rank's targets were filled."""
        if not self.masked:
            return self.loss_fn(prediction, y_scaled)
        trainer = self.trainer if across_ranks and self._trainer is not None else None
        return masked_loss(self.loss_fn, prediction, y_scaled, trainer)

    def _unpack(self, batch: Any) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """``(x, y, rows)``: a channel-independent model computes only ``rows`` of a ragged panel
        (``None``: all rows). The data module adds them to a ragged panel's batches on the CPU
        (:meth:`ForecastDataModule.on_before_batch_transfer`); a batch without them gets them here."""
        x, y = batch[0], batch[1]
        if not (self.ragged and self.hparams.channel_independent):
            return x, y, None
        return x, y, batch[2] if len(batch) == 3 else valid_rows(y)

    def training_step(self, batch, batch_idx: int) -> torch.Tensor:
        x, y, rows = self._unpack(batch)
        # a ragged panel: the series each window is valid for (y is NaN for the others); the model's
        # auxiliary loss terms count only those, and a channel-independent model computes only those
        # rows (the others would be zero-filled inputs whose loss is masked anyway)
        valid = valid_pairs(y) if self.ragged else None
        out = self(self.scale_inputs(x), valid=valid, rows=rows)
        loss = self._loss(out.prediction, self.scale_targets(y), across_ranks=True)
        if out.aux_loss is not None:
            self.log(
                "train_forecast_loss", loss, on_step=False, on_epoch=True, batch_size=len(x), sync_dist=True
            )
            loss = loss + out.aux_loss
        self.log(
            "train_loss", loss, on_step=False, on_epoch=True, prog_bar=True, batch_size=len(x), sync_dist=True
        )
        return loss

    def predict_step(self, batch, batch_idx: int) -> torch.Tensor:
        return self.forecast(batch[0])

    def configure_optimizers(self):
        from ssm_ts.core import ssm_param_groups

        groups = ssm_param_groups(
            self._require_net(), lr=self.hparams.lr, weight_decay=self.hparams.weight_decay
        )
        optimizer = torch.optim.AdamW(groups, lr=self.hparams.lr)
        epochs = self.trainer.max_epochs if self.trainer is not None else None
        if self.hparams.lr_schedule == "none" or not epochs or epochs < 1:
            return optimizer
        schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": schedule, "interval": "epoch"}}

    def on_train_start(self) -> None:
        super().on_train_start()  # ResumedGlobalGenerators: a resume mid-epoch sets the generators again
        cosine_follows_max_epochs(self.trainer)  # a resume with more max_epochs: the new schedule
