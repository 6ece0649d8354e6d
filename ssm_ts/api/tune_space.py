"""The search space of :func:`~ssm_ts.tune_forecaster` and the checks of its settings, before any trial.

A space maps setting names to what each searches (a list of choices, a ``(low, high)`` range, a dict,
or an Optuna distribution): :func:`parse_space` checks the names against Forecaster's settings (and the
options of the searched models) and parses each entry as a :class:`Param`; :func:`check_fixed` and
:func:`check_searched_values` refuse fixed settings and searched values Forecaster would refuse;
:func:`make_sampler` builds the Optuna sampler that draws from the space.
"""

from __future__ import annotations

import dataclasses
import difflib
import inspect
import json
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ssm_ts.api.forecaster import Forecaster
from ssm_ts.errors import ConfigError

if TYPE_CHECKING:
    import optuna

# ranges of these settings are sampled on a log scale: their useful values span decades
LOG_SCALE_NAMES = frozenset({"lr", "learning_rate", "weight_decay"})
# Forecaster settings that choose where results go, not the model: never searched
NOT_SEARCHABLE = frozenset(
    {"experiment", "tracking_uri", "run_name", "register_as", "log_to_mlflow", "out_dir"}
)
# settings that change what a trial's val_loss measures (its loss function, the forecast steps or the
# validation rows it averages over): trials that differ in them would be ranked by incomparable numbers
NOT_COMPARABLE = {
    "loss": "the validation loss itself (MSE or MAE)",
    "quantiles": "the validation loss itself (MSE, or the pinball loss over those levels)",
    "horizon": "the forecast steps the validation loss averages over (later steps are harder)",
    "split": "the rows the validation loss is scored on",
    "fractions": "the rows the validation loss is scored on",
    "boundaries": "the rows the validation loss is scored on",
    "trainer_options.limit_val_batches": "the validation windows the validation loss is scored on",
}
_PRIMITIVE = (type(None), bool, int, float, str)


@dataclasses.dataclass(frozen=True)
class Param:
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
        return plain(dataclasses.asdict(self))


def _settings_names() -> list[str]:
    return [n for n in inspect.signature(Forecaster.__init__).parameters if n != "self"]


def _did_you_mean(name: str, valid: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, valid, n=1)
    return f"did you mean {close[0]!r}? " if close else ""


def _darts_name(name: str) -> str:
    """For darts' name of a setting (``input_chunk_length``): what it is here (``lookback=...``)."""
    from ssm_ts.api.forecast_ported_args import PORTED_ARGUMENTS

    hint = PORTED_ARGUMENTS["__init__"].get(name)
    return f"darts' {name} here: {hint.replace('=...', '')}; " if hint else ""


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
    if name in NOT_COMPARABLE:
        raise ConfigError(
            f"search space name {name!r}: trials are ranked by their val_loss, and {name} changes "
            f"{NOT_COMPARABLE[name]}, so trials with other values would be compared by numbers that do not "
            f"measure the same thing. Give it as a fixed setting (tune_forecaster(..., {head}=...)); to "
            "compare its values, run a search for each and score the best models alike (e.g. "
            "ssm_ts.evaluate on a backtest of the same horizon)."
        )
    if head in NOT_SEARCHABLE:
        raise ConfigError(
            f"search space name {name!r}: {head} chooses where results go, not the model; "
            f"give it as a fixed setting (tune_forecaster(..., {head}=...)) instead."
        )
    if head not in settings:
        raise ConfigError(
            f"search space name {name!r} is not a Forecaster setting; {_did_you_mean(head, settings)}"
            f"{_darts_name(head)}"
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


def _parse_entry(name: str, entry: Any) -> Param:
    """A list of choices, a ``(low, high)`` tuple, a ``{"low", "high", "log", "step"}`` or
    ``{"choices": [...]}`` dict, or an Optuna distribution, as a :class:`Param`."""
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
        return Param(name, choices=tuple(choices))
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
    return Param(name, low=low, high=high, log=log, step=step, integer=integer)


def parse_space(space: Mapping[str, Any], model: str) -> list[Param]:
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


def trial_settings(fixed: dict[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """Forecaster settings: ``fixed`` with the trial's ``values``, nested names merged into their dict."""
    settings = dict(fixed)
    for name, value in values.items():
        head, _, leaf = name.partition(".")
        if leaf:
            settings[head] = {**(settings.get(head) or {}), leaf: value}
        else:
            settings[head] = value
    return settings


def check_fixed(fixed: dict[str, Any], space: Mapping[str, Any]) -> None:
    """A :class:`ConfigError` for a fixed setting Forecaster does not have, or one also searched."""
    names = _settings_names()
    for key in fixed:
        if key not in names:
            raise ConfigError(
                f"tune_forecaster got an unknown setting {key!r}; {_did_you_mean(key, names)}"
                f"Forecaster settings: {', '.join(names)}; fit's data arguments: time_col, target, "
                "past_covariates, future_covariates, freq, fill, read_options, static_df."
            )
    both = [name for name in space if name in fixed]
    if both:
        raise ConfigError(
            f"{', '.join(map(repr, both))} is both a fixed setting and searched; drop it from one of them."
        )


def check_searched_values(fixed: dict[str, Any], params: list[Param]) -> None:
    """A :class:`ConfigError` naming the searched value (each choice, each end of a range; the other names
    at their first value) that Forecaster's own checks refuse (``lr`` 1e38), before any trial: it would
    stop the search at the trial that drew it."""
    first = {p.name: first_value(p) for p in params}
    for param in params:
        for value in param.choices if param.choices is not None else (param.low, param.high):
            try:
                Forecaster(**trial_settings(fixed, {**first, param.name: value}))
            except ConfigError as error:
                raise ConfigError(
                    f"search space {param.name!r}: the value {value!r} is refused: {error}"
                ) from error


def make_sampler(
    sampler: Any, params: list[Param], seed: int
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


def first_value(param: Param) -> Any:
    """The first value ``param`` searches: its first choice, or its range's low."""
    return param.choices[0] if param.choices is not None else param.low


def plain(value: Any) -> Any:
    """A value as JSON keeps it (tuples as lists), for the trials frame and MLflow."""
    return json.loads(json.dumps(value, default=str))
