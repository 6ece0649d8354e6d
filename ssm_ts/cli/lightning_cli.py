"""The LightningCLI subclass every use of ``ssm-ts`` runs, and its argument parser (imports Lightning:
only a running command needs it, so :func:`ssm_ts.cli.use_command.build_cli_class` imports this module
when a use runs)."""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path
from typing import Any

from lightning.pytorch.cli import LightningArgumentParser, LightningCLI
from lightning.pytorch.loggers import MLFlowLogger
from rich.console import Console

from ssm_ts.api.tune_cli import check_out
from ssm_ts.cli.checkpoint_args import CheckpointArgs
from ssm_ts.cli.checkpoint_defaults import SAVED_IN_ANOTHER_FORM
from ssm_ts.cli.command_help import arrange_command_help, check_command_options, check_seed, list_use_commands
from ssm_ts.cli.fit_outputs import log_fitted_model, mirror_run_artifacts
from ssm_ts.cli.interrupted import INTERRUPTED_FIT, remember_interrupted_fit
from ssm_ts.cli.lost_server import lost_server_reason, lost_server_text
from ssm_ts.cli.monitor_errors import unknown_monitor_text
from ssm_ts.cli.optimizer_options import refuse_lightning_optimizer_options
from ssm_ts.cli.parse_errors import parse_error_text
from ssm_ts.cli.path_settings import check_paths_beside_config, check_read_paths
from ssm_ts.cli.save_config import FREE_ON_RESUME, logged_config_params
from ssm_ts.cli.spawned_fit import (
    set_up_as_the_fit_did,
    start_mlflow_runs_here,
    started_processes_checkpoint,
    trains_in_started_processes,
)
from ssm_ts.cli.trainer_typehints import declare_int_before_float
from ssm_ts.cli.uses import USES, load_target
from ssm_ts.cli.write_failures import (
    is_write_failure,
    read_failure_text,
    unreadable_file,
    write_failure_text,
)
from ssm_ts.errors import ConfigError, DataError, TrainingError
from ssm_ts.shell_paths import expand_path_settings
from ssm_ts.tasks.interruptible_fit import fit_interruptibly
from ssm_ts.tasks.waveform_spawned_stop import spawned_stop_callbacks
from ssm_ts.tracking.interruptible_call import call_interruptibly
from ssm_ts.tracking.logger import check_resumed_run, make_mlflow_logger, mlflow_run_of_checkpoint
from ssm_ts.tracking.registry_names import check_register_as
from ssm_ts.tracking.resume_settings import DATA_FILE_SETTINGS, RUNTIME_SETTINGS
from ssm_ts.tracking.run_names import default_experiment_name
from ssm_ts.tracking.run_status import run_failed_on_error, started_run_id, stored_status
from ssm_ts.training import keep_beside_best, keep_given_patience, ssm_ts_best_checkpoint, trainer_refusals

# the tags of a validate/test run: the checkpoint it evaluated, and the MLflow run of the fit that wrote it
EVALUATED_CHECKPOINT_TAG = "ssm_ts.checkpoint"
EVALUATED_FIT_RUN_TAG = "ssm_ts.fit_run_id"


class SSMTSArgumentParser(LightningArgumentParser):
    """jsonargparse's parser, whose errors fit on a screen (:func:`parse_error_text`): its own print the
    whole usage, 80 lines of options, above the one line that says what is wrong."""

    def error(self, message: str, ex: Exception | None = None):
        if not self.exit_on_error or os.environ.get("JSONARGPARSE_DEBUG"):
            return super().error(message, ex)
        sys.stderr.write(parse_error_text(getattr(ex, "subcommand_parser", None) or self, message))
        self.exit(2)


def refuse_unreadable(error: OSError) -> None:
    """Raise a :class:`DataError` naming the file when ``error`` is a refused read of a file this user
    cannot read (:func:`unreadable_file`); else return."""
    path = unreadable_file(error)
    if path is not None:
        raise DataError(read_failure_text(path)) from error


def cli_trainer_setting(key: str, value: Any) -> str:
    """A Trainer setting as the command line takes it: ``--trainer.accelerator gpu``."""
    from ssm_ts.cli.option_spelling import command_argument

    return f"--trainer.{key} {command_argument(value)}"


def check_weight_averaging(callbacks: list) -> None:
    """Refuse Lightning's own weight-averaging callbacks: they copy the model in their ``setup``, before
    an ssm-ts task builds its network from the data, so every checkpoint would hold no weights."""
    from lightning.pytorch.callbacks import WeightAveraging

    from ssm_ts.training import EMAWeights

    for callback in callbacks:
        if isinstance(callback, WeightAveraging) and not isinstance(callback, EMAWeights):
            raise ConfigError(
                f"trainer.callbacks: {type(callback).__name__} averages the model before ssm-ts builds its "
                "network from the data, so its checkpoints would hold no weights. Use "
                "{class_path: ssm_ts.training.EMAWeights, init_args: {decay: 0.99}} instead."
            )


class SSMTSCLI(CheckpointArgs, LightningCLI):
    """The LightningCLI of one use (``use_name``, set by a subclass per use): ssm-ts's options, its
    checkpoints and MLflow run, and its outputs in ``--out``."""

    use_name = "ssm-ts"

    def add_arguments_to_parser(self, parser) -> None:
        parser.add_argument("--out", type=str, default=f"outputs/{self.use_name}", help="folder for outputs")
        parser.add_argument(
            "--tracking_uri", type=str | None, default=None, help="MLflow URI (default sqlite)"
        )
        parser.add_argument(
            "--experiment",
            type=str,
            default=default_experiment_name(f"ssm-ts-{self.use_name}"),
            help="MLflow experiment (default: $MLFLOW_EXPERIMENT_NAME if set, else ssm-ts-<use>)",
        )
        parser.add_argument("--run_name", type=str | None, default=None, help="MLflow run name")
        parser.add_argument("--register_as", type=str | None, default=None, help="register the fitted model")
        hook = USES[self.use_name].parser_hook
        configure = load_target(hook, optional=True) if hook else None
        if configure is not None:
            configure(parser)

    def add_core_arguments_to_parser(self, parser) -> None:
        declare_int_before_float(self.trainer_class)  # --trainer.limit_train_batches 1 is one batch
        super().add_core_arguments_to_parser(parser)

    def _setting(self, key: str) -> Any:
        return self._get(self.config, key)

    def parse_arguments(self, parser, args) -> None:
        super().parse_arguments(parser, args)
        subcommand = self.config.get("subcommand")
        if subcommand:  # "~/runs" and "$HOME/data.csv" from a YAML too, as a shell reads them
            expand_path_settings(self.config[subcommand])
            self.print_held_config(checkpoint_read=False)  # --print_config: the paths the command reads
            check_paths_beside_config(self.config[subcommand])
            check_read_paths(self.config[subcommand])  # a dangling link, data\\ett.csv from Windows

    def _set_seed(self) -> None:
        # a seed NumPy refuses failed in Lightning's seed_everything, a ValueError traceback
        check_seed(self._get(self.config, "seed_everything"))
        super()._set_seed()

    def _add_subcommands(self, parser, **kwargs: Any) -> None:
        super()._add_subcommands(parser, **kwargs)
        arrange_command_help(self._subcommand_parsers)
        list_use_commands(parser, USES[self.use_name].extra_commands)

    def before_instantiate_classes(self) -> None:
        check_command_options(self.use_name, self.subcommand, self.config.get(self.subcommand) or {})
        refuse_lightning_optimizer_options(self.config.get(self.subcommand) or {})
        # a name the model registry refuses would fail only after training
        check_register_as(self._setting("register_as"), setting="--register_as")
        # a file (--out forecast.csv), or a read-only folder where the command writes: before any run starts
        check_out(Path(self._setting("out")), writable=self.subcommand in ("fit", "predict"))

    def instantiate_trainer(self, **kwargs: Any):
        trainer_config = self._get(self.config_init, "trainer", default={})
        resumed_run = self._resolve_resume()
        same = self._check_resolved_on_resume()  # before the run is touched
        self._check_resumed_data_state()
        if self.subcommand == "predict":
            kwargs["logger"] = False  # predictions are files in --out, not an MLflow run
        elif trainer_config.get("logger") in (None, True):
            kwargs["logger"] = make_mlflow_logger(
                self._setting("experiment"),
                tracking_uri=self._setting("tracking_uri"),
                run_name=self._setting("run_name"),
                run_id=resumed_run,  # a resumed fit continues its MLflow run
                tags=self._evaluated_checkpoint_tags(),
            )
            if resumed_run:
                as_dict = self.config[self.subcommand].as_dict()
                # data files were checked against the checkpoint's fingerprints (_restore_fit_settings)
                accepted = {*RUNTIME_SETTINGS, *DATA_FILE_SETTINGS, *FREE_ON_RESUME}
                # the run logged quantiles as given, the checkpoint keeps them sorted with 0.5 added: the
                # same model, found so in the task's form (resume_conflicts)
                same = same | SAVED_IN_ANOTHER_FORM
                check_resumed_run(
                    kwargs["logger"], resumed_run, logged_config_params(as_dict), accepted, same=same
                )
        if trainer_config.get("default_root_dir") in (None, "", "."):
            kwargs["default_root_dir"] = self._setting("out")
        # a user's ModelCheckpoint on val_loss keeps its own state beside ssm-ts's best checkpoint
        keep_beside_best(trainer_config.get("callbacks"), self.trainer_defaults.get("callbacks", []))
        # Lightning's refusal (--trainer.accelerator gpu without a GPU) as a ConfigError naming the option;
        # no MLflow run exists yet (the logger starts it when first used), so none is left RUNNING
        with trainer_refusals({**trainer_config, **kwargs}, cli_trainer_setting):
            trainer = super().instantiate_trainer(**kwargs)
        # ddp_spawn's processes stopped by an error name none of the damaged files they found: this one does
        trainer.callbacks.extend(spawned_stop_callbacks(self.datamodule))
        check_weight_averaging(trainer.callbacks)
        keep_given_patience(trainer.callbacks)  # a resume stops with the patience given now
        return trainer

    def _evaluated_checkpoint_tags(self) -> dict[str, str]:
        """validate/test: tags naming the checkpoint evaluated and the MLflow run of the fit that wrote it
        (:data:`EVALUATED_CHECKPOINT_TAG`, :data:`EVALUATED_FIT_RUN_TAG`), so that their run, one of its
        own, says whose metrics it holds."""
        from ssm_ts.export import load_checkpoint

        ckpt_path = self._get(self.config, "ckpt_path")
        if self.subcommand == "fit" or not ckpt_path:
            return {}
        tags = {EVALUATED_CHECKPOINT_TAG: str(Path(ckpt_path).resolve())}
        fit_run = mlflow_run_of_checkpoint(load_checkpoint(ckpt_path))
        if fit_run:
            tags[EVALUATED_FIT_RUN_TAG] = fit_run
        return tags

    def _mlflow_logger(self):
        return next((lg for lg in self.trainer.loggers if isinstance(lg, MLFlowLogger)), None)

    def _mirror_run_artifacts(self) -> None:
        """Copy the run's figures and samples (MIRRORED_ARTIFACTS) into --out, beside the other outputs."""
        logger = self._mlflow_logger()
        if logger is None or self.trainer.global_rank != 0:
            return
        mirror_run_artifacts(logger, Path(self._setting("out")))

    def _read_data_like_the_checkpoint(self) -> dict[str, Any] | None:
        """validate/test/predict: a forecasting data module reads its file with the checkpoint's
        columns, frequency and fill from the first read. Lightning hands it the checkpoint's state
        only after its setup, so the file was read once as new training data first: a new file's
        trailing future-covariate rows (predict's documented input) got the training warning
        "left out of training". Returns the checkpoint it read (``None``: none read)."""
        from ssm_ts.export import load_checkpoint

        ckpt_path = self._get(self.config, "ckpt_path")
        if not ckpt_path or not hasattr(self.datamodule, "fitted_spec"):
            return None
        checkpoint = load_checkpoint(ckpt_path)
        state = checkpoint.get(type(self.datamodule).__qualname__)
        if state:
            self.datamodule.load_state_dict(state)
        return checkpoint

    def before_validate(self) -> None:
        if self._read_data_like_the_checkpoint() is not None:
            from ssm_ts.cli.given_series import refuse_some_series

            refuse_some_series(self.datamodule, "validate")  # a long table of some series: why not

    def before_test(self) -> None:
        if self._read_data_like_the_checkpoint() is not None:
            from ssm_ts.cli.given_series import refuse_some_series

            refuse_some_series(self.datamodule, "test")

    # predict of a long table holding some of the fitted series: those absent (their stand-ins' forecasts
    # are left out of the files)
    _absent_series: list[str] = []

    # the sha256 of the data file the checkpoint's fit read (a --level calibration on it is the fit's own)
    _fit_data_sha256: str | None = None

    def before_predict(self) -> None:
        self._refuse_several_processes("predict")
        checkpoint = self._read_data_like_the_checkpoint()
        if checkpoint is not None and hasattr(self.model, "forecast_after"):
            from ssm_ts.cli.given_series import predict_module_of_given_series
            from ssm_ts.cli.interval_scores import fit_data_sha256

            self._fit_data_sha256 = fit_data_sha256(checkpoint)
            self.datamodule, self._absent_series = predict_module_of_given_series(
                self.model, self.datamodule, checkpoint
            )
        n = self._predict_options().get("n")
        if n is not None:  # a bad --n fails before the prediction runs, not after
            from ssm_ts.tasks.forecasting import check_steps

            check_steps(n, self.model.hparams.horizon, how="--n ")
            if hasattr(self.datamodule, "forecast_steps"):  # a statics-only model's statics over all of them
                self.datamodule.forecast_steps = n
        futr_path = self._get(self.config, "futr_path", default=None)
        if futr_path is not None:  # forecast: the known-future covariates in a file of their own
            from ssm_ts.cli.future_table import with_future_table

            hp = self.model.hparams
            reads = hp.get("covariate_index") if hp.channel_independent else None
            self.datamodule = with_future_table(self.datamodule, futr_path, n, reads)

    def _evaluate(self, call: Any, **kwargs: Any) -> Any:
        """validate/test/predict: Ctrl-C as in a fit (the run KILLED, exit code 130; Lightning: FAILED,
        exit code 1), without Lightning's advice to add the fit's callbacks (EMAWeights, EarlyStopping,
        Timer): their state matters to a resumed fit only, and the checkpoint's weights are the model."""
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*callbacks used to create the checkpoint need to be")
            try:
                return call_interruptibly(call, self.trainer.loggers, **kwargs)
            except OSError as err:  # a data file of mode 000: one error naming it, not a traceback
                refuse_unreadable(err)
                raise

    def validate(self, **kwargs: Any) -> Any:
        return self._evaluate(self.trainer.validate, **kwargs)

    def test(self, **kwargs: Any) -> Any:
        return self._evaluate(self.trainer.test, **kwargs)

    def predict(self, **kwargs: Any) -> Any:
        from ssm_ts.cli.missing_future import missing_future_in_command_terms

        with missing_future_in_command_terms(self.datamodule):  # --futr_path, not predict(futr_df=...)
            return self._evaluate(self.trainer.predict, **kwargs)

    def after_validate(self) -> None:
        self._mirror_run_artifacts()

    def after_test(self) -> None:
        self._mirror_run_artifacts()

    def _refuse_several_processes(self, stage: str) -> None:
        """What the task cannot run on the trainer's processes (a classifier's predict, a closed-form fit),
        refused before the trainer starts them: the task's ``setup`` refused it in each started process."""
        from ssm_ts.tasks.classification_processes import refuse_before_launch

        refuse_before_launch(self.model, self.trainer, stage)

    def fit(self, **kwargs: Any) -> None:
        self._refuse_several_processes("fit")
        if trains_in_started_processes(self.trainer):
            start_mlflow_runs_here(self.trainer.loggers)
        try:
            fit_interruptibly(
                self.trainer.fit,
                self.trainer.loggers,
                resume_hint="rerun the same command with --ckpt_path last",
                **kwargs,
            )
        except KeyboardInterrupt:
            self._remember_stopped_fit(kwargs)
            raise
        except OSError as err:  # a full disk: one error naming the file and the resume, not a traceback
            refuse_unreadable(err)  # a data file of mode 000: a read's error, not a write's
            if not is_write_failure(err):
                raise
            self._remember_stopped_fit(kwargs)
            raise TrainingError(write_failure_text(err, self.use_name)) from err
        except Exception as err:  # the tracking server gone mid-fit: the same, once MLflow's retries ran out
            monitor = unknown_monitor_text(
                err
            )  # --trainer.callbacks.monitor val_los: one line, not a traceback
            if monitor is not None:
                raise ConfigError(monitor) from err
            reason, logger = lost_server_reason(err), self._mlflow_logger()
            if reason is None or logger is None:
                raise
            self._remember_stopped_fit(kwargs)
            raise TrainingError(lost_server_text(logger._tracking_uri, reason, self.use_name)) from err

    def _remember_stopped_fit(self, fit_kwargs: dict[str, Any]) -> None:
        logger = self._mlflow_logger()
        # a Ctrl-C before the logger started its run (a download in prepare_data): no run to name
        logged = logger is not None and started_run_id(logger) is not None
        remember_interrupted_fit(self.trainer, self._setting("out"), fit_kwargs.get("ckpt_path"), logged)
        store_missed_the_end = logged and stored_status(logger) in (None, "RUNNING")
        if store_missed_the_end:
            INTERRUPTED_FIT["run_state"] = (
                f"may still show RUNNING (its store, {logger._tracking_uri}, did not answer)"
            )

    def after_fit(self) -> None:
        if self.trainer.global_rank != 0:
            return
        logger = self._mlflow_logger()
        ckpt = ssm_ts_best_checkpoint(self.trainer)  # not a --trainer.callbacks ModelCheckpoint
        best = getattr(ckpt, "best_model_path", "") or getattr(ckpt, "last_model_path", "")
        if not best and ckpt is not None and trains_in_started_processes(self.trainer):
            best = started_processes_checkpoint(ckpt, self.trainer)
        if logger is None:
            self._set_up_after_started_processes(best)
            self._calibrate(best)
            return
        # Lightning has already marked the run FINISHED: a failure below must not leave it so
        again = "rerun the same command with --ckpt_path last to log the results into the same run"
        with run_failed_on_error(logger, best, again):
            self._set_up_after_started_processes(best)
            self._calibrate(best)
            self._log_fitted_model(logger, best)

    def _set_up_after_started_processes(self, best: str) -> None:
        """After a fit that ran in started processes (ddp_spawn): the task and data module here as the
        fit's were, with the ``best`` checkpoint's weights, for the calibration and the logged model."""
        if best and trains_in_started_processes(self.trainer):
            set_up_as_the_fit_did(self.trainer, self.model, self.datamodule, best)

    def _calibrate(self, best: str) -> None:
        """A task that calibrates (forecast: conformal scores, as Forecaster.fit) does so on the best
        checkpoint's weights, on the fit's device, and keeps the scores in that checkpoint."""
        calibrate = getattr(self.model, "calibrate_checkpoint", None)
        if calibrate is not None and best:
            calibrate(best, self.datamodule, self.trainer.strategy.root_device)

    def _log_fitted_model(self, logger, best: str) -> None:
        """Mirror the plots, log the best checkpoint and the model (with its weights) as a pyfunc."""
        self._mirror_run_artifacts()
        out, register_as = self._setting("out"), self._setting("register_as")
        log_fitted_model(self.model, self.datamodule, logger, best, out, register_as)

    def _predict_options(self) -> dict[str, Any]:
        """The predict options given: forecast's ``--n`` steps, ``--level`` intervals (``--interval_method``)."""
        keys = ("n", "level", "interval_method")
        return {
            key: self._setting(key) for key in keys if self._get(self.config, key, default=None) is not None
        }

    def _find_interval_scores(self, level: float | list[float]) -> None:
        """``--level`` of a checkpoint without conformal scores (last.ckpt): those of the fit's best
        checkpoint when it holds the same weights, else a warning naming the file the intervals are
        calibrated on (:mod:`ssm_ts.cli.interval_scores`)."""
        conformal_for = getattr(self.model, "conformal_for", None)
        if conformal_for is None or conformal_for(self.datamodule.spec) is not None:
            return
        from ssm_ts.api.conformal_checks import check_levels
        from ssm_ts.cli.interval_scores import take_fit_scores, warn_calibrated_here

        levels = check_levels(level)  # a bad level fails before any look-up
        ckpt_path = self._get(self.config, "ckpt_path")
        if take_fit_scores(self.model, ckpt_path) is None:
            warn_calibrated_here(ckpt_path, self.datamodule.path, levels, self._fit_data_sha256)

    def after_predict(self) -> None:
        predictions = self.trainer.predict_loop.predictions
        write = getattr(self.model, "write_predictions", None)
        if write is None:
            return
        options = self._predict_options()
        out = Path(self._setting("out"))
        if options.get("level") is not None:
            self._find_interval_scores(options["level"])
        if self._absent_series:  # a long table of some of the fitted series: those, as the API forecasts them
            from ssm_ts.cli.given_series import write_given_series_forecast

            paths = write_given_series_forecast(
                self.model, self.datamodule, out, self._absent_series, options.get("n"),
                options.get("level"), options.get("interval_method"),
            )  # fmt: skip
        elif options.get("level") is not None:  # conformal intervals: the api's, over the task's forecast
            from ssm_ts.api.forecast_intervals import write_forecast_with_intervals

            level, method = options["level"], options.get("interval_method")
            paths = write_forecast_with_intervals(
                self.model, self.datamodule, out, level, method, options.get("n")
            )
        else:
            paths = write(predictions, self.datamodule, out, **options)
        for path in paths:
            Console(stderr=True, soft_wrap=True).print(f"[green]wrote[/green] {path}")
