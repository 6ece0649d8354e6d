"""``--ckpt_path`` of every command, checked before Lightning reads it: ``best`` / ``last`` resolved to a
file, the file read safely, and the checkpoint's settings made the command's defaults (a resumed fit's
model and data settings, validate/test/predict's data settings)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console

from ssm_ts.cli.artifact_checkpoint import download_checkpoint, is_artifact_uri
from ssm_ts.cli.checkpoint_defaults import has_option, resume_conflicts
from ssm_ts.cli.checkpoint_model_settings import (
    INFERENCE_SETTINGS,
    check_linked_model_settings,
    ignored_model_settings,
    saved_model_settings,
    warn_ignored_model_settings,
)
from ssm_ts.cli.checkpoint_print_config import hold_print_config, names_checkpoint, print_config_and_exit
from ssm_ts.cli.checkpoint_use import check_checkpoint_use
from ssm_ts.cli.export_ckpt_path import check_not_export
from ssm_ts.cli.restored_data import (
    COMPANION_FILES,
    check_fitted_data_settings,
    remember_restored_settings,
    same_file,
)
from ssm_ts.cli.resume_fit import (
    add_new_settings,
    check_resolved_settings,
    check_resume_changes,
    fit_defaults,
    saved_fit_settings,
)
from ssm_ts.cli.resume_trainer import replace_unrunnable_precision
from ssm_ts.cli.spawned_fit import trains_in_started_processes
from ssm_ts.errors import ConfigError
from ssm_ts.export import load_checkpoint
from ssm_ts.tracking.logger import default_tracking_uri, mlflow_run_of_checkpoint
from ssm_ts.tracking.resume_settings import FINGERPRINT_KEY, RESOLVED_KEY, resolved_data_settings
from ssm_ts.training import NAMED_CHECKPOINTS, find_own_checkpoint, resolve_named_checkpoint
from ssm_ts.training.fit_lock import fit_run_folder, hold_fit_lock
from ssm_ts.training.fit_lock_callback import FitLock
from ssm_ts.training.resume import check_resumed_max_epochs


class CheckpointArgs:
    """The ``--ckpt_path`` handling of :class:`ssm_ts.cli.lightning_cli.SSMTSCLI` (a LightningCLI)."""

    # a resumed fit's data settings compared once the data is read (_check_resolved_on_resume)
    _resolved_then: dict[str, Any] = {}
    _resolved_pending: dict[str, tuple[Any, Any]] = {}
    _print_config_flags: list[str] | None = None  # --print_config's, held back (hold_print_config)
    _print_config_of_use = False  # given before the command: the whole config
    _print_after_checkpoint = False  # beside --ckpt_path: printed once the checkpoint is read

    def parse_arguments(self, parser, args) -> None:
        # --print_config prints once the paths are expanded (SSMTSCLI.parse_arguments), beside --ckpt_path
        # once the checkpoint's settings are in (_parse_ckpt_path)
        args, flags, of_use = hold_print_config(args)
        if flags is not None:  # not reset by the parses again with the held-back args
            self._print_config_flags, self._print_config_of_use = flags, of_use
            self._print_after_checkpoint = names_checkpoint(args)
        self._given_args = args  # parsed again when a checkpoint's data settings become defaults
        super().parse_arguments(parser, args)

    def print_held_config(self, checkpoint_read: bool) -> None:
        """Print the config as ``--print_config`` asked, and exit, where it was held back to be printed
        now: once the paths are expanded, or (``checkpoint_read``) once a named checkpoint is read."""
        subcommand = self.config.get("subcommand")
        if (
            self._print_config_flags is None
            or not subcommand
            or checkpoint_read != self._print_after_checkpoint
        ):
            return
        if self._print_config_of_use:
            print_config_and_exit(self.parser, self.config, self._print_config_flags)
        print_config_and_exit(
            self._subcommand_parsers[subcommand], self.config[subcommand], self._print_config_flags
        )

    def instantiate_trainer(self, **kwargs: Any) -> Any:
        trainer = super().instantiate_trainer(**kwargs)
        if self.subcommand == "fit":  # its run folder's lock, first (its setup before any other writes)
            # held until the command ends (its model logged), released by ssm_ts.cli.main
            lock = FitLock(keep=True)
            trainer.callbacks.insert(0, lock)
            if trains_in_started_processes(trainer) and not trainer.loggers:
                # ddp_spawn trains in processes it starts: --out's lock taken here, so that a refusal is this
                # command's one error, not a traceback of the started processes (which take it as theirs).
                # A run folder of MLflow's is the run's own: its run is not started before the fit
                lock.setup(trainer, trainer.lightning_module, "fit")
        return trainer

    def _parse_ckpt_path(self) -> None:
        self._restore_from_checkpoint()
        self.print_held_config(checkpoint_read=True)

    def _restore_from_checkpoint(self) -> None:
        """Check ``--ckpt_path`` before Lightning reads it: ``best`` / ``last`` (not when fitting)
        name the newest such checkpoint under ``--out``; a file is read through
        :func:`load_checkpoint`, so an unsafe (crafted pickle) or corrupt checkpoint is a clear
        CheckpointError, not a traceback from torch; a missing file, a folder or a predict
        without a checkpoint get an error that says what to pass."""
        subcommand = self.config.get("subcommand")
        ckpt_path = self.config[subcommand].get("ckpt_path") if subcommand else None
        if is_artifact_uri(ckpt_path):  # a checkpoint a fit logged to MLflow: runs:/<run id>/checkpoints/...
            config = self.config[subcommand]
            ckpt_path = download_checkpoint(
                ckpt_path, config.get("out"), config.get("tracking_uri") or default_tracking_uri()
            )
            Console(stderr=True, soft_wrap=True).print(f"downloaded {ckpt_path}")
            config["ckpt_path"] = ckpt_path
        if subcommand:  # an export's folder or model.safetensors: name its fit's checkpoint, its Python load
            check_not_export(ckpt_path, self.use_name, subcommand)
        if subcommand == "fit" and ckpt_path == "best":
            raise ConfigError(
                "fit --ckpt_path best: a fit resumes where it stopped, from its last checkpoint: pass "
                "--ckpt_path last (best names the checkpoint of lowest validation loss, for validate, test "
                "and predict); to train on from another checkpoint, pass its path"
            )
        if subcommand == "fit" and ckpt_path == "last":
            ckpt_path = self._resolve_last_for_fit()
        elif subcommand and subcommand != "fit":
            ckpt_path = self._resolve_named_checkpoint(subcommand, ckpt_path)
        ignored, honoured = {}, {}
        if ckpt_path:
            checkpoint = load_checkpoint(ckpt_path)
            check_checkpoint_use(checkpoint, self.use_name, subcommand, ckpt_path)  # not another use's
            if subcommand == "fit":
                out = self.config["fit"].get("out")
                try:
                    hold_fit_lock(
                        fit_run_folder(ckpt_path), f"ssm-ts {self.use_name} fit --ckpt_path last --out {out}"
                    )
                except OSError:  # a folder this user cannot write (a shared checkpoint): no fit writes there
                    pass
                # the model's settings too: Lightning's own restore (below) would also set the ones
                # the fit filled in from its data, which its MLflow run logged unset
                self._restore_fit_settings(ckpt_path, checkpoint)
                return
            ignored, honoured = self._restore_settings(subcommand, ckpt_path, checkpoint)
        super()._parse_ckpt_path()  # Lightning: the checkpoint's hyperparameters over the model's settings
        for key, value in honoured.items():
            self.config[subcommand][key] = value
        warn_ignored_model_settings(ignored, ckpt_path)

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
        # a GPU fit's 16-mixed resumed on a CPU: 32-true, unless a precision is given
        replace_unrunnable_precision(restored, self.config["fit"].get("trainer"))
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
        check_resume_changes(changed, saved, checkpoint, self.config["fit"], self.use_name, ckpt_path, parser)
        # before the fit's MLflow run resumes (a refused resume left it FAILED, with the refused value as a tag)
        check_resumed_max_epochs(
            (self.config["fit"].get("trainer") or {}).get("max_epochs"), checkpoint, ckpt_path
        )

    def _parquet_without_fit_options(self, subcommand: str, fitted: dict | None) -> None:
        """A Parquet --data.path is read without the fit's CSV read_options (restored above as
        defaults): a model fitted on a ';' CSV forecasts a Parquet file too."""
        from ssm_ts.pipelines.forecasting.parquet_table import fitted_read_options  # pandas: not at start

        config = self.config[subcommand]
        options = config.get("data.read_options")
        if options and options == fitted and fitted_read_options(config.get("data.path"), options) is None:
            config["data.read_options"] = None

    def _restore_settings(
        self, subcommand: str, ckpt_path: str, checkpoint: dict
    ) -> tuple[dict[str, tuple[Any, Any]], dict[str, Any]]:
        """The fit's data settings (the data module's saved hyperparameters: path, time_col,
        read_options, format, ...) and model settings become the defaults of validate/test/predict;
        a --config file or a --data.* option still overrides each data one. The fit's test / predict
        files (COMPANION_FILES) come back only with its own data.path. Returns the model settings
        given (--config or command line) with another value than the checkpoint's, which Lightning's
        own restore (its hyperparameters over the parsed config) ignores, ``{key: (given,
        checkpoint's)}`` (:mod:`ssm_ts.cli.checkpoint_model_settings`), and the INFERENCE_SETTINGS it
        would reset, ``{key: value}`` (the given value, else the checkpoint's)."""
        saved = checkpoint.get("datamodule_hyper_parameters") or {}
        parser = self._subcommand_parsers[subcommand]
        linked = {"lookback", "horizon"}  # set from the model (configure_cli_parser's links)
        defaults = {f"data.{key}": value for key, value in saved.items() if key not in linked}
        defaults = {key: value for key, value in defaults.items() if has_option(parser, key)}
        model = saved_model_settings(checkpoint, parser)
        companions = {key: defaults.pop(key) for key in COMPANION_FILES if key in defaults}
        before = {key: parser.get_default(key) for key in (*defaults, *companions)}
        if defaults or model:
            parser.set_defaults({**defaults, **model})
            self.parse_arguments(self.parser, self._given_args)
        if companions and same_file(self.config[subcommand].get("data.path"), saved.get("path")):
            parser.set_defaults(companions)  # the fit's own data: its test / predict files too
            self.parse_arguments(self.parser, self._given_args)
            defaults.update(companions)
        self._parquet_without_fit_options(subcommand, saved.get("read_options"))
        if defaults or model:
            self.config[subcommand]["ckpt_path"] = ckpt_path  # as resolved ('best' / 'last' named a file)
            # the restored settings in effect (not overridden), for an error reading the data to name
            remember_restored_settings(
                defaults, before, self.config[subcommand], checkpoint.get(FINGERPRINT_KEY)
            )
        config = self.config[subcommand]
        # a forecaster reads new data with its fit's columns and frequency: another one given is refused
        check_fitted_data_settings(checkpoint, config, f"ssm-ts {self.use_name}")
        check_linked_model_settings(checkpoint, config, parser, ckpt_path)  # audio's data.bits
        honoured = {key: config.get(key) for key in INFERENCE_SETTINGS if has_option(parser, key)}
        return ignored_model_settings(model, config), honoured

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
        return check_resolved_settings(
            self._resolved_pending, self._resolved_then, now, ckpt_path, self.use_name
        )

    def _check_resumed_data_state(self) -> None:
        """A resumed fit's data module checks what the checkpoint keeps of its data (the audio split:
        ``check_resume``), before the run is touched: a refusal inside Lightning's restore would come
        after the MLflow run was reopened."""
        ckpt_path = self._get(self.config, "ckpt_path")
        check = getattr(self.datamodule, "check_resume", None)
        if self.subcommand == "fit" and ckpt_path and callable(check):
            check(load_checkpoint(ckpt_path), ckpt_path)
