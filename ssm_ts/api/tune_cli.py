"""``ssm-ts forecast tune``: :func:`ssm_ts.tune_forecaster` (an Optuna search chosen on validation) from a YAML.

    ssm-ts forecast tune --config forecast_co2_tune
    ssm-ts forecast tune --config forecast_co2_tune --n_trials 10 --data.path my.csv --data.target y

The config holds ``data`` (the CSV or a standard data set's name, and how to read it: the arguments
of :meth:`Forecaster.fit`), ``model`` (the fixed :class:`~ssm_ts.Forecaster` settings), ``space``
(setting name -> a list of choices, or a ``{low, high}`` range with optional ``log`` and ``step``),
``n_trials`` / ``timeout`` / ``sampler`` / ``prune``, and ``out`` / ``experiment`` / ``tracking_uri``.
It prints the trials and the best settings and writes into ``--out``: ``trials.csv``, ``export/`` (the
best model, as :meth:`Forecaster.save`; ``Forecaster.load`` reads it), ``forecast.csv`` and
``forecast.png`` (the best model's forecast after the data; with known-future covariates the data has no
rows of at the forecast steps, their rows come from ``--futr_path``, read as ``ssm-ts forecast predict
--futr_path`` reads it, else the forecast is skipped, with the commands that make it), and each
trial's checkpoints and model in ``trial-<n>/``. A search given ``--study_name NAME`` writes these into
``<out>/NAME/`` instead, so studies sharing ``--out`` (and its ``optuna.db``) keep their own. MLflow
gets the search's parent run with a nested run per trial.

The Optuna study is kept in ``--storage`` (default: the sqlite file ``<out>/optuna.db``), under
``--study_name``: the same command run again after Ctrl-C, a crash or a killed machine continues the
search; its finished trials count toward ``--n_trials`` (a finished search runs no more trials until
``--n_trials`` grows), and the interrupted trial runs again first, resuming its ``trial-<n>/``
``last.ckpt`` (``trials.csv``: ``resumed_from_trial``, ``resumed_at_epoch``). The continued study must
search the same: another space or fixed model setting is refused naming each difference, and so is
other data (the study keeps a sha256 fingerprint of the CSV it searched; the same file moved
continues): give a new ``--study_name`` or ``--out``. An earlier run's best trial is loaded from its
``trial-<n>/export`` only after its ``tune_trial.json`` and saved settings show it is that trial's
model; an ``--out`` whose trial folders hold another stored study's models (``--storage`` elsewhere,
the same study name) is refused before any trial.

Only jsonargparse is imported to parse the arguments, so ``--help`` answers without loading Lightning.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ssm_ts.errors import ConfigError
from ssm_ts.mapping_settings import require_mapping
from ssm_ts.shell_paths import expand_path_settings
from ssm_ts.tracking.run_names import default_experiment_name

if TYPE_CHECKING:
    import pandas as pd
    from jsonargparse import ArgumentParser

    from ssm_ts.api.tuning import TuningResult

PROG = "ssm-ts forecast tune"
# the arguments of Forecaster.fit that say how to read the data (data.<name> in the config)
FIT_DATA_ARGS = ("time_col", "target", "past_covariates", "future_covariates", "freq", "fill", "read_options")
# Forecaster settings the command sets itself, from its own options; a model.<name> would fight them
OWN_OPTIONS = {
    "experiment": "--experiment",
    "tracking_uri": "--tracking_uri",
    "run_name": "--run_name",
    "out_dir": "--out",
    "log_to_mlflow": "--tracking_uri (every search is logged)",
    "register_as": "ssm-ts forecast fit --register_as or mlflow.register_model on the best trial's run",
}
# settings whose values are dicts: the space may name their keys nested (model_options: {d_model: [...]})
NESTED_SETTINGS = ("model_options", "trainer_options")
_RANGE_KEYS = frozenset({"choices", "low", "high", "log", "step"})
STUDY_FILE = "optuna.db"  # the default storage, in --out
# a parse error's usage: jsonargparse's own lists all 21 options over 17 lines (--help lists them)
SHORT_USAGE = (
    f"usage: {PROG} [--config FILE] [--data.KEY VALUE] [--model.KEY VALUE] [--space.NAME VALUES]\n"
    "         [--n_trials N] [--sampler {tpe,random,grid}] [--out DIR] [--study_name NAME] [--help]"
)
SPACE_EXAMPLE = "--space '{lr: {low: 1e-4, high: 1e-2, log: true}, model_options.d_model: [16, 32]}'"
# options whose values are YAML mappings, and what one looks like
MAPPING_EXAMPLES = {
    "space": SPACE_EXAMPLE,
    "model": "--model '{lookback: 48, max_epochs: 5}' or --model.lookback 48",
    "data.read_options": "--data.read_options '{sep: \";\", dayfirst: true}'",
}


def build_parser() -> ArgumentParser:
    """The command's jsonargparse parser (a ``--config`` YAML, overridden by ``--key value`` options)."""
    from jsonargparse import ActionConfigFile

    parser = _short_error_parser_class()(
        prog=PROG,
        description=(
            "Search Forecaster settings with Optuna, choosing by validation loss (ssm_ts.tune_forecaster); "
            "write trials.csv, the best model's export/, forecast.csv and forecast.png into --out."
        ),
        default_meta=False,
        allow_abbrev=False,  # --n_trial is a typo, not --n_trials (as the fit/predict commands answer it)
    )
    parser.add_argument("--config", action=ActionConfigFile, help="a YAML file or a shipped config's name")
    parser.add_argument(
        "--data.path", type=str | None, default=None,
        help="the CSV, or a standard data set's name (ETTh1) read from the data home",
    )  # fmt: skip
    parser.add_argument(
        "--data.time_col", type=str | None, default=None, help="time column (default: inferred)"
    )
    parser.add_argument("--data.target", type=str | list[str] | None, default=None,
                        help="column(s) to forecast (default: every numeric column)")  # fmt: skip
    parser.add_argument("--data.past_covariates", type=list[str] | None, default=None)
    parser.add_argument("--data.future_covariates", type=list[str] | None, default=None)
    parser.add_argument(
        "--data.freq", type=int | str | None, default=None, help="pandas alias or integer step"
    )
    parser.add_argument("--data.fill", type=Literal["ffill", "interpolate"] | None, default=None,
                        help="fill missing rows (default: a missing row is an error naming it)")  # fmt: skip
    parser.add_argument("--data.read_options", type=dict | None,  # not dict[str, Any]: see ForecastDataModule
                        default=None,
                        help="pandas.read_csv settings, e.g. {sep: ';', dayfirst: true}")  # fmt: skip
    parser.add_argument("--data.static_path", type=str | None, default=None,
                        help="a long table's static features: a CSV of one row per series (unique_id and "
                        "numeric columns), as static_df")  # fmt: skip
    parser.add_argument(
        "--model", type=dict[str, Any], default={},
        help="fixed Forecaster settings (model, lookback, horizon, quantiles, max_epochs, batch_size, lr, "
        "model_options, trainer_options, seed, ...: see help(ssm_ts.Forecaster)); --model.lookback 48",
    )  # fmt: skip
    parser.add_argument(
        "--space", type=dict[str, Any], default={},
        help="setting name -> a list of choices ([16, 32]) or a range ({low: 1e-4, high: 1e-2}, optional "
        "log, step); names: Forecaster settings, model_options.<option>, trainer_options.<argument>",
    )  # fmt: skip
    parser.add_argument("--n_trials", type=int | None, default=None,
                        help="trials to run (default 20; a grid: every combination)")  # fmt: skip
    parser.add_argument("--timeout", type=float | None, default=None,
                        help="seconds after which no new trial starts")  # fmt: skip
    parser.add_argument("--sampler", type=Literal["tpe", "random", "grid"], default="tpe")
    parser.add_argument(
        "--prune", type=bool, default=True, help="stop unpromising trials early (median pruner)"
    )
    parser.add_argument("--out", type=str, default="outputs/forecast_tune", help="folder for the outputs")
    parser.add_argument(
        "--storage", type=str | None, default=None,
        help="Optuna storage URL of the study (default: sqlite:///<out>/optuna.db); the same command run "
        "again continues the search, its finished trials counting toward --n_trials",
    )  # fmt: skip
    parser.add_argument("--study_name", type=str | None, default=None,
                        help="the study's name in the storage (default forecast-tune); another name writes "
                        "its outputs and trials into <out>/<study_name>/")  # fmt: skip
    parser.add_argument(
        "--experiment",
        type=str,
        default=default_experiment_name("ssm-ts-forecast"),
        help="MLflow experiment (default: $MLFLOW_EXPERIMENT_NAME if set, else ssm-ts-forecast)",
    )
    parser.add_argument("--tracking_uri", type=str | None, default=None, help="MLflow URI (default sqlite)")
    parser.add_argument("--run_name", type=str | None, default=None, help="MLflow run name of the trials")
    parser.add_argument(
        "--futr_path", type=str | None, default=None,
        help="a CSV of the known-future covariates of the forecast steps after the data, for the best "
        "model's forecast.csv, as ssm-ts forecast predict --futr_path reads it (the layout of --data.path, "
        "read with its settings; its rows after the data's last observation replace any the data ends with)",
    )  # fmt: skip
    return parser


def _short_error_parser_class() -> type[ArgumentParser]:
    """jsonargparse's parser whose errors fit on a screen, as the other commands' do
    (:func:`~ssm_ts.short_parse_errors.short_parse_error`): its own print the 17-line usage above the
    one line that says what is wrong."""
    from jsonargparse import ArgumentParser

    from ssm_ts.short_parse_errors import short_parse_error

    class TuneArgumentParser(ArgumentParser):
        def error(self, message: str, ex: Exception | None = None):
            if not self.exit_on_error or os.environ.get("JSONARGPARSE_DEBUG"):
                return super().error(message, ex)
            sys.stderr.write(short_parse_error(self, message, SHORT_USAGE, hints=_value_hints))
            self.exit(2)

    return TuneArgumentParser


def _value_hints(key: str, given: str) -> list[str]:
    """The lines after a wrong value ``given`` to option ``key``: for a mapping option, where its YAML is
    broken and what one looks like."""
    if key not in MAPPING_EXAMPLES:
        return []
    import yaml

    lines = []
    try:
        yaml.safe_load(given)
    except yaml.YAMLError as error:  # {lr: [1, 2 : the place and what YAML expected there
        mark = getattr(error, "problem_mark", None)
        where = f" at column {mark.column + 1}" if mark is not None else ""
        lines.append(f"  {given!r} is not valid YAML: {getattr(error, 'problem', None) or error}{where}")
    return [*lines, f"  e.g. {MAPPING_EXAMPLES[key]}"]


def flat_space(space: Mapping[str, Any]) -> dict[str, Any]:
    """``space`` with ``model_options``/``trainer_options`` given as nested mappings
    (``{model_options: {d_model: [16, 32]}}``, as YAML or ``--space.model_options.d_model`` give them)
    spelled as tune_forecaster's names (``model_options.d_model``)."""
    flat: dict[str, Any] = {}
    for name, entry in space.items():
        nested = isinstance(entry, Mapping) and not (set(entry) & _RANGE_KEYS)
        if name in NESTED_SETTINGS and nested:
            flat.update({f"{name}.{key}": value for key, value in entry.items()})
        else:
            flat[name] = entry
    return flat


def search_arguments(config: Any) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """``(data, space, keyword arguments)`` of :func:`tune_forecaster` from the parsed ``config``."""
    data = config.data.path
    if not data:
        raise ConfigError(
            "data.path is not set: give the CSV or a standard data set's name, in the config "
            "(data: {path: my.csv}) or as --data.path my.csv"
        )
    model = dict(config.model or {})
    for name in NESTED_SETTINGS:  # before the search: each trial failed on it deep in the model
        require_mapping(model.get(name), f"model.{name}")
    for name, option in OWN_OPTIONS.items():
        if name in model:
            raise ConfigError(f"model.{name}: the search sets it itself; use {option} instead.")
    space = flat_space(config.space or {})
    if not space:
        raise ConfigError(
            "the search space is empty: give space in the config, e.g. space: {lr: {low: 1e-4, high: 1e-2}, "
            "model_options.d_model: [16, 32]}, or --space '{lookback: [52, 104]}'"
        )
    kwargs = {key: getattr(config.data, key) for key in FIT_DATA_ARGS}
    kwargs["static_df"] = config.data.static_path  # read as the fit's static_df (a CSV path)
    kwargs.update(
        n_trials=config.n_trials, timeout=config.timeout, sampler=config.sampler, prune=config.prune,
        experiment=searched_experiment(config.experiment), tracking_uri=config.tracking_uri, run_name=config.run_name,
        out_dir=config.out, storage=study_storage(config), study_name=config.study_name, **model,
    )  # fmt: skip
    return data, space, kwargs


def searched_experiment(experiment: str) -> str:
    """``--experiment`` as the search's Forecasters take it: left at its default (``$MLFLOW_EXPERIMENT_NAME``,
    else ``ssm-ts-forecast``), a :class:`~ssm_ts.tracking.experiment_env.DefaultExperiment`, so the saved
    best model (``<out>/export``), loaded and refitted, follows the environment as a fresh Forecaster
    does (and ``$MLFLOW_EXPERIMENT_ID`` counts, as for ``mlflow.start_run()``); a name given stays chosen."""
    from ssm_ts.tracking.experiment_env import DefaultExperiment

    default = default_experiment_name("ssm-ts-forecast")
    return DefaultExperiment(experiment) if experiment == default else experiment


def study_storage(config: Any) -> str:
    """The study's storage: ``--storage``, else the sqlite file ``<out>/optuna.db``, so the same command
    run again continues the search."""
    from ssm_ts.api.tune_study import storage_url

    return storage_url(config.storage or Path(config.out) / STUDY_FILE)


def check_out(out: Path, writable: bool = True) -> None:
    """``--out`` must be a folder or creatable as one, checked before any trial (not after the search);
    ``writable``: also one this process can write to, before a fit starts (a read-only one failed with
    an OSError traceback once training had started, its MLflow run FAILED)."""
    for path in (out, *out.parents):
        if path.exists():
            if not path.is_dir():
                what = "is a file" if path == out else f"is inside {path}, which is a file"
                raise ConfigError(f"--out {out} {what}, not a folder; give --out a folder path.")
            if writable and not os.access(path, os.W_OK | os.X_OK):  # a read-only disk, another user's folder
                what = "is" if path == out else f"would be made in {path}, which is"
                raise ConfigError(
                    f"--out {out} {what} not writable (a read-only disk, or a folder of another user); "
                    "give --out a folder you can write to."
                )
            return


def write_outputs(
    result: TuningResult, out: Path, forecast: bool = True, data: pd.DataFrame | None = None
) -> list[Path]:
    """``trials.csv``, ``export/`` (the best model), then unless ``forecast`` is False ``forecast.csv``
    and ``forecast.png`` in ``out``: the best model's forecast of ``data`` (default: after the data it
    was fitted on; ``--futr_path``'s rows appended: :func:`~ssm_ts.api.forecast_futr_path.forecaster_future_frame`)."""
    from ssm_ts.atomic import atomic_path
    from ssm_ts.tasks.forecast_outputs import write_forecast_files

    out.mkdir(parents=True, exist_ok=True)
    trials_path = out / "trials.csv"
    with atomic_path(trials_path) as tmp:
        result.trials.to_csv(tmp, index=False)
    export = result.best.save(out / "export")
    if not forecast:
        return [trials_path, export]
    # the forecast and its plot as predict writes them (the plot drawn once the table is written)
    if data is None:
        return [trials_path, export, *write_forecast_files(result.best.predict(), result.best.plot, out)]
    table = result.best.predict(data)
    return [trials_path, export, *write_forecast_files(table, lambda: result.best.plot(table), out)]


def print_summary(result: TuningResult) -> None:
    """The trials as a table, then the best settings and scores (on stdout)."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(result.trials)} trials (lowest val_loss chosen)")
    for column in result.trials.columns:
        table.add_column(str(column), justify="right" if column != "state" else "left")
    best_run = result.best.run_id_
    for row in result.trials.itertuples(index=False):
        cells = [_cell(value, column) for value, column in zip(row, result.trials.columns, strict=True)]
        chosen = row.run_id == best_run and row.state == "COMPLETE"
        table.add_row(*cells, style="bold green" if chosen else None)
    console = Console(width=max(120, Console().width))
    console.print(table)
    console.print(f"best val_loss {result.best_val_loss:.6g}", highlight=False)
    for name, value in result.best_params.items():
        console.print(f"best {name}: {value!r}", highlight=False)
    tests = {k: v for k, v in result.best.metrics_.items() if k.startswith("test_")}
    if tests:
        console.print("test split (scored once, after the search): " + ", ".join(
            f"{k} {v:.6g}" for k, v in sorted(tests.items())), highlight=False)  # fmt: skip


def _pandas_na() -> Any:
    import pandas as pd  # loaded by then: the search returned a DataFrame

    return pd.NA


def _cell(value: Any, column: str = "") -> str:
    if column == "run_id" and isinstance(value, str):
        return value[:8]  # as git shortens ids: the full ones are in trials.csv
    if column in ("run_id", "error") and not isinstance(value, str):
        return ""  # none: a trial stopped before its run started, or one without an error
    if column.startswith("resumed_") and value is _pandas_na():
        return ""  # a trial that resumed no interrupted trial's checkpoint
    if isinstance(value, float):
        return f"{value:.4g}"
    return "" if value is None else str(value)


def tune_command(argv: list[str]) -> int:
    """Parse ``argv`` (after ``ssm-ts forecast tune``), run the search, write and print its results."""
    from ssm_ts.packaged_configs import resolve_config_args
    from ssm_ts.tasks.config_use import refuse_other_use_configs
    from ssm_ts.tasks.option_order import refuse_options_before_config

    os.environ.setdefault("JSONARGPARSE_DEPRECATION_WARNINGS", "off")
    given = list(argv)  # as typed (a shipped config by its name), for a command to paste
    argv, shipped = resolve_config_args(list(argv), "forecast")
    # a config of another use (a classify config): the message the other commands give, not the parser's
    # "Option 'data.val_fraction' is not accepted"
    refuse_other_use_configs(argv, "forecast", "fit")
    refuse_options_before_config(argv)  # jsonargparse reads left to right: the config's value would win
    for path in shipped:
        print(
            f"config: {path} (shipped with ssm-ts; ssm-ts configs copy {path.stem} to edit it)",
            file=sys.stderr,
        )
    config = build_parser().parse_args(argv)
    expand_path_settings(config)  # `out: ~/runs` in a YAML: the home folder, not a folder named ~
    data, space, kwargs = search_arguments(config)
    check_out(Path(config.out))
    if config.futr_path is not None:  # before the search, as predict checks it before forecasting
        from ssm_ts.api.forecast_futr_path import require_futr_path

        require_futr_path(config.futr_path, bool(config.data.future_covariates))
    from ssm_ts.api.tune_study import study_folder

    out = study_folder(config.out, config.study_name)  # <out>, or <out>/<study_name> for a named study

    from rich.console import Console

    from ssm_ts.api.tune_study import DEFAULT_STUDY_NAME, shown
    from ssm_ts.api.tuning import tune_forecaster
    from ssm_ts.training import set_verbosity

    set_verbosity(False)
    console = Console(stderr=True)
    study = f"study {kwargs['study_name'] or DEFAULT_STUDY_NAME!r} in {shown(kwargs['storage'])}"
    try:
        result = tune_forecaster(data, space, **kwargs)
    except KeyboardInterrupt:
        print(
            f"{PROG}: interrupted; the finished trials are in {out / 'trials.csv'} and the {study} (the "
            "interrupted trial is marked FAIL, its MLflow run and the search's KILLED). Run the same command "
            "again to continue the search: the interrupted trial runs again first, from its last checkpoint, and "
            "finished trials count toward --n_trials.",
            file=sys.stderr,
        )
        return 130  # the shell's code for an end by Ctrl-C
    if result.earlier_trials:
        console.print(
            f"continued the {study}: {result.earlier_trials} trials from earlier runs",
            highlight=False,
            soft_wrap=True,  # the storage's URL whole, on one line
        )
    print_summary(result)
    from ssm_ts.api.tune_forecast_note import lacks_future_rows, skipped_forecast_note

    future, unread = None, None
    if config.futr_path is not None:  # read as ssm-ts forecast predict --futr_path reads it
        from ssm_ts.api.forecast_futr_path import forecaster_future_frame
        from ssm_ts.errors import SSMTSError

        try:
            future = forecaster_future_frame(result.best, config.futr_path, data)
        except SSMTSError as error:  # the search is saved first, then the file's error is the command's
            unread = error
    # known-future covariates the data has no rows of at the forecast steps: the search is done and
    # saved, only the forecast waits for them (an error here lost the exit code of a finished search)
    forecast = future is not None or (config.futr_path is None and not lacks_future_rows(result.best))
    for path in write_outputs(result, out, forecast, future):
        console.print(f"[green]wrote[/green] {path}", soft_wrap=True)
    if unread is not None:
        console.print(
            f"[yellow]skipped[/yellow] {out / 'forecast.csv'}: the search is saved; fix --futr_path "
            f"{config.futr_path} (below) and run the same command again: its finished trials run no more, "
            "and the best model's forecast is written.",
            soft_wrap=True,
            highlight=False,
        )
        raise unread
    if not forecast:
        from rich.markup import escape

        note = escape(skipped_forecast_note(result.best, out, data, given))  # its ['promo'] is no markup
        console.print(
            f"[yellow]skipped[/yellow] {out / 'forecast.csv'}: {note}", soft_wrap=True, highlight=False
        )
    if result.run_id is not None:
        console.print(
            f"[green]MLflow[/green] search run {result.run_id}, best trial run {result.best.run_id_}",
            soft_wrap=True,  # run ids whole, on one line, however narrow the terminal
        )
    return 0
