"""One trial of a :func:`~ssm_ts.tune_forecaster` search: its Forecaster fit, and why it failed.

A trial is a :class:`TrialForecaster` fit (no test split, its MLflow run a child of the search's)
with a :class:`ReportValidationLoss` callback that reports each epoch's ``val_loss`` to Optuna and
stops the fit when the pruner says so. A failure of the trial's own settings (a NaN loss, a value
torch cannot compute with, out of memory) is a :class:`TrialSettingsError`, which fails that trial
only; a rerun of an interrupted trial resumes its checkpoint (:func:`interrupted_checkpoint`), or
fits from scratch when that checkpoint is an :class:`UnusableCheckpointError`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lightning.pytorch.callbacks import Callback

from ssm_ts.api.forecaster import Forecaster
from ssm_ts.errors import SSMTSError, TrainingError
from ssm_ts.pipelines.forecasting import ForecastDataModule
from ssm_ts.training import find_own_checkpoint
from ssm_ts.training.verbosity import apply_chosen_verbosity

if TYPE_CHECKING:
    import optuna


class ReportValidationLoss(Callback):
    """Reports each epoch's ``val_loss`` to the Optuna trial; stops the fit when the pruner says so
    (the fit then finishes normally with its best checkpoint, and the trial is marked pruned).

    A trial resuming an interrupted one's checkpoint reports that one's values for the epochs it
    does not train again (``earlier``, by epoch), so the pruner compares whole curves."""

    def __init__(self, trial: optuna.Trial, earlier: Mapping[int, float] | None = None):
        self.trial = trial
        self.earlier = dict(earlier or {})
        self.pruned = False
        self.epoch: int | None = None  # the epoch the trial was pruned after
        self.start_epoch: int | None = None  # the epoch its training started at (> 0: resumed)

    def on_train_start(self, trainer, pl_module) -> None:
        self._started(trainer)

    def on_fit_end(self, trainer, pl_module) -> None:
        if self.start_epoch is None:  # resumed with every epoch trained (it stopped after training)
            self._started(trainer)

    def _started(self, trainer) -> None:
        self.start_epoch = trainer.current_epoch
        for step, value in sorted(self.earlier.items()):
            if step < trainer.current_epoch:
                self.trial.report(value, step=step)

    def on_validation_end(self, trainer, pl_module) -> None:
        if trainer.sanity_checking or "val_loss" not in trainer.callback_metrics:
            return
        self.trial.report(float(trainer.callback_metrics["val_loss"]), step=trainer.current_epoch)
        last_epoch = trainer.max_epochs is not None and trainer.current_epoch + 1 >= trainer.max_epochs
        if not last_epoch and self.trial.should_prune():  # a trial at its last epoch is complete
            self.epoch = trainer.current_epoch
            self.pruned = True
            trainer.should_stop = True


class TrialSettingsError(TrainingError):
    """A trial failed by its settings (its training loss became NaN or inf, torch could not compute with
    them): the trial is FAIL, counted, and the search goes on. Any other error stops the search."""


def failed_after_training(error: TrainingError) -> bool:
    """Whether ``error`` is a fit's failure after training (a full disk, a tracking server that failed:
    :func:`~ssm_ts.tracking.run_status.run_failed_on_error` raises it from the cause), not its settings'."""
    return error.__cause__ is not None and not isinstance(error.__cause__, SSMTSError)


class UnusableCheckpointError(Exception):
    """The interrupted trial's ``last.ckpt`` cannot be resumed (``reason``): corrupt, or written with
    other settings or data; raised before any training, so the trial is fitted from scratch instead."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path, self.reason = path, reason


class TrialForecaster(Forecaster):
    """A Forecaster fit as one trial: its data module has no test split (selection never reads the test
    rows), its MLflow run is a child of the search's run, and the reporting callback joins its fit's
    callbacks (never copied, never in the settings it logs and saves; the user's are copied per fit)."""

    def __init__(
        self,
        *,
        parent_run_id: str | None,
        reporter: ReportValidationLoss,
        kept: bool = False,
        **settings: Any,
    ):
        super().__init__(**settings)
        self._parent_run_id = parent_run_id
        self._reporter = reporter
        self._kept = kept  # the study is stored: a continued search reruns a trial stopped by an error
        self._trial_run_id: str | None = None  # its MLflow run, also when the fit fails

    def _continue_hint(self, out_dir: Path) -> str:
        """A trial stopped while it trained is continued by the search, not by a fit of its own."""
        return self._resume_hint(out_dir)

    def _resume_hint(self, out_dir: Path) -> str:
        """What to do after a failure once the trial has trained: continue the search, not this fit."""
        if self._kept:
            return (
                f"run the same search again (the same storage and study_name): trial {self._reporter.trial.number} "
                f"runs again first, resuming its checkpoint in {out_dir}"
            )
        return (
            "run the search again (with a storage, a search stopped by an error continues where it stopped)"
        )

    def _fit_callbacks(self) -> list[Callback]:
        return [*super()._fit_callbacks(), self._reporter]

    def _train(self, datamodule: ForecastDataModule, resume: bool = False) -> Forecaster:
        return super()._train(datamodule.leave_out_test(), resume)

    def _fit_folder(self, resume: bool) -> Path:
        folder = super()._fit_folder(resume)
        # stored now: a rerun of this trial, should it be interrupted, resumes its last.ckpt there
        self._reporter.trial.set_user_attr("out_dir", str(Path(folder).absolute()))
        return folder

    def _resume_point(self, out_dir: Path) -> tuple[str | None, str | None]:
        """The interrupted trial's ``last.ckpt`` and its MLflow run (``None`` when this store does not
        hold it: the resumed trial logs a new child run); a checkpoint that cannot be read is
        :class:`UnusableCheckpointError`."""
        from ssm_ts.errors import CheckpointError

        try:
            ckpt_path, run_id = super()._resume_point(out_dir)
        except CheckpointError as error:
            raise UnusableCheckpointError(str(find_own_checkpoint(out_dir)), str(error)) from error
        if run_id is not None and self.settings["log_to_mlflow"] and not _run_exists(self.settings, run_id):
            run_id = None
        return ckpt_path, run_id

    def _check_resume(self, ckpt_path: str, task: Any, datamodule: Any, use: Any) -> None:
        try:
            super()._check_resume(ckpt_path, task, datamodule, use)
        except SSMTSError as error:  # other settings or data, a checkpoint torch cannot read
            raise UnusableCheckpointError(ckpt_path, str(error)) from error

    def _make_logger(self, run_id: str | None = None):
        apply_chosen_verbosity()  # before MLflow's store set-up lines, as the Forecaster's (resumable)
        if not self.settings["log_to_mlflow"]:
            return None
        from ssm_ts.tracking.logger import make_mlflow_logger

        s = self.settings
        tags = {"mlflow.parentRunId": self._parent_run_id}
        logger = make_mlflow_logger(s["experiment"], tracking_uri=s["tracking_uri"], run_name=s["run_name"],
                                    run_id=run_id, tags=tags)  # fmt: skip
        if run_id is not None:  # the interrupted trial's run, continued: now this search run's child
            logger.experiment.set_tag(run_id, "mlflow.parentRunId", str(self._parent_run_id))
        self._trial_run_id = logger.run_id
        # stored now: a continued search marks the run KILLED when this process dies during the fit
        self._reporter.trial.set_user_attr("run_id", logger.run_id)
        return logger


def _run_exists(settings: Mapping[str, Any], run_id: str) -> bool:
    """Whether the MLflow store of ``settings`` holds the active run ``run_id``."""
    import mlflow

    from ssm_ts.tracking.logger import default_tracking_uri

    client = mlflow.MlflowClient(settings["tracking_uri"] or default_tracking_uri())
    try:
        return client.get_run(run_id).info.lifecycle_stage == "active"
    except mlflow.exceptions.MlflowException:
        return False


@dataclasses.dataclass(frozen=True)
class InterruptedTrial:
    """An interrupted trial whose rerun may resume it: its ``number``, the ``folder`` it trained in,
    the ``checkpoint`` there and its reported ``values`` (``val_loss`` by epoch)."""

    number: int
    folder: Path
    checkpoint: Path
    values: dict[int, float]


def interrupted_checkpoint(study: optuna.Study, trial: optuna.Trial) -> InterruptedTrial | None:
    """The interrupted trial ``trial`` reruns (a continued search queued it with its settings) when its
    folder holds a ``last.ckpt`` (a rerun stopped before its first checkpoint: the trial it reran, and so
    on); ``None`` for any other trial, or one interrupted before its first checkpoint (or in an earlier
    ssm-ts, which kept no trial folder)."""
    from ssm_ts.api import tune_study

    number = trial.user_attrs.get(tune_study.RETRY_KEY)
    while number is not None:
        interrupted = study.trials[number]  # (numbers are indices of study.trials)
        folder = interrupted.user_attrs.get("out_dir")
        # ssm-ts's own, the one fit(resume=True) continues; never a trainer_options ModelCheckpoint's last.ckpt
        checkpoint = find_own_checkpoint(folder) if folder else None
        if checkpoint is not None:
            return InterruptedTrial(number, Path(folder), checkpoint, dict(interrupted.intermediate_values))
        # a rerun stopped before its first checkpoint (its fit from scratch failed at once): the one it reran
        number = interrupted.user_attrs.get(tune_study.RETRY_KEY)
    return None


def as_forecaster(trial_fit: TrialForecaster, settings: dict[str, Any]) -> Forecaster:
    """A plain :class:`Forecaster` with ``settings`` holding ``trial_fit``'s fitted state."""
    forecaster = Forecaster(**settings)
    state = {k: v for k, v in vars(trial_fit).items() if k not in ("settings", "_parent_run_id", "_reporter",
                                                                   "_trial_run_id", "_kept")}  # fmt: skip
    vars(forecaster).update(state)
    return forecaster


def torch_trial_failure(error: RuntimeError) -> TrialSettingsError | None:
    """A :class:`TrainingError` saying why torch could not train with a trial's settings, when ``error``
    is one a value of those settings alone causes: a number too large for float32
    (``trainer_options.gradient_clip_val`` 1e39: "value cannot be converted to type float without
    overflow"), or memory a larger model or batch needs. ``None`` for any other error (a bug, a
    shape that does not fit), which would fail every trial and so stops the search."""
    import torch

    message = f"{type(error).__name__}: {error}".strip()
    if isinstance(error, torch.OutOfMemoryError) or "can't allocate memory" in str(error):
        return TrialSettingsError(
            f"torch ran out of memory training with these settings ({message}); search smaller models "
            "(model_options) or batch_size."
        )
    if "overflow" in str(error):
        return TrialSettingsError(
            f"torch could not train with these settings ({message}): a value among them is too large "
            "for float32; search a range of smaller values."
        )
    return None
