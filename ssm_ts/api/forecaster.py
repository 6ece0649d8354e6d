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
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
import torch

from ssm_ts.api.conformal import (
    DEFAULT_SCORE_BUDGET,
    ConformalScores,
    check_budget,
    check_interval_request,
    check_levels,
    check_steps_calibrated,
    compute_scores,
    default_method,
    interval_columns,
    intervals,
    learned_bands,
    shortfall_message,
    shortfalls,
)
from ssm_ts.api.forecast_intervals import (
    bounds_on_rows,
    flat_bounds,
    level_text,
    long_to_wide_with_intervals,
    with_long_intervals,
    with_wide_intervals,
    write_forecast_with_intervals,  # noqa: F401  (imported from here)
)
from ssm_ts.api.forecast_persistence import (
    forecaster_around,
    load_forecaster,
    save_forecaster,
    settings_of_task,  # noqa: F401  (imported from here)
)
from ssm_ts.api.forecast_refit import (
    check_refit_calibration,
    check_refit_observed,
    check_refit_rows,
    refit_forecaster,
    refit_module,
)
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
from ssm_ts.errors import ConfigError, DataError
from ssm_ts.pipelines.forecasting import (
    ForecastDataModule,
    SeriesSpec,
    Spans,
    filled_targets,
    forecast_frame,
    future_times,
    load_like,
    point_index,
    quantile_column,
    series_notes,
    series_spans,
    to_long_forecast,
    to_wide_forecast,
    window_inputs,
)
from ssm_ts.pipelines.forecasting.fills import carry_trailing_fills
from ssm_ts.pipelines.forecasting.frames import restore_times
from ssm_ts.pipelines.forecasting.plotting import plot_forecast
from ssm_ts.pipelines.forecasting.reader import TableSource
from ssm_ts.pipelines.forecasting.spans import n_observed_rows, require_channel_independent
from ssm_ts.tasks.forecasting import (
    ForecastingTask,
    check_steps,
)
from ssm_ts.tracking.resume_settings import builtin_value
from ssm_ts.training import check_ema_decay, check_learning_rate

if TYPE_CHECKING:  # Lightning loads only when a fit starts
    from lightning.pytorch.callbacks import Callback


def _is_int(value: Any) -> bool:
    """A whole number (Python or NumPy integer), not a bool or a float."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _refit_every(refit: Any) -> int:
    """``backtest(refit=...)`` as the number of windows between refits: ``0`` (never), ``1`` (``True``) or ``k``."""
    if isinstance(refit, (bool, np.bool_)):
        return int(bool(refit))
    if _is_int(refit) and refit >= 1:
        return int(refit)
    raise ConfigError(
        f"refit={refit!r}: use False (forecast every window with the fitted model), True (refit before every "
        "window) or a positive whole number k (refit before every k-th window)."
    )


_NOT_FITTED = "this Forecaster is not fitted yet: call .fit(data) or Forecaster.load(folder) first."


class Forecaster(ResumableFit):
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
        experiment, tracking_uri, run_name, register_as: MLflow settings (``log_to_mlflow=False`` turns it off).
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
        experiment: str = "ssm-ts-forecast",
        tracking_uri: str | None = None,
        run_name: str | None = None,
        register_as: str | None = None,
        log_to_mlflow: bool = True,
        out_dir: str | None = None,
        trainer_options: dict[str, Any] | None = None,
        calibration_budget: int = DEFAULT_SCORE_BUDGET,
    ):
        if max_epochs < 1:
            raise ConfigError(f"max_epochs must be at least 1, got {max_epochs}.")
        if patience is not None and (not _is_int(patience) or patience < 0):
            raise ConfigError(
                f"patience must be a whole number of epochs >= 0, got {patience!r}; use None to never stop early."
            )
        check_learning_rate(lr, default_from=type(self))
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

    def __getattr__(self, name: str) -> Any:
        settings = self.__dict__.get("settings", {})
        if name in settings:
            return settings[name]
        raise AttributeError(f"'Forecaster' object has no attribute {name!r}")

    def __repr__(self) -> str:
        keys = ("model", "lookback", "horizon", "quantiles", "max_epochs")
        return f"Forecaster({', '.join(f'{k}={self.settings[k]!r}' for k in keys)})"

    # ------------------------------------------------------------ fit

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

        After fitting: ``metrics_`` (validation and test loss and MSE/MAE, scaled and original units,
        of the returned model: the best checkpoint, not the last epoch), ``run_id_`` (the MLflow
        run), ``best_checkpoint_``, ``out_dir_``.
        """
        if not isinstance(data, (pd.DataFrame, str, os.PathLike)):
            raise ConfigError(
                f"data must be a CSV path or a pandas DataFrame, got {type(data).__name__}; "
                "for arrays, build a DataFrame with a time column and one column per series."
            )
        s = self.settings
        data_settings = builtin_value(dict(
            time_col=time_col, target=target, past_covariates=past_covariates, future_covariates=future_covariates,
            freq=freq, fill=fill, lookback=s["lookback"], horizon=s["horizon"], split=s["split"],
            fractions=s["fractions"], boundaries=s["boundaries"], batch_size=s["batch_size"], shuffle_seed=s["seed"],
            read_options=read_options,
        ))  # fmt: skip
        if isinstance(data, pd.DataFrame):
            datamodule = ForecastDataModule.from_frame(data, **data_settings)
        else:
            datamodule = ForecastDataModule(path=str(data), **data_settings)
        datamodule.setup("fit")  # every data problem surfaces here, before any training starts
        require_channel_independent(datamodule.spans, datamodule.frame[datamodule.spec.time_col],
                                    s["channel_independent"])  # fmt: skip
        return self._train(datamodule, resume)

    def _train(self, datamodule: ForecastDataModule, resume: bool = False) -> Forecaster:
        """Train a fresh task on ``datamodule`` (set up, its data checked) with this object's settings,
        keep it as the fitted model and log the run: :meth:`fit` after reading the data, and each refit
        of :meth:`backtest`."""
        import lightning.pytorch as pl

        from ssm_ts.tracking.logger import check_resumed_run, log_params
        from ssm_ts.tracking.run_status import end_run, fit_interruptibly, run_failed_on_error
        from ssm_ts.training import build_trainer, user_trainer_options

        s = self.settings
        pl.seed_everything(s["seed"], verbose=False)
        task = ForecastingTask(
            model=s["model"], lookback=s["lookback"], horizon=s["horizon"], n_channels=datamodule.n_channels,
            n_outputs=datamodule.n_outputs, channel_independent=s["channel_independent"], quantiles=s["quantiles"],
            loss=s["loss"], model_options=s["model_options"], lr=s["lr"], weight_decay=s["weight_decay"],
        )  # fmt: skip
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
        fit_interruptibly(trainer.fit, trainer.loggers, task, datamodule=datamodule, ckpt_path=ckpt_path)
        best = trainer.checkpoint_callback.best_model_path or trainer.checkpoint_callback.last_model_path
        # Lightning has already marked the run FINISHED: a failure from here on must not leave it so
        with run_failed_on_error(logger, best, self._resume_hint(out_dir)):
            self._after_training(trainer, task, datamodule, out_dir, own_dir, best, logger)
        return self

    def _fit_callbacks(self) -> list[Callback]:
        """ssm-ts's own callbacks of one fit: early stopping, the run record its checkpoints carry, EMA."""
        from ssm_ts.tracking.logger import RecordMLflowRun
        from ssm_ts.training import EMAWeights

        s = self.settings
        callbacks: list[Callback] = (
            [ResumableEarlyStopping("val_loss", patience=s["patience"])] if s["patience"] is not None else []
        )
        # checkpoints carry the run id, so a resume continues it, and what it checks (data, settings)
        callbacks.append(RecordMLflowRun(settings=self._checked_settings()))
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
        """The MLflow params a fit logs (the task's, as Lightning logs them, and this object's, as
        :meth:`_log_fit` does) and those a resume may change (free settings, a moved CSV)."""
        from ssm_ts.tracking.resume_settings import FREE_FIT_SETTINGS

        params = {**dict(task.hparams), "forecaster": self._json_settings(),
                  "data": {"source": self._data_source(datamodule)}}  # fmt: skip
        return params, {*(f"forecaster.{k}" for k in FREE_FIT_SETTINGS), "data.source"}

    @staticmethod
    def _data_source(datamodule: ForecastDataModule) -> str:
        return datamodule.path or f"DataFrame ({len(datamodule.frame)} rows)"

    def _data_params(self, datamodule: ForecastDataModule) -> dict[str, Any]:
        """The run's ``data.*`` params: the series spec the data resolved to, and where it was read."""
        return {**datamodule.spec.to_dict(), "source": self._data_source(datamodule)}

    def _after_training(self, trainer, task: ForecastingTask, datamodule: ForecastDataModule,
                        out_dir: Path, own_dir: Path, best: str, logger) -> None:  # fmt: skip
        """Restore the best weights, evaluate them, keep what predict needs, log the run's results."""
        from ssm_ts.export import load_checkpoint

        if best:
            task.load_state_dict(load_checkpoint(best)["state_dict"])
        self.best_checkpoint_ = best or None
        self.spec_ = datamodule.spec
        # Carries the SeriesNotes (which targets were filled) for backtest() without data.
        self.history_ = datamodule.observed_frame().reset_index(drop=True)
        # Trailing rows with known-future covariates but no targets: left out of training, kept
        # so that predict() without data has the covariates of the steps it forecasts.
        self.future_ = series_notes(datamodule.frame).future
        # The last epoch's callback_metrics describe other weights than the restored best ones.
        self.metrics_ = self._validate(task.eval(), datamodule, own_dir)
        if datamodule.bounds.test_end > datamodule.bounds.val_end:
            # the test split is read once, at the end, with the best weights
            (test_metrics,) = trainer.test(task, datamodule=datamodule, verbose=False)
            self.metrics_.update({k: float(v) for k, v in test_metrics.items()})
        # split-conformal scores on the validation windows (never the test split), saved with the model,
        # computed on the trainer's device (a GPU fit's pass took 22 s of a 50 s ETTh1 fit on the CPU)
        self.task_ = task.eval()
        self.conformal_ = self._validation_scores(datamodule, trainer.strategy.root_device)
        self.task_ = task.cpu().eval()
        if logger is not None:
            self._log_fit(logger, datamodule, out_dir, best)

    def _validate(
        self, task: ForecastingTask, datamodule: ForecastDataModule, out_dir: Path
    ) -> dict[str, float]:
        """The ``val_*`` metrics of ``task`` as it is returned (the best checkpoint's weights).

        A separate trainer without the logger or the fit's callbacks: the MLflow history keeps one
        value per epoch, and the EMA callback would swap its last average in for the restored weights.
        """
        from ssm_ts.training import build_trainer

        s = self.settings
        kept = {k: v for k, v in (s["trainer_options"] or {}).items() if k != "callbacks"}
        options = fit_trainer_options(kept, "Forecaster")
        evaluator = build_trainer(max_epochs=1, out_dir=out_dir, accelerator=s["accelerator"], **options)
        results = evaluator.validate(task, datamodule=datamodule, verbose=False)
        return {k: float(v) for k, v in (results[0] if results else {}).items() if k.startswith("val_")}

    def _log_fit(self, logger, datamodule: ForecastDataModule, out_dir: Path, best: str) -> None:
        from ssm_ts.tracking.logger import log_artifact, log_dict_artifact
        from ssm_ts.tracking.pyfunc_forecast import write_model_code
        from ssm_ts.tracking.run_folder import log_model_and_publish

        source = self._data_source(datamodule)
        log_dict_artifact(logger, self._resolved_config(source), "config.json")
        if best:
            log_artifact(logger, best, "checkpoints")
        example, signature = self.mlflow_example_and_signature()

        def write_model(export_dir: Path) -> tuple[str, dict[str, str]]:
            self.save(export_dir)
            return write_model_code(export_dir.parent / "pyfunc_code"), {"forecaster": str(export_dir)}

        log_model_and_publish(logger, out_dir, write_model, register_as=self.settings["register_as"],
                              input_example=example, signature=signature)  # fmt: skip
        logger.finalize("success")
        self.run_id_ = logger.run_id

    def mlflow_example_and_signature(self):
        """``(input example, signature)`` of this model's MLflow pyfunc: the last ``lookback`` rows, and
        the forecast's columns with the params it takes (``n``; ``level`` and ``interval_method`` when
        calibrated). The CLI's logged model declares the same (``ForecastingTask.mlflow_example_and_signature``).

        A calibrated model's example is ``(rows, {"level": [80]})``: its serving example shows ``level`` as
        the list MLflow's signature requires (MLflow refuses a scalar ``{"level": 80}`` before the model
        runs, and no MLflow param can be a scalar or a list; see :mod:`ssm_ts.tracking.pyfunc_forecast`)."""
        from ssm_ts.tracking.pyfunc_forecast import EXAMPLE_PARAMS, forecast_signature, input_example

        hp = self._require_fitted().hparams
        example = input_example(self.history_, self.spec_, hp.lookback, hp.horizon)
        signature = forecast_signature(example, self.predict(example), horizon=hp.horizon,
                                       intervals=self.conformal_ is not None)  # fmt: skip
        if self.conformal_ is None:
            return example, signature
        return (example, dict(EXAMPLE_PARAMS)), signature

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

    def _resolved_config(self, source: str) -> dict[str, Any]:
        return {"forecaster": self._json_settings(), "task": dict(self._require_fitted().hparams),
                "series": self.spec_.to_dict(), "data": source, "metrics": self.metrics_}  # fmt: skip

    # ------------------------------------------------------------ use

    def _require_fitted(self) -> ForecastingTask:
        if self.task_ is None or self.spec_ is None:
            raise ConfigError(_NOT_FITTED)
        return self.task_

    def _read(
        self,
        data: TableSource | None,
        allow_future_rows: bool = True,
        read_options: dict[str, Any] | None = None,
    ) -> pd.DataFrame:
        self._require_fitted()
        if isinstance(data, (str, os.PathLike)):  # a CSV, or a standard data set's name, as fit takes
            from ssm_ts.datasets import resolve_data_path

            data = resolve_data_path(data, "forecast", setting="data")
        if data is not None:
            # a DataFrame such as history_ keeps its fill record (series.with_given_fills)
            return load_like(data, self.spec_, allow_future_rows, read_options=read_options)
        if read_options is not None:
            raise ConfigError(
                f"read_options {read_options} read a CSV given as data, but none is given; pass the CSV "
                "(e.g. predict('new.csv', read_options=...)), or leave read_options out."
            )
        if allow_future_rows and self.future_ is not None:
            return pd.concat([self.history_, self.future_], ignore_index=True)
        return self.history_

    def predict(
        self,
        data: TableSource | None = None,
        *,
        long: bool | None = None,
        read_options: dict[str, Any] | None = None,
        n: int | None = None,
        level: float | list[float] | None = None,
        interval_method: Literal["residual", "cqr"] | None = None,
    ) -> pd.DataFrame:
        """Forecast the ``horizon`` steps (or ``n``) after the last observed row of ``data`` (default: the
        fitted series).

        ``level`` (neuralforecast's ``predict(level=[80, 95])``): split-conformal prediction intervals
        of these coverages in percent, as ``<target>_lo-<level>`` and ``<target>_hi-<level>`` columns
        (``y_lo-80``, ``y_hi-80`` in long layout), calibrated on the windows of the validation split
        at the end of ``fit`` (or on :meth:`calibrate`'s data) per horizon step and series.
        ``interval_method``: ``"cqr"`` (the default with ``quantiles``) widens or narrows the learned
        quantile band nearest the level by its calibrated error; ``"residual"`` (the default without)
        puts the calibrated absolute error around the point forecast. See :mod:`ssm_ts.api.conformal`.
        Intervals cover the calibrated horizon only (``n <= horizon``), and a level needs enough windows
        (80%: 4, 95%: 19, 99%: 99); either is refused with the fix otherwise. ``interval_method``
        without ``level`` makes no interval and is refused (as is an unknown one), so is ``"cqr"`` for a
        model without quantile bands.

        ``n`` (darts' ``predict(n)``): ``None`` forecasts the ``horizon``; ``n <= horizon`` its first ``n``
        steps (quantile columns too); ``n > horizon`` rolls the model forward: it forecasts ``horizon``
        steps, appends the point forecast (the median with quantiles) to the inputs as if observed,
        forecasts again, and so on until ``n`` steps; each series of a ragged panel rolls from its own
        end. The quantiles of a rolled block are conditional on the earlier blocks' medians, so beyond
        the first ``horizon`` they understate the uncertainty (they are not intervals of the whole
        path). A rollout needs every model input to be forecast or known: past covariates are refused,
        and known-future covariates need ``ceil(n / horizon) * horizon`` rows after the last
        observation (every block reads the covariates of all its ``horizon`` steps).

        ``data`` has the training columns; with known-future covariates, end it with ``horizon``
        rows whose covariates are filled and targets empty (without ``data``, such rows at the end of
        the fitted data are used). Returns the time column continuing
        the frequency, one column per target and ``<target>_q<level>`` columns with quantiles; for a
        model fitted on a long table (``long=None``: as it was fitted; ``True``/``False`` to choose),
        the same in long layout: ``unique_id, ds, y`` and ``y_q<level>``, one row per series and time.

        Series of a long table that end at different times (a ragged panel) each forecast the
        ``horizon`` steps after their own last observed time: in long layout each series has its
        own ``ds``; in wide layout the rows are the union of those times, NaN where a series has no
        forecast.

        A CSV ``data`` is read with the ``read_options`` of the fit (saved with the model), or with
        ``read_options`` when given (they replace those; ``{}``: detection alone).
        """
        task = self._require_fitted()
        if _is_int(data):  # darts' predict(n): here the first argument is the data
            raise ConfigError(
                f"predict({data}): the first argument is the data (a CSV path or DataFrame); for {data} "
                f"forecast steps write predict(n={data}) (or predict(data, n={data}))."
            )
        n = check_steps(n, task.hparams.horizon)  # before reading the data: a bad n fails at once
        levels = check_interval_request(level, interval_method, self._bands())
        if levels is not None:
            self._interval_request(levels, interval_method)
            check_steps_calibrated(self.conformal_, n)
        forecast = task.forecast_after(self._read(data, read_options=read_options), self.spec_, n=n)
        long = self._long(long)
        out = to_long_forecast(forecast, self.spec_, forecast_rows_only=True) if long else forecast
        if levels is None:
            return out
        # each series' own forecast rows (a ragged panel's wide rows are the union of their times)
        prediction = self._prediction_of(forecast)  # (rows, n_targets, n_quantiles)
        present = ~np.isnan(prediction[..., point_index(task.hparams.quantiles)])
        steps = np.cumsum(present, axis=0) - 1  # the horizon step of each present row, per series
        compact = np.full_like(prediction, np.nan)
        columns = np.broadcast_to(np.arange(prediction.shape[1]), present.shape)
        compact[steps[present], columns[present]] = prediction[present]
        bounds = self._intervals(compact[: int(present.sum(axis=0).max())], levels, interval_method)
        if long:  # rows: series, then its own steps
            flat = {
                k: tuple(b.T[present.T] for b in pair)
                for k, pair in bounds_on_rows(bounds, steps, present).items()
            }
            return with_long_intervals(out, self.spec_, flat)
        return with_wide_intervals(out, self.spec_, bounds_on_rows(bounds, steps, present))

    def calibrate(
        self,
        data: TableSource,
        *,
        n_windows: int,
        step: int = 1,
        read_options: dict[str, Any] | None = None,
    ) -> Forecaster:
        """Recalibrate the conformal intervals of ``predict(level=...)`` on the last ``n_windows``
        windows of ``data``, every ``step`` rows (as :meth:`backtest` places them), and return ``self``.

        ``fit`` calibrates on the validation split by itself; use this for a loaded model, or to
        calibrate on newer rows. Split conformal needs windows the model was not trained on (in-sample
        errors are too small and give intervals that cover too little), as MAPIE's and neuralforecast's
        calibration sets are held out: a window whose forecast rows reach the model's last training row
        (by time, ``conformal_.train_end``, kept by ``fit`` and :meth:`save`) is left out, with a warning
        naming how many and the ``n_windows`` that holds only later rows; data whose windows all forecast
        training rows is a :class:`DataError` (the previous scores are kept). The scores replace the
        previous ones and are saved by :meth:`save`: all ``n_windows`` of them (``calibration_budget``
        bounds ``fit``'s only), ``n_windows x horizon x series x score kinds x 4`` bytes.
        """
        task = self._require_fitted()
        if not _is_int(n_windows) or n_windows < 1:
            raise ConfigError(f"n_windows must be a positive whole number of windows, got {n_windows!r}.")
        result, ragged, prediction, actual, _ = self._backtest(data, n_windows, step, read_options)
        train_end = None if self.conformal_ is None else self.conformal_.train_end
        source = f"the last {n_windows} windows (every {step} rows) of the data given to calibrate()"
        notes: dict[str, str] = {}
        if train_end is not None:
            # (n_windows, n_targets): the windows that forecast training rows
            in_sample = self._in_sample_windows(result, ragged, n_windows, train_end)
            actual = np.where(in_sample[:, None, :], np.nan, actual)  # NaN: not scored
            if in_sample.any():
                source, notes = self._held_out_only(in_sample, n_windows, step, train_end)
        self.conformal_ = compute_scores(prediction, actual, task.hparams.quantiles, source, notes, train_end)
        return self

    def _in_sample_windows(
        self, result: pd.DataFrame, ragged: bool, n_windows: int, train_end: str | int
    ) -> np.ndarray:
        """``(n_windows, n_targets)``: whether each backtest window of each series starts forecasting at
        or before the model's last training row ``train_end`` (:meth:`_backtest`'s ``result``: wide rows
        window, step; a ragged panel's long rows series, window, step)."""
        spec, horizon = self.spec_, self._require_fitted().hparams.horizon
        times = result[spec.time_col]
        if isinstance(times.dtype, pd.PeriodDtype):  # a Period's training end is kept as its start
            times = times.dt.to_timestamp()
        trained = (times <= restore_times([train_end], spec.tz)[0]).to_numpy()
        if ragged:
            return trained.reshape(len(spec.targets), n_windows, horizon)[:, :, 0].T
        return np.repeat(trained.reshape(n_windows, horizon)[:, :1], len(spec.targets), axis=1)

    def _held_out_only(
        self, in_sample: np.ndarray, n_windows: int, step: int, train_end: str | int
    ) -> tuple[str, dict[str, str]]:
        """Warn that the windows ``in_sample`` (``(n_windows, n_targets)``) are left out, or refuse the
        calibration when every window is; the scores' ``(source, notes)`` (the series left without one)."""
        end = str(restore_times([train_end], self.spec_.tz)[0])
        left_out = int(in_sample.sum(axis=0).max())  # the same for every series but in a ragged panel
        fix = (f"calibrate on rows after {end}: fewer windows (n_windows={n_windows - left_out} on this data "
               "holds only later rows) or new data recorded after the training rows")  # fmt: skip
        if in_sample.all():
            raise DataError(
                f"calibrate(): all {n_windows} calibration windows forecast rows this model was trained on (its "
                f"training rows end at {end}); their in-sample errors are smaller than on new data and would "
                "make the intervals too narrow (split conformal needs held-out data). Nothing was changed: give "
                f"data with at least {n_windows} windows after {end} (every {step} rows), or fewer windows."
            )
        notes = {
            name: f"all its {n_windows} calibration windows forecast training rows (up to {end})"
            for name, trained in zip(self.spec_.targets, in_sample.all(axis=0), strict=True)
            if trained
        }
        warnings.warn(
            f"calibrate(): {left_out} of the {n_windows} windows forecast rows this model was trained on (its "
            f"training rows end at {end}); their in-sample errors are smaller than on new data and would make "
            f"the intervals too narrow, so they are left out and the other {n_windows - left_out} calibrate. To "
            f"silence this, {fix}.",
            UserWarning,
            stacklevel=3,
        )
        source = (f"the last {n_windows} windows (every {step} rows) of the data given to calibrate(), "
                  f"{n_windows - left_out} held-out ones scored ({left_out} forecast training rows)")  # fmt: skip
        return source, notes

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

    def _bands(self) -> tuple[tuple[float, float], ...]:
        """The fitted model's learned quantile bands (what ``interval_method="cqr"`` widens)."""
        return learned_bands(self._require_fitted().hparams.quantiles)

    def _interval_request(self, level: Any, interval_method: str | None) -> list[float]:
        """Checked levels; the model must be calibrated and the method possible."""
        levels = check_levels(level)
        if self.conformal_ is None:
            raise ConfigError(
                "level= needs conformal calibration scores and this model has none: its export holds no "
                "conformal.safetensors (written by an older ssm-ts; Forecaster.fit and ssm-ts forecast fit keep "
                "them now). Call .calibrate(data, n_windows=...) on rows it was not trained on (.save() then "
                "keeps the scores), or refit; ssm-ts forecast predict --ckpt_path CKPT --level 80 calibrates a "
                "checkpoint without them on its validation split."
            )
        default_method(self.conformal_, interval_method)
        return levels

    def _intervals(
        self,
        prediction: np.ndarray,
        levels: list[float],
        interval_method: str | None,
        scores: ConformalScores | None = None,
    ) -> dict[float, tuple[np.ndarray, np.ndarray]]:
        """``{level: (lower, upper)}`` of ``prediction (..., steps, n_targets, n_quantiles)`` from ``scores``
        (default: this model's); one warning names the series left NaN for a level (too few calibration
        windows), the others keep theirs."""
        task = self._require_fitted()
        scores = self.conformal_ if scores is None else scores
        default_method(scores, interval_method)
        bounds = intervals(prediction, scores, levels, task.hparams.quantiles, self.spec_.targets,
                           interval_method)  # fmt: skip
        short = shortfalls(scores, levels, self.spec_.targets, prediction.shape[-3], interval_method)
        if short:
            warnings.warn(shortfall_message(short, scores), UserWarning, stacklevel=3)
        return bounds

    def _prediction_of(self, forecast: pd.DataFrame) -> np.ndarray:
        """``(rows, n_targets, n_quantiles)`` read back from a wide forecast frame."""
        quantiles = self._require_fitted().hparams.quantiles
        blocks = [
            forecast[[quantile_column(t, q) for q in quantiles] if quantiles else [t]].to_numpy(
                dtype="float64"
            )
            for t in self.spec_.targets
        ]
        return np.stack(blocks, axis=1)

    def _long(self, long: bool | None) -> bool:
        return self.spec_.long_format if long is None else bool(long)

    def backtest(
        self,
        data: TableSource | None = None,
        n_windows: int = 5,
        step: int | None = None,
        *,
        long: bool | None = None,
        read_options: dict[str, Any] | None = None,
        level: float | list[float] | None = None,
        interval_method: Literal["residual", "cqr"] | None = None,
        refit: bool | int = False,
    ) -> pd.DataFrame:
        """Rolling-origin forecasts over the end of ``data``, with the fitted weights or (``refit``) with
        models refitted as the cutoff moves.

        Window ``i`` forecasts the ``horizon`` rows starting at ``T - horizon - (n_windows - 1 - i) * step``.
        Returns one row per (window, step): ``cutoff`` (last row the model saw), the time column, the
        forecast columns as in :meth:`predict`, and ``<target>_actual``: the data, NaN where the
        fill policy invented the value (the forecast there is still given). ``data`` may be
        ``history_`` or a slice or copy of it (``fc.history_.iloc[:n]``): its values are filled
        already, and the fill record it carries (``DataFrame.attrs``) keeps those unscored; a frame
        rebuilt without it (from a CSV written from ``history_``) cannot say which values were
        invented: pass the raw data then. ``long`` as in
        :meth:`predict` (long tables get ``cutoff, unique_id, ds, y, ..., y_actual``); ``read_options``,
        ``level`` and ``interval_method`` as in :meth:`predict` (the conformal ``<target>_lo-<level>``
        and ``_hi-<level>`` columns follow the actuals).

        ``refit`` (neuralforecast's ``cross_validation(refit=...)``, darts' ``retrain``): ``False`` (the
        default) forecasts every window with this fitted model; ``True`` fits a fresh model before every
        window, an integer ``k`` before windows 1, k + 1, 2k + 1, ... (each forecasts the windows until
        the next refit). A refit has this Forecaster's settings (model, seed, epochs, early stopping,
        ...) and sees only the rows before its first window's first forecast time: they are split into
        training and validation rows in the ratio of this Forecaster's split (``"standard"``: 7:1 as its
        70% / 10%; ``"ett_h"``/``"ett_m"``, whose fixed rows cannot apply to a shorter prefix: 3:1 as
        their 60% / 20%; ``fractions`` or ``boundaries``: their train:validation ratio), with no test
        split (the backtest windows are its test). Its scaler is fitted on its training rows only, and
        ``level=`` intervals are calibrated on its own validation rows. Refits are not logged to MLflow;
        their checkpoints go to a temporary folder that is removed, and this Forecaster (its model,
        scores and ``out_dir``) is left as it was. A refit needs ``lookback + horizon`` training rows
        and ``horizon`` validation rows before the first window (a clear error otherwise). With
        ``level=``, what the refits could only refuse after training is checked before the first one:
        ``interval_method`` against the quantile bands they will have, and the highest level against
        the calibration windows of the first refit (the fewest of any refit: ``calibration_budget``
        applies, each series of a ragged panel cut at its own cutoff); a level no series has enough
        windows for is an error naming them, a series short of them gets NaN bounds and a warning.

        In a ragged panel (series of a long table that start and end at different times) each
        series' windows end at its own last observed row, so ``cutoff`` is per series; the wide
        layout then has a row per ``(cutoff, time)`` pair, NaN for the series without that window. A
        refit there sees each series up to its own cutoff, and each series needs a training window in
        the first refit's training rows (a clear error names those without one); a series that ends
        before a refit's validation rows has no calibration windows there: NaN ``level=`` bounds, a warning.

        With ``fill="interpolate"`` the data is filled whole, so a gap just before a window was drawn
        toward the window's own values; no window or refit reads them (see
        :mod:`ssm_ts.pipelines.forecasting.fills`): a window's target and past-covariate inputs that end
        in filled rows carry the last observed value (as ``predict`` on the rows before it would), its
        known-future covariates are read up to its last forecast row (never later), and a refit refills
        every column from its own rows (an error if a column has no observed value there). Calibration
        windows (``fit``'s, :meth:`calibrate`'s) are read the same way. ``fill="ffill"`` reads only the past.
        """
        self._require_fitted()
        every = _refit_every(refit)
        # a refit has this model's quantiles, so its bands: a method it cannot use fails before any refit
        levels = check_interval_request(level, interval_method, self._bands())
        if levels is not None and not every:  # refits are calibrated on their own validation rows
            self._interval_request(levels, interval_method)
        result, ragged, prediction, _, calibrations = self._backtest(
            data, n_windows, step, read_options, every, levels
        )
        spec, long = self.spec_, self._long(long)
        if levels is None:
            if ragged:
                return result if long else to_wide_forecast(result, spec)
            return to_long_forecast(result, spec) if long else result
        # each (n_windows, horizon, n_targets): a refit's windows with its own scores
        parts = []  # a loop, not a comprehension: its own frame would take the warnings' stacklevel
        for group, scores in calibrations:
            parts.append(self._intervals(prediction[group], levels, interval_method, scores))
        bounds = {lv: tuple(np.concatenate([part[lv][k] for part in parts]) for k in (0, 1)) for lv in levels}
        if not ragged and not long:  # wide rows: window, step
            return with_wide_intervals(result, spec, flat_bounds(bounds, (0, 1, 2)))
        # long rows: series, window, step
        result = with_long_intervals(
            result if ragged else to_long_forecast(result, spec), spec, flat_bounds(bounds, (2, 0, 1))
        )
        return result if long else long_to_wide_with_intervals(result, spec)

    def _backtest(
        self,
        data: TableSource | None,
        n_windows: int,
        step: int | None,
        read_options: dict[str, Any] | None,
        refit_every: int = 0,
        levels: list[float] | None = None,
    ) -> tuple[pd.DataFrame, bool, np.ndarray, np.ndarray, list[tuple[slice, ConformalScores | None]]]:
        """``(frame, ragged, prediction (n_windows, horizon, n_targets, n_quantiles), actual (n_windows,
        horizon, n_targets), calibrations)``: the frame is wide (window, step rows), or long for a ragged
        panel; the actuals are NaN where the fill policy invented the value or a series has no such
        window. ``refit_every``: ``0`` forecasts with the fitted model, ``k`` refits before every k-th
        window (:meth:`_window_forecasts`, which checks that the refits can calibrate ``levels``);
        ``calibrations``: ``(windows, conformal scores)`` of the model that forecast them."""
        task = self._require_fitted()
        spec, lookback, horizon = self.spec_, task.hparams.lookback, task.hparams.horizon
        step = horizon if step is None else step
        for name, value in (("n_windows", n_windows), ("step", step)):
            if not _is_int(value) or value < 1:
                raise ConfigError(f"{name} must be a positive whole number of rows, got {value!r}.")
        frame = self._read(data, allow_future_rows=False, read_options=read_options)
        spans = series_spans(frame, spec.targets)
        if spans.ragged:
            return self._backtest_ragged(frame, spans, n_windows, step, refit_every, levels)
        n_rows = len(frame)
        origins = [n_rows - horizon - (n_windows - 1 - i) * step for i in range(n_windows)]
        if origins[0] < lookback:
            needed = lookback + horizon + (n_windows - 1) * step
            if data is None:  # a loaded export keeps only the last lookback rows, not the series
                raise DataError(
                    f"backtest() without data uses the history held by this Forecaster: {n_rows} rows, but "
                    f"{n_windows} windows need {needed}. A saved and loaded model keeps only the last {lookback} "
                    "rows (its lookback): pass the series, backtest(data)."
                )
            raise DataError(
                f"{n_windows} backtest windows of horizon {horizon} every {step} rows need {needed} rows "
                f"(lookback {lookback} included); the data has {n_rows}. Use fewer windows, a smaller step, "
                "or more data."
            )
        inputs, targets = window_inputs(frame, spec, horizon)
        targets = np.where(filled_targets(frame, spec), np.nan, targets)  # actuals are data, not fills
        x = np.stack([inputs[o - lookback : o] for o in origins])
        firsts = np.repeat(np.asarray(origins)[:, None], len(spec.targets), axis=1)
        carry_trailing_fills(x, frame, spec, firsts, horizon)  # nothing filled from the window or later
        prediction, calibrations = self._window_forecasts(x, frame, firsts, refit_every, levels)
        times = frame[spec.time_col]
        actual_columns = [f"{name}_actual" for name in spec.targets]
        pieces = []
        for i, origin in enumerate(origins):
            window = forecast_frame(prediction[i], pd.Index(times.iloc[origin : origin + horizon]),
                                    spec.time_col, spec.targets, task.hparams.quantiles)  # fmt: skip
            # all actuals in one block: a column per series inserted one by one is quadratic
            actual = pd.DataFrame(targets[origin : origin + horizon], columns=actual_columns)
            window = pd.concat([window, actual], axis=1)
            window.insert(0, "cutoff", times.iloc[origin - 1])
            pieces.append(window)
        actuals = np.stack([targets[o : o + horizon] for o in origins])
        return pd.concat(pieces, ignore_index=True), False, prediction, actuals, calibrations

    def _backtest_ragged(
        self,
        frame: pd.DataFrame,
        spans: Spans,
        n_windows: int,
        step: int,
        refit_every: int = 0,
        levels: list[float] | None = None,
    ) -> tuple[pd.DataFrame, bool, np.ndarray, np.ndarray, list[tuple[slice, ConformalScores | None]]]:
        """Backtest windows per series of a ragged panel, in long layout (rows: series, window, step),
        with ``True`` (ragged) and the arrays of :meth:`_backtest`."""
        task, spec = self._require_fitted(), self.spec_
        lookback, horizon, quantiles = task.hparams.lookback, task.hparams.horizon, task.hparams.quantiles
        times = frame[spec.time_col]
        require_channel_independent(spans, times, bool(task.hparams.channel_independent))
        needed = lookback + horizon + (n_windows - 1) * step
        short = spans.lengths < needed
        if short.any():
            raise DataError(
                f"{n_windows} backtest windows of horizon {horizon} every {step} rows need {needed} rows of each "
                f"series (lookback {lookback} included); {int(short.sum())} series have fewer: "
                f"{spans.listed(short, times)}. Use fewer windows or a smaller step, or leave those series out."
            )
        # origin[i, j]: the first forecast row of window i of series j, counted back from its own end
        origins = spans.last[None, :] + 1 - horizon - (n_windows - 1 - np.arange(n_windows))[:, None] * step
        values = frame[spec.targets].to_numpy(dtype="float64")
        actual = np.where(filled_targets(frame, spec), np.nan, values)  # actuals are data, not fills
        series = np.arange(len(spec.targets))
        x = values[origins[:, None, :] + np.arange(-lookback, 0)[None, :, None], series]  # (n, L, C)
        carry_trailing_fills(x, frame, spec, origins, horizon)  # nothing filled from the window
        # (n, H, C, Q)
        prediction, calibrations = self._window_forecasts(x, frame, origins, refit_every, levels)
        rows = origins[:, None, :] + np.arange(horizon)[None, :, None]  # (n, H, C)

        def by_series(block: np.ndarray) -> np.ndarray:  # (n, H, C) -> series, window, step order
            return block.transpose(2, 0, 1).ravel()

        rows_long = by_series(rows)
        columns: dict[str, Any] = {
            "cutoff": times.to_numpy()[by_series(np.broadcast_to(origins[:, None, :] - 1, rows.shape))],
            spec.id_col: np.repeat(np.asarray(spec.targets, dtype=object), n_windows * horizon),
            spec.time_col: times.to_numpy()[rows_long],
            spec.value_col: by_series(prediction[..., point_index(quantiles)]),
        }
        for k, level in enumerate(quantiles or []):
            columns[quantile_column(spec.value_col, level)] = by_series(prediction[..., k])
        columns[f"{spec.value_col}_actual"] = actual[rows_long, np.repeat(series, n_windows * horizon)]
        result = pd.DataFrame(columns)
        if spec.periods:  # to_numpy gives Period objects: keep the column's Period dtype
            for column in ("cutoff", spec.time_col):
                result[column] = result[column].astype(times.dtype)
        return result, True, prediction, actual[rows, series], calibrations

    def _window_forecasts(
        self,
        x: np.ndarray,
        frame: pd.DataFrame,
        firsts: np.ndarray,
        refit_every: int,
        levels: list[float] | None = None,
    ) -> tuple[np.ndarray, list[tuple[slice, ConformalScores | None]]]:
        """Forecasts ``(n_windows, horizon, n_targets, n_quantiles)`` of the backtest inputs ``x
        (n_windows, lookback, n_channels)``, and ``(windows, conformal scores)`` of the model that made them.

        ``refit_every`` ``0``: the fitted model forecasts every window. ``k``: a model is refitted before
        windows ``0, k, 2k, ...`` on the rows of ``frame`` (the checked backtest data) before each series'
        first forecast row ``firsts[i, j]`` (``(n_windows, n_targets)``) and forecasts the next ``k`` windows.
        Before the first refit trains, its rows and (with ``levels``) its calibration windows are checked.
        """
        if not refit_every:
            with torch.no_grad():
                prediction = self._require_fitted().forecast(torch.as_tensor(x, dtype=torch.float64))
            return prediction.numpy(), [(slice(0, len(x)), self.conformal_)]
        starts = range(0, len(x), refit_every)
        check_refit_rows(self, frame, firsts[0])  # the shortest prefix: before any training
        check_refit_observed(self, frame, firsts, starts)  # every refit's: a later one must not fail late
        first_module = refit_module(self, frame, firsts[0])
        if levels is not None:
            check_refit_calibration(self, first_module, levels, frame, firsts[0])
        predictions, calibrations = [], []
        for start in starts:
            group = slice(start, min(start + refit_every, len(x)))
            module = first_module if start == 0 else refit_module(self, frame, firsts[start])
            first_module = None  # each refit's module is freed with its model
            refitted = refit_forecaster(self, module)
            with torch.no_grad():
                predictions.append(
                    refitted.task_.forecast(torch.as_tensor(x[group], dtype=torch.float64)).numpy()
                )
            scores = refitted.conformal_
            if scores is not None:  # its warnings say which refit's validation rows
                source = scores.source.replace("the validation split", "the validation rows", 1)
                scores = dataclasses.replace(
                    scores, source=f"{source} of the refit before window {start + 1}"
                )
            calibrations.append((group, scores))
        return np.concatenate(predictions), calibrations

    def plot(
        self,
        forecast: pd.DataFrame | None = None,
        data: TableSource | None = None,
        n_history: int | None = None,
        series: str | list[str] | None = None,
        read_options: dict[str, Any] | None = None,
        level: float | list[float] | None = None,
        interval_method: Literal["residual", "cqr"] | None = None,
    ):
        """A matplotlib Figure: the history tail, the forecast and (with quantiles) its widest interval.

        One panel per series in ``series`` (names of targets, or of series in a long table); by
        default the first 8, and the figure's title then says how many of how many it shows.
        ``read_options`` read a CSV ``data`` as in :meth:`predict`.

        ``level`` (e.g. ``80`` or ``[80, 95]``): draw the conformal interval of each level instead of
        the learned band, the ``<target>_lo-<L>``/``_hi-<L>`` columns of ``predict(level=...)``
        (``interval_method`` as there); a ``forecast`` given must hold those columns.
        """
        task = self._require_fitted()
        shown = self._plotted_series(series)
        levels = check_interval_request(level, interval_method, self._bands())
        history = self._read(data, read_options=read_options)
        if forecast is None and levels is not None:
            forecast = self.predict(data, long=False, read_options=read_options, level=levels,
                                    interval_method=interval_method)  # fmt: skip
        elif forecast is None:
            forecast = task.forecast_after(history, self.spec_)
        else:
            forecast = self._wide_with_intervals(forecast, levels)
        observed = history.iloc[: n_observed_rows(history, self.spec_.targets)]
        hp = task.hparams
        n_history = max(3 * hp.horizon, hp.lookback) if n_history is None else n_history
        return plot_forecast(observed, forecast, self.spec_.time_col, shown or self.spec_.targets,
                             hp.quantiles, n_history, max_panels=8 if shown is None else len(shown),
                             levels=levels)  # fmt: skip

    def _wide_with_intervals(self, forecast: pd.DataFrame, levels: list[float] | None) -> pd.DataFrame:
        """A forecast frame given to :meth:`plot` in wide layout, its interval columns of ``levels``
        kept (a clear error when it lacks them)."""
        spec = self.spec_
        long = spec.id_col in forecast.columns
        if levels is None:
            return to_wide_forecast(forecast, spec)
        names = [spec.value_col] if long else list(spec.targets)
        missing = [
            c for name in names for lv in levels for c in interval_columns(name, lv) if c not in forecast
        ]
        if missing:
            lo, hi = interval_columns(names[0], levels[0])
            raise ConfigError(
                f"level={level_text(levels)} draws the columns {lo}/{hi} (per level and series) of the forecast, "
                f"and it lacks {missing[:4]}{' ...' if len(missing) > 4 else ''}: pass the frame of "
                f"predict(..., level={level_text(levels)}), "
                "or leave forecast out to forecast here."
            )
        return long_to_wide_with_intervals(forecast, spec) if long else forecast

    def _plotted_series(self, series: str | list[str] | None) -> list[str] | None:
        if series is None:
            return None
        names = [series] if isinstance(series, str) else list(series)
        unknown = [name for name in names if name not in set(self.spec_.targets)]
        if unknown or not names:
            more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
            raise ConfigError(
                f"series={series!r}: {unknown[:5] or 'no name'}{more} not among the fitted series "
                f"(e.g. {self.spec_.targets[:5]}); name series the model forecasts."
            )
        return names

    def future_times(self) -> pd.Index:
        """The times :meth:`predict` forecasts for the fitted series (dates, or integer steps); for
        series that end at different times, the union of their future times."""
        task = self._require_fitted()
        ends = series_spans(self.history_, self.spec_.targets).last
        times = self.history_[self.spec_.time_col]
        per_series = [
            future_times(times.iloc[end], self.spec_.freq, task.hparams.horizon) for end in np.unique(ends)
        ]
        return (
            per_series[0]
            if len(per_series) == 1
            else per_series[0].append(per_series[1:]).unique().sort_values()
        )

    # ------------------------------------------------------------ persistence

    def save(self, directory: str | os.PathLike) -> Path:
        """Write a self-describing folder (config JSON, safetensors weights, scaler and history as JSON)."""
        return save_forecaster(self, directory)

    @classmethod
    def load(cls, directory: str | os.PathLike) -> Forecaster:
        """Load a folder written by :meth:`save` on the CPU (no GPU needed, nothing unpickled)."""
        return load_forecaster(cls, directory)
