"""The objective Optuna calls for each trial of a :func:`~ssm_ts.tune_forecaster` search.

:class:`TrialRunner` fits each trial (a rerun of an interrupted trial resumes its checkpoint), records
its outcome in the study and the search's MLflow run, and sorts a trial that fails: by its own settings
(a NaN loss, a value torch cannot compute with) it fails alone and the search goes on; by anything else
(Ctrl-C, a full disk, a tracking server, a bug) it stops the search and is rerun when the search
continues. ``trials.csv`` is rewritten after every trial.
"""

from __future__ import annotations

import dataclasses
import logging
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ssm_ts.api.tune_record import kept_export, trials_frame
from ssm_ts.api.tune_space import Param, plain, trial_settings
from ssm_ts.api.tune_study import RESUMED_KEY
from ssm_ts.api.tune_trial import (
    InterruptedTrial,
    ReportValidationLoss,
    TrialForecaster,
    TrialSettingsError,
    UnusableCheckpointError,
    failed_after_training,
    interrupted_checkpoint,
    torch_trial_failure,
)
from ssm_ts.errors import SSMTSError, TrainingError

if TYPE_CHECKING:
    import optuna
    import pandas as pd

    from ssm_ts.api.tune_parent_run import ParentRun
    from ssm_ts.pipelines.forecasting.reader import TableSource

OPTUNA_TRIAL_LOGGER = "optuna.study._optimize"  # the logger of Optuna's warnings for a failed trial


@dataclasses.dataclass
class TrialRunner:
    """Runs the trials of one search on ``data`` (read with ``fit_args``): each a Forecaster with the
    ``fixed`` settings and the values it draws for ``params``, fitted in ``folder``'s ``trial-<n>``
    (``None``: no out_dir) and logged as a child of ``parent`` (``None``: no MLflow). ``fits`` holds
    this run's fitted trials, by number."""

    data: TableSource
    fit_args: dict[str, Any]
    fixed: dict[str, Any]
    params: list[Param]
    study: optuna.Study
    storage: Any
    folder: Path | None
    parent: ParentRun | None
    fits: dict[int, tuple[TrialForecaster, dict[str, Any]]] = dataclasses.field(default_factory=dict)

    @property
    def study_kept(self) -> bool:
        """Whether the study outlives the process (a storage): a continued search may choose its trials."""
        return self.storage is not None

    def optimize(self, n_trials: int, timeout: float | None) -> None:
        """Run ``n_trials`` trials (fewer when ``timeout`` seconds pass), ``trials.csv`` written after each."""
        with QuietOptuna():
            self.study.optimize(self.objective, n_trials=n_trials, timeout=timeout, catch=(TrialSettingsError,),
                                callbacks=[self.write_trials])  # fmt: skip

    def objective(self, trial: optuna.Trial) -> float:
        """The trial's ``val_loss``; a failure says in the trial why, and whether it runs again."""
        import optuna

        from ssm_ts.api import tune_study

        try:
            return self._run(trial)
        except KeyboardInterrupt:  # Optuna marks the trial FAIL and raises it again
            trial.set_user_attr("error", tune_study.INTERRUPTED_BY_CTRL_C)
            self._stopped(trial)
            raise
        except (TrialSettingsError, optuna.TrialPruned):  # its settings: recorded, and the search goes on
            raise
        except SSMTSError as error:
            trial.set_user_attr("error", str(error))
            # a failure after training (a full disk) runs again; one of its settings or the data would repeat
            if isinstance(error, TrainingError) and failed_after_training(error):
                self._stopped(trial)
            raise
        except Exception as error:  # a full disk, the tracking server, a bug: not these settings' fault
            trial.set_user_attr("error", f"stopped the search ({type(error).__name__}: {error})")
            self._stopped(trial)
            raise

    def _run(self, trial: optuna.Trial) -> float:
        import optuna

        from ssm_ts.api import tune_study

        values = {p.name: p.suggest(trial) for p in self.params}
        settings = trial_settings(self.fixed, values)
        trial.set_user_attr("values", {k: plain(v) for k, v in values.items()})
        own_dir = str(self.folder / f"trial-{trial.number}") if self.folder is not None else None
        # a rerun of an interrupted trial continues its last.ckpt, in its folder (its best checkpoint so far
        # stays the one to beat); the user's trainer_options callbacks are copied by each fit
        earlier = interrupted_checkpoint(self.study, trial)
        fit = None
        try:
            if earlier is not None:
                fit, reporter = self._new_fit(trial, settings, str(earlier.folder), earlier.values)
                try:
                    self._resume(fit, reporter, earlier)
                except UnusableCheckpointError as unusable:
                    warnings.warn(
                        f"trial {trial.number} reruns interrupted trial {earlier.number}, whose checkpoint "
                        f"{unusable.path} cannot be resumed ({unusable.reason}); fitting the trial from scratch"
                        f"{f' in {own_dir}' if own_dir else ''}.",
                        stacklevel=2,
                    )
                    earlier = None
            if earlier is None:
                fit, reporter = self._new_fit(trial, settings, own_dir)
                fit.fit(self.data, **self.fit_args)
        except TrainingError as error:
            if failed_after_training(error):  # a full disk, a tracking server: every trial would fail so
                raise
            # these settings diverged (the loss became NaN or inf): a FAIL trial, and the search goes on
            self._fail(trial, fit, error)
            raise TrialSettingsError(str(error)) from error
        except SSMTSError as error:  # the user's data or settings: the same kind of error, naming the trial
            raise type(error)(f"the search stopped at trial {trial.number} ({values}): {error}") from error
        except RuntimeError as error:
            failure = torch_trial_failure(error)
            if failure is None:  # another error (a bug) would fail every trial: it stops the search
                raise
            self._fail(trial, fit, failure)  # torch could not compute with these settings: as a NaN loss
            raise failure from error
        loss = float(fit.metrics_["val_loss"])
        trial.set_user_attr("run_id", fit.run_id_)
        if earlier is not None:
            self._record_resume(trial, fit, earlier, reporter.start_epoch)
        self.fits[trial.number] = (fit, settings)
        state = "PRUNED" if reporter.pruned else "COMPLETE"
        if self.study_kept and not reporter.pruned:  # a continued search may choose it: its model outlives us
            export = kept_export(fit)
            tune_study.write_trial_record(export, self.study, trial, trial.user_attrs["values"], self.storage)
            trial.set_user_attr("export", str(export))
        if self.parent is not None:
            self.parent.record_trial(fit.run_id_, trial.number, state, loss)
        if reporter.pruned:
            raise optuna.TrialPruned(f"val_loss {loss:.4g} after epoch {reporter.epoch}")
        return loss

    def _resume(
        self, fit: TrialForecaster, reporter: ReportValidationLoss, earlier: InterruptedTrial
    ) -> None:
        """Fit ``fit`` from ``earlier``'s checkpoint; :class:`UnusableCheckpointError` when it cannot be: refused
        before training (corrupt, other settings), or failing before its first epoch (Lightning could not
        restore it: weights of another layout; rerun, it would stop every continued search; an error of
        another cause comes again in the fit from scratch)."""
        try:
            fit.fit(self.data, resume=True, **self.fit_args)
        except (UnusableCheckpointError, SSMTSError):  # an ssm-ts check names its own cause
            raise
        except Exception as error:
            if reporter.start_epoch is not None:  # it trained: not the checkpoint's fault
                raise
            raise UnusableCheckpointError(
                str(earlier.checkpoint), f"{type(error).__name__}: {error}"
            ) from error

    def _new_fit(
        self, trial: optuna.Trial, settings: dict[str, Any], out_dir: str | None,
        earlier_values: Mapping[int, float] | None = None,
    ) -> tuple[TrialForecaster, ReportValidationLoss]:  # fmt: skip
        reporter = ReportValidationLoss(trial, earlier_values)
        parent_run_id = self.parent and self.parent.run_id
        fit = TrialForecaster(parent_run_id=parent_run_id, reporter=reporter, kept=self.study_kept,
                              **{**settings, "out_dir": out_dir})  # fmt: skip
        return fit, reporter

    def _record_resume(
        self, trial: optuna.Trial, fit: TrialForecaster, earlier: InterruptedTrial, start_epoch: int | None
    ) -> None:
        """Say in the trial (and its MLflow run) that it continued ``earlier``'s checkpoint at ``start_epoch``."""
        trial.set_user_attr(RESUMED_KEY, {"trial": earlier.number, "checkpoint": str(earlier.checkpoint),
                                          "epoch": start_epoch})  # fmt: skip
        if self.parent is not None and fit.run_id_ is not None:
            self.parent.client.set_tag(fit.run_id_, "tune.resumed_from_trial", str(earlier.number))
            self.parent.client.set_tag(fit.run_id_, "tune.resumed_at_epoch", str(start_epoch))

    def _fail(self, trial: optuna.Trial, fit: TrialForecaster | None, error: TrainingError) -> None:
        """Record why ``trial`` fails (Optuna marks it FAIL when ``error`` is raised from it)."""
        trial.set_user_attr("error", str(error))
        run_id = fit._trial_run_id if fit is not None else None
        trial.set_user_attr("run_id", run_id)
        if self.parent is not None:  # Lightning marked the child run FAILED
            self.parent.record_trial(run_id, trial.number, "FAIL", None)

    def _stopped(self, trial: optuna.Trial) -> None:
        """``trial`` stopped before it finished, by no fault of its settings: a continued search reruns it
        (from its checkpoint) and it does not count toward n_trials; its MLflow run says FAIL."""
        from ssm_ts.api import tune_study

        trial.set_user_attr(tune_study.INTERRUPTED_KEY, True)
        if self.parent is not None:
            self.parent.end_child(trial.user_attrs.get("run_id"), trial.number)

    def write_trials(self, study: optuna.Study, _trial: Any = None) -> pd.DataFrame:
        """The trials frame, written to the study folder's ``trials.csv`` (an Optuna callback too)."""
        trials = trials_frame(study, self.params)
        trials_csv = self.folder / "trials.csv" if self.folder is not None else None
        if trials_csv is not None and len(trials):  # a search stopped before any trial leaves no file
            from ssm_ts.atomic import atomic_path

            with atomic_path(trials_csv) as tmp:
                trials.to_csv(tmp, index=False)
        return trials

    def end_stopped(self, error: BaseException) -> None:
        """The search stopped by ``error``: the finished trials are kept (``trials.csv``, the search's run,
        KILLED by Ctrl-C, else FAILED) whatever stopped it."""
        status = "KILLED" if isinstance(error, KeyboardInterrupt) else "FAILED"
        try:
            trials = self.write_trials(self.study)
        except Exception:  # noqa: BLE001 (the error that stopped the search is the one to report)
            trials = None
        if self.parent is not None:
            self.parent.end(trials, status)


class OptunaTrialWarnings(logging.Filter):
    """Optuna's warnings for a failed trial, as a search shows them: none for a trial stopped by Ctrl-C
    (its two, "Trial N failed ... KeyboardInterrupt()" and "Trial N failed with value None", stood above
    the search's own message saying what was kept and how to continue); a trial that failed by a
    :class:`TrainingError` (a NaN loss) is one line saying the trial, its settings and why, without the
    traceback through Lightning. Optuna's other warnings pass unchanged."""

    def __init__(self) -> None:
        super().__init__()
        self.interrupted: set[str] = set()  # "Trial 3": the trials Ctrl-C stopped

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        message = record.getMessage()
        trial = " ".join(message.split()[:2])
        if isinstance(error, KeyboardInterrupt):
            self.interrupted.add(trial)
            return False
        if trial in self.interrupted and message.startswith(f"{trial} failed with value"):
            return False
        if isinstance(error, TrainingError):
            record.exc_info = None
        return True


class QuietOptuna:
    """Optuna logs a line per trial at INFO; the trials frame and MLflow hold the same. Its warnings
    for failed trials are filtered by :class:`OptunaTrialWarnings`."""

    def __enter__(self):
        import optuna

        self.level = optuna.logging.get_verbosity()
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        self.trial_warnings = OptunaTrialWarnings()
        logging.getLogger(OPTUNA_TRIAL_LOGGER).addFilter(self.trial_warnings)

    def __exit__(self, *exc):
        import optuna

        logging.getLogger(OPTUNA_TRIAL_LOGGER).removeFilter(self.trial_warnings)
        optuna.logging.set_verbosity(self.level)
