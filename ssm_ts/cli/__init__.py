"""The ``ssm-ts`` command: ``ssm-ts {forecast,audio,classify} {fit,validate,test,predict}``.

Each use is a LightningCLI over its task (LightningModule) and data module, with ssm-ts defaults:
every run logs to MLflow (an sqlite store ``mlflow.db`` in the working directory unless
``--tracking_uri`` or ``MLFLOW_TRACKING_URI`` says otherwise), checkpoints and outputs go under
``--out``, Lightning stays quiet unless ``--verbose``, the resolved config is logged with the run,
and a fit ends by logging the model as an MLflow pyfunc (optionally registered with
``--register_as NAME``). ``predict`` turns predictions into files (CSV, PNG, WAV) in ``--out``.
Some uses add their own commands (``ssm-ts audio generate``). ``--config`` takes a file or the name
of a config shipped with ssm-ts (``ssm-ts configs list``), so the CLI works from any folder.
"""

from __future__ import annotations

import importlib
import os
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ssm_ts.cli.checkpoint_defaults import comparable, has_option, resume_conflicts
from ssm_ts.cli.command_help import arrange_command_help, check_command_options
from ssm_ts.cli.interrupted import INTERRUPTED_FIT, interrupted_text, remember_interrupted_fit
from ssm_ts.cli.parse_errors import parse_error_text
from ssm_ts.cli.restored_data import (
    RESTORED_DATA_SETTINGS,
    remember_restored_settings,
    restored_settings_hint,
)
from ssm_ts.cli.resume_fit import (
    add_new_settings,
    check_resolved_settings,
    check_resume_changes,
    fit_defaults,
    saved_fit_settings,
)
from ssm_ts.cli.resume_trainer import (  # noqa: F401 (ssm_ts.cli's names, re-exported)
    RESUMED_TRAINER_SETTINGS,
    TRAINER_SETTINGS_KEY,
    fit_trainer_settings,
    saved_trainer_settings,
)
from ssm_ts.cli.warning_lines import short_warnings
from ssm_ts.errors import ConfigError, SSMTSError

# ssm_ts.training (and so Lightning, several seconds) is imported only when a use runs: `ssm-ts --help`,
# `--version` and `ssm-ts configs` answer at once.

VERBOSE_FLAG = "--verbose"

# Run artifacts copied beside the outputs in --out after fit/validate/test: figures (forecast with intervals,
# confusion matrices) and generated audio with its spectrogram sheets.
MIRRORED_ARTIFACTS = ("plots", "samples")

# Model settings that apply at inference (classify's model.rate: training sample rate / the recordings'
# rate): on validate/test/predict with --ckpt_path, a value given (--config or command line) wins over
# the checkpoint's, which Lightning would otherwise restore over it silently.
INFERENCE_SETTINGS = frozenset({"model.rate"})


@dataclass(frozen=True)
class UseSpec:
    """What one use of the CLI is made of; classes are named as ``"module:attribute"``."""

    task: str
    datamodule: str
    description: str
    example: str
    extra_commands: dict[str, str] = field(default_factory=dict)
    parser_hook: str | None = None


USES: dict[str, UseSpec] = {
    "forecast": UseSpec(
        task="ssm_ts.tasks.forecasting:ForecastingTask",
        datamodule="ssm_ts.pipelines.forecasting:ForecastDataModule",
        description="fit forecasters (SpaceTime, S4D, linear baselines) on a CSV",
        example="ssm-ts forecast fit --config forecast_co2_quick",
        extra_commands={"tune": "ssm_ts.api.tune_cli:tune_command"},
        parser_hook="ssm_ts.tasks.forecasting:configure_cli_parser",
    ),
    "audio": UseSpec(
        task="ssm_ts.tasks.waveform:WaveformTask",
        datamodule="ssm_ts.pipelines.audio:AudioDataModule",
        description="train SaShiMi waveform models on a folder of audio; generate clips",
        example="ssm-ts audio fit --config audio_digits_quick --data.root path/to/wavs",
        extra_commands={"generate": "ssm_ts.api.generate_cli:generate_command"},
        parser_hook="ssm_ts.tasks.waveform:configure_cli_parser",
    ),
    "classify": UseSpec(
        task="ssm_ts.tasks.classification:ClassificationTask",
        datamodule="ssm_ts.pipelines.sensor:SensorDataModule",
        description="classify sensor recordings (UCR/UEA files, CSV, NumPy) with S4ND encoders",
        example="ssm-ts classify fit --config classify_basicmotions_quick   # BasicMotions from the data home",
        parser_hook="ssm_ts.tasks.classification:configure_cli_parser",
    ),
}


def _load(target: str, optional: bool = False) -> Any:
    module_name, _, attribute = target.partition(":")
    module = importlib.import_module(module_name)
    if optional and not hasattr(module, attribute):
        return None
    return getattr(module, attribute)


def _usage() -> str:
    lines = ["usage: ssm-ts USE COMMAND [options]", "", "uses:"]
    for name, spec in USES.items():
        commands = ", ".join(["fit", "validate", "test", "predict", *spec.extra_commands])
        lines.append(f"  {name:<9} {spec.description}  ({commands})")
    lines.append(f"  {'configs':<9} the YAML configs shipped with ssm-ts  (list, show, copy)")
    lines += [
        "",
        "examples:",
        *(f"  {spec.example}" for spec in USES.values()),
        "",
        "ssm-ts USE --help lists a use's commands; ssm-ts USE COMMAND --help lists every option;",
        "--print_config shows the resolved YAML; --verbose shows Lightning's own output.",
        "--config takes a YAML file or a shipped config's name: ssm-ts configs list (show NAME, copy NAME).",
        "--data.path / --data.root take a file or folder, or a standard data set's name (ETTh1, BasicMotions,",
        "fsdd, espeak-digits ...) read from the data home, $SSM_TS_DATA_HOME (default ~/.cache/ssm-ts/data).",
        "predict/test --ckpt_path reuse the fit's data settings saved in the checkpoint; --data.* overrides them.",
        "fit --ckpt_path last --out DIR resumes with the checkpoint's model and data settings (no --config needed).",
        "ssm-ts --version prints the installed version.",
    ]
    return "\n".join(lines)


def build_cli_class():
    """The LightningCLI subclass shared by every use (built lazily: importing Lightning is slow)."""
    from lightning.pytorch.cli import LightningArgumentParser, LightningCLI, SaveConfigCallback
    from lightning.pytorch.loggers import MLFlowLogger
    from rich.console import Console

    from ssm_ts.atomic import atomic_path
    from ssm_ts.errors import ConfigError
    from ssm_ts.export import load_checkpoint
    from ssm_ts.tracking.logger import (
        RecordMLflowRun,
        check_resumed_run,
        log_artifact,
        log_params,
        make_mlflow_logger,
        mlflow_run_of_checkpoint,
    )
    from ssm_ts.tracking.resume_settings import (
        DATA_FILE_SETTINGS,
        RESOLVED_KEY,
        RUNTIME_SETTINGS,
        resolved_data_settings,
    )
    from ssm_ts.tracking.run_folder import log_model_and_publish, publish_copy, run_folder
    from ssm_ts.tracking.run_status import fit_interruptibly, run_failed_on_error
    from ssm_ts.training import (
        NAMED_CHECKPOINTS,
        NonFiniteLossGuard,
        find_own_checkpoint,
        keep_beside_best,
        keep_given_patience,
        resolve_named_checkpoint,
        ssm_ts_best_checkpoint,
        trainer_refusals,
    )

    class SSMTSArgumentParser(LightningArgumentParser):
        """jsonargparse's parser, whose errors fit on a screen (:func:`parse_error_text`): its own print the
        whole usage, 80 lines of options, above the one line that says what is wrong."""

        def error(self, message: str, ex: Exception | None = None):
            if not self.exit_on_error or os.environ.get("JSONARGPARSE_DEBUG"):
                return super().error(message, ex)
            sys.stderr.write(parse_error_text(getattr(ex, "subcommand_parser", None) or self, message))
            self.exit(2)

    class MLflowSaveConfig(SaveConfigCallback):
        """Save the resolved config beside the outputs and log it (and its values) to the MLflow run.

        The run logs its own copy, in its run folder: a fit running at the same time with the same
        --out may replace ``<out>/config.yaml`` (the last one written wins)."""

        def save_config(self, trainer, pl_module, stage: str) -> None:
            out_dir = Path(self.config.get("out") or ".")
            text = self.parser.dump(self.config, skip_none=False)
            for logger in trainer.loggers:
                if isinstance(logger, MLFlowLogger):
                    own = run_folder(out_dir, logger) / "config.yaml"
                    with atomic_path(own) as tmp:
                        tmp.write_text(text)
                    log_artifact(logger, own)
                    log_params(logger, logged_config_params(self.config.as_dict()))
            with atomic_path(out_dir / "config.yaml") as tmp:
                tmp.write_text(text)

        def on_save_checkpoint(self, trainer, pl_module, checkpoint: dict[str, Any]) -> None:
            # a resume's trainer settings (saved_trainer_settings): without MLflow, <out>/config.yaml is
            # whichever command ran last under the same --out (a validate, another fit), not this fit's
            checkpoint[TRAINER_SETTINGS_KEY] = fit_trainer_settings(self.config.get("trainer"))

    class SSMTSCLI(LightningCLI):
        use_name = "ssm-ts"
        # a resumed fit's data settings compared once the data is read (_check_resolved_on_resume)
        _resolved_then: dict[str, Any] = {}
        _resolved_pending: dict[str, tuple[Any, Any]] = {}

        def add_arguments_to_parser(self, parser) -> None:
            parser.add_argument(
                "--out", type=str, default=f"outputs/{self.use_name}", help="folder for outputs"
            )
            parser.add_argument(
                "--tracking_uri", type=str | None, default=None, help="MLflow URI (default sqlite)"
            )
            parser.add_argument(
                "--experiment", type=str, default=f"ssm-ts-{self.use_name}", help="MLflow experiment"
            )
            parser.add_argument("--run_name", type=str | None, default=None, help="MLflow run name")
            parser.add_argument(
                "--register_as", type=str | None, default=None, help="register the fitted model"
            )
            hook = USES[self.use_name].parser_hook
            configure = _load(hook, optional=True) if hook else None
            if configure is not None:
                configure(parser)

        def _setting(self, key: str) -> Any:
            return self._get(self.config, key)

        def _add_subcommands(self, parser, **kwargs: Any) -> None:
            super()._add_subcommands(parser, **kwargs)
            arrange_command_help(self._subcommand_parsers)

        def before_instantiate_classes(self) -> None:
            check_command_options(self.use_name, self.subcommand, self.config.get(self.subcommand) or {})

        def parse_arguments(self, parser, args) -> None:
            self._given_args = args  # parsed again when a checkpoint's data settings become defaults
            super().parse_arguments(parser, args)

        def _parse_ckpt_path(self) -> None:
            """Check ``--ckpt_path`` before Lightning reads it: ``best`` / ``last`` (not when fitting)
            name the newest such checkpoint under ``--out``; a file is read through
            :func:`load_checkpoint`, so an unsafe (crafted pickle) or corrupt checkpoint is a clear
            CheckpointError, not a traceback from torch; a missing file, a folder or a predict
            without a checkpoint get an error that says what to pass."""
            subcommand = self.config.get("subcommand")
            ckpt_path = self.config[subcommand].get("ckpt_path") if subcommand else None
            if subcommand == "fit" and ckpt_path == "last":
                ckpt_path = self._resolve_last_for_fit()
            elif subcommand and subcommand != "fit":
                ckpt_path = self._resolve_named_checkpoint(subcommand, ckpt_path)
            if ckpt_path:
                checkpoint = load_checkpoint(ckpt_path)
                if subcommand == "fit":
                    # the model's settings too: Lightning's own restore (below) would also set the ones
                    # the fit filled in from its data, which its MLflow run logged unset
                    self._restore_fit_settings(ckpt_path, checkpoint)
                    return
                self._restore_data_settings(subcommand, ckpt_path, checkpoint)
            given = self._given_inference_settings(subcommand) if ckpt_path else {}
            super()._parse_ckpt_path()
            for key, value in given.items():
                self.config[subcommand][key] = value

        def _given_inference_settings(self, subcommand: str) -> dict[str, Any]:
            """The INFERENCE_SETTINGS given for validate/test/predict (another value than the default),
            to keep over the checkpoint's hyperparameters."""
            if subcommand == "fit":
                return {}
            parser, config = self._subcommand_parsers[subcommand], self.config[subcommand]
            return {
                key: config.get(key)
                for key in INFERENCE_SETTINGS
                if has_option(parser, key)
                and comparable(config.get(key)) != comparable(parser.get_default(key))
            }

        def _resolve_last_for_fit(self) -> str:
            """``fit --ckpt_path last``: the newest of ssm-ts's own last.ckpt under --out, never a user's
            ModelCheckpoint's (:func:`find_own_checkpoint`); a clear error when there is none."""
            out = self.config["fit"].get("out")
            found = find_own_checkpoint(out)
            if found is None:
                raise ConfigError(
                    f"--ckpt_path last: no last.ckpt under {out}; start a fit without "
                    "--ckpt_path, or pass the checkpoint's path"
                )
            Console(stderr=True, soft_wrap=True).print(f"resuming from {found}")
            self.config["fit"]["ckpt_path"] = str(found)
            return str(found)

        def _restore_fit_settings(self, ckpt_path: str, checkpoint: dict) -> None:
            """A resumed fit continues the checkpoint's model on the checkpoint's data: its saved model
            and data settings become the defaults, so ``fit --ckpt_path last --out X`` alone resumes
            as it was started. An option given (in --config or on the command line) with another value
            than the checkpoint's is refused, naming each one: resuming onto another data set or
            another model size would silently train something else. Trainer settings (max_epochs,
            max_time, ...) are free to change, and so are the runtime settings of RUNTIME_SETTINGS
            (data.num_workers, ...) and a data path whose file has the content the fit started on
            (:mod:`ssm_ts.tracking.resume_settings`)."""
            parser = self._subcommand_parsers["fit"]
            saved = saved_fit_settings(checkpoint, parser)
            restored = fit_defaults(saved, parser, Path(ckpt_path), checkpoint)
            if restored:
                parser.set_defaults(restored)
                self.parse_arguments(self.parser, self._given_args)
                self.config["fit"]["ckpt_path"] = ckpt_path  # as resolved ('last' named a file)
            add_new_settings(saved, self.config["fit"].as_dict(), parser)
            changed = resume_conflicts(saved, self.config["fit"])
            # the data settings that reading resolves (time_col, target, ...; newer checkpoints keep what
            # they resolved to) are compared as resolved once the data is read (_check_resolved_on_resume):
            # a value the fit inferred may be spelled out
            self._resolved_then = checkpoint.get(RESOLVED_KEY) or {}
            self._resolved_pending = {
                key: changed.pop(key)
                for key in list(changed)
                if key.startswith("data.") and key.split(".", 1)[1] in self._resolved_then
            }
            check_resume_changes(
                changed, saved, checkpoint, self.config["fit"], self.use_name, ckpt_path, parser
            )

        def _restore_data_settings(self, subcommand: str, ckpt_path: str, checkpoint: dict) -> None:
            """The fit's data settings (the data module's saved hyperparameters: path, time_col,
            read_options, format, ...) become the defaults of validate/test/predict, as Lightning does
            for the model's; a --config file or a --data.* option still overrides each one."""
            saved = checkpoint.get("datamodule_hyper_parameters") or {}
            parser = self._subcommand_parsers[subcommand]
            linked = {"lookback", "horizon"}  # set from the model (configure_cli_parser's links)
            defaults = {f"data.{key}": value for key, value in saved.items() if key not in linked}
            defaults = {key: value for key, value in defaults.items() if has_option(parser, key)}
            if not defaults:
                return
            before = {key: parser.get_default(key) for key in defaults}
            parser.set_defaults(defaults)
            self.parse_arguments(self.parser, self._given_args)
            self.config[subcommand]["ckpt_path"] = ckpt_path  # as resolved ('best' / 'last' named a file)
            # the restored settings in effect (not overridden), for an error reading the data to name
            remember_restored_settings(defaults, before, self.config[subcommand])

        def _resolve_named_checkpoint(self, subcommand: str, ckpt_path: str | None) -> str | None:
            if ckpt_path is None and subcommand == "predict":
                raise ConfigError(
                    f"ssm-ts {self.use_name} predict needs a trained model: pass --ckpt_path with a "
                    "checkpoint written by fit (a .ckpt file, or 'best' / 'last' for the newest under --out)"
                )
            if ckpt_path not in NAMED_CHECKPOINTS:
                return ckpt_path
            found = resolve_named_checkpoint(ckpt_path, self.config[subcommand].get("out"))
            Console(stderr=True, soft_wrap=True).print(f"using {found}")
            self.config[subcommand]["ckpt_path"] = str(found)
            return str(found)

        def _resolve_resume(self) -> str | None:
            """The MLflow run id of a fit's ``--ckpt_path`` (``None`` when it has none, or not fitting)."""
            ckpt_path = self._get(self.config, "ckpt_path")
            if self.subcommand != "fit" or not ckpt_path:
                return None
            # "last" was resolved to a file before the classes were built (_parse_ckpt_path)
            return mlflow_run_of_checkpoint(load_checkpoint(ckpt_path))

        def _check_resolved_on_resume(self) -> set[str]:
            """A resumed fit's data settings that differ from the checkpoint's as given
            (:meth:`_restore_fit_settings`) but that the data resolves as the fit did (a value it
            inferred, spelled out: ``--data.time_col date`` after ``None``): the same training. Any
            other is a ConfigError naming it, with what a ``None`` resolved to, before any training."""
            if self.subcommand != "fit" or not self._resolved_pending:
                return set()
            self.datamodule.setup("fit")  # reads the data (the fit reuses what was read)
            now = resolved_data_settings(self.datamodule)
            ckpt_path = self._get(self.config, "ckpt_path")
            return check_resolved_settings(self._resolved_pending, self._resolved_then, now, ckpt_path)

        def instantiate_trainer(self, **kwargs: Any):
            trainer_config = self._get(self.config_init, "trainer", default={})
            resumed_run = self._resolve_resume()
            same = self._check_resolved_on_resume()  # before the run is touched
            if self.subcommand == "predict":
                kwargs["logger"] = False  # predictions are files in --out, not an MLflow run
            elif trainer_config.get("logger") in (None, True):
                kwargs["logger"] = make_mlflow_logger(
                    self._setting("experiment"),
                    tracking_uri=self._setting("tracking_uri"),
                    run_name=self._setting("run_name"),
                    run_id=resumed_run,  # a resumed fit continues its MLflow run
                )
                if resumed_run:
                    as_dict = self.config[self.subcommand].as_dict()
                    # data files were checked against the checkpoint's fingerprints (_restore_fit_settings)
                    accepted = {*RUNTIME_SETTINGS, *DATA_FILE_SETTINGS}
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
            check_weight_averaging(trainer.callbacks)
            keep_given_patience(trainer.callbacks)  # a resume stops with the patience given now
            return trainer

        def _mlflow_logger(self):
            return next((lg for lg in self.trainer.loggers if isinstance(lg, MLFlowLogger)), None)

        def _mirror_run_artifacts(self) -> None:
            """Copy the run's figures and samples (MIRRORED_ARTIFACTS) into --out, beside the other outputs."""
            logger = self._mlflow_logger()
            if logger is None or self.trainer.global_rank != 0:
                return
            out = Path(self._setting("out"))
            own = run_folder(out, logger)
            for folder in MIRRORED_ARTIFACTS:
                if logger.experiment.list_artifacts(logger.run_id, folder):
                    logger.experiment.download_artifacts(logger.run_id, folder, str(own))
                    # file by file, so a test's plots join the fit's; with fits at the same
                    # time, each file is the last writer's
                    for path in sorted(p for p in (own / folder).rglob("*") if p.is_file()):
                        publish_copy(path, out / path.relative_to(own))
                    Console(stderr=True, soft_wrap=True).print(f"[green]{folder}[/green] {out / folder}")

        def _read_data_like_the_checkpoint(self) -> None:
            """validate/test/predict: a forecasting data module reads its file with the checkpoint's
            columns, frequency and fill from the first read. Lightning hands it the checkpoint's state
            only after its setup, so the file was read once as new training data first: a new file's
            trailing future-covariate rows (predict's documented input) got the training warning
            "left out of training"."""
            from ssm_ts.export import load_checkpoint

            ckpt_path = self._get(self.config, "ckpt_path")
            if not ckpt_path or not hasattr(self.datamodule, "fitted_spec"):
                return
            state = load_checkpoint(ckpt_path).get(type(self.datamodule).__qualname__)
            if state:
                self.datamodule.load_state_dict(state)

        def before_validate(self) -> None:
            self._read_data_like_the_checkpoint()

        def before_test(self) -> None:
            self._read_data_like_the_checkpoint()

        def before_predict(self) -> None:
            self._read_data_like_the_checkpoint()

        def after_validate(self) -> None:
            self._mirror_run_artifacts()

        def after_test(self) -> None:
            self._mirror_run_artifacts()

        def fit(self, **kwargs: Any) -> None:
            try:
                fit_interruptibly(self.trainer.fit, self.trainer.loggers, **kwargs)
            except KeyboardInterrupt:
                remember_interrupted_fit(
                    self.trainer,
                    self._setting("out"),
                    kwargs.get("ckpt_path"),
                    self._mlflow_logger() is not None,
                )
                raise

        def after_fit(self) -> None:
            if self.trainer.global_rank != 0:
                return
            logger = self._mlflow_logger()
            ckpt = ssm_ts_best_checkpoint(self.trainer)  # not a --trainer.callbacks ModelCheckpoint
            best = getattr(ckpt, "best_model_path", "") or getattr(ckpt, "last_model_path", "")
            if logger is None:
                self._calibrate(best)
                return
            # Lightning has already marked the run FINISHED: a failure below must not leave it so
            again = "rerun the same command with --ckpt_path last to log the results into the same run"
            with run_failed_on_error(logger, best, again):
                self._calibrate(best)
                self._log_fitted_model(logger, best)

        def _calibrate(self, best: str) -> None:
            """A task that calibrates (forecast: conformal scores, as Forecaster.fit) does so on the best
            checkpoint's weights, on the fit's device, and keeps the scores in that checkpoint."""
            calibrate = getattr(self.model, "calibrate_checkpoint", None)
            if calibrate is not None and best:
                calibrate(best, self.datamodule, self.trainer.strategy.root_device)

        def _log_fitted_model(self, logger, best: str) -> None:
            """Mirror the plots, log the best checkpoint and the model (with its weights) as a pyfunc."""
            self._mirror_run_artifacts()
            if best:
                log_artifact(logger, best, "checkpoints")
                Console(stderr=True, soft_wrap=True).print(f"[green]checkpoints[/green] {Path(best).parent}")
                # the logged model is the best validation epoch's, as the checkpoint is, not the last one
                self.model.load_state_dict(load_checkpoint(best)["state_dict"])
            make_pyfunc = getattr(self.model, "mlflow_pyfunc", None)
            if make_pyfunc is not None:
                # a task's signature declares the params its pyfunc takes (classify: rate); its input
                # example is one the pyfunc takes (MLflow warns on every model logged with a signature
                # and no example)
                describe = getattr(self.model, "mlflow_example_and_signature", None)
                example, signature = describe(self.datamodule) if describe is not None else (None, None)
                uri = log_model_and_publish(
                    logger,
                    self._setting("out"),
                    lambda export_dir: make_pyfunc(self.datamodule, export_dir),
                    register_as=self._setting("register_as"),
                    input_example=example,
                    signature=signature,
                )
                Console(stderr=True, soft_wrap=True).print(
                    f"[green]logged model[/green] {uri} (run {logger.run_id})"
                )

        def after_predict(self) -> None:
            predictions = self.trainer.predict_loop.predictions
            write = getattr(self.model, "write_predictions", None)
            if write is None:
                return
            options = {}  # forecast: --n steps, --level intervals (--interval_method)
            for key in ("n", "level", "interval_method"):
                if self._get(self.config, key, default=None) is not None:
                    options[key] = self._setting(key)
            paths = write(predictions, self.datamodule, Path(self._setting("out")), **options)
            for path in paths:
                Console(stderr=True, soft_wrap=True).print(f"[green]wrote[/green] {path}")

    return SSMTSCLI, MLflowSaveConfig, NonFiniteLossGuard, RecordMLflowRun, SSMTSArgumentParser


def logged_config_params(config: dict[str, Any]) -> dict[str, Any]:
    """The parts of a resolved config (as a dict) logged as the run's parameters: model and data."""
    return {key: config.get(key) for key in ("model", "data") if config.get(key)}


def cli_trainer_setting(key: str, value: Any) -> str:
    """A Trainer setting as the command line takes it: ``--trainer.accelerator gpu``."""
    return f"--trainer.{key} {value}"


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


def refuse_search_configs(args: list[str], use: str) -> None:
    """A search config (one with a top-level ``space``, such as ``forecast_co2_tune``) given to
    fit/validate/test/predict: a :class:`ConfigError` naming the command it is for, instead of
    jsonargparse's "does not accept option 'space.lr.low'"."""
    import yaml

    values = [b for a, b in zip(args, args[1:], strict=False) if a == "--config"]
    values += [a.split("=", 1)[1] for a in args if a.startswith("--config=")]
    for value in values:
        try:
            content = yaml.safe_load(Path(value).read_text())
        except (OSError, yaml.YAMLError):
            continue  # LightningCLI reports files it cannot read, and YAML given inline
        if isinstance(content, dict) and "space" in content:
            raise ConfigError(
                f"--config {value} is a hyperparameter search config (it has a 'space'): run it with "
                f"ssm-ts {use} tune --config {value}; fit takes a config without 'space'."
            )


def run_use(use: str, args: list[str], verbose: bool = False) -> Any:
    """Run one use's LightningCLI in-process with ``args`` (e.g. ``["fit", "--config", ...]``)."""
    from ssm_ts.packaged_configs import resolve_config_args
    from ssm_ts.training import (
        LastCheckpointWriter,
        UserCheckpointFolders,
        best_checkpoint_callback,
        set_verbosity,
    )

    args, shipped = resolve_config_args(list(args), use)
    refuse_search_configs(args, use)
    for path in shipped:
        print(
            f"config: {path} (shipped with ssm-ts; ssm-ts configs copy {path.stem} to edit it)",
            file=sys.stderr,
        )
    os.environ.setdefault("JSONARGPARSE_DEPRECATION_WARNINGS", "off")
    warnings.filterwarnings("ignore", message="LightningCLI's args parameter")
    spec = USES[use]
    set_verbosity(verbose)
    # LightningCLI picks a seed when none is given; config.yaml records it, so the notice is noise.
    if not verbose:
        warnings.filterwarnings("ignore", message=r"No seed found, seed set to")
    cli_class, save_config, nan_guard, record_run, parser_class = build_cli_class()

    class UseCLI(cli_class):
        use_name = use

    return UseCLI(
        model_class=_load(spec.task),
        datamodule_class=_load(spec.datamodule),
        save_config_callback=save_config,
        parser_class=parser_class,
        save_config_kwargs={"save_to_log_dir": False, "overwrite": True},
        # name the command in usage lines and errors ("ssm-ts forecast fit"), not Python's argv[0]
        parser_kwargs={"prog": f"ssm-ts {use}", "description": f"ssm-ts {use}: {spec.description}"},
        # seed 0 unless --seed_everything says otherwise, as the Python API's seed=0; Lightning's default
        # (True) takes PL_GLOBAL_SEED, which an earlier fit in the same process (a notebook) leaves behind
        seed_everything_default=0,
        trainer_defaults={
            # keeps best-epoch=N.ckpt (lowest val_loss; only last.ckpt without validation) and last.ckpt,
            # written after the user's --trainer.callbacks (LightningCLI puts those first)
            "callbacks": [
                nan_guard(),
                best_checkpoint_callback("val_loss"),
                LastCheckpointWriter(),
                record_run(),
                # a --trainer.callbacks ModelCheckpoint without dirpath: <fit folder>/user_checkpoints/
                UserCheckpointFolders(),
            ],
            "enable_model_summary": verbose,
        },
        args=args,
    )


def version_line() -> str:
    """``ssm-ts X.Y.Z (Python A.B.C, <package folder>)``: the installed distribution's version and the
    folder it is imported from, which tells an editable install from a wheel."""
    import platform
    from importlib.metadata import PackageNotFoundError, version

    import ssm_ts

    try:
        installed = version("ssm-ts")
    except PackageNotFoundError:  # a source checkout used without an install
        installed = ssm_ts.__version__
    return f"ssm-ts {installed} (Python {platform.python_version()}, {Path(ssm_ts.__file__).parent})"


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``ssm-ts`` console script (and of ``python -m ssm_ts``)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    verbose = VERBOSE_FLAG in argv
    argv = [a for a in argv if a != VERBOSE_FLAG]
    if not argv or argv[0] in ("-h", "--help"):
        print(_usage())
        return 0 if argv else 2
    if argv[0] in ("-V", "--version"):
        print(version_line())
        return 0
    if argv[0] == "configs":
        from ssm_ts.packaged_configs import configs_command

        try:
            return configs_command(argv[1:])
        except SSMTSError as err:
            print(f"ssm-ts configs: error: {err}", file=sys.stderr)
            return 1
    use, rest = argv[0], argv[1:]
    if use not in USES:
        print(f"ssm-ts: unknown use {use!r}; choose one of {', '.join(USES)}\n\n{_usage()}", file=sys.stderr)
        return 2
    spec = USES[use]
    RESTORED_DATA_SETTINGS.clear()
    INTERRUPTED_FIT.clear()
    try:
        with short_warnings(use, verbose):
            if rest and rest[0] in spec.extra_commands:
                return int(_load(spec.extra_commands[rest[0]])(rest[1:]) or 0)
            if rest and rest[0] in ("-h", "--help") and spec.extra_commands:
                print(f"ssm-ts {use}: also {', '.join(spec.extra_commands)} (ssm-ts {use} COMMAND --help)\n")
            run_use(use, rest, verbose=verbose)
    except SSMTSError as err:
        if verbose:
            raise
        print(f"ssm-ts {use}: error: {err}{restored_settings_hint(err)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"ssm-ts {use}: {interrupted_text(use)}", file=sys.stderr)
        return 130  # the shell's code for an end by Ctrl-C
    return 0
