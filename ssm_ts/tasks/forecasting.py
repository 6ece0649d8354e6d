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
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any, Literal

import lightning.pytorch as pl
import numpy as np
import pandas as pd
import torch
import torchmetrics
from torch import nn

from ssm_ts.atomic import atomic_path
from ssm_ts.errors import ConfigError, DataError
from ssm_ts.export import load_export, save_export
from ssm_ts.pipelines.forecasting import (
    ForecastDataModule,
    ScalerState,
    SeriesSpec,
    forecast_frame_by_series,
    future_times,
    last_windows,
    point_index,
    to_long_forecast,
)
from ssm_ts.pipelines.forecasting.frames import restore_times, times_to_json
from ssm_ts.pipelines.forecasting.plotting import plot_forecast
from ssm_ts.pipelines.forecasting.spans import n_observed_rows, require_channel_independent, series_spans
from ssm_ts.pipelines.forecasting.windows import valid_pairs, valid_rows
from ssm_ts.tasks.seeded_training import ResumedGlobalGenerators
from ssm_ts.tracking.resume_settings import builtin_hparams, builtin_value
from ssm_ts.training import check_learning_rate, cosine_follows_max_epochs

SPLITS = ("val", "test")
EXPORT_KIND = "ssm-ts-forecaster"


def build_model(name: str, **settings: Any) -> nn.Module:
    """The forecaster ``name`` from the model registry (imported late: models load torch-heavy code)."""
    from ssm_ts.models.forecasting_registry import build_forecasting_model

    return build_forecasting_model(name, **settings)


def normalise_quantiles(quantiles: list[float] | None) -> list[float] | None:
    """Sorted, unique levels strictly between 0 and 1 that always include 0.5, or ``None`` for point forecasts.

    The point forecast (and the point metrics) of a quantile model is its median, so 0.5 is added
    when missing: ``[0.05, 0.95]`` becomes ``[0.05, 0.5, 0.95]``.
    """
    if not quantiles:
        return None
    levels = {float(q) for q in quantiles}
    if any(not 0.0 < q < 1.0 for q in levels):
        raise ConfigError(f"quantiles {quantiles} must lie strictly between 0 and 1 (e.g. [0.1, 0.5, 0.9]).")
    return sorted(levels | {0.5})


class ForecastingTask(ResumedGlobalGenerators, pl.LightningModule):
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
    ):
        super().__init__()
        # here, not at the first optimizer step (torch's overflow traceback mid-fit, the run FAILED)
        check_learning_rate(lr, cli_option="--model.lr", default_from=type(self))
        quantiles = normalise_quantiles(builtin_value(quantiles))  # a NumPy array too
        if quantiles and loss != "mse":  # "mse" is the default: only an explicit other choice is lost
            warnings.warn(
                f"loss={loss!r} is ignored: with quantiles the model trains with the quantile (pinball) loss. "
                "Leave loss unset, or drop quantiles to train on it.",
                UserWarning,
                stacklevel=2,
            )
        self.save_hyperparameters()
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
        self.metrics = nn.ModuleDict(
            {
                split: nn.ModuleDict(
                    {
                        "mse": torchmetrics.MeanSquaredError(),
                        "mae": torchmetrics.MeanAbsoluteError(),
                        "mse_orig": torchmetrics.MeanSquaredError(),
                        "mae_orig": torchmetrics.MeanAbsoluteError(),
                        "coverage": torchmetrics.MeanMetric(),
                        "loss": torchmetrics.MeanMetric(),  # summed over DDP ranks, not averaged per rank
                    }
                )
                for split in SPLITS
            }
        )
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

    def forecast(self, x: torch.Tensor) -> torch.Tensor:
        """Original-unit ``x (batch, lookback, n_channels)`` -> ``(batch, horizon, n_targets, n_quantiles)``
        in original units, float64.

        Quantiles are sorted along the last axis so intervals never cross.
        """
        prediction = self(self.scale_inputs(x)).prediction
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
        missing = y_scaled.isnan()
        y_filled = y_scaled.masked_fill(missing, 0.0)
        # a prediction equal to its target adds 0 to every elementwise loss (MSE, MAE, pinball), and
        # where() (not a product with 0, which keeps NaN) gives those points no gradient, never NaN
        prediction = torch.where(missing.unsqueeze(-1), y_filled.unsqueeze(-1), prediction)
        n_valid = (~missing).sum().to(torch.float32)
        world = self.trainer.world_size if across_ranks and self._trainer is not None else 1
        if world > 1:  # every rank takes each training step: all of them join this reduction
            n_valid = self.trainer.strategy.reduce(n_valid, reduce_op="sum") / world
        return self.loss_fn(prediction, y_filled) * (missing.numel() / n_valid.clamp(min=1))

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

    def _evaluate(self, batch, split: str) -> None:
        x, y, rows = self._unpack(batch)
        prediction = self(self.scale_inputs(x), rows=rows).prediction  # NaN outside rows: never scored
        y_scaled = self.scale_targets(y)
        metrics = self.metrics[split]
        # only observed targets are scored: a ragged panel's series each window is valid for, and
        # values the data holds (not those the fill invented)
        masked = self.masked
        observed = ~y.isnan() if masked else None
        # A weighted torchmetrics mean: under DDP the epoch value is over all windows of all ranks,
        # exactly the single-process value (a logged tensor would stay per-rank). With missing
        # targets a batch weighs by its observed values (each batch's loss is their mean), so the
        # epoch loss is the mean over all observed values, however they fall into batches.
        weight = observed.sum().item() / (y.shape[1] * y.shape[2]) if masked else len(x)
        metrics["loss"](self._loss(prediction, y_scaled), weight)
        self.log(f"{split}_loss", metrics["loss"], on_epoch=True, prog_bar=split == "val", batch_size=len(x))
        point = prediction[..., self.point].contiguous()
        point_orig = self.unscale_prediction(prediction)[..., self.point].contiguous()
        if masked:  # the torchmetrics sums and counts: epoch means over the observed values exactly
            point, y_scaled, point_orig, y = (
                point[observed],
                y_scaled[observed],
                point_orig[observed],
                y[observed],
            )
        metrics["mse"](point, y_scaled)
        metrics["mae"](point, y_scaled)
        metrics["mse_orig"](point_orig, y)
        metrics["mae_orig"](point_orig, y)
        for name in ("mse", "mae", "mse_orig", "mae_orig"):
            self.log(f"{split}_{name}", metrics[name], on_epoch=True, batch_size=len(x))
        if self.hparams.quantiles and len(self.hparams.quantiles) >= 2:
            ordered = prediction.sort(dim=-1).values
            if masked:
                ordered = ordered[observed]
            inside = (y_scaled >= ordered[..., 0]) & (y_scaled <= ordered[..., -1])
            metrics["coverage"](inside.float())
            self.log(f"{split}_coverage", metrics["coverage"], on_epoch=True, batch_size=len(x))

    def validation_step(self, batch, batch_idx: int) -> None:
        self._evaluate(batch, "val")

    def test_step(self, batch, batch_idx: int) -> None:
        self._evaluate(batch, "test")

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
        cosine_follows_max_epochs(self.trainer)  # a resume with more max_epochs: the new schedule

    # ------------------------------------------------------------ conformal calibration (CLI)

    def on_fit_start(self) -> None:
        self.conformal = None  # a resumed checkpoint's scores belong to its weights, not this fit's

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        """Keep the conformal scores a CLI fit stored in its best checkpoint (``predict --level``); a
        resumed fit also sets the global generators to the checkpoint's (:class:`ResumedGlobalGenerators`)."""
        from ssm_ts.api.conformal import CHECKPOINT_KEY, scores_from_checkpoint

        super().on_load_checkpoint(checkpoint)
        entry = checkpoint.get(CHECKPOINT_KEY)
        self.conformal = None if entry is None else scores_from_checkpoint(entry)

    def calibrate_checkpoint(
        self, ckpt_path: str, datamodule: ForecastDataModule, device: torch.device
    ) -> None:
        """After a CLI fit: load the best checkpoint's weights, score them on the validation windows of
        ``datamodule`` on ``device`` (as ``Forecaster.fit`` does), and store the scores in that checkpoint,
        so ``predict --ckpt_path best --level 80`` and the logged model give intervals without another pass."""
        from ssm_ts.api.conformal import CHECKPOINT_KEY, scores_to_checkpoint
        from ssm_ts.api.forecaster import validation_scores
        from ssm_ts.export import load_checkpoint

        checkpoint = load_checkpoint(ckpt_path)
        self.load_state_dict(checkpoint["state_dict"])
        was_training = self.training
        self.eval()
        try:
            scores = validation_scores(self, datamodule, device=device)
        finally:
            self.train(was_training)
        targets = list(datamodule.spec.targets)
        checkpoint[CHECKPOINT_KEY] = scores_to_checkpoint(scores, targets)
        with atomic_path(ckpt_path) as tmp:  # the checkpoint is whole, with or without the scores
            torch.save(checkpoint, tmp)
        self.conformal = (scores, targets)

    def conformal_for(self, spec: SeriesSpec):
        """The stored scores if they fit this model's horizon and ``spec``'s series, else ``None``."""
        if self.conformal is None:
            return None
        scores, targets = self.conformal
        fits = targets == list(spec.targets) and scores.horizon == self.hparams.horizon
        return scores if fits else None

    # ------------------------------------------------------------ outputs: files, plot, MLflow

    def on_fit_end(self) -> None:
        """Log the forecast plot (history tail + forecast after the last row) to an MLflow run."""
        from lightning.pytorch.loggers import MLFlowLogger

        from ssm_ts.tracking.logger import log_figure

        datamodule = getattr(self.trainer, "datamodule", None)
        loggers = [lg for lg in self.trainer.loggers if isinstance(lg, MLFlowLogger)]
        if not loggers or not isinstance(datamodule, ForecastDataModule) or self.trainer.global_rank != 0:
            return
        frame, spec = datamodule.observed_frame(), datamodule.spec
        if spec.future_covariates:
            # Known-future inputs exist only up to the last row: plot a forecast of the last horizon instead.
            frame = frame.copy()
            frame.loc[frame.index[-self.hparams.horizon :], spec.targets] = np.nan
        forecast = self.forecast_after(frame, spec)
        figure = self.forecast_figure(datamodule.observed_frame(), forecast, spec)
        for logger in loggers:
            log_figure(logger, figure, "plots/forecast.png")
        import matplotlib.pyplot as plt

        plt.close(figure)

    def last_windows(self, frame: pd.DataFrame, spec: SeriesSpec) -> tuple[np.ndarray, pd.Series]:
        """``(x (lookback, n_channels), each series' last observed time)``: the window of every series
        ending at its own last observed row (see :func:`last_windows`); a multivariate model needs
        them all to end together."""
        require_channel_independent(series_spans(frame, spec.targets), frame[spec.time_col],
                                    bool(self.hparams.channel_independent))  # fmt: skip
        return last_windows(frame, spec, self.hparams.lookback, self.hparams.horizon)

    def forecast_table(
        self, prediction: np.ndarray, last_times: pd.Series, spec: SeriesSpec, n: int | None = None
    ) -> pd.DataFrame:
        """``prediction (n, n_targets, n_quantiles)`` for the ``n`` steps (default: the horizon) after
        each series' last time as a wide forecast (see :func:`forecast_frame_by_series`)."""
        n = self.hparams.horizon if n is None else n
        return forecast_frame_by_series(prediction, last_times, spec.freq, n,
                                        spec.time_col, spec.targets, self.hparams.quantiles)  # fmt: skip

    def _forecast_window(self, x: np.ndarray) -> np.ndarray:
        """One window ``x (lookback, n_channels)`` -> ``(horizon, n_targets, n_quantiles)``, in eval mode."""
        was_training = self.training
        self.eval()
        try:
            prediction = self.forecast(torch.tensor(x, dtype=torch.float64, device=self.device).unsqueeze(0))
        finally:
            self.train(was_training)
        return prediction[0].cpu().numpy()

    @torch.no_grad()
    def forecast_after(self, frame: pd.DataFrame, spec: SeriesSpec, n: int | None = None) -> pd.DataFrame:
        """The forecast DataFrame for the ``n`` steps (default: the ``horizon``) after the last observed
        row of ``frame`` (of each series: in a ragged panel, rows a series has no forecast for are NaN).

        ``n <= horizon``: the first ``n`` steps of the horizon forecast. ``n > horizon``: an
        autoregressive rollout in blocks of ``horizon`` steps: each block is forecast from inputs that
        end with the previous blocks' point forecasts (the median with quantiles) as if observed, each
        series from its own end, and the first ``n`` steps are kept. A block's quantiles are
        conditional on those medians: beyond the first horizon they understate the uncertainty (the
        errors of the earlier blocks are not propagated). See :func:`check_rollable` for the inputs
        a rollout needs.
        """
        horizon = self.hparams.horizon
        n = check_steps(n, horizon)
        blocks = -(-n // horizon)  # ceil: the last block may be cut
        if blocks > 1:
            check_rollable(frame, spec, n, horizon)
        x, last_times = self.last_windows(frame, spec)
        predictions = [self._forecast_window(x)]
        work, ends = frame, last_times
        for _ in range(blocks - 1):
            work = with_forecast(work, predictions[-1][..., self.point], ends, spec, horizon)
            x, ends = self.last_windows(work, spec)
            predictions.append(self._forecast_window(x))
        prediction = np.concatenate(predictions, axis=0)[:n]  # (n, n_targets, n_quantiles)
        return self.forecast_table(prediction, last_times, spec, n)

    def forecast_figure(
        self,
        history: pd.DataFrame,
        forecast: pd.DataFrame,
        spec: SeriesSpec,
        targets: list[str] | None = None,
        n_history: int | None = None,
    ):
        """The forecast plot of ``targets`` (default: the first few of ``spec.targets``) with the last
        ``n_history`` rows of ``history`` (default: ``max(3 * horizon, lookback)``)."""
        n_history = max(3 * self.hparams.horizon, self.hparams.lookback) if n_history is None else n_history
        shown = spec.targets if targets is None else targets
        return plot_forecast(history, forecast, spec.time_col, shown, self.hparams.quantiles, n_history,
                             max_panels=8 if targets is None else len(targets))  # fmt: skip

    def write_predictions(
        self,
        predictions: list,
        datamodule: ForecastDataModule,
        out_dir: Path,
        n: int | None = None,
        level: float | list[float] | None = None,
        interval_method: str | None = None,
    ) -> list[Path]:
        """``forecast.csv`` and ``forecast.png`` in ``out_dir`` from ``trainer.predict`` outputs (CLI
        ``predict``); with ``n`` (``--n``), the forecast of ``n`` steps as :meth:`forecast_after` makes it;
        with ``level`` (``--level``), conformal intervals too (see ``write_forecast_with_intervals``)."""
        import matplotlib.pyplot as plt

        if level is not None:
            from ssm_ts.api.forecaster import write_forecast_with_intervals

            return write_forecast_with_intervals(self, datamodule, out_dir, level, interval_method, n)

        out_dir = Path(out_dir)
        spec = datamodule.spec
        if n is None:
            prediction = torch.cat(predictions)[-1].cpu().numpy()
            _, last_times = self.last_windows(datamodule.frame, spec)
            forecast = self.forecast_table(prediction, last_times, spec)
        else:
            forecast = self.forecast_after(datamodule.frame, spec, n=n)
        csv_path, png_path = out_dir / "forecast.csv", out_dir / "forecast.png"
        with atomic_path(csv_path) as tmp:  # in the layout the series came in (long or wide)
            (
                to_long_forecast(forecast, spec, forecast_rows_only=True) if spec.long_format else forecast
            ).to_csv(tmp, index=False)
        figure = self.forecast_figure(datamodule.observed_frame(), forecast, spec)
        with atomic_path(png_path) as tmp:
            figure.savefig(tmp, dpi=110)
        plt.close(figure)
        return [csv_path, png_path]

    def _fit_settings(self, datamodule: ForecastDataModule) -> dict[str, Any]:
        """The data and trainer settings of this fit that the task's hyperparameters lack, so an export
        written by the CLI refits (``Forecaster.load(...).fit(...)``) with the split and budget it had."""
        settings = {
            key: getattr(datamodule, key) for key in ("split", "fractions", "boundaries", "batch_size")
        }
        trainer = self._trainer
        if trainer is not None and trainer.max_epochs is not None and trainer.max_epochs > 0:
            settings["max_epochs"] = trainer.max_epochs
        return settings

    def mlflow_pyfunc(self, datamodule: ForecastDataModule, export_dir: Path):
        """``(python_model, artifacts)`` for MLflow: the export folder behind a DataFrame-in, forecast-out pyfunc."""
        from ssm_ts.api.conformal import save_scores
        from ssm_ts.atomic import atomic_directory
        from ssm_ts.tracking.pyfunc_forecast import write_model_code

        scores = self.conformal_for(datamodule.spec)
        with atomic_directory(export_dir) as tmp:  # the export and its conformal scores together
            save_forecast_export(tmp, self, datamodule.spec, datamodule.observed_frame(),
                                 settings=self._fit_settings(datamodule))  # fmt: skip
            if scores is not None:
                save_scores(tmp, scores, datamodule.spec.targets)
        return write_model_code(Path(export_dir).parent / "pyfunc_code"), {"forecaster": str(export_dir)}

    def mlflow_example_and_signature(self, datamodule: ForecastDataModule):
        """``(input example, signature)`` of the pyfunc :meth:`mlflow_pyfunc` logs, as ``Forecaster`` logs
        them: the last ``lookback`` rows of the fit's data, and the forecast's columns with the params
        ``n`` (and ``level``, ``interval_method`` when calibrated), which MLflow drops from a request
        when the signature does not declare them. Without an example MLflow warns on every logged model."""
        from ssm_ts.api.forecaster import Forecaster

        forecaster = Forecaster.around(self, datamodule, self.conformal_for(datamodule.spec))
        return forecaster.mlflow_example_and_signature()


# ---------------------------------------------------------------- forecasts of any length (n steps)


def check_steps(n: Any, horizon: int) -> int:
    """``n`` forecast steps as an int (``None``: the ``horizon``); a clear error for anything but a
    positive whole number."""
    if n is None:
        return horizon
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
        raise ConfigError(
            f"n must be a positive whole number of forecast steps, got {n!r}; leave it out for the "
            f"model's horizon ({horizon}), or e.g. n={horizon // 2 or 1} or n={2 * horizon}."
        )
    return int(n)


def check_rollable(frame: pd.DataFrame, spec: SeriesSpec, n: int, horizon: int) -> None:
    """A rollout of ``n > horizon`` steps feeds the model its own forecasts of the targets. Past-only
    covariates have no forecast, so they cannot be rolled; known-future covariates must be given for
    every step of every block the model reads (``ceil(n / horizon) * horizon`` rows after the last
    observation)."""
    if spec.past_covariates:
        raise ConfigError(
            f"n={n} steps is more than the horizon ({horizon}), which needs a rollout that feeds the forecasts "
            f"back as inputs; the past covariates {spec.past_covariates} have no future values to feed. Ask for "
            f"n <= {horizon}, or refit with a horizon of at least {n}, or declare those columns as "
            "future_covariates if their future is known (then give their future rows), or fit without them."
        )
    if spec.future_covariates:
        needed = -(-n // horizon) * horizon
        found = len(frame) - n_observed_rows(frame, spec.targets)
        if found < needed:
            rounded = f" ({n} rounded up to whole blocks of the horizon {horizon})" if needed != n else ""
            raise DataError(
                f"known-future covariates {spec.future_covariates} are needed for all {needed} steps the rollout "
                f"reads{rounded}: append {needed} rows after the last observation with those columns filled "
                f"and the targets empty (found {found}), or ask for n <= {(found // horizon) * horizon or horizon}."
            )


def with_forecast(
    frame: pd.DataFrame, point: np.ndarray, last_times: pd.Series, spec: SeriesSpec, horizon: int
) -> pd.DataFrame:
    """``frame`` with ``point (horizon, n_targets)`` written as the observed targets of the ``horizon``
    steps after each series' last time ``last_times (n_targets,)``: what a user would get by appending
    the forecast rows to the data. Rows for times the frame lacks are added (other columns NaN)."""
    ends = pd.Index(last_times)
    unique_ends, series_end = ends.unique(), ends.unique().get_indexer(ends)  # one time grid per end
    per_end = [future_times(end, spec.freq, horizon) for end in unique_ends]
    new_times = per_end[0].append(per_end[1:]).unique()
    missing = new_times[~new_times.isin(frame[spec.time_col])]
    work = frame.reset_index(drop=True)
    if len(missing):
        work = pd.concat([work, pd.DataFrame({spec.time_col: missing})], ignore_index=True)
        work = work.sort_values(spec.time_col, kind="stable").reset_index(drop=True)
    index = pd.Index(work[spec.time_col])
    rows = np.stack([index.get_indexer(own) for own in per_end], axis=1)[
        :, series_end
    ]  # (horizon, n_targets)
    values = work[spec.targets].to_numpy(dtype="float64", copy=True)
    values[rows, np.arange(len(spec.targets))[None, :]] = point
    # all targets in one block: a column set per series is quadratic with many series
    targets = pd.DataFrame(values, columns=spec.targets, index=work.index)
    work = pd.concat([work.drop(columns=spec.targets), targets], axis=1)[list(frame.columns)]
    work.attrs = frame.attrs
    return work


# ---------------------------------------------------------------- the self-describing export


def save_forecast_export(
    directory: str | os.PathLike,
    task: ForecastingTask,
    spec: SeriesSpec,
    history: pd.DataFrame,
    settings: dict[str, Any] | None = None,
    metrics: dict[str, float] | None = None,
    future: pd.DataFrame | None = None,
) -> Path:
    """Write ``config.json`` (task settings + series spec), ``model.safetensors`` and ``extras.json``
    (the scaler as JSON numbers and the last ``lookback`` observed rows, so ``predict()`` needs no data;
    ``future``: rows after them with known-future covariates, saved as those columns only).

    Times are saved as ISO strings, integer time steps as integers.
    """
    # each series' own last lookback observed rows (series of a ragged panel end at different rows)
    ends = series_spans(history, spec.targets).last
    tail = history.iloc[max(0, int(ends.min()) + 1 - task.hparams.lookback) :]
    extras = {
        "scaler": task.scaler_state(spec.input_columns).to_dict(),
        "history": _rows_to_json(tail, spec.time_col, spec.input_columns),
    }
    if future is not None and len(future):
        extras["future"] = _rows_to_json(future, spec.time_col, spec.future_covariates)
    hparams = {k: v for k, v in dict(task.hparams).items() if not k.startswith("_")}
    config = {"kind": EXPORT_KIND, "task": hparams, "spec": spec.to_dict(), "forecaster": settings or {}}
    extras["metrics"] = dict(metrics or {})
    return save_export(directory, config, task.state_dict(), extras)


def _rows_to_json(frame: pd.DataFrame, time_col: str, columns: list[str]) -> dict[str, Any]:
    return {
        "time": times_to_json(frame[time_col]),
        "values": {c: frame[c].astype(float).tolist() for c in columns},
    }


def _rows_from_json(saved: dict[str, Any], spec: SeriesSpec) -> pd.DataFrame:
    """Rows saved by :func:`_rows_to_json`; input columns it did not save are NaN."""
    times = restore_times(saved["time"], spec.tz)
    block = np.full((len(times), len(spec.input_columns)), np.nan)
    for j, column in enumerate(spec.input_columns):
        if column in saved["values"]:
            block[:, j] = np.asarray(saved["values"][column], dtype="float64")
    # one block, not a column inserted per series (quadratic with many series)
    frame = pd.DataFrame(block, columns=spec.input_columns)
    frame.insert(0, spec.time_col, times)
    return frame


def load_forecast_export(
    directory: str | os.PathLike,
) -> tuple[ForecastingTask, SeriesSpec, pd.DataFrame, dict[str, Any], dict[str, float]]:
    """Rebuild ``(task on CPU in eval mode, spec, history, forecaster settings, metrics)``
    from :func:`save_forecast_export` output. Saved future rows, if any, follow the observed
    history with NaN targets (as :func:`last_window` expects them)."""
    from ssm_ts.errors import CheckpointError

    config, state_dict, extras = load_export(directory)
    if config.get("kind") != EXPORT_KIND:
        raise CheckpointError(
            f"{directory} holds no forecaster export (kind {config.get('kind')!r}); save a Forecaster there."
        )
    task = ForecastingTask(**config["task"])
    try:
        task.load_state_dict(state_dict)
    except RuntimeError as err:
        raise CheckpointError(
            f"the weights in {directory} do not fit the saved model settings: {err}"
        ) from err
    task.eval()
    spec = SeriesSpec.from_dict(config["spec"])
    history = _rows_from_json(extras["history"], spec)
    if extras.get("future"):
        history = pd.concat([history, _rows_from_json(extras["future"], spec)], ignore_index=True)
    return task, spec, history, config.get("forecaster", {}), extras.get("metrics", {})


def configure_cli_parser(parser) -> None:
    """CLI: lookback and horizon are set once, on the model, and copied to the data module; ``--n``
    sets the length of ``predict``'s forecast."""
    parser.link_arguments("model.lookback", "data.lookback")
    parser.link_arguments("model.horizon", "data.horizon")
    parser.add_argument(
        "--n", type=int | None, default=None,
        help="predict: forecast n steps (default: the horizon; beyond it the model rolls forward on its "
        "own forecasts, as Forecaster.predict(n=...))",
    )  # fmt: skip
    parser.add_argument(
        "--level", type=float | list[float] | None, default=None,
        help="predict: conformal intervals of these coverages in percent (80 or [80, 95]) as <target>_lo-80/"
        "_hi-80 columns and bands in forecast.png (as Forecaster.predict(level=...)), from the conformal "
        "scores the fit kept in its best checkpoint (--ckpt_path best); a checkpoint without them "
        "(last.ckpt, or one written by an older ssm-ts) is calibrated here on the validation split of "
        "the data",
    )  # fmt: skip
    parser.add_argument(
        "--interval_method", type=Literal["residual", "cqr"] | None, default=None,
        help="predict --level: cqr (the default with quantiles) or residual",
    )  # fmt: skip
