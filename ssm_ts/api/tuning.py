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
"""

from __future__ import annotations

import dataclasses
import difflib
import inspect
import json
import logging
import math
import os
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd
from lightning.pytorch.callbacks import Callback

from ssm_ts.api.forecaster import Forecaster
from ssm_ts.errors import ConfigError, SSMTSError, TrainingError
from ssm_ts.pipelines.forecasting import ForecastDataModule
from ssm_ts.pipelines.forecasting.reader import TableSource
from ssm_ts.training import find_own_checkpoint

if TYPE_CHECKING:
    import optuna

# ranges of these settings are sampled on a log scale: their useful values span decades
LOG_SCALE_NAMES = frozenset({"lr", "learning_rate", "weight_decay"})
# Forecaster settings that choose where results go, not the model: never searched
NOT_SEARCHABLE = frozenset(
    {"experiment", "tracking_uri", "run_name", "register_as", "log_to_mlflow", "out_dir"}
)
# fixed settings a continued search may change: where results go, where the same computation runs,
# how many conformal scores are kept; the others change what a trial's val_loss means
FREE_ON_RESUME = NOT_SEARCHABLE | {"accelerator", "calibration_budget"}
DEFAULT_TPE_TRIALS = 20
# trial user attribute: {"trial", "checkpoint", "epoch"}: it resumed that interrupted trial's checkpoint
RESUMED_KEY = "resumed"
_PRIMITIVE = (type(None), bool, int, float, str)


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


# ------------------------------------------------------------------ the search space


@dataclasses.dataclass(frozen=True)
class _Param:
    """One searched name: ``choices`` (categorical) or a ``low``..``high`` range."""

    name: str
    choices: tuple[Any, ...] | None = None
    low: float | None = None
    high: float | None = None
    log: bool = False
    step: float | None = None
    integer: bool = False

    def suggest(self, trial: optuna.Trial) -> Any:
        """The trial's value of this setting."""
        if self.choices is not None:
            return self.value(trial.suggest_categorical(self.name, self._stored_choices()))
        if self.integer:
            return trial.suggest_int(
                self.name, int(self.low), int(self.high), log=self.log, step=int(self.step or 1)
            )
        return trial.suggest_float(self.name, self.low, self.high, log=self.log, step=self.step)

    def _stored_choices(self) -> tuple[Any, ...]:
        if all(isinstance(c, _PRIMITIVE) for c in self.choices):
            return self.choices
        return tuple(range(len(self.choices)))

    def value(self, stored: Any) -> Any:
        """The setting's value from what Optuna stored (an index for non-primitive choices)."""
        if self.choices is not None and self._stored_choices() is not self.choices:
            return self.choices[stored]
        return stored

    def record(self) -> dict[str, Any]:
        """What this name searches, as plain JSON values: kept with a stored study, so that a continued
        search can check it searches the same."""
        return _plain(dataclasses.asdict(self))


def _settings_names() -> list[str]:
    return [n for n in inspect.signature(Forecaster.__init__).parameters if n != "self"]


def _did_you_mean(name: str, valid: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, valid, n=1)
    return f"did you mean {close[0]!r}? " if close else ""


def _model_options(model: str) -> list[str]:
    from ssm_ts.models.forecasting_registry import forecasting_options

    return [f.name for f in dataclasses.fields(forecasting_options(model))]


def _check_name(name: str, models: Sequence[str]) -> None:
    """A searched name is a Forecaster setting, ``model_options.<option of every searched model>`` or
    ``trainer_options.<lightning.Trainer argument>``; else a :class:`ConfigError` with the close match."""
    if not isinstance(name, str) or not name:
        raise ConfigError(f"search space names are Forecaster setting names (text), got {name!r}.")
    head, _, leaf = name.partition(".")
    settings = [n for n in _settings_names() if n not in NOT_SEARCHABLE]
    if head in NOT_SEARCHABLE:
        raise ConfigError(
            f"search space name {name!r}: {head} chooses where results go, not the model; "
            f"give it as a fixed setting (tune_forecaster(..., {head}=...)) instead."
        )
    if head not in settings:
        raise ConfigError(
            f"search space name {name!r} is not a Forecaster setting; {_did_you_mean(head, settings)}"
            f"valid: {', '.join(settings)}; model options as 'model_options.<name>' (e.g. "
            "'model_options.d_model'), trainer arguments as 'trainer_options.<name>'."
        )
    if not leaf:
        return
    if head == "model_options":
        for model in models:
            options = _model_options(model)
            if leaf not in options:
                raise ConfigError(
                    f"search space name {name!r}: model {model!r} has no option {leaf!r}; "
                    f"{_did_you_mean(leaf, options)}its options: {', '.join(options)}."
                )
    elif head == "trainer_options":
        import lightning.pytorch as pl

        accepted = [n for n in inspect.signature(pl.Trainer.__init__).parameters if n != "self"]
        if leaf not in accepted:
            raise ConfigError(
                f"search space name {name!r}: lightning.Trainer takes no argument {leaf!r}; "
                f"{_did_you_mean(leaf, accepted)}see lightning.Trainer's arguments."
            )
    else:
        raise ConfigError(
            f"search space name {name!r}: only model_options and trainer_options take nested names "
            f"('<setting>.<key>'); search {head!r} itself, e.g. {{{head!r}: [...]}}."
        )


def _parse_entry(name: str, entry: Any) -> _Param:
    """A list of choices, a ``(low, high)`` tuple, a ``{"low", "high", "log", "step"}`` or
    ``{"choices": [...]}`` dict, or an Optuna distribution, as a :class:`_Param`."""
    from optuna.distributions import (
        BaseDistribution,
        CategoricalDistribution,
        FloatDistribution,
        IntDistribution,
    )

    if isinstance(entry, BaseDistribution):
        if isinstance(entry, CategoricalDistribution):
            return _parse_entry(name, list(entry.choices))
        if isinstance(entry, (FloatDistribution, IntDistribution)):
            spec = {"low": entry.low, "high": entry.high, "log": entry.log, "step": entry.step}
            return _parse_entry(name, spec)
        raise ConfigError(
            f"search space {name!r}: {type(entry).__name__} is not supported; use a list or a range."
        )
    if isinstance(entry, list):
        entry = {"choices": entry}
    elif isinstance(entry, tuple):
        if len(entry) != 2:
            raise ConfigError(
                f"search space {name!r}: a tuple is a (low, high) range, got {len(entry)} values {entry!r}; "
                "give choices as a list, e.g. [16, 32, 64]."
            )
        entry = {"low": entry[0], "high": entry[1]}
    if not isinstance(entry, Mapping):
        raise ConfigError(
            f"search space {name!r}: got {entry!r}; give a list of choices ([16, 32, 64]), a (low, high) range "
            "((1e-4, 1e-2)) or a dict {'low': ..., 'high': ..., 'log': True, 'step': ...}."
        )
    unknown = set(entry) - {"choices", "low", "high", "log", "step"}
    if unknown or ("choices" in entry) == ("low" in entry or "high" in entry):
        raise ConfigError(
            f"search space {name!r}: {dict(entry)!r} must have either 'choices' or 'low' and 'high' "
            "(with optional 'log' and 'step')."
        )
    if "choices" in entry:
        choices = entry["choices"]
        if not isinstance(choices, (list, tuple)) or not choices:
            raise ConfigError(
                f"search space {name!r}: the list of choices is empty; give at least one value."
            )
        return _Param(name, choices=tuple(choices))
    low, high = entry.get("low"), entry.get("high")
    for bound in (low, high):
        if isinstance(bound, bool) or not isinstance(bound, (int, float)) or not math.isfinite(bound):
            raise ConfigError(
                f"search space {name!r}: range bounds must be finite numbers, got ({low!r}, {high!r})."
            )
    if low >= high:
        raise ConfigError(
            f"search space {name!r}: the range's low {low!r} must be below its high {high!r}; "
            f"write ({min(low, high)!r}, {max(low, high)!r}), or a list [{low!r}] for one fixed value."
        )
    log = bool(entry.get("log", name.rpartition(".")[2] in LOG_SCALE_NAMES))
    if log and low <= 0:
        raise ConfigError(
            f"search space {name!r}: a log-scale range needs low > 0, got {low!r}; give a positive low "
            "or {'low': ..., 'high': ..., 'log': False}."
        )
    step = entry.get("step")
    integer = isinstance(low, int) and isinstance(high, int) and (step is None or isinstance(step, int))
    if log and step is not None:
        raise ConfigError(f"search space {name!r}: a range cannot have both log=True and a step; choose one.")
    return _Param(name, low=low, high=high, log=log, step=step, integer=integer)


def parse_space(space: Mapping[str, Any], model: str) -> list[_Param]:
    """The checked search space: names checked against Forecaster's settings and the options of
    ``model`` (or of every model the space searches), entries parsed."""
    if not isinstance(space, Mapping) or not space:
        raise ConfigError(
            "the search space is empty: give a dict of settings to search, e.g. "
            "{'lr': (1e-4, 1e-2), 'model_options.d_model': [32, 64]}."
        )
    params = [_parse_entry(name, entry) for name, entry in space.items()]
    models_param = next((p for p in params if p.name == "model"), None)
    models = list(models_param.choices) if models_param and models_param.choices else [model]
    for name in space:
        _check_name(name, models)
    return params


def _trial_settings(fixed: dict[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """Forecaster settings: ``fixed`` with the trial's ``values``, nested names merged into their dict."""
    settings = dict(fixed)
    for name, value in values.items():
        head, _, leaf = name.partition(".")
        if leaf:
            settings[head] = {**(settings.get(head) or {}), leaf: value}
        else:
            settings[head] = value
    return settings


# ------------------------------------------------------------------ trials


class _ReportValidationLoss(Callback):
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


class _TrialSettingsError(TrainingError):
    """A trial failed by its settings (its training loss became NaN or inf, torch could not compute with
    them): the trial is FAIL, counted, and the search goes on. Any other error stops the search."""


def _after_training(error: TrainingError) -> bool:
    """Whether ``error`` is a fit's failure after training (a full disk, a tracking server that failed:
    :func:`~ssm_ts.tracking.run_status.run_failed_on_error` raises it from the cause), not its settings'."""
    return error.__cause__ is not None and not isinstance(error.__cause__, SSMTSError)


class _UnusableCheckpointError(Exception):
    """The interrupted trial's ``last.ckpt`` cannot be resumed (``reason``): corrupt, or written with
    other settings or data; raised before any training, so the trial is fitted from scratch instead."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path, self.reason = path, reason


class _TrialForecaster(Forecaster):
    """A Forecaster fit as one trial: its data module has no test split (selection never reads the test
    rows), its MLflow run is a child of the search's run, and the reporting callback joins its fit's
    callbacks (never copied, never in the settings it logs and saves; the user's are copied per fit)."""

    def __init__(
        self,
        *,
        parent_run_id: str | None,
        reporter: _ReportValidationLoss,
        kept: bool = False,
        **settings: Any,
    ):
        super().__init__(**settings)
        self._parent_run_id = parent_run_id
        self._reporter = reporter
        self._kept = kept  # the study is stored: a continued search reruns a trial stopped by an error
        self._trial_run_id: str | None = None  # its MLflow run, also when the fit fails

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
        :class:`_UnusableCheckpointError`."""
        from ssm_ts.errors import CheckpointError

        try:
            ckpt_path, run_id = super()._resume_point(out_dir)
        except CheckpointError as error:
            raise _UnusableCheckpointError(str(find_own_checkpoint(out_dir)), str(error)) from error
        if run_id is not None and self.settings["log_to_mlflow"] and not _run_exists(self.settings, run_id):
            run_id = None
        return ckpt_path, run_id

    def _check_resume(self, ckpt_path: str, task: Any, datamodule: Any, use: Any) -> None:
        try:
            super()._check_resume(ckpt_path, task, datamodule, use)
        except SSMTSError as error:  # other settings or data, a checkpoint torch cannot read
            raise _UnusableCheckpointError(ckpt_path, str(error)) from error

    def _make_logger(self, run_id: str | None = None):
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
class _Interrupted:
    """An interrupted trial whose rerun may resume it: its ``number``, the ``folder`` it trained in,
    the ``checkpoint`` there and its reported ``values`` (``val_loss`` by epoch)."""

    number: int
    folder: Path
    checkpoint: Path
    values: dict[int, float]


def _interrupted_checkpoint(study: optuna.Study, trial: optuna.Trial) -> _Interrupted | None:
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
            return _Interrupted(number, Path(folder), checkpoint, dict(interrupted.intermediate_values))
        # a rerun stopped before its first checkpoint (its fit from scratch failed at once): the one it reran
        number = interrupted.user_attrs.get(tune_study.RETRY_KEY)
    return None


def _as_forecaster(trial_fit: _TrialForecaster, settings: dict[str, Any]) -> Forecaster:
    """A plain :class:`Forecaster` with ``settings`` holding ``trial_fit``'s fitted state."""
    forecaster = Forecaster(**settings)
    state = {k: v for k, v in vars(trial_fit).items() if k not in ("settings", "_parent_run_id", "_reporter",
                                                                   "_trial_run_id", "_kept")}  # fmt: skip
    vars(forecaster).update(state)
    return forecaster


def _check_fixed(fixed: dict[str, Any], space: Mapping[str, Any]) -> None:
    names = _settings_names()
    for key in fixed:
        if key not in names:
            raise ConfigError(
                f"tune_forecaster got an unknown setting {key!r}; {_did_you_mean(key, names)}"
                f"Forecaster settings: {', '.join(names)}; fit's data arguments: time_col, target, "
                "past_covariates, future_covariates, freq, fill, read_options."
            )
    both = [name for name in space if name in fixed]
    if both:
        raise ConfigError(
            f"{', '.join(map(repr, both))} is both a fixed setting and searched; drop it from one of them."
        )


def _check_searched_values(fixed: dict[str, Any], params: list[_Param]) -> None:
    """A :class:`ConfigError` naming the searched value (each choice, each end of a range; the other names
    at their first value) that Forecaster's own checks refuse (``lr`` 1e38), before any trial: it would
    stop the search at the trial that drew it."""
    first = {p.name: _first(p) for p in params}
    for param in params:
        for value in param.choices if param.choices is not None else (param.low, param.high):
            try:
                Forecaster(**_trial_settings(fixed, {**first, param.name: value}))
            except ConfigError as error:
                raise ConfigError(
                    f"search space {param.name!r}: the value {value!r} is refused: {error}"
                ) from error


def _make_sampler(
    sampler: Any, params: list[_Param], seed: int
) -> tuple[optuna.samplers.BaseSampler, int | None]:
    """The Optuna sampler and, for a grid, its number of combinations."""
    import optuna

    if isinstance(sampler, optuna.samplers.BaseSampler):
        return sampler, None
    if sampler == "tpe":
        return optuna.samplers.TPESampler(seed=seed), None
    if sampler == "random":
        return optuna.samplers.RandomSampler(seed=seed), None
    if sampler == "grid":
        ranges = [p.name for p in params if p.choices is None]
        if ranges:
            raise ConfigError(
                f"sampler='grid' needs a list of choices for every name; {', '.join(ranges)} "
                "is a range: list its values (e.g. [1e-4, 1e-3, 1e-2]) or use sampler='tpe'."
            )
        grid = {p.name: list(p._stored_choices()) for p in params}
        return optuna.samplers.GridSampler(grid, seed=seed), math.prod(len(v) for v in grid.values())
    raise ConfigError(f"sampler={sampler!r}: use 'tpe' (the default), 'random', 'grid' or an optuna sampler.")


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
    **settings: Any,
) -> TuningResult:
    """Search Forecaster settings on ``data``, choosing by validation loss; return the best fitted model.

    Args:
        data: a CSV path or DataFrame, read with the fit arguments ``time_col``, ``target``, ``fill``, ...
            (as :meth:`Forecaster.fit`).
        space: setting name -> what to search. A **list** is categorical choices (``[32, 64]``); a
            **tuple** ``(low, high)`` is a range (integers if both bounds are, ``lr``/``weight_decay``
            on a log scale); a dict ``{"low": ..., "high": ..., "log": ..., "step": ...}`` or
            ``{"choices": [...]}``, or an Optuna distribution, says it exactly. Names are Forecaster
            settings (``lr``, ``lookback``, ``model``, ...), ``model_options.<option>`` or
            ``trainer_options.<Trainer argument>``.
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
    finished. An error that is not the trial's settings' (a full disk or a tracking server failing, during
    or after training; a bug) leaves the trial interrupted, as Ctrl-C does: a continued search runs it
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
    import optuna

    from ssm_ts.api import tune_study

    if n_trials is not None and (isinstance(n_trials, bool) or not isinstance(n_trials, int) or n_trials < 1):
        raise ConfigError(f"n_trials must be a whole number >= 1, got {n_trials!r}.")
    if timeout is not None and not (isinstance(timeout, (int, float)) and timeout > 0):
        raise ConfigError(f"timeout must be a positive number of seconds, got {timeout!r}.")
    if study_name is not None and (not isinstance(study_name, str) or not study_name.strip()):
        raise ConfigError(f"study_name must be a non-empty name, got {study_name!r}.")
    _check_fixed(settings, space if isinstance(space, Mapping) else {})
    defaults = {k: p.default for k, p in inspect.signature(Forecaster.__init__).parameters.items()
                if p.default is not inspect.Parameter.empty}  # fmt: skip
    fixed = {**defaults, **settings}
    params = parse_space(space, fixed["model"])
    optuna_sampler, grid_size = _make_sampler(sampler, params, fixed["seed"])
    n_trials = n_trials or grid_size or DEFAULT_TPE_TRIALS
    # a bad fixed setting is refused here, before any fit; so is a searched value Forecaster refuses
    probe = Forecaster(**_trial_settings(fixed, {p.name: _first(p) for p in params}))
    _check_searched_values(fixed, params)
    if storage is not None or fixed["log_to_mlflow"]:  # each trial's model is saved: after training
        probe._json_settings()  # a setting it cannot hold is refused here, not after a trial trained
    fit_args = dict(time_col=time_col, target=target, past_covariates=past_covariates,
                    future_covariates=future_covariates, freq=freq, fill=fill, read_options=read_options)  # fmt: skip

    # a data problem is refused before the study is stored or any run starts; a continued study
    # compares its data's fingerprint (trials of other data would be chosen from)
    searched = _data_fingerprint(_read_data(data, fit_args))
    if isinstance(prune, optuna.pruners.BasePruner):
        pruner = prune
    else:
        pruner = optuna.pruners.MedianPruner(n_startup_trials=3) if prune else optuna.pruners.NopPruner()
    with _QuietOptuna():
        study = tune_study.open_study(storage, study_name, optuna_sampler, pruner,
                                      [p.record() for p in params], _search_record(fixed, fit_args),
                                      searched)  # fmt: skip
    study_kept = storage is not None
    # this study's own folder in out_dir: studies sharing it never write over each other's trial models;
    # one holding another stored study's is refused here, before any trial or run
    folder = tune_study.study_folder(fixed["out_dir"], study_name)
    if study_kept:
        tune_study.study_uid(study)
    tune_study.check_folder_is_free(folder, study, storage)
    earlier = len(study.trials)
    left_running = tune_study.fail_left_running(study) if earlier else []
    if earlier:
        tune_study.queue_interrupted(study)
        # seeded as the first run's, TPE or random would draw that run's first settings again; not the grid:
        # its trials name their point by an index into its order, which its seed shuffles
        if sampler in ("tpe", "random"):
            study.sampler, _ = _make_sampler(sampler, params, fixed["seed"] + earlier)
    done = tune_study.counted(study)
    remaining = max(0, n_trials - done) if grid_size is None else max(0, min(n_trials, grid_size) - done)
    parent = _ParentRun.open(fixed, space, n_trials, sampler, study) if fixed["log_to_mlflow"] else None
    if parent is not None:
        for trial in left_running:
            parent.end_child(trial.user_attrs.get("run_id"), trial.number)
    trials_csv = folder / "trials.csv" if folder is not None else None
    fits: dict[int, tuple[_TrialForecaster, dict[str, Any]]] = {}

    def run_trial(trial: optuna.Trial) -> float:
        values = {p.name: p.suggest(trial) for p in params}
        trial_settings = _trial_settings(fixed, values)
        trial.set_user_attr("values", {k: _plain(v) for k, v in values.items()})
        own_dir = str(folder / f"trial-{trial.number}") if folder is not None else None
        # a rerun of an interrupted trial continues its last.ckpt, in its folder (its best checkpoint so far
        # stays the one to beat); the user's trainer_options callbacks are copied by each fit
        earlier = _interrupted_checkpoint(study, trial)
        fit = None
        try:
            if earlier is not None:
                fit, reporter = new_fit(trial, trial_settings, str(earlier.folder), earlier.values)
                try:
                    resume(fit, reporter, earlier)
                except _UnusableCheckpointError as unusable:
                    warnings.warn(
                        f"trial {trial.number} reruns interrupted trial {earlier.number}, whose checkpoint "
                        f"{unusable.path} cannot be resumed ({unusable.reason}); fitting the trial from scratch"
                        f"{f' in {own_dir}' if own_dir else ''}.",
                        stacklevel=2,
                    )
                    earlier = None
            if earlier is None:
                fit, reporter = new_fit(trial, trial_settings, own_dir)
                fit.fit(data, **fit_args)
        except TrainingError as error:
            if _after_training(error):  # a full disk, a tracking server: every trial would fail so
                raise
            # these settings diverged (the loss became NaN or inf): a FAIL trial, and the search goes on
            fail_trial(trial, fit, error)
            raise _TrialSettingsError(str(error)) from error
        except SSMTSError as error:  # the user's data or settings: the same kind of error, naming the trial
            raise type(error)(f"the search stopped at trial {trial.number} ({values}): {error}") from error
        except RuntimeError as error:
            failure = _torch_trial_failure(error)
            if failure is None:  # another error (a bug) would fail every trial: it stops the search
                raise
            fail_trial(trial, fit, failure)  # torch could not compute with these settings: as a NaN loss
            raise failure from error
        loss = float(fit.metrics_["val_loss"])
        trial.set_user_attr("run_id", fit.run_id_)
        if earlier is not None:
            record_resume(trial, fit, earlier, reporter.start_epoch)
        fits[trial.number] = (fit, trial_settings)
        state = "PRUNED" if reporter.pruned else "COMPLETE"
        if study_kept and not reporter.pruned:  # a continued search may choose it: its model outlives us
            export = _kept_export(fit)
            tune_study.write_trial_record(export, study, trial, trial.user_attrs["values"], storage)
            trial.set_user_attr("export", str(export))
        if parent is not None:
            parent.record_trial(fit.run_id_, trial.number, state, loss)
        if reporter.pruned:
            raise optuna.TrialPruned(f"val_loss {loss:.4g} after epoch {reporter.epoch}")
        return loss

    def resume(fit: _TrialForecaster, reporter: _ReportValidationLoss, earlier: _Interrupted) -> None:
        """Fit ``fit`` from ``earlier``'s checkpoint; :class:`_UnusableCheckpointError` when it cannot be: refused
        before training (corrupt, other settings), or failing before its first epoch (Lightning could not
        restore it: weights of another layout; rerun, it would stop every continued search; an error of
        another cause comes again in the fit from scratch)."""
        try:
            fit.fit(data, resume=True, **fit_args)
        except (_UnusableCheckpointError, SSMTSError):  # an ssm-ts check names its own cause
            raise
        except Exception as error:
            if reporter.start_epoch is not None:  # it trained: not the checkpoint's fault
                raise
            raise _UnusableCheckpointError(
                str(earlier.checkpoint), f"{type(error).__name__}: {error}"
            ) from error

    def new_fit(
        trial: optuna.Trial, trial_settings: dict[str, Any], out_dir: str | None,
        earlier_values: Mapping[int, float] | None = None,
    ) -> tuple[_TrialForecaster, _ReportValidationLoss]:  # fmt: skip
        reporter = _ReportValidationLoss(trial, earlier_values)
        fit = _TrialForecaster(parent_run_id=parent and parent.run_id, reporter=reporter, kept=study_kept,
                               **{**trial_settings, "out_dir": out_dir})  # fmt: skip
        return fit, reporter

    def record_resume(
        trial: optuna.Trial, fit: _TrialForecaster, earlier: _Interrupted, start_epoch: int | None
    ) -> None:
        """Say in the trial (and its MLflow run) that it continued ``earlier``'s checkpoint at ``start_epoch``."""
        trial.set_user_attr(RESUMED_KEY, {"trial": earlier.number, "checkpoint": str(earlier.checkpoint),
                                          "epoch": start_epoch})  # fmt: skip
        if parent is not None and fit.run_id_ is not None:
            parent.client.set_tag(fit.run_id_, "tune.resumed_from_trial", str(earlier.number))
            parent.client.set_tag(fit.run_id_, "tune.resumed_at_epoch", str(start_epoch))

    def fail_trial(trial: optuna.Trial, fit: _TrialForecaster | None, error: TrainingError) -> None:
        """Record why ``trial`` fails (Optuna marks it FAIL when ``error`` is raised from it)."""
        trial.set_user_attr("error", str(error))
        run_id = fit._trial_run_id if fit is not None else None
        trial.set_user_attr("run_id", run_id)
        if parent is not None:  # Lightning marked the child run FAILED
            parent.record_trial(run_id, trial.number, "FAIL", None)

    def objective(trial: optuna.Trial) -> float:
        try:
            return run_trial(trial)
        except KeyboardInterrupt:  # Optuna marks the trial FAIL and raises it again
            trial.set_user_attr("error", tune_study.INTERRUPTED_BY_CTRL_C)
            stopped(trial)
            raise
        except (_TrialSettingsError, optuna.TrialPruned):  # its settings: recorded, and the search goes on
            raise
        except SSMTSError as error:
            trial.set_user_attr("error", str(error))
            # a failure after training (a full disk) runs again; one of its settings or the data would repeat
            if isinstance(error, TrainingError) and _after_training(error):
                stopped(trial)
            raise
        except Exception as error:  # a full disk, the tracking server, a bug: not these settings' fault
            trial.set_user_attr("error", f"stopped the search ({type(error).__name__}: {error})")
            stopped(trial)
            raise

    def stopped(trial: optuna.Trial) -> None:
        """``trial`` stopped before it finished, by no fault of its settings: a continued search reruns it
        (from its checkpoint) and it does not count toward n_trials; its MLflow run says FAIL."""
        trial.set_user_attr(tune_study.INTERRUPTED_KEY, True)
        if parent is not None:
            parent.end_child(trial.user_attrs.get("run_id"), trial.number)

    def write_trials(study: optuna.Study, _trial: Any = None) -> pd.DataFrame:
        trials = _trials_frame(study, params)
        if trials_csv is not None and len(trials):  # a search stopped before any trial leaves no file
            from ssm_ts.atomic import atomic_path

            with atomic_path(trials_csv) as tmp:
                trials.to_csv(tmp, index=False)
        return trials

    try:
        if remaining:
            with _QuietOptuna():
                study.optimize(objective, n_trials=remaining, timeout=timeout, catch=(_TrialSettingsError,),
                               callbacks=[write_trials])  # fmt: skip
        if not any(t.state == optuna.trial.TrialState.COMPLETE for t in study.trials):
            _raise_if_all_failed(study)
            raise ConfigError(
                f"no trial completed in {len(study.trials)} (timeout {timeout} s): give a longer timeout, "
                "or prune=False."
            )
        best_trial = study.best_trial
        best_settings = _trial_settings(fixed, {p.name: p.value(best_trial.params[p.name]) for p in params})
        if best_trial.number in fits:
            best = _as_forecaster(fits[best_trial.number][0], best_settings)
        else:  # chosen from an earlier run of a continued search
            best = _load_trial_model(study, best_trial, best_settings)
        best.metrics_.update(_test_metrics(best, data, fit_args))
        best_params = dict(best_trial.user_attrs["values"])
        trials = write_trials(study)
        if parent is not None:
            parent.finish(best_params, best_trial.value, best, trials)
    except BaseException as error:
        # the finished trials are kept (trials.csv, the search's run) whatever stopped the search
        status = "KILLED" if isinstance(error, KeyboardInterrupt) else "FAILED"
        try:
            trials = write_trials(study)
        except Exception:  # noqa: BLE001 (the error that stopped the search is the one to report)
            trials = None
        if parent is not None:
            parent.end(trials, status)
        raise
    return TuningResult(
        best, best_params, float(best_trial.value), trials, study, parent and parent.run_id, earlier
    )


def _read_data(data: TableSource, fit_args: dict[str, Any]) -> ForecastDataModule | None:
    """Read ``data`` as the trials will (a missing file, a missing column or a gap is its error here);
    return the data module that read it (``None`` for anything but a path or a DataFrame: the first
    trial's fit names what data may be)."""
    if isinstance(data, pd.DataFrame):
        module = ForecastDataModule.from_frame(data, **fit_args)
    elif isinstance(data, (str, os.PathLike)):
        module = ForecastDataModule(path=os.fspath(data), **fit_args)  # a data set's name: its file
    else:
        return None
    module.frame  # noqa: B018 (reading is the check)
    return module


def _data_fingerprint(module: ForecastDataModule | None) -> dict[str, Any]:
    """The searched data's content fingerprint, as a resumed fit's checkpoint keeps it:
    ``{"data.path": {"path", "sha256"}}`` or ``{"data.frame": {...}}`` (``{}``: none)."""
    from ssm_ts.tracking.resume_settings import datamodule_fingerprints

    return _plain(datamodule_fingerprints(module)) if module is not None else {}


def _search_record(fixed: dict[str, Any], fit_args: dict[str, Any]) -> dict[str, Any]:
    """The fixed settings a continued search must share with the study's first run (plain JSON values):
    all but where results go, where the computation runs and the calibration budget; the data's
    reading arguments as ``data.<name>``; callbacks by their class."""
    record = {k: v for k, v in fixed.items() if k not in FREE_ON_RESUME}
    options = dict(record.get("trainer_options") or {})
    if "callbacks" in options:  # objects: their class says what they do
        given = options["callbacks"]
        given = given if isinstance(given, (list, tuple)) else [given]
        # (a callback given described, as LightningCLI takes it: the class its class_path names)
        options["callbacks"] = [
            c["class_path"].rsplit(".", 1)[-1] if isinstance(c, Mapping) else type(c).__qualname__
            for c in given
        ]
    record["trainer_options"] = options or None
    record.update({f"data.{k}": v for k, v in fit_args.items()})
    return _plain(record)


def _kept_export(fit: Forecaster) -> Path:
    """The trial's export (its fit folder's ``export``: the fit published it there when it logged one,
    else it is saved here, over any other model a search before left there): what a continued search
    loads when it chooses this trial (callbacks in ``trainer_options`` are saved described,
    :mod:`ssm_ts.api.trainer_objects`)."""
    export = Path(fit.out_dir_) / "export"
    if fit.run_id_ is None or not export.is_dir():
        fit.save(export)
    return export.absolute()


def _load_trial_model(
    study: optuna.Study, trial: optuna.trial.FrozenTrial, settings: dict[str, Any]
) -> Forecaster:
    """A :class:`Forecaster` with ``settings`` and the fitted model of ``trial``, an earlier run's trial,
    loaded from its export once that is checked to be the trial's: its record names this study and trial
    (:func:`~ssm_ts.api.tune_study.check_trial_export`), and its saved settings are ``settings``."""
    from ssm_ts.api import tune_study

    export = trial.user_attrs.get("export")
    if not export or not Path(export).is_dir():
        where = f"at {export}, which is gone" if export else "(that run kept no model: no storage then)"
        raise TrainingError(
            f"the best trial, {trial.number} ({trial.user_attrs.get('values')}, val_loss {trial.value:.6g}), was "
            f"fitted by an earlier run of this search and its model is not there {where}. Restore the folder, "
            "or fit Forecaster(**settings) with those settings, or start a new search (a new study_name)."
        )
    tune_study.check_trial_export(Path(export), study, trial)
    loaded = Forecaster.load(export)
    best = Forecaster(**settings)
    differ = _settings_differ(best.settings, loaded.settings)
    if differ:  # an export from before the record, another search's (or one with a record edited)
        raise tune_study.not_its_model(Path(export), trial, f"it was saved with {differ}")
    for name in ("task_", "spec_", "history_", "future_", "conformal_", "metrics_"):
        setattr(best, name, getattr(loaded, name))
    best.run_id_ = trial.user_attrs.get("run_id")
    best.out_dir_ = Path(export).parent
    return best


def _settings_differ(wanted: Mapping[str, Any], saved: Mapping[str, Any]) -> str:
    """The settings that change a model (all but where results go, ``accelerator``, the calibration
    budget and ``trainer_options``, saved described) on which ``saved`` differs from ``wanted``, as
    ``"lr 0.03, not 0.001"`` (``""``: none)."""
    keys = [k for k in wanted if k not in FREE_ON_RESUME and k != "trainer_options"]
    return "; ".join(
        f"{key} {json.dumps(_plain(saved.get(key)))}, not {json.dumps(_plain(wanted[key]))}"
        for key in keys
        if _plain(saved.get(key)) != _plain(wanted[key])
    )


def _raise_if_all_failed(study: optuna.Study) -> None:
    """A :class:`TrainingError` naming each trial's settings and why it failed, when no trial completed
    and some failed (their training loss became NaN or inf)."""
    import optuna

    from ssm_ts.api.tune_study import RETRY_KEY

    rerun = {t.user_attrs.get(RETRY_KEY) for t in study.trials}  # interrupted trials whose settings ran again
    failed = [t for t in study.trials if t.state == optuna.trial.TrialState.FAIL and t.number not in rerun]
    if not failed:
        return
    reasons = "; ".join(
        f"trial {t.number} {t.user_attrs.get('values', t.params)}: {t.user_attrs.get('error', 'failed').rstrip('.')}"
        for t in failed[:5]
    )
    more = f" (and {len(failed) - 5} more)" if len(failed) > 5 else ""
    run = len(study.trials) - len(rerun - {None})  # an interrupted trial and its rerun: one trial
    raise TrainingError(
        f"every trial of the search failed, none completed ({len(failed)} of {run} failed{more}): "
        f"{reasons}. Search a range where training stays finite (e.g. a lower lr), or set "
        "trainer_options={'gradient_clip_val': 1.0}."
    )


def _torch_trial_failure(error: RuntimeError) -> _TrialSettingsError | None:
    """A :class:`TrainingError` saying why torch could not train with a trial's settings, when ``error``
    is one a value of those settings alone causes: a number too large for float32
    (``trainer_options.gradient_clip_val`` 1e39: "value cannot be converted to type float without
    overflow"), or memory a larger model or batch needs. ``None`` for any other error (a bug, a
    shape that does not fit), which would fail every trial and so stops the search."""
    import torch

    message = f"{type(error).__name__}: {error}".strip()
    if isinstance(error, torch.OutOfMemoryError) or "can't allocate memory" in str(error):
        return _TrialSettingsError(
            f"torch ran out of memory training with these settings ({message}); search smaller models "
            "(model_options) or batch_size."
        )
    if "overflow" in str(error):
        return _TrialSettingsError(
            f"torch could not train with these settings ({message}): a value among them is too large "
            "for float32; search a range of smaller values."
        )
    return None


def _first(param: _Param) -> Any:
    return param.choices[0] if param.choices is not None else param.low


def _plain(value: Any) -> Any:
    """A value as JSON keeps it (tuples as lists), for the trials frame and MLflow."""
    return json.loads(json.dumps(value, default=str))


def _without_training_traceback(record: logging.LogRecord) -> bool:
    """Optuna's warning for a failed trial, without the traceback when it failed by a
    :class:`TrainingError` (a NaN loss) or Ctrl-C: its one line says the trial, its settings and why."""
    if record.exc_info and isinstance(record.exc_info[1], (TrainingError, KeyboardInterrupt)):
        record.exc_info = None
    return True


class _QuietOptuna:
    """Optuna logs a line per trial at INFO; the trials frame and MLflow hold the same. A trial that
    failed by a TrainingError is one warning line, not a traceback through Lightning."""

    def __enter__(self):
        import optuna

        self.level = optuna.logging.get_verbosity()
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        logging.getLogger("optuna.study._optimize").addFilter(_without_training_traceback)

    def __exit__(self, *exc):
        import optuna

        logging.getLogger("optuna.study._optimize").removeFilter(_without_training_traceback)
        optuna.logging.set_verbosity(self.level)


def _test_metrics(best: Forecaster, data: TableSource, fit_args: dict[str, Any]) -> dict[str, float]:
    """The chosen model's ``test_*`` metrics, on the same split a plain fit would test (none when the
    split has no test rows)."""
    from ssm_ts.api.trainer_objects import fit_trainer_options
    from ssm_ts.training import build_trainer

    s = best.settings
    data_settings = dict(**fit_args, lookback=s["lookback"], horizon=s["horizon"], split=s["split"],
                         fractions=s["fractions"], boundaries=s["boundaries"], batch_size=s["batch_size"],
                         shuffle_seed=s["seed"])  # fmt: skip
    if isinstance(data, pd.DataFrame):
        datamodule = ForecastDataModule.from_frame(data, **data_settings)
    else:
        datamodule = ForecastDataModule(path=str(data), **data_settings)
    datamodule.setup("test")
    if datamodule.bounds.test_end <= datamodule.bounds.val_end:
        return {}
    # a profiler or plugin given described (class_path/init_args) built, as for the fits
    kept = {k: v for k, v in (s["trainer_options"] or {}).items() if k != "callbacks"}
    options = fit_trainer_options(kept, "Forecaster")
    trainer = build_trainer(max_epochs=1, out_dir=best.out_dir_, accelerator=s["accelerator"], **options)
    (metrics,) = trainer.test(best.task_, datamodule=datamodule, verbose=False)
    best.task_.cpu().eval()
    metrics = {k: float(v) for k, v in metrics.items()}
    if best.run_id_ is not None:
        from ssm_ts.tracking.logger import make_mlflow_logger

        logger = make_mlflow_logger(s["experiment"], tracking_uri=s["tracking_uri"], run_id=best.run_id_)
        for key, value in metrics.items():
            logger.experiment.log_metric(best.run_id_, key, value)
    return metrics


def _trials_frame(study: optuna.Study, params: list[_Param]) -> pd.DataFrame:
    rows = []
    for t in study.trials:
        if not t.state.is_finished():  # queued to run again (an interrupted trial's settings)
            continue
        values = t.user_attrs.get("values") or {
            p.name: p.value(v) for p, v in zip(params, t.params.values(), strict=False)
        }
        duration = t.duration.total_seconds() if t.duration is not None else float("nan")
        val_loss = t.value if t.value is not None else (t.intermediate_values or {}).get(t.last_step)
        rows.append({"trial": t.number, "state": t.state.name, "val_loss": val_loss, "duration_s": duration,
                     "run_id": t.user_attrs.get("run_id"), **values})  # fmt: skip
        if any("error" in s.user_attrs for s in study.trials):  # why a trial failed, when one did
            rows[-1]["error"] = t.user_attrs.get("error")
        if any(RESUMED_KEY in s.user_attrs for s in study.trials):  # a rerun that continued a checkpoint
            resumed = t.user_attrs.get(RESUMED_KEY) or {}
            rows[-1]["resumed_from_trial"] = resumed.get("trial")
            rows[-1]["resumed_at_epoch"] = resumed.get("epoch")
    frame = pd.DataFrame(rows)
    for column in ("resumed_from_trial", "resumed_at_epoch"):  # whole numbers, blank for other trials
        if column in frame:
            frame[column] = frame[column].astype("Int64")
    return frame


@dataclasses.dataclass
class _ParentRun:
    """The MLflow run of the whole search; trials are its nested children. A continued search continues
    it (its id is kept with the study), as a resumed fit continues its run."""

    client: Any
    run_id: str
    resumes: int = 0  # how many times a continued search reopened it

    @classmethod
    def open(
        cls, fixed: dict[str, Any], space: Mapping[str, Any], n_trials: int, sampler: Any, study: optuna.Study
    ) -> _ParentRun:
        """The study's run when the tracking store still has it (RUNNING again), else a new one."""
        from ssm_ts.api.tune_study import RUN_KEY

        parent = cls._reopen(fixed, study.user_attrs.get(RUN_KEY)) or cls._start(fixed)
        study.set_user_attr(RUN_KEY, parent.run_id)
        params = {f"space.{k}": repr(v)[:500] for k, v in space.items()}
        params.update({"tune.n_trials": n_trials, "tune.sampler": str(sampler), "tune.model": fixed["model"]})
        parent.log_params(params)
        parent.client.set_tag(parent.run_id, "optuna.study_name", study.study_name)
        return parent

    @classmethod
    def _start(cls, fixed: dict[str, Any]) -> _ParentRun:
        from ssm_ts.tracking.logger import make_mlflow_logger

        run_name = f"{fixed['run_name']}-tune" if fixed["run_name"] else None
        logger = make_mlflow_logger(fixed["experiment"], tracking_uri=fixed["tracking_uri"], run_name=run_name,
                                    tags={"ssm_ts.kind": "tune"})  # fmt: skip
        return cls(logger.experiment, logger.run_id)

    @classmethod
    def _reopen(cls, fixed: dict[str, Any], run_id: str | None) -> _ParentRun | None:
        if not run_id:
            return None
        import mlflow

        from ssm_ts.tracking.logger import default_tracking_uri
        from ssm_ts.tracking.preflight import check_tracking_uri

        uri = fixed["tracking_uri"] or default_tracking_uri()
        check_tracking_uri(uri)
        client = mlflow.MlflowClient(uri)
        try:
            run = client.get_run(run_id)
        except mlflow.exceptions.MlflowException:  # another store, or deleted for good: a new run
            return None
        if run.info.lifecycle_stage != "active":
            return None
        resumes = int(run.data.tags.get("tune.resumes", 0)) + 1
        client.update_run(run_id, status="RUNNING")
        client.set_tag(run_id, "tune.resumes", str(resumes))
        return cls(client, run_id, resumes)

    def log_params(self, params: Mapping[str, Any]) -> None:
        """Log ``params``; on a reopened run, one it holds with another value (MLflow keeps one value
        per parameter) becomes a tag ``resumed.<n>.<name>``, as a resumed fit's changed settings do."""
        logged = self.client.get_run(self.run_id).data.params if self.resumes else {}
        for key, value in params.items():
            if key not in logged:
                self.client.log_param(self.run_id, key, value)
            elif logged[key] != str(value):
                self.client.set_tag(self.run_id, f"resumed.{self.resumes}.{key}", str(value))

    def record_trial(self, run_id: str | None, number: int, state: str, loss: float | None) -> None:
        """Tag a trial's child run; ``loss`` ``None``: a failed trial, which has none."""
        if run_id is None:
            return
        self.client.set_tag(run_id, "optuna.trial", str(number))
        self.client.set_tag(run_id, "optuna.state", state)
        if loss is not None:
            self.client.log_metric(run_id, "best_val_loss", loss)

    def end_child(self, run_id: str | None, number: int) -> None:
        """An interrupted trial's child run: tagged FAIL, and KILLED if it is still RUNNING (best effort:
        this runs while the search stops)."""
        if run_id is None:
            return
        try:
            self.record_trial(run_id, number, "FAIL", None)
            if self.client.get_run(run_id).info.status == "RUNNING":
                self.client.set_terminated(run_id, "KILLED")
        except Exception:  # noqa: BLE001 (the store may be what failed)
            logging.getLogger(__name__).warning("could not mark MLflow run %s KILLED", run_id)

    def finish(
        self, best_params: dict[str, Any], loss: float, best: Forecaster, trials: pd.DataFrame
    ) -> None:
        self.log_params({f"best.{key}": json.dumps(value) for key, value in best_params.items()})
        self.client.log_metric(self.run_id, "best_val_loss", loss)
        for key, value in best.metrics_.items():
            if key.startswith("test_"):
                self.client.log_metric(self.run_id, f"best_{key}", value)
        self.client.set_tag(self.run_id, "best_trial_run_id", str(best.run_id_))
        self.client.log_text(self.run_id, trials.to_csv(index=False), "trials.csv")
        self.client.set_terminated(self.run_id, "FINISHED")

    def end(self, trials: pd.DataFrame | None, status: str) -> None:
        """The search stopped (``status`` KILLED by Ctrl-C, or FAILED): its trials so far as ``trials.csv``,
        then the status; best effort, the error that stopped the search is the one to report."""
        try:
            if trials is not None and len(trials):
                self.client.log_text(self.run_id, trials.to_csv(index=False), "trials.csv")
            self.client.set_terminated(self.run_id, status)
        except Exception:  # noqa: BLE001 (the store may be what failed)
            logging.getLogger(__name__).warning(
                "could not mark the search's MLflow run %s %s", self.run_id, status
            )


__all__ = ["TuningResult", "parse_space", "tune_forecaster"]
