"""darts' argument names given to a :class:`~ssm_ts.Forecaster` method: the TypeError names what does the same
here (or that nothing does), instead of Python's bare "got an unexpected keyword argument 'stride'".

darts' signatures (``ForecastingModel`` / ``TorchForecastingModel``)::

    fit(series, past_covariates, future_covariates, val_series, ..., trainer, verbose, epochs, sample_weight, ...)
    predict(n, series, past_covariates, future_covariates, num_samples, verbose, predict_likelihood_parameters, ...)
    historical_forecasts(series, past_covariates, future_covariates, num_samples, train_length, start,
                         start_format, forecast_horizon, stride, retrain, overlap_end, last_points_only, ...)
    backtest(series, ..., historical_forecasts, forecast_horizon, ..., stride, retrain, ..., metric, reduction, ...)

The hint table holds only names this library's method lacks; a name it has (``past_covariates``, ``n``) is
its own, and a name no method knows gets Python's own TypeError.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_DATA = (
    "the data: {method}(data), a DataFrame or CSV in the fitted layout "
    "(darts' TimeSeries: its .to_dataframe(), or .pd_dataframe() in older darts)"
)
_SAMPLES = (
    "no sampling here: Forecaster(quantiles=[0.1, 0.5, 0.9]) gives quantile columns, and level=[80, 95] "
    "conformal intervals"
)
_VERBOSE = "no per-call setting: ssm_ts.training.set_verbosity(True) shows Lightning's and MLflow's output in later fits"
_NO_KWARGS = "no equivalent: set the Forecaster's own settings (trainer_options, batch_size, ...) instead"
_COVARIATES = "covariates are columns of the data, named once at fit(data, past_covariates=[...], future_covariates=[...])"
_FUTURE = (
    "known-future covariates are columns of the data, named at fit(future_covariates=[...]); "
    "their values at the forecast steps: {method}(data, futr_df=...) or rows after the data's last target"
)

# darts' last_points_only=True: each window's last step (of each series: groupby('cutoff') alone kept one
# series per window of a long table)
LAST_POINTS = (
    "its last points are table.groupby('cutoff').tail(1); in a long table, each series': "
    "table.groupby(['unique_id', 'cutoff']).tail(1) (unique_id: its id column)"
)

# darts' argument name -> what this library does instead, for each method ({method}: its name)
_BACKTEST = {
    "series": _DATA,
    "past_covariates": _COVARIATES,
    "future_covariates": _COVARIATES,
    "forecast_horizon": "the horizon is the model's: Forecaster(horizon=...); each window forecasts all of it",
    "stride": "step=... (rows between consecutive windows' cutoffs)",
    "retrain": "refit=... (False, True, or k: refit before every k-th window; no callable)",
    "start": (
        "windows are counted back from the data's end: n_windows=... with step=...; to start later, "
        "give fewer windows, to end earlier, pass data cut there"
    ),
    "start_format": "windows are counted back from the data's end: n_windows=... with step=...",
    "train_length": "no equivalent: a refit trains on every row before its window (an expanding window)",
    "last_points_only": f"no such switch: the table has every step of each window; {LAST_POINTS}",
    "overlap_end": "no equivalent: the last window ends at the data's last row",
    "num_samples": _SAMPLES,
    "predict_likelihood_parameters": _SAMPLES,
    "verbose": _VERBOSE,
    "show_warnings": "no per-call setting: filter them with the warnings module",
    "enable_optimization": "no equivalent: windows are always forecast in batches",
    "data_transformers": "no equivalent: the model scales each series itself, fitted on the training rows",
    "fit_kwargs": _NO_KWARGS,
    "predict_kwargs": _NO_KWARGS,
    "sample_weight": "no equivalent: every training window weighs the same",
}
PORTED_ARGUMENTS: dict[str, dict[str, str]] = {
    # darts' TorchForecastingModel(input_chunk_length, output_chunk_length, n_epochs, ...) settings
    "__init__": {
        "input_chunk_length": "lookback=...",
        "output_chunk_length": "horizon=...",
        "n_epochs": "max_epochs=...",
        "optimizer_kwargs": "lr=... and weight_decay=...",
        "random_state": "seed=...",
        "likelihood": "quantiles=[0.1, 0.5, 0.9] (the pinball loss; no distribution likelihoods)",
        "loss_fn": "loss='mse' or loss='mae' (quantiles=[...] for the pinball loss)",
        "pl_trainer_kwargs": "trainer_options={...}: lightning.Trainer arguments (accelerator=... for the device)",
        "model_name": "run_name=... (the MLflow run); the files go to out_dir=...",
        "work_dir": "out_dir=...",
        "save_checkpoints": "no switch: every fit keeps its best and last checkpoints under out_dir",
        "force_reset": "no equivalent: each fit writes into its own folder under out_dir",
        "add_encoders": "no encoders: give calendar features as columns of the data, named future_covariates",
        "output_chunk_shift": "no equivalent: forecasts start at the step after the data",
        "use_reversible_instance_norm": "no switch: each series is scaled on its training rows",
        "lr_scheduler_cls": "no per-model scheduler setting here",
    },
    "fit": {
        "series": "the data: fit(data), a DataFrame or CSV "
        "(darts' TimeSeries: its .to_dataframe(), or .pd_dataframe() in older darts), "
        "with target=... naming the forecast columns",
        "val_series": "the validation rows are the data's own: Forecaster(split=..., fractions=... or boundaries=...)",
        "val_past_covariates": "the validation rows are the data's own: Forecaster(fractions=... or boundaries=...)",
        "val_future_covariates": "the validation rows are the data's own: Forecaster(fractions=... or boundaries=...)",
        # darts' TimeSeries.from_dataframe(df, time_col, value_cols, fill_missing_dates, static_covariates)
        # ported into fit: time_col and freq are fit's own
        "value_cols": "target=[...]: the columns to forecast (time_col=... names the time column)",
        "fill_missing_dates": "fill='ffill' or fill='interpolate' (without it a missing row is an error naming it)",
        "fillna_value": "fill='ffill' or fill='interpolate'; no constant fill",
        "static_covariates": "static_df=...: a long table's per-series features, one row per unique_id",
        "epochs": "Forecaster(max_epochs=...)",
        "trainer": "Forecaster(trainer_options={...}): lightning.Trainer arguments",
        "verbose": _VERBOSE,
        "max_samples_per_ts": "no equivalent: every window of the training rows is used",
        "dataloader_kwargs": "Forecaster(batch_size=...); no other data loader settings",
        "num_loader_workers": "no equivalent: the windows are read in the main process",
        "sample_weight": "no equivalent: every training window weighs the same",
        "val_sample_weight": "no equivalent: every validation window weighs the same",
    },
    "predict": {
        "series": _DATA,
        "past_covariates": _COVARIATES,
        "future_covariates": _FUTURE,
        "num_samples": _SAMPLES,
        "predict_likelihood_parameters": _SAMPLES,
        "verbose": _VERBOSE,
        "show_warnings": "no per-call setting: filter them with the warnings module",
        "trainer": "no per-call trainer: Forecaster(trainer_options={...}, accelerator=...)",
        "batch_size": "no per-call setting: Forecaster(batch_size=...)",
        "n_jobs": "no equivalent: one process forecasts every series",
        "roll_size": "no equivalent: a rollout (n > horizon) rolls by the whole horizon",
        "mc_dropout": "no equivalent: quantiles=[...] or level=[...] for the uncertainty",
    },
    "backtest": {
        **_BACKTEST,
        "historical_forecasts": "no such input: backtest() makes the forecasts; score a table you have with "
        "ssm_ts.evaluate(table)",
        "metric": "backtest returns the forecasts beside the actuals; score them with "
        "ssm_ts.evaluate(table, metrics=['mae', 'mape', ...])",
        "reduction": "ssm_ts.evaluate(table, by=...) scores per series (aggregate=True adds the mean row)",
        "metric_kwargs": "ssm_ts.evaluate(table, season_length=..., train=...) takes the metrics' settings",
    },
}


# darts' positional arguments after the series, where these methods take names (fit's time_col, target)
# and counts (backtest's n_windows, step): fit(series, covariates) gave "time column '<the table>' not found"
DARTS_POSITIONAL = {
    "fit": ("past_covariates", "future_covariates"),
    "backtest": ("past_covariates", "future_covariates"),
}


# what darts' positional calls of more arguments than these methods take are here
DARTS_CALLS = {
    "predict": "darts' predict(n, series) is predict(series, n=n) here",
    "backtest": "darts' backtest(series, past_covariates, future_covariates, historical_forecasts, forecast_horizon, "
    "...) is backtest(data, n_windows, step, refit=...) here, the covariates columns of the data",
    "fit": "darts' fit(series, past_covariates, future_covariates, val_series, ...) is fit(data, time_col, target, "
    "past_covariates=[names], future_covariates=[names]) here",
}


def ported_arguments(method: F) -> F:
    """``method`` (a Forecaster method), whose call with a darts argument name it lacks
    (:data:`PORTED_ARGUMENTS`) raises a TypeError naming what does the same here, and (fit, backtest)
    whose call with covariate tables in darts' positions (:data:`DARTS_POSITIONAL`) a ConfigError."""
    hints = PORTED_ARGUMENTS[method.__name__]
    own = list(inspect.signature(method).parameters)
    positional = [
        name
        for name, p in inspect.signature(method).parameters.items()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]

    @functools.wraps(method)
    def checked(*args: Any, **kwargs: Any) -> Any:
        ported = [name for name in kwargs if name not in own and name in hints]
        if ported:
            raise TypeError(ported_text(method.__name__, ported))
        _refuse_positional_tables(method.__name__, own, args)
        if len(args) > len(positional) and method.__name__ in DARTS_CALLS:
            raise TypeError(
                f"Forecaster.{method.__name__}() takes {len(positional) - 1} positional argument(s) "
                f"({', '.join(positional[1:])}), got {len(args) - 1}: {DARTS_CALLS[method.__name__]}."
            )
        return method(*args, **kwargs)

    return checked  # type: ignore[return-value]


def ported_text(method: str, names: list[str]) -> str:
    """What a call of ``method`` with darts' argument ``names`` says: each name and what does its work here."""
    hints = PORTED_ARGUMENTS[method]
    called = "Forecaster" if method == "__init__" else f"Forecaster.{method}"
    lines = [f"{called}() got darts' argument(s) {', '.join(map(repr, names))}, which it does not take:"]
    lines += [f"  {name}: {hints[name].format(method=method)}" for name in names]
    return "\n".join(lines)


def _refuse_positional_tables(method: str, own: list[str], args: tuple[Any, ...]) -> None:
    """A table (DataFrame or Series) in a place of ``args`` (``self, data, ...``) where darts' ``method``
    takes covariates: a ConfigError naming the parameter it landed in and how covariates are given here.

    Raises:
        ConfigError: see above, with :func:`~ssm_ts.api.forecast_covariate_names.require_covariate_names`'s
            join of the covariates to the data.
    """
    if method not in DARTS_POSITIONAL or len(args) < 3:
        return
    import pandas as pd

    from ssm_ts.api.forecast_covariate_names import require_covariate_names
    from ssm_ts.errors import ConfigError

    for position, (given, param, darts) in enumerate(
        zip(args[2:], own[2:], DARTS_POSITIONAL[method], strict=False), 2
    ):
        if isinstance(given, pd.DataFrame | pd.Series):
            try:
                require_covariate_names(args[1], None, **{darts: given})
            except ConfigError as error:
                raise ConfigError(
                    f"{method}()'s argument {position} is {param}, got a {type(given).__name__}: darts' "
                    f"{method}(series, past_covariates, future_covariates) takes {darts} there. {error}"
                ) from None
