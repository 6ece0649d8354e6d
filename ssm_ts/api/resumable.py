"""What the Python front ends share to fit into an output folder and resume there.

``fit(..., resume=True)`` continues an interrupted fit (killed, crashed) from the newest
``last.ckpt`` under ``out_dir`` (or the object's previous fit folder), in the same MLflow run: the
checkpoints carry the run's id (:class:`~ssm_ts.tracking.logger.RecordMLflowRun`). Its data may have
moved (the same content under another path); runtime settings may change
(:mod:`ssm_ts.tracking.resume_settings`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lightning.pytorch.callbacks import EarlyStopping

from ssm_ts.errors import ConfigError
from ssm_ts.rank_zero_warnings import warn_on_rank_zero
from ssm_ts.training import USER_CHECKPOINTS, user_checkpoint_folders  # noqa: F401  (shared with the CLI)
from ssm_ts.training.verbosity import apply_chosen_verbosity

if TYPE_CHECKING:
    from ssm_ts.datasets import DataUse


class ResumableFit:
    """Mixin for a front end with ``self.settings`` holding ``out_dir``, ``log_to_mlflow``,
    ``experiment``, ``tracking_uri`` and ``run_name``; it sets ``self.out_dir_``."""

    settings: dict[str, Any]
    out_dir_: Path | None = None
    default_out_folder: str  # fits without out_dir write to outputs/<default_out_folder>/<new name>

    def _fresh_out_dir(self) -> Path:
        """``outputs/<default_out_folder>/<time>-<pid>-<n>``: a new folder for a fit without ``out_dir``,
        in the working directory (not a temporary folder: its checkpoints must outlive the process)."""
        from ssm_ts.tracking.run_folder import unique_name

        return Path.cwd() / "outputs" / self.default_out_folder / unique_name()

    def _fit_folder(self, resume: bool) -> Path:
        """``out_dir`` if set; on resume, else this object's previous fit folder; else a fresh folder."""
        if self.settings["out_dir"]:
            folder = Path(self.settings["out_dir"]).expanduser()  # "~/runs", as a shell reads it
        elif resume and self.out_dir_ is not None:
            folder = self.out_dir_
        elif resume:
            raise ConfigError(
                f"fit(resume=True) needs the folder of the interrupted fit: create the {type(self).__name__} "
                "with out_dir=<that folder> (each fit without out_dir writes to a new folder)."
            )
        else:
            folder = self._fresh_out_dir()
        self.out_dir_ = folder
        return folder

    @staticmethod
    def _own_folder(out_dir: Path, logger: Any, ckpt_path: str | None) -> Path:
        """The folder a fit writes into: its MLflow run's (the same for a resumed run), a new one under
        ``out_dir/fits/`` without MLflow, or there the resumed checkpoint's own. In a new folder
        Lightning would restore no best score of the checkpoint callbacks (their ``dirpath`` changed),
        so a resumed fit's best checkpoint would be the best of the epochs after the crash only."""
        from ssm_ts.tracking.run_folder import run_folder

        if ckpt_path is not None and logger is None:  # <fit folder>/checkpoints/last.ckpt
            return Path(ckpt_path).parent.parent
        return run_folder(out_dir, logger)

    @staticmethod
    def _resume_point(out_dir: Path) -> tuple[str | None, str | None]:
        """The newest of ssm-ts's own ``last.ckpt`` under ``out_dir`` and the MLflow run it was written under.

        The rule of ``--ckpt_path last`` (:func:`~ssm_ts.training.find_own_checkpoint`): a fit folder's
        ``checkpoints/``, never a user ModelCheckpoint's ``last.ckpt`` elsewhere under ``out_dir``
        (``user_checkpoints/``, a ``dirpath`` of its own, even one ending in ``checkpoints``), which may be
        newer and of another step."""
        from ssm_ts.export import load_checkpoint
        from ssm_ts.tracking.logger import mlflow_run_of_checkpoint
        from ssm_ts.training import find_own_checkpoint
        from ssm_ts.training.fit_lock import check_fit_lock, fit_run_folder

        found = find_own_checkpoint(out_dir)
        if found is None:
            warn_on_rank_zero(  # the user's fit call, through whichever front end
                f"fit(resume=True): no last.ckpt under {out_dir}; fitting from scratch.", stacklevel=None
            )
            return None, None
        # a fit still training in that folder (this resume's own, or another's): refused before its run
        # is touched; the fit holds the lock once it trains (FitLock)
        check_fit_lock(fit_run_folder(found), "fit(..., resume=True)", separate="another out_dir")
        return str(found), mlflow_run_of_checkpoint(load_checkpoint(found))

    # names a front end's users know a data module or task setting by (Forecaster: seed, not shuffle_seed)
    resume_aliases: dict[str, str] = {}
    # the front end's settings that it passes on as a task or data module setting of RUNTIME_SETTINGS
    # (WaveformGenerator's sample_every_n_epochs): free on resume as those are
    runtime_settings: frozenset[str] = frozenset()

    def _free_settings(self) -> list[str]:
        """This object's settings a resumed fit may change: those of
        :data:`~ssm_ts.tracking.resume_settings.FREE_FIT_SETTINGS`, and :attr:`runtime_settings`."""
        from ssm_ts.tracking.resume_settings import FREE_FIT_SETTINGS

        return [*FREE_FIT_SETTINGS, *sorted(self.runtime_settings)]

    def _check_resume(self, ckpt_path: str, task: Any, datamodule: Any, use: DataUse) -> None:
        """Before any training: refuse (a :class:`ConfigError`) to resume ``ckpt_path`` on other data
        (:meth:`_check_resumed_data`) or with settings that change what is trained
        (:meth:`_check_resumed_settings`)."""
        from ssm_ts.export import load_checkpoint

        checkpoint = load_checkpoint(ckpt_path)
        self._check_resumed_data(ckpt_path, datamodule, use, checkpoint)
        self._check_resumed_settings(ckpt_path, task, datamodule, checkpoint)

    @staticmethod
    def _check_resumed_data(
        ckpt_path: str, datamodule: Any, use: DataUse, checkpoint: dict[str, Any] | None = None
    ) -> None:
        """Refuse (a :class:`ConfigError` naming both paths) to resume ``ckpt_path`` on a data file or
        folder other than the one it was trained on: a new path must hold the same content (the
        checkpoint's fingerprint), and the same path must not have changed since. Checkpoints
        without a fingerprint accept only the same path. Data given as a DataFrame (the data
        module's ``source_frame``) must have the content of the one trained on (shape and columns
        named when they differ); a file is refused for a DataFrame and the other way round."""
        from ssm_ts.export import load_checkpoint
        from ssm_ts.tracking.resume_settings import DATA_FILE_SETTINGS, FINGERPRINT_KEY, sort_resume_changes

        checkpoint = checkpoint if checkpoint is not None else load_checkpoint(ckpt_path)
        saved = checkpoint.get("datamodule_hyper_parameters") or {}
        hparams = getattr(datamodule, "hparams", None) or {}
        fingerprints = checkpoint.get(FINGERPRINT_KEY) or {}

        def text(value: Any) -> Any:  # a checkpoint holds paths as text
            return os.fspath(value) if isinstance(value, os.PathLike) else value

        frame = getattr(datamodule, "source_frame", None)
        listed = _frame_refusal(saved, fingerprints, frame, text(hparams.get("path")))
        if listed is None:  # a file or folder then and now
            names = [key.split(".", 1)[1] for key in sorted(DATA_FILE_SETTINGS)]  # path, root, test_path
            given = {
                name: (text(saved[name]), text(hparams[name]))
                for name in names
                if name in saved and name in hparams
            }
            now = {f"data.{name}": new for name, (_, new) in given.items()}
            changed = {f"data.{name}": (old, new) for name, (old, new) in given.items() if old != new}
            _, refused = sort_resume_changes(changed, fingerprints, use, now)
            listed = "; ".join(
                f"{key}: {old!r} in the checkpoint, {new!r} now ({reason})"
                for key, (old, new, reason) in refused.items()
            )
        if listed:
            raise ConfigError(
                f"fit(resume=True) continues {ckpt_path}, which was trained on other data: {listed}. Pass the "
                "data the fit started on (it may have moved), or fit from scratch with another out_dir."
            )
        check_own_state = getattr(datamodule, "check_resume", None)  # the audio split a checkpoint records
        if callable(check_own_state):
            check_own_state(checkpoint, ckpt_path)

    def _check_resumed_settings(
        self, ckpt_path: str, task: Any, datamodule: Any, checkpoint: dict[str, Any]
    ) -> None:
        """Refuse (a :class:`ConfigError` naming each setting, its value then and now) to resume
        ``ckpt_path`` with settings that change what is trained: this object's settings but the free
        ones (:meth:`_free_settings`; as the checkpoint keeps them,
        :class:`~ssm_ts.tracking.logger.RecordMLflowRun`), the data module's settings but its data
        paths (:meth:`_check_resumed_data`) and runtime ones, and the task's hyperparameters but
        runtime ones. With or without MLflow: the checkpoint's optimiser and data would silently win
        over new values. A setting the checkpoint lacks (new since the version that made it) trained
        with its default (:func:`~ssm_ts.tracking.resume_settings.settings_new_since`): another value
        is refused too, the message saying so."""
        from ssm_ts.tracking.resume_settings import (
            DATA_FILE_SETTINGS,
            FILLED_FROM_DATA,
            RESOLVED_KEY,
            RUNTIME_SETTINGS,
            SETTINGS_KEY,
            init_defaults,
            plain_settings,
            resolved_data_settings,
            said_new_setting,
            said_setting,
            same_training_setting,
            settings_new_since,
        )

        def leaves(keys: set[str], prefix: str) -> set[str]:  # data.num_workers -> num_workers
            return {key.split(".", 1)[1] for key in keys if key.startswith(prefix)}

        skipped = leaves({*DATA_FILE_SETTINGS, *RUNTIME_SETTINGS}, "data.")
        runtime_model = leaves(set(RUNTIME_SETTINGS), "model.")  # audio's listening samples
        # a checkpoint older than one of these trained with what its data gave, not with the default
        filled = leaves(set(FILLED_FROM_DATA), "model.")
        task_defaults = {k: v for k, v in init_defaults(type(task)).items() if k not in filled}
        free = set(self._free_settings())
        # what the data module's inferred settings resolved to, then and now (older checkpoints: none)
        resolved_then = checkpoint.get(RESOLVED_KEY) or {}
        resolved_now = resolved_data_settings(datamodule) if resolved_then else {}
        sections = [  # (checkpoint's, now, left out, defaults, resolved then, resolved now), own first
            (
                checkpoint.get(SETTINGS_KEY),
                self._checked_settings(),
                set(),
                init_defaults(type(self)),
                {},
                {},
            ),
            (
                checkpoint.get("datamodule_hyper_parameters"),
                getattr(datamodule, "hparams", None),
                skipped,
                init_defaults(type(datamodule)),
                resolved_then,
                resolved_now,
            ),
            (
                checkpoint.get("hyper_parameters"),
                getattr(task, "hparams", None),
                runtime_model,
                task_defaults,
                {},
                {},
            ),
        ]
        changed: dict[str, str] = {}  # name: the checkpoint's value and the one now, as the message says them
        for section, (saved, now, left_out, defaults, then_resolved, now_resolved) in enumerate(sections):
            saved = plain_settings({k: v for k, v in (saved or {}).items() if k not in left_out})
            now = plain_settings({k: v for k, v in (now or {}).items() if k not in left_out})
            # a setting new since the checkpoint's version trained with its default
            new = settings_new_since(saved, now, defaults)
            for key in now:
                name = self.resume_aliases.get(key, key)
                if name in changed or name in free or (key not in saved and key not in new):
                    continue
                if key in new and section > 0 and name in self.settings:
                    continue  # a front-end setting new here too: compared with the front end's default
                then = saved[key] if key in saved else new[key]
                # also a value the fit inferred, spelled out now (or the other way round)
                if same_training_setting(key, then, now[key], then_resolved, now_resolved):
                    continue
                changed[name] = (
                    said_new_setting(then, now[key])
                    if key in new
                    else f"{said_setting(then, then_resolved.get(key))} in the checkpoint, "
                    f"{said_setting(now[key], now_resolved.get(key))} now"
                )
        if changed:
            listed = "; ".join(f"{name}: {said}" for name, said in changed.items())
            raise ConfigError(
                f"fit(resume=True) continues {ckpt_path}, which was trained with other settings: {listed}. "
                "Resuming continues the checkpoint's training: pass the values it was started with, or fit from "
                f"scratch with another out_dir. Settings that only change how it runs may differ "
                f"({', '.join(self._listed_free_settings())})."
            )

    def _listed_free_settings(self) -> list[str]:
        """The free settings (:meth:`_free_settings`) this front end has, by the names its users know."""
        return [k for k in self._free_settings() if k in self.settings]

    def _checked_settings(self) -> dict[str, Any]:
        """This object's settings that a resumed fit must keep (all but the free ones), as plain values."""
        from ssm_ts.tracking.resume_settings import plain_settings

        free = set(self._free_settings())
        return plain_settings({k: v for k, v in self.settings.items() if k not in free})

    def _make_logger(self, run_id: str | None = None):
        """The fit's MLflow logger (``None`` with ``log_to_mlflow=False``); ``run_id`` continues that run.
        A ``register_as`` name the model registry would refuse after training is refused here, before.
        The process's verbosity is applied first: MLflow's store set-up lines come while the logger is made."""
        apply_chosen_verbosity()
        if not self.settings["log_to_mlflow"]:
            return None
        from ssm_ts.tracking.logger import make_mlflow_logger
        from ssm_ts.tracking.registry_names import check_register_as

        s = self.settings
        check_register_as(s.get("register_as"))
        return make_mlflow_logger(
            s["experiment"], tracking_uri=s["tracking_uri"], run_name=s["run_name"], run_id=run_id
        )

    def _continue_hint(self, out_dir: Path) -> str:
        """The call that continues a fit stopped while it trained (Ctrl-C, an error): from its last.ckpt."""
        return f"call fit(..., resume=True) on a {type(self).__name__} with out_dir={str(out_dir)!r}"

    def _resume_hint(self, out_dir: Path) -> str:
        """What to do after a failure once training has finished: resume into the same run."""
        return f"{self._continue_hint(out_dir)} to log the results into the same run"


def _frame_refusal(saved: dict[str, Any], fingerprints: dict[str, Any], frame: Any, path: Any) -> str | None:
    """Why a resume is refused on a DataFrame, or on a file after a DataFrame (``""``: the same frame);
    ``None`` when no DataFrame is involved then or now (the paths are compared instead)."""
    from ssm_ts.tracking.resume_settings import FRAME_SETTING, describe_frame, frame_change_reason

    stored = fingerprints.get(FRAME_SETTING)
    if stored is None and frame is None:
        return None
    if stored is not None and frame is not None:
        reason = frame_change_reason(stored, frame)
        return f"data: {describe_frame(stored)} in the checkpoint, another now ({reason})" if reason else ""
    if stored is not None:
        return (
            f"data: {describe_frame(stored)} in the checkpoint, {path!r} now (the fit was trained on "
            "a DataFrame: pass that DataFrame again)"
        )
    if saved.get("path") is not None:
        return (
            f"data.path: {saved['path']!r} in the checkpoint, a DataFrame now (the fit read that file: pass "
            "its path)"
        )
    return (
        "data: a DataFrame in the checkpoint and now (the checkpoint holds no fingerprint of its DataFrame, "
        "written before ssm-ts kept one, so another DataFrame cannot be told from the same one)"
    )


class ResumableEarlyStopping(EarlyStopping):
    """Lightning's :class:`~lightning.pytorch.callbacks.EarlyStopping`, except that a resumed fit
    stops with the ``patience`` it is given: Lightning restores the checkpoint's patience with the
    count of epochs without improvement, so a resume given more patience (a free setting) would
    stop as before. The count and the best score so far are restored.

    Unless told otherwise it checks ``monitor`` after each validation (``check_on_train_epoch_end``
    False), as Lightning chooses for a fit that does not validate at every epoch's end: Lightning's
    default checks at each training epoch's end, so a fit that stopped before any validation (a smoke
    fit's ``max_steps`` within the first epoch, ``limit_val_batches=0``) raised "Early stopping
    conditioned on metric `val_loss` which is not available" after training. With one validation an
    epoch it counts the same epochs."""

    def setup(self, trainer: Any, pl_module: Any, stage: str) -> None:
        # not given (None): after each validation; Lightning's own signature is kept, so the callback's
        # settings are described and rebuilt from it (jsonargparse, trainer_objects)
        if self._check_on_train_epoch_end is None:
            self._check_on_train_epoch_end = False
        super().setup(trainer, pl_module, stage)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        patience = self.patience
        super().load_state_dict(state_dict)
        self.patience = patience

    @property
    def state_key(self) -> str:
        """``EarlyStopping``'s key, so checkpoints written with either class resume with the other."""
        return super().state_key.replace(type(self).__qualname__, EarlyStopping.__qualname__, 1)
