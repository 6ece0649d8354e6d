"""``ssm_ts.tune_forecaster``: a hyperparameter search over :class:`~ssm_ts.Forecaster` settings with Optuna.

    >>> result = tune_forecaster(
    ...     "ETTh1.csv", {"lr": (1e-4, 1e-2), "model_options.d_model": [32, 64]},
    ...     n_trials=20, target="OT", model="spacetime", lookback=96, horizon=24, max_epochs=5,
    ... )
    >>> result.best_params, result.trials        # the chosen settings, one row per trial
    >>> result.best.predict()                     # the best trial's fitted Forecaster

Each trial is a Forecaster fit with the fixed settings and the trial's sampled ones, scored by its
validation loss (the best checkpoint's ``val_loss``). Trials never read the test split: their data
module has none, so their fits cannot evaluate it. Only the chosen model is scored on the test split,
once, after the search (``result.best.metrics_["test_*"]``), as a plain ``fit`` would be.

With ``log_to_mlflow`` (the default) the search is one MLflow parent run (the space, then the best
params, ``best_val_loss`` and the tag ``best_trial_run_id``) and each trial a nested child run: the
fit's usual run (params, per-epoch metrics, model) tagged ``mlflow.parentRunId``, ``optuna.trial``,
``optuna.state`` and with its ``best_val_loss``.

With ``storage`` (``"sqlite:///optuna.db"``) the study outlives the process: a search stopped by
Ctrl-C, a crash or a killed machine continues when run again with the same storage and study name
(:mod:`ssm_ts.api.tune_study`), its finished trials kept and counted toward ``n_trials``.

This module is the search's outline; its parts: :mod:`~ssm_ts.api.tune_space` (the space, the checks of
its settings, the sampler), :mod:`~ssm_ts.api.tune_trial` (one trial's fit),
:mod:`~ssm_ts.api.tune_objective` (running the trials, sorting their failures),
:mod:`~ssm_ts.api.tune_record` (what the study keeps and gives back), :mod:`~ssm_ts.api.tune_parent_run`
(the search's MLflow run) and :mod:`~ssm_ts.api.tune_study` (the stored study).
"""

from __future__ import annotations

import dataclasses
import inspect
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from ssm_ts.api.forecaster import Forecaster
from ssm_ts.api.tune_objective import QuietOptuna, TrialRunner
from ssm_ts.api.tune_parent_run import ParentRun
from ssm_ts.api.tune_record import (
    FREE_ON_RESUME,
    data_fingerprint,
    load_trial_model,
    raise_if_all_failed,
    read_data,
    scored_on_test,
    search_record,
)
from ssm_ts.api.tune_space import (
    LOG_SCALE_NAMES,
    NOT_SEARCHABLE,
    Param,
    check_fixed,
    check_searched_values,
    first_value,
    make_sampler,
    parse_space,
    trial_settings,
)
from ssm_ts.api.tune_study import RESUMED_KEY
from ssm_ts.api.tune_trial import ReportValidationLoss, TrialForecaster, as_forecaster
from ssm_ts.errors import ConfigError
from ssm_ts.pipelines.forecasting.reader import TableSource
from ssm_ts.rank_zero_warnings import each_text_once

if TYPE_CHECKING:
    import optuna

# the trial's classes by the names tests import from here
_ReportValidationLoss = ReportValidationLoss
_TrialForecaster = TrialForecaster

DEFAULT_TPE_TRIALS = 20


@dataclasses.dataclass
class TuningResult:
    """What :func:`tune_forecaster` found.

    Attributes:
        best: the best trial's fitted :class:`Forecaster` (``predict``, ``save``, ``run_id_`` as after
            ``fit``), its ``metrics_`` with the test split's, scored once after the search.
        best_params: the chosen values, by the space's names (``"model_options.d_model"``).
        best_val_loss: the best trial's validation loss.
        trials: one row per trial: ``trial``, ``state`` (``COMPLETE``, ``PRUNED``, ``FAIL``),
            ``val_loss``, ``duration_s``, ``run_id`` (its MLflow run), then a column per searched name;
            when a trial failed (its training loss became NaN or inf, or torch could not train with its
            settings: a value overflowing float32, out of memory), ``error`` says why; when a rerun of an
            interrupted trial continued its checkpoint, ``resumed_from_trial`` and ``resumed_at_epoch``.
        study: the :class:`optuna.Study` (its sampler, trials, plots).
        run_id: the MLflow parent run of the search (``None`` with ``log_to_mlflow=False``).
        earlier_trials: the trials the study held before this call (a continued search), 0 for a new one.
    """

    best: Forecaster
    best_params: dict[str, Any]
    best_val_loss: float
    trials: pd.DataFrame
    study: optuna.Study
    run_id: str | None
    earlier_trials: int = 0


def tune_forecaster(
    data: TableSource,
    space: Mapping[str, Any],
    *,
    n_trials: int | None = None,
    timeout: float | None = None,
    sampler: Literal["tpe", "random", "grid"] | Any = "tpe",
    prune: bool | optuna.pruners.BasePruner = True,
    storage: str | os.PathLike | optuna.storages.BaseStorage | None = None,
    study_name: str | None = None,
    time_col: str | None = None,
    target: str | list[str] | None = None,
    past_covariates: list[str] | None = None,
    future_covariates: list[str] | None = None,
    freq: str | int | None = None,
    fill: Literal["ffill", "interpolate"] | None = None,
    read_options: dict[str, Any] | None = None,
    static_df: pd.DataFrame | str | os.PathLike | None = None,
    **settings: Any,
) -> TuningResult:
    """Search Forecaster settings on ``data``, choosing by validation loss; return the best fitted model.

    Args:
        data: a CSV path or DataFrame, read with the fit arguments ``time_col``, ``target``, ``fill``, ...
            (as :meth:`Forecaster.fit`; a long table's per-series columns and ``static_df``, a DataFrame
            or CSV path, too).
        space: setting name -> what to search. A **list** is categorical choices (``[32, 64]``); a
            **tuple** ``(low, high)`` is a range (integers if both bounds are, ``lr``/``weight_decay``
            on a log scale); a dict ``{"low": ..., "high": ..., "log": ..., "step": ...}`` or
            ``{"choices": [...]}``, or an Optuna distribution, says it exactly. Names are Forecaster
            settings (``lr``, ``lookback``, ``model``, ...), ``model_options.<option>`` or
            ``trainer_options.<Trainer argument>``; not those that change what ``val_loss`` measures
            (``loss``, ``quantiles``, ``horizon``, the split: :data:`~ssm_ts.api.tune_space.NOT_COMPARABLE`).
        n_trials: trials the study holds when the search ends (default: 20, or every combination with
            ``sampler="grid"``). A continued study's finished trials count toward it, as with Optuna's
            ``MaxTrialsCallback``: running the same search again finishes it, and a finished one runs
            no further trial (give a larger ``n_trials`` to run more). Interrupted trials do not count.
        timeout: seconds after which no new trial starts (the running one finishes), for this call.
        sampler: ``"tpe"`` (Optuna's TPE, the default), ``"random"``, ``"grid"`` (every entry a list) or
            an ``optuna.samplers`` instance. Seeded with the ``seed`` setting (a continued study: for
            ``"tpe"`` and ``"random"``, the seed plus its number of trials, so it does not draw the
            first run's settings again; a grid keeps its order and runs the points not run yet).
        prune: stop unpromising trials early (Optuna's median pruner on each epoch's ``val_loss``,
            after 3 complete trials; or an ``optuna.pruners`` instance). A trial is never pruned at its
            last epoch; a pruned one stops, is kept in ``trials`` (state ``PRUNED``) and is never chosen.
        storage: where the study is kept: ``None`` (memory: lost with the process), an Optuna database
            URL (``"sqlite:///optuna.db"``; a plain path is an sqlite file) or an ``optuna.storages``
            object. With a storage, running the search again continues it (see below).
        study_name: the study's name in ``storage`` (default ``"forecast-tune"``).
        **settings: the fixed Forecaster settings (``model``, ``horizon``, ``max_epochs``, ...).

    Trials never read the test split; the chosen model's test metrics are computed once, at the end.
    A trial whose training loss becomes NaN or inf (a diverging ``lr``), or that torch cannot train (a
    value too large for float32, such as ``trainer_options.gradient_clip_val`` 1e39; out of memory), fails
    (state ``FAIL``, its MLflow run FAILED, the reason in ``trials["error"]``) and the search goes on; any
    other error from a trial's fit stops the search (the reason in ``trials["error"]``). A searched value
    Forecaster refuses (``lr`` above 3.4e37) is a :class:`ConfigError` before any trial. The data is read
    once before the search: a problem there is refused before any study or run is stored; a setting that
    does not suit it (a lookback longer than the data) stops the search, naming the trial, which counts as
    finished. Each trial's fit reads the data again; a warning about it (a column left unread, a code
    for a missing reading) is shown once in the search, not once per trial (the user's own warnings and
    other libraries' as they are). An error that is not the trial's settings' (a full disk or a tracking
    server failing, during or after training; a bug) leaves the trial interrupted, as Ctrl-C does: a continued search runs it
    again first, from its checkpoint. If every trial fails, a :class:`TrainingError` lists why.
    With ``out_dir`` set, the study's files go to its own folder there: ``out_dir`` for the default
    study name, ``out_dir/<study_name>/`` for another, so studies may share ``out_dir``. Trial ``n``
    writes its checkpoints (and, in a stored study, its model: ``export/``, with ``tune_trial.json``
    saying which study and trial fitted it with which values) to ``trial-<n>/`` there, and
    ``trials.csv`` there is rewritten after every trial. A folder holding another stored study's trial
    models (another storage's study of the same name) is a :class:`ConfigError` before any trial.

    Ctrl-C (``KeyboardInterrupt``) is raised again, as ``optuna.Study.optimize`` does, after the trial
    it stopped is marked FAIL (``error``: interrupted), its MLflow run and the search's run KILLED, and
    ``trials.csv`` (``out_dir``, and the search's MLflow run) written with the finished trials.

    Continuing (the same ``storage`` and ``study_name``): the finished trials are kept; trials a killed
    process left RUNNING are marked FAIL; interrupted trials run again first, with their settings,
    resuming the ``last.ckpt`` in the interrupted trial's folder (its epochs are not trained again; its
    MLflow run continues; the trial's user attribute ``resumed`` and the run's tags
    ``tune.resumed_from_trial``/``tune.resumed_at_epoch`` say so), or from scratch when there is none
    (a warning naming the file when it cannot be resumed: corrupt, other settings or data); the
    search's MLflow run continues (a new one if the store no longer has it); the best trial of an earlier
    run is loaded from its export (``trial-<n>/export``; a study made before per-study folders, from the
    ``out_dir/trial-<n>`` it wrote) once checked to be that trial's model: its ``tune_trial.json`` names
    this study and trial, and its saved settings are the trial's; another model there (another search
    wrote over it) is a :class:`TrainingError` saying whose it is, never loaded. The space, and the
    fixed settings that change what ``val_loss`` means (all but where results go, ``accelerator`` and
    ``calibration_budget``), must be those the study started with: other ones are a
    :class:`ConfigError` naming each difference (start another search under a new ``study_name``). So
    must the data (by content: the same CSV moved is the same data); other data is a
    :class:`ConfigError` naming it then and now, as continuing would choose the model from trials
    trained on the earlier data. One process runs a study at a time.
    """
    from ssm_ts.api import tune_study

    _check_search_arguments(n_trials, timeout, study_name)
    check_fixed(settings, space if isinstance(space, Mapping) else {})
    fixed = {**_forecaster_defaults(), **settings}
    params = parse_space(space, fixed["model"])
    optuna_sampler, grid_size = make_sampler(sampler, params, fixed["seed"])
    n_trials = n_trials or grid_size or DEFAULT_TPE_TRIALS
    _check_trial_settings(fixed, params, saved=storage is not None or fixed["log_to_mlflow"])
    fit_args = dict(time_col=time_col, target=target, past_covariates=past_covariates,
                    future_covariates=future_covariates, freq=freq, fill=fill, read_options=read_options,
                    static_df=static_df)  # fmt: skip

    # each trial's fit reads the data again: its warnings (a gap filled, a column left unread) are shown
    # once in the search, by the first reading
    with each_text_once():
        # a data problem is refused before the study is stored or any run starts; a continued study
        # compares its data's fingerprint (trials of other data would be chosen from)
        searched = data_fingerprint(read_data(data, fit_args))
        pruner = _pruner(prune)
        with QuietOptuna():
            study = tune_study.open_study(storage, study_name, optuna_sampler, pruner,
                                          [p.record() for p in params], search_record(fixed, fit_args),
                                          searched)  # fmt: skip
        folder = _claim_study_folder(fixed["out_dir"], study_name, study, storage)
        earlier = len(study.trials)
        left_running = _continue_study(study, sampler, params, fixed["seed"] + earlier) if earlier else []
        remaining = _remaining_trials(study, n_trials, grid_size)
        parent = _open_parent_run(fixed, space, n_trials, sampler, study, left_running)
        runner = TrialRunner(data, fit_args, fixed, params, study, storage, folder, parent)
        try:
            if remaining:
                runner.optimize(remaining, timeout)
            return _choose_best(runner, timeout, earlier)
        except BaseException as error:
            runner.end_stopped(error)
            raise


def _check_search_arguments(n_trials: Any, timeout: Any, study_name: Any) -> None:
    if n_trials is not None and (isinstance(n_trials, bool) or not isinstance(n_trials, int) or n_trials < 1):
        raise ConfigError(f"n_trials must be a whole number >= 1, got {n_trials!r}.")
    if timeout is not None and not (isinstance(timeout, (int, float)) and timeout > 0):
        raise ConfigError(f"timeout must be a positive number of seconds, got {timeout!r}.")
    if study_name is not None and (not isinstance(study_name, str) or not study_name.strip()):
        raise ConfigError(f"study_name must be a non-empty name, got {study_name!r}.")


def _forecaster_defaults() -> dict[str, Any]:
    """Forecaster's settings that have a default, with it."""
    return {k: p.default for k, p in inspect.signature(Forecaster.__init__).parameters.items()
            if p.default is not inspect.Parameter.empty}  # fmt: skip


def _check_trial_settings(fixed: dict[str, Any], params: list[Param], saved: bool) -> None:
    """Refuse, before any fit, a bad fixed setting, a searched value Forecaster refuses and, when each
    trial's model is ``saved`` (after its training), a setting a saved model cannot hold."""
    probe = Forecaster(**trial_settings(fixed, {p.name: first_value(p) for p in params}))
    check_searched_values(fixed, params)
    if saved:
        probe._json_settings()


def _pruner(prune: bool | optuna.pruners.BasePruner) -> optuna.pruners.BasePruner:
    import optuna

    if isinstance(prune, optuna.pruners.BasePruner):
        return prune
    return optuna.pruners.MedianPruner(n_startup_trials=3) if prune else optuna.pruners.NopPruner()


def _claim_study_folder(
    out_dir: str | os.PathLike | None, study_name: str | None, study: optuna.Study, storage: Any
) -> Path | None:
    """This study's own folder in ``out_dir``: studies sharing it never write over each other's trial
    models; one holding another stored study's is refused here, before any trial or run."""
    from ssm_ts.api import tune_study

    folder = tune_study.study_folder(out_dir, study_name)
    if storage is not None:
        tune_study.study_uid(study)
    tune_study.check_folder_is_free(folder, study, storage)
    return folder


def _continue_study(
    study: optuna.Study, sampler: Any, params: list[Param], seed: int
) -> list[optuna.trial.FrozenTrial]:
    """Ready a continued study: the trials a killed process left RUNNING marked FAIL (returned), the
    interrupted trials queued to run first, and a TPE or random sampler seeded with ``seed``."""
    from ssm_ts.api import tune_study

    left_running = tune_study.fail_left_running(study)
    tune_study.queue_interrupted(study)
    # seeded as the first run's, TPE or random would draw that run's first settings again; not the grid:
    # its trials name their point by an index into its order, which its seed shuffles
    if sampler in ("tpe", "random"):
        study.sampler, _ = make_sampler(sampler, params, seed)
    return left_running


def _remaining_trials(study: optuna.Study, n_trials: int, grid_size: int | None) -> int:
    """The trials to run for the study to hold ``n_trials`` counted ones (no more than the grid's)."""
    from ssm_ts.api import tune_study

    done = tune_study.counted(study)
    return max(0, n_trials - done) if grid_size is None else max(0, min(n_trials, grid_size) - done)


def _open_parent_run(
    fixed: dict[str, Any], space: Mapping[str, Any], n_trials: int, sampler: Any, study: optuna.Study,
    left_running: list[optuna.trial.FrozenTrial],
) -> ParentRun | None:  # fmt: skip
    """The search's MLflow run (``None`` without MLflow), the runs of ``left_running`` trials ended in it."""
    if not fixed["log_to_mlflow"]:
        return None
    parent = ParentRun.open(fixed, space, n_trials, sampler, study)
    for trial in left_running:
        parent.end_child(trial.user_attrs.get("run_id"), trial.number)
    return parent


def _choose_best(runner: TrialRunner, timeout: float | None, earlier: int) -> TuningResult:
    """The best trial's model (this run's fit, or an earlier run's export), scored once on the test split;
    ``trials.csv`` and the search's MLflow run finished with it."""
    import optuna

    study, parent = runner.study, runner.parent
    if not any(t.state == optuna.trial.TrialState.COMPLETE for t in study.trials):
        raise_if_all_failed(study)
        raise ConfigError(
            f"no trial completed in {len(study.trials)} (timeout {timeout} s): give a longer timeout, "
            "or prune=False."
        )
    best_trial = study.best_trial
    best_settings = trial_settings(
        runner.fixed, {p.name: p.value(best_trial.params[p.name]) for p in runner.params}
    )
    if best_trial.number in runner.fits:
        best = as_forecaster(runner.fits[best_trial.number][0], best_settings)
    else:  # chosen from an earlier run of a continued search
        best = load_trial_model(study, best_trial, best_settings)
    best.metrics_.update(scored_on_test(best, runner.data, runner.fit_args))
    best_params = dict(best_trial.user_attrs["values"])
    trials = runner.write_trials(study)
    if parent is not None:
        parent.finish(best_params, best_trial.value, best, trials)
    return TuningResult(
        best, best_params, float(best_trial.value), trials, study, parent and parent.run_id, earlier
    )


# (the constants: this module's before its split into the tune_* modules, still importable from it)
__all__ = [
    "DEFAULT_TPE_TRIALS", "FREE_ON_RESUME", "LOG_SCALE_NAMES", "NOT_SEARCHABLE", "RESUMED_KEY", "TuningResult",
    "parse_space", "tune_forecaster",
]  # fmt: skip
