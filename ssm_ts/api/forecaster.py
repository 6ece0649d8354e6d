"""``ssm_ts.Forecaster``: CSV or DataFrame in, a fitted forecaster, forecast DataFrames and plots out.

    >>> fc = Forecaster(model="spacetime", lookback=104, horizon=26, quantiles=[0.1, 0.5, 0.9])
    >>> fc.fit("co2.csv", fill="interpolate")          # logs an MLflow run (sqlite:///mlflow.db)
    >>> fc.fit("co2.csv", fill="interpolate", resume=True)  # after a crash: continue from last.ckpt
    >>> fc.predict()                                    # the 26 weeks after the data
    >>> fc.backtest("co2.csv", n_windows=4)             # rolling-origin forecasts with the fitted model
    >>> fc.backtest("co2.csv", n_windows=4, refit=True)  # a fresh model fitted before each window
    >>> fc.save("co2-model"); Forecaster.load("co2-model")

Every fit trains a :class:`~ssm_ts.tasks.forecasting.ForecastingTask` with the shared trainer
(early stopping on the validation split, best checkpoint restored, the test split evaluated once
at the end) and logs params, per-epoch metrics, the resolved config, the forecast plot, the
checkpoint and the model as an MLflow pyfunc.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
import torch

from ssm_ts.api import forecast_fit_end
from ssm_ts.api.conformal import DEFAULT_SCORE_BUDGET, ConformalScores, check_budget
from ssm_ts.api.forecast_backtest import BacktestMixin
from ssm_ts.api.forecast_calibrate import CalibrateMixin
from ssm_ts.api.forecast_covariate_names import require_covariate_names
from ssm_ts.api.forecast_fit_features import fit_datamodule
from ssm_ts.api.forecast_intervals import level_text, write_forecast_with_intervals  # noqa: F401  (imported from here)
from ssm_ts.api.forecast_persistence import (
    forecaster_around,
    load_forecaster,
    save_forecaster,
    settings_of_task,  # noqa: F401  (imported from here)
)
from ssm_ts.api.forecast_plot import PlotMixin
from ssm_ts.api.forecast_ported_args import LAST_POINTS, ported_arguments
from ssm_ts.api.forecast_predict import PredictMixin
from ssm_ts.api.forecast_validation_scores import (  # noqa: F401  (imported from here by the CLI and tests)
    CALIBRATION_BATCH,
    calibration_windows,
    validation_scores,
)
from ssm_ts.api.resumable import ResumableEarlyStopping, ResumableFit, user_checkpoint_folders
from ssm_ts.api.trainer_objects import (
    check_trainer_options,
    fit_trainer_options,
    json_trainer_options,
    logger_callbacks,
)
from ssm_ts.errors import ConfigError
from ssm_ts.pipelines.forecasting import ForecastDataModule, SeriesSpec, load_like
from ssm_ts.pipelines.forecasting.covariate_spans import require_covered_targets
from ssm_ts.pipelines.forecasting.datamodule_features import (
    fitted_future_table,
    fitted_table,
    require_future_ids,
)
from ssm_ts.pipelines.forecasting.dates import freq_alias
from ssm_ts.pipelines.forecasting.parquet_table import fitted_read_options
from ssm_ts.pipelines.forecasting.reader import Table, TableSource, read_table, require_table_source
from ssm_ts.pipelines.forecasting.series import column_list
from ssm_ts.pipelines.forecasting.series_features import SeriesFeatures
from ssm_ts.pipelines.forecasting.spans import require_channel_independent
from ssm_ts.pipelines.forecasting.value_range import check_value_range
from ssm_ts.tasks.forecasting import ForecastingTask, check_channel_independent, normalise_quantiles
from ssm_ts.tasks.optimizer_settings import check_weight_decay
from ssm_ts.tracking.experiment_env import FORECAST_EXPERIMENT
from ssm_ts.tracking.resume_settings import builtin_value
from ssm_ts.training import check_ema_decay, check_learning_rate
from ssm_ts.whole_numbers import is_whole_number

if TYPE_CHECKING:  # Lightning loads only when a fit starts
    from lightning.pytorch.callbacks import Callback


def check_counts(**counts: Any) -> None:
    """A :class:`ConfigError` naming a count (``max_epochs``, ``batch_size``: >= 1; ``seed``: 0 to
    2**32 - 1, NumPy's range) that is not such a whole number: Lightning, torch and NumPy refuse
    them only mid-fit, in their own words. (A function, as ``__init__`` keeps its locals as settings.)"""
    for name, value in counts.items():
        low, high = (0, 2**32 - 1) if name == "seed" else (1, None)
        if not is_whole_number(value) or value < low or (high is not None and value > high):
            bounds = f">= {low}" if high is None else f"from {low} to {high}"
            raise ConfigError(f"{name} must be a whole number {bounds}, got {value!r}.")


# other libraries' methods whose work a method here does: the AttributeError names it
PORTED_METHODS = {
    "historical_forecasts": "darts' historical_forecasts(series, forecast_horizon=..., stride=..., retrain=...) is "
    "backtest(data, n_windows=..., step=..., refit=...): rolling-origin forecasts of the horizon "
    f"(Forecaster(horizon=...)), each window's actuals beside them; for last_points_only, {LAST_POINTS}",
    "residuals": "darts' residuals(series, ...) are a backtest's actuals minus its forecasts: "
    "table = backtest(data, n_windows=..., step=1); table['<target>_actual'] - table['<target>']",
    "gridsearch": "darts' gridsearch(parameters, series, ...) is ssm_ts.tune_forecaster(data, space, sampler='grid'), "
    "chosen by validation loss",
    "cross_validation": "neuralforecast's cross_validation(df, n_windows=..., step_size=..., refit=...) is "
    "backtest(df=df, n_windows=..., step_size=..., refit=...)",
}

_NOT_FITTED = "this Forecaster is not fitted yet: call .fit(data) or Forecaster.load(folder) first."


class Forecaster(PredictMixin, BacktestMixin, CalibrateMixin, PlotMixin, ResumableFit):
    """A forecaster you fit on one series table and then query.

    Args:
        model: ``"spacetime"``, ``"s4d"``, ``"nlinear"`` or ``"dlinear"``.
        lookback: rows of history the model reads; horizon: rows it forecasts.
        quantiles: levels such as ``[0.1, 0.5, 0.9]`` for prediction intervals (else point forecasts),
            trained with the pinball loss. 0.5 is always added: the point forecast ``<target>`` (and
            the val/test MSE/MAE) is the median, so ``[0.05, 0.95]`` also gives an ``<target>_q0.5`` column.
        max_epochs: epoch limit (early stopping on validation loss may stop sooner).
        batch_size, lr, weight_decay, loss: training settings (``loss``: ``"mse"`` or ``"mae"``; with
            ``quantiles`` the pinball loss is used instead, and ``loss="mae"`` warns that it is ignored).
        channel_independent: one shared univariate model across series, or a multivariate one.
        model_options: model-specific settings (e.g. ``{"d_model": 64}``).
        split / fractions / boundaries: chronological split (see ``ForecastDataModule``).
        patience: epochs without validation improvement tolerated before stopping; ``0`` stops at the
            first epoch that does not improve (as ``1``: Lightning counts that epoch), ``None``
            never stops early. An ``EarlyStopping`` in ``trainer_options["callbacks"]`` replaces this
            one: its monitor and patience win.
        ema_decay: keep an exponential moving average of the weights with this decay per optimizer
            step (e.g. ``0.99``; ``None``: off). Validation, early stopping, the best checkpoint and
            the fitted model then use the averaged weights (:class:`ssm_ts.training.EMAWeights`).
        max_time: wall-clock budget ``"DD:HH:MM:SS"``.
        seed: random seed for weights and batch order.
        experiment, tracking_uri, run_name, register_as: MLflow settings (``log_to_mlflow=False`` turns it off);
            ``experiment`` left out: ``$MLFLOW_EXPERIMENT_NAME`` or ``$MLFLOW_EXPERIMENT_ID`` if set, as for
            ``mlflow.start_run()``, else ``ssm-ts-forecast``.
        out_dir: checkpoints and the export logged with the run (default: a new folder under
            ``outputs/forecaster/`` in the working directory). Each fit writes into its own folder
            there, ``<experiment id>/<run id>/`` (``fits/<time>-<pid>-<n>/`` without MLflow; a resumed
            fit into the folder of the checkpoint it continues), and
            logs from it; then its export is copied to ``out_dir/export``. Fits may share
            ``out_dir``, also at the same time: each run logs its own files, and ``out_dir/export``
            holds the export of the fit that finished last. Set it to resume an interrupted fit
            from another process (``fit(..., resume=True)``).
        trainer_options: further ``lightning.Trainer`` arguments (e.g. ``{"limit_train_batches": 50}``).
            Its ``callbacks`` are copied for every fit (no state carries over between fits), and may
            also be given in LightningCLI's form, ``{"class_path": "lightning.pytorch.callbacks.EarlyStopping",
            "init_args": {"monitor": "val_loss", "patience": 2}}``, built fresh for every fit. The saved
            model and the MLflow run record objects in that form (:mod:`ssm_ts.api.trainer_objects`),
            so that a loaded model refits with them; one whose settings cannot be read back is recorded
            by its class only, and a fit of the loaded model runs without it (with a warning), as does a
            refit in another process of one whose class it cannot import (a class defined in the script
            that fitted, ``__main__.Mine``). A progress bar callback is the fit's bar; a
            ``ModelCheckpoint`` on ``val_loss`` keeps its own files and state beside the best checkpoint
            the fitted model comes from. A ``ModelCheckpoint`` without ``dirpath`` writes into the fit
            folder's ``user_checkpoints/`` (``fc.callbacks_[i].dirpath``), never into ssm-ts's
            ``checkpoints/``, whose ``last.ckpt`` is the one ``fit(..., resume=True)`` continues.
        calibration_budget: the most conformal calibration scores ``fit`` keeps with the model
            (windows x horizon steps x series x score kinds, 4 bytes each; default ``2**22``, about
            17 MB): beyond it, fewer validation windows are scored (evenly spaced), never fewer
            than 19 (a 95% interval). Fewer windows keep the coverage guarantee but let one
            calibration's coverage vary more, and 99% intervals need 99 (see :mod:`ssm_ts.api.conformal`).
    """

    default_out_folder = "forecaster"
    _refit = False  # a backtest's refit (unlogged)
    resume_aliases = {"shuffle_seed": "seed"}  # the data module's name for the seed's training order

    @ported_arguments
    def __init__(
        self,
        model: str = "spacetime",
        lookback: int = 96,
        horizon: int = 24,
        quantiles: list[float] | None = None,
        max_epochs: int = 20,
        *,
        batch_size: int = 32,
        lr: float = 1e-3,
        weight_decay: float = 0.0,
        loss: Literal["mse", "mae"] = "mse",
        channel_independent: bool = True,
        model_options: dict[str, Any] | None = None,
        split: Literal["standard", "ett_h", "ett_m"] = "standard",
        fractions: list[float] | None = None,
        boundaries: list[int] | None = None,
        patience: int | None = 5,
        ema_decay: float | None = None,
        max_time: str | None = None,
        accelerator: str = "auto",
        seed: int = 0,
        experiment: str = FORECAST_EXPERIMENT,  # $MLFLOW_EXPERIMENT_NAME/_ID replace it
        tracking_uri: str | None = None,
        run_name: str | None = None,
        register_as: str | None = None,
        log_to_mlflow: bool = True,
        out_dir: str | None = None,
        trainer_options: dict[str, Any] | None = None,
        calibration_budget: int = DEFAULT_SCORE_BUDGET,
    ):
        check_counts(max_epochs=max_epochs, batch_size=batch_size, seed=seed)
        if patience is not None and (not is_whole_number(patience) or patience < 0):
            raise ConfigError(
                f"patience must be a whole number of epochs >= 0, got {patience!r}; use None to never stop early."
            )
        check_learning_rate(lr, default_from=type(self))
        check_weight_decay(weight_decay)
        check_channel_independent(channel_independent)
        normalise_quantiles(builtin_value(quantiles))  # refused here, not once the data is read
        if ema_decay is not None:
            ema_decay = check_ema_decay(ema_decay, "ema_decay")
        calibration_budget = check_budget(calibration_budget)
        check_trainer_options(trainer_options)
        # NumPy numbers and arrays, and paths, as plain values: checkpoints keep them and must load safely
        self.settings = builtin_value({k: v for k, v in locals().items() if k not in ("self", "__class__")})
        self.task_: ForecastingTask | None = None
        self.spec_: SeriesSpec | None = None
        self.history_: pd.DataFrame | None = None
        self.future_: pd.DataFrame | None = None
        self.metrics_: dict[str, float] = {}
        self.run_id_: str | None = None
        self.best_checkpoint_: str | None = None
        self.out_dir_: Path | None = None
        self.conformal_: ConformalScores | None = None
        self.callbacks_: list[Callback] = []
        # a long table's per-series covariate columns and static_df features the model reads
        self.series_features_: SeriesFeatures | None = None

    def __getattr__(self, name: str) -> Any:
        settings = self.__dict__.get("settings", {})
        if name in settings:
            return settings[name]
        ported = PORTED_METHODS.get(name)
        raise AttributeError(
            f"'Forecaster' object has no attribute {name!r}" + (f"; {ported}" if ported else "")
        )

    def __repr__(self) -> str:
        keys = ("model", "lookback", "horizon", "quantiles", "max_epochs")
        return f"Forecaster({', '.join(f'{k}={self.settings[k]!r}' for k in keys)})"

    # ------------------------------------------------------------ fit

    @ported_arguments
    def fit(
        self,
        data: TableSource,
        time_col: str | None = None,
        target: str | list[str] | None = None,
        *,
        past_covariates: list[str] | None = None,
        future_covariates: list[str] | None = None,
        freq: str | int | None = None,
        fill: Literal["ffill", "interpolate"] | None = None,
        resume: bool = False,
        read_options: dict[str, Any] | None = None,
        static_df: pd.DataFrame | str | os.PathLike | None = None,
    ) -> Forecaster:
        """Fit on ``data`` (a CSV path or DataFrame, wide or long) and return ``self``.

        The time column holds dates (``freq``: a pandas alias, inferred when omitted) or integer
        steps such as years (``freq``: the integer step, inferred); forecasts continue it.

        ``read_options``: ``pandas.read_csv`` settings for a CSV the reader cannot work out by
        itself, e.g. ``{"sep": "|", "skiprows": 3, "na_values": ["-999"], "dayfirst": True}`` or
        ``{"date_format": "%d.%m.%Y %H:%M"}`` (keys: :mod:`ssm_ts.pipelines.csv_options`). Given
        options win, the rest is detected. They are saved with the model: ``predict(path)`` and
        ``backtest(path)``, also after :meth:`load`, read new CSVs the same way.

        ``resume=True`` continues an interrupted fit (killed, crashed) of the same settings and data:
        training restarts from the newest ``last.ckpt`` under ``out_dir`` (or this object's previous
        fit folder) with its optimiser, schedule, early-stopping state and epoch, and logs into the
        same MLflow run. Without a checkpoint there it warns and fits from scratch. The CSV may have
        moved (the same content: the checkpoint keeps its sha256; a DataFrame must have the same
        content too), and settings that only change how it runs may differ (``max_epochs``,
        ``max_time``, ``patience``, ``accelerator``, ``trainer_options``, ...: see
        :data:`ssm_ts.tracking.resume_settings.FREE_FIT_SETTINGS`; in the MLflow run a changed one
        becomes a tag ``resumed.<n>.forecaster.<setting>``). Other data, or another ``lr``, ``target``,
        ``batch_size``, ... is a :class:`ConfigError` before any training.

        A long DataFrame's per-series inputs, as neuralforecast's: covariates named by its columns
        (``unique_id, ds, y, price``: each series reads its own ``price``), and ``static_df`` (one row
        per ``unique_id``, numeric static features, each series reading its own; text columns one-hot
        encoded first, ``pd.get_dummies``). Statics are known-future covariates constant over time,
        scaled across the series; the model keeps them for ``predict``, ``backtest`` and ``save``
        (:mod:`ssm_ts.pipelines.forecasting.series_features`). A long CSV's per-series columns are read
        the same way (with ``read_options``; so are the CSVs given to ``predict``, ``backtest``, ...), and
        ``static_df`` may be a CSV path (read by detection, its ids as written), as ``ssm-ts forecast fit
        --data.static_path`` reads it.

        After fitting: ``metrics_`` (validation and test loss and MSE/MAE, scaled and original units,
        of the returned model: the best checkpoint, not the last epoch), ``run_id_`` (the MLflow
        run), ``best_checkpoint_``, ``out_dir_``.
        """
        require_table_source(data)
        require_covariate_names(
            data, time_col, past_covariates=past_covariates, future_covariates=future_covariates
        )
        if not isinstance(data, pd.DataFrame):
            from ssm_ts.datasets import resolve_data_path

            # checked here, so that a bad name is named as fit's argument (data), not the CLI's data.path;
            # the data module is still given the name (a data set's name stays a name in checkpoints)
            resolve_data_path(data, "forecast", setting="data")
        s = self.settings
        data_settings = builtin_value(dict(
            time_col=time_col, target=target, past_covariates=column_list(past_covariates),
            future_covariates=column_list(future_covariates), freq=freq_alias(freq), fill=fill,
            lookback=s["lookback"], horizon=s["horizon"], split=s["split"], fractions=s["fractions"],
            boundaries=s["boundaries"], batch_size=s["batch_size"], shuffle_seed=s["seed"], read_options=read_options,
        ))  # fmt: skip
        # every data problem surfaces here, before any training starts (a long table's covariate series
        # over their targets' spans too: the data module checks them for the CLI and tune alike)
        datamodule, features = fit_datamodule(data, static_df, "fit", **data_settings)
        require_channel_independent(datamodule.spans, datamodule.frame[datamodule.spec.time_col],
                                    s["channel_independent"])  # fmt: skip
        self.series_features_ = features
        self._train(datamodule, resume)
        if self.future_ is None:  # statics are known at every future time: predict() needs no rows of yours
            with_future = self._with_static_future(self.history_)
            if len(with_future) > len(self.history_):
                self.future_ = with_future.iloc[len(self.history_) :].reset_index(drop=True)
        return self

    def _train(self, datamodule: ForecastDataModule, resume: bool = False) -> Forecaster:
        """Train a fresh task on ``datamodule`` (set up, its data checked) with this object's settings,
        keep it as the fitted model and log the run: :meth:`fit` after reading the data, and each refit
        of :meth:`backtest`."""
        import lightning.pytorch as pl

        from ssm_ts.tasks.interruptible_fit import fit_interruptibly
        from ssm_ts.tracking.logger import check_resumed_run, log_params
        from ssm_ts.tracking.run_status import end_run, run_failed_on_error
        from ssm_ts.training import build_trainer, user_trainer_options
        from ssm_ts.training.fit_lock import hold_whole_fit_lock, release_fit_lock

        s = self.settings
        pl.seed_everything(s["seed"], verbose=False)
        features = self.series_features_
        # each target reads its own per-series covariates (a multivariate model reads every channel)
        index = features.covariate_index(datamodule.spec) if features and s["channel_independent"] else None
        task = ForecastingTask(
            model=s["model"], lookback=s["lookback"], horizon=s["horizon"], n_channels=datamodule.n_channels,
            n_outputs=datamodule.n_outputs, channel_independent=s["channel_independent"], quantiles=s["quantiles"],
            loss=s["loss"], model_options=s["model_options"], lr=s["lr"], weight_decay=s["weight_decay"],
            covariate_index=index,
        )  # fmt: skip
        if features is not None and features.statics:  # statics scaled across the series, not per column
            task.set_scaler(features.pooled_scaler(datamodule.scaler, datamodule.spec))
        out_dir = self._fit_folder(resume)
        ckpt_path, resumed_run = self._resume_point(out_dir) if resume else (None, None)
        if ckpt_path:  # the data it trained on (perhaps moved) and its training settings, before training
            self._check_resume(ckpt_path, task, datamodule, "forecast")
        logger = self._make_logger(run_id=resumed_run)
        if resumed_run and logger is not None:  # MLflow keeps one value per parameter
            # changed free settings and a moved CSV (checked above) become resumed.<n>.* tags
            check_resumed_run(
                logger,
                resumed_run,
                *self._run_params(task, datamodule),
                free_hint=self._listed_free_settings(),
            )
        try:  # the run exists from here: an error before training must not leave it RUNNING
            if logger is not None:
                # before training, so that a run that crashes holds the settings a resume compares and tags
                # (the logger leaves out a resume's accepted changes; an unchanged value is logged again)
                log_params(
                    logger, {"forecaster": self._json_settings(), "data": self._data_params(datamodule)}
                )
            # this fit's own folder: a fit at the same time with the same out_dir never touches its files
            own_dir = self._own_folder(out_dir, logger, ckpt_path)
            # held until the model is exported and logged, not only while it trains (FitLock finds it
            # this process's and leaves it): a resume into the folder meanwhile is refused
            locked = hold_whole_fit_lock(own_dir)
        except BaseException as error:
            end_run(logger, "KILLED" if isinstance(error, KeyboardInterrupt) else "FAILED")
            raise
        try:
            try:
                # fresh callbacks (copies, or built from their descriptions), before any training
                options = fit_trainer_options(s["trainer_options"], "Forecaster")
                user_callbacks = options["callbacks"] = self._logged_callbacks(
                    options.get("callbacks", []), logger
                )
                user_checkpoint_folders(user_callbacks, own_dir)  # ssm-ts's checkpoints/ keeps its names
                trainer = self._build_trainer(
                    build_trainer, own_dir, logger, user_trainer_options(options, self._fit_callbacks())
                )
            except BaseException as error:
                end_run(logger, "KILLED" if isinstance(error, KeyboardInterrupt) else "FAILED")
                raise
            self.callbacks_ = user_callbacks
            fit_interruptibly(
                trainer.fit, trainer.loggers, task, datamodule=datamodule, ckpt_path=ckpt_path,
                resume_hint=self._continue_hint(out_dir),
            )  # fmt: skip
            best = trainer.checkpoint_callback.best_model_path or trainer.checkpoint_callback.last_model_path
            # Lightning has already marked the run FINISHED: a failure from here on must not leave it so
            with run_failed_on_error(logger, best, self._resume_hint(out_dir)):
                forecast_fit_end.finish_fit(self, trainer, task, datamodule, out_dir, own_dir, best, logger)
        finally:
            if locked is not None:
                release_fit_lock(locked)
        return self

    def _fit_callbacks(self) -> list[Callback]:
        """ssm-ts's own callbacks of one fit: early stopping, the run record its checkpoints carry, EMA."""
        from ssm_ts.api.forecast_validation_callback import RecordValidation
        from ssm_ts.tracking.logger import RecordMLflowRun
        from ssm_ts.training import EMAWeights

        s = self.settings
        callbacks: list[Callback] = (
            [ResumableEarlyStopping("val_loss", patience=s["patience"])] if s["patience"] is not None else []
        )
        # checkpoints carry the run id, so a resume continues it, and what it checks (data, settings)
        callbacks.append(RecordMLflowRun(settings=self._checked_settings()))
        callbacks.append(RecordValidation())  # the best checkpoint's validation metrics: not validated again
        if s["ema_decay"] is not None:  # validation, checkpoints and the final weights use the average
            callbacks.append(EMAWeights(decay=s["ema_decay"]))
        return callbacks

    def _logged_callbacks(self, callbacks: list[Callback], logger) -> list[Callback]:
        """``callbacks``, refused (a :class:`ConfigError`) in a fit without MLflow when one of them only
        logs to the run (``LearningRateMonitor``); a backtest's refits, never logged, leave those out."""
        unlogged = logger_callbacks(callbacks) if logger is None else []
        if unlogged and self._refit:
            return [c for c in callbacks if c not in unlogged]
        if unlogged:
            names = ", ".join(type(c).__name__ for c in unlogged)
            raise ConfigError(
                f"trainer_options callbacks {names} log to the fit's MLflow run, and this Forecaster has "
                "log_to_mlflow=False: set log_to_mlflow=True, or leave them out."
            )
        return callbacks

    def _build_trainer(self, build_trainer, out_dir: Path, logger, options: dict[str, Any]):
        """The fit's ``lightning.Trainer`` (``build_trainer`` turns a setting Lightning refuses into a
        :class:`ConfigError` naming it)."""
        s = self.settings
        return build_trainer(
            max_epochs=s["max_epochs"], out_dir=out_dir, logger=logger, accelerator=s["accelerator"],
            max_time=s["max_time"], **options,
        )  # fmt: skip

    def _run_params(
        self, task: ForecastingTask, datamodule: ForecastDataModule
    ) -> tuple[dict[str, Any], set[str]]:
        """The MLflow params a resume compares (this object's, as :meth:`_train` logs them, and the
        task's, unprefixed, as Lightning logged them into runs of older versions) and those a resume may
        change (free settings, a moved CSV)."""
        from ssm_ts.tracking.resume_settings import FREE_FIT_SETTINGS

        params = {**dict(task.hparams), "forecaster": self._json_settings(),
                  "data": {"source": forecast_fit_end.data_source(datamodule)}}  # fmt: skip
        return params, {*(f"forecaster.{k}" for k in FREE_FIT_SETTINGS), "data.source"}

    def _data_params(self, datamodule: ForecastDataModule) -> dict[str, Any]:
        """The run's ``data.*`` params: the series spec the data resolved to, and where it was read. Of the
        spec's ``csv_keywords`` only those the read found itself (a detected ``sep``, ``decimal``,
        ``encoding``): the ones given are ``data.read_options.*`` already (a ``skiprows`` list twice, each
        cut at 250 characters). The saved model's spec keeps them all."""
        params = datamodule.spec.to_dict()  # a copy: the spec itself is not changed
        given = params.get("read_options") or {}
        if params.get("csv_keywords"):
            params["csv_keywords"] = {
                key: value
                for key, value in params["csv_keywords"].items()
                if key not in given or given[key] != value
            }
        return {**params, "source": forecast_fit_end.data_source(datamodule)}

    def mlflow_example_and_signature(self):
        """``(input example, signature)`` of this model's MLflow pyfunc: the last ``lookback`` rows, and
        the forecast's columns with the params it takes (``n``; ``level`` and ``interval_method`` when
        calibrated). The CLI's logged model declares the same (``ssm_ts.cli.fit_outputs.model_example_and_signature``).

        A calibrated model's example is ``(rows, {"level": [80]})``: its serving example shows ``level`` as
        the list MLflow's signature requires (MLflow refuses a scalar ``{"level": 80}`` before the model
        runs, and no MLflow param can be a scalar or a list; see :mod:`ssm_ts.tracking.pyfunc_forecast`)."""
        return forecast_fit_end.mlflow_example_and_signature(self)

    def _json_settings(self) -> dict[str, Any]:
        """The settings a run logs (``forecaster.*`` params, config.json) and :meth:`save` keeps, as JSON
        values: all but the tracking URI, objects in ``trainer_options`` described (callbacks as
        ``class_path``/``init_args``). A :class:`ConfigError` naming a setting JSON cannot hold: with
        MLflow, :meth:`fit` asks for them before training, so it never fails after training on them."""
        import json

        settings = {k: v for k, v in self.settings.items() if k not in ("tracking_uri",)}
        settings["trainer_options"] = json_trainer_options(settings["trainer_options"])
        for key, value in settings.items():
            try:
                json.dumps(value)
            except (TypeError, ValueError) as error:
                raise ConfigError(
                    f"Forecaster setting {key}={value!r} cannot be saved with the model ({error}): the saved "
                    "config and the MLflow run hold only JSON values (numbers, text, lists, dicts). Give it "
                    "as such values."
                ) from error
        return settings

    # ------------------------------------------------------------ use

    def _require_fitted(self) -> ForecastingTask:
        if self.task_ is None or self.spec_ is None:
            raise ConfigError(_NOT_FITTED)
        return self.task_

    def _data_path(
        self, data: TableSource | None, read_options: dict[str, Any] | None = None
    ) -> TableSource | Table | None:
        """``data``, a standard data set's name resolved to its CSV, as :meth:`_read` takes it (a long
        table with the feature rows of a model fitted with per-series inputs, :meth:`_with_features`,
        a CSV read with ``read_options``, ``None``: the fit's)."""
        if data is not None:
            require_table_source(data)
        if isinstance(data, (str, os.PathLike)):
            from ssm_ts.datasets import resolve_data_path

            data = resolve_data_path(data, "forecast", setting="data")
        return self._with_features(data, read_options)

    def _with_features(
        self, data: TableSource | None, read_options: dict[str, Any] | None = None
    ) -> TableSource | Table | None:
        """``data`` with the feature rows of the model's per-series inputs (its per-series covariate
        columns as rows, its stored statics), as ``fit`` read its data; ``data`` itself for a model
        without them. A CSV comes back as the :class:`Table` read with ``read_options`` (``None``: the
        fit's), as the command reads one (:func:`~ssm_ts.pipelines.forecasting.datamodule_features.fitted_table`);
        so does a long CSV of a model without them, read once for the series it holds and its rows."""
        features, id_col = self.series_features_, self.spec_.id_col
        if features is None and self.spec_.long_format and isinstance(data, (str, os.PathLike)):
            # its series (absent_series) and its rows (load_like) from one read, not two
            kept = fitted_read_options(data, self.spec_.read_options)  # a Parquet file: none
            return read_table(data, kept if read_options is None else read_options)
        if features is None or data is None:
            return data
        if not isinstance(data, pd.DataFrame):  # a CSV read as the fit read it, its errors naming the file
            return fitted_table(data, features, self.spec_, read_options)
        if id_col not in data.columns and id_col not in (data.index.names or []):
            return data  # a wide frame of the fitted columns (history_, or a slice of it): read as it is
        if features.holds_feature_rows(data):
            return data  # their rows given already (the MLflow model's input example)
        return features.expanded_table(read_table(data), self.spec_.time_col)  # errors name the user's rows

    def _future_with_features(self, futr_df: TableSource) -> TableSource | Table:
        """``predict``'s ``futr_df`` with the rows of the model's per-series known-future inputs (its
        known-future columns per series, its stored statics), as :meth:`_with_features` the data; a CSV
        comes back as the :class:`Table` read with the fit's ``read_options``, its errors naming the file
        (:func:`~ssm_ts.pipelines.forecasting.datamodule_features.fitted_future_table`, as ``--futr_path``)."""
        features = self.series_features_
        if features is None:
            return futr_df
        if not isinstance(futr_df, pd.DataFrame):  # a CSV read with the fit's read_options, as the data is
            return fitted_future_table(
                futr_df, features, self.spec_, None, name=str(futr_df), setting="futr_df"
            )
        require_future_ids(futr_df, features, self.spec_, "the futr_df DataFrame")
        table = dataclasses.replace(read_table(futr_df), name="the futr_df DataFrame")
        return features.expanded_table(table, self.spec_.time_col, future=True)

    def _read(
        self,
        data: TableSource | None,
        allow_future_rows: bool = True,
        read_options: dict[str, Any] | None = None,
        expanded: TableSource | Table | None = None,
    ) -> pd.DataFrame:
        """``data`` read for a forecast (``None``: the fitted history, with its future rows);
        ``expanded``: :meth:`_data_path` of ``data`` when the caller has it already (a long table
        expanded with its feature rows once, not a second time here)."""
        self._require_fitted()
        if data is not None:
            require_table_source(data)
        if isinstance(data, (str, os.PathLike)):  # a CSV, or a standard data set's name, as fit takes
            from ssm_ts.datasets import resolve_data_path

            data = resolve_data_path(data, "forecast", setting="data")
        if data is not None:
            source = "the DataFrame" if isinstance(data, pd.DataFrame) else str(data)
            data = self._with_features(data, read_options) if expanded is None else expanded
            # a DataFrame such as history_ keeps its fill record (series.with_given_fills)
            frame = load_like(data, self.spec_, allow_future_rows, read_options=read_options)
            # a value the model would overflow on once scaled (1e30), named before it reaches the model
            scaler = self.task_.scaler_state(self.spec_.input_columns)
            check_value_range(frame, self.spec_, scaler, source, fitted=True)
            if not allow_future_rows:
                return frame
            # the covariates over the window each forecast reads (an empty end gave no forecast, unsaid)
            hp = self.task_.hparams
            reads = hp.get("covariate_index") if hp.channel_independent else None
            require_covered_targets(frame, self.spec_, reads, source, last_rows=hp.lookback)
            return self._with_static_future(frame)
        if read_options is not None:
            raise ConfigError(
                f"read_options {read_options} read a CSV given as data, but none is given; pass the CSV "
                "(e.g. predict('new.csv', read_options=...)), or leave read_options out."
            )
        if allow_future_rows and self.future_ is not None:
            return pd.concat([self.history_, self.future_], ignore_index=True)
        # a model saved without the statics' rows (the MLflow model is saved before fit adds them)
        return self._with_static_future(self.history_) if allow_future_rows else self.history_

    def _with_static_future(self, frame: pd.DataFrame, steps: int | None = None) -> pd.DataFrame:
        """``frame`` (read for a forecast) with ``steps`` (default ``horizon``) rows of the stored statics
        after it when they are the model's only known-future inputs and it has no future rows of its own."""
        from ssm_ts.pipelines.forecasting.frames import future_times
        from ssm_ts.pipelines.forecasting.spans import n_observed_rows

        features, spec = self.series_features_, self.spec_
        if features is None or not features.only_static_future:
            return frame
        if n_observed_rows(frame, spec.targets) < len(frame):  # future rows of the user's: read those
            return frame
        times = future_times(frame[spec.time_col].iloc[-1], spec.freq, steps or self.settings["horizon"])
        out = pd.concat([frame, features.future_rows(frame, spec, times)], ignore_index=True)
        out.attrs = frame.attrs  # the fill record (SeriesNotes) of the rows read
        return out

    def _validation_scores(
        self, datamodule: ForecastDataModule, device: torch.device | str | None = None
    ) -> ConformalScores:
        """:func:`validation_scores` of the fitted model with this forecaster's ``calibration_budget``."""
        return validation_scores(
            self._require_fitted(), datamodule, self.settings["calibration_budget"], device
        )

    @classmethod
    def around(
        cls, task: ForecastingTask, datamodule: ForecastDataModule, conformal: ConformalScores | None = None
    ) -> Forecaster:
        """A Forecaster around ``task`` (trained by the CLI) and the data ``datamodule`` read, with the
        calibration scores ``conformal`` (``None``: none); the task moves to the CPU."""
        return forecaster_around(cls, task, datamodule, conformal)

    @classmethod
    def _calibrated_on(cls, task: ForecastingTask, datamodule: ForecastDataModule) -> Forecaster:
        """:meth:`around` ``task``, calibrated on the validation split of ``datamodule`` as ``fit`` does
        (for a checkpoint without stored scores)."""
        forecaster = cls.around(task, datamodule)
        forecaster.conformal_ = forecaster._validation_scores(datamodule)
        return forecaster

    def _long(self, long: bool | None) -> bool:
        if long is not None and not isinstance(long, (bool, np.bool_)):  # "no" would read as True
            raise ConfigError(
                f"long={long!r}: use True (unique_id, ds, y rows), False (a column per series) or None "
                "(the layout the model was fitted on)."
            )
        return self.spec_.long_format if long is None else bool(long)

    # ------------------------------------------------------------ persistence

    def save(self, directory: str | os.PathLike) -> Path:
        """Write a self-describing folder (config JSON, safetensors weights, scaler and history as JSON)."""
        return save_forecaster(self, directory)

    @classmethod
    def load(cls, directory: str | os.PathLike) -> Forecaster:
        """Load a folder written by :meth:`save` on the CPU (no GPU needed, nothing unpickled); also a
        downloaded MLflow model (its ``artifacts/export``) or a fit's ``out_dir`` (its ``export``)."""
        return load_forecaster(cls, directory)
