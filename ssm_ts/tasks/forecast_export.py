"""The self-describing forecaster export: settings, weights, scaler and the last observed rows in one
folder (:func:`save_forecast_export`, :func:`load_forecast_export`)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ssm_ts.export import load_export, save_export
from ssm_ts.pipelines.forecasting import SeriesSpec
from ssm_ts.pipelines.forecasting.frames import restore_times, times_to_json
from ssm_ts.pipelines.forecasting.spans import series_spans
from ssm_ts.tracking.experiment_env import FORECAST_EXPERIMENT, DefaultExperiment

if TYPE_CHECKING:  # the task imports this module: load_forecast_export imports the task when called
    from ssm_ts.tasks.forecasting import ForecastingTask


EXPORT_KIND = "ssm-ts-forecaster"


def save_forecast_export(
    directory: str | os.PathLike,
    task: ForecastingTask,
    spec: SeriesSpec,
    history: pd.DataFrame,
    settings: dict[str, Any] | None = None,
    metrics: dict[str, float] | None = None,
    future: pd.DataFrame | None = None,
) -> Path:
    """Write ``config.json`` (task settings + series spec), ``model.safetensors`` and ``extras.json``
    (the scaler as JSON numbers and the last ``lookback`` observed rows, so ``predict()`` needs no data;
    ``future``: rows after them with known-future covariates, saved as those columns only).

    Times are saved as ISO strings, integer time steps as integers. A ``settings["experiment"]`` left at
    its default (a :class:`~ssm_ts.tracking.experiment_env.DefaultExperiment`) is saved as such
    (``"experiment_chosen": false``), so that a refit of the loaded model logs to the environment's
    experiment as a fresh one does.
    """
    # each series' own last lookback observed rows (series of a ragged panel end at different rows)
    ends = series_spans(history, spec.targets).last
    tail = history.iloc[max(0, int(ends.min()) + 1 - task.hparams.lookback) :]
    extras = {
        "scaler": task.scaler_state(spec.input_columns).to_dict(),
        "history": _rows_to_json(tail, spec.time_col, spec.input_columns),
    }
    if future is not None and len(future):
        extras["future"] = _rows_to_json(future, spec.time_col, spec.future_covariates)
    hparams = {k: v for k, v in dict(task.hparams).items() if not k.startswith("_")}
    config = {"kind": EXPORT_KIND, "task": hparams, "spec": spec.to_dict(), "forecaster": settings or {}}
    if settings and "experiment" in settings:  # beside the settings: a Forecaster takes no such argument
        config["experiment_chosen"] = not isinstance(settings["experiment"], DefaultExperiment)
    extras["metrics"] = dict(metrics or {})
    return save_export(directory, config, task.state_dict(), extras)


def _rows_to_json(frame: pd.DataFrame, time_col: str, columns: list[str]) -> dict[str, Any]:
    # one block, not a conversion per series (slow with thousands of series)
    block = frame[columns].to_numpy(dtype="float64", na_value=np.nan)
    return {
        "time": times_to_json(frame[time_col]),
        "values": {c: block[:, j].tolist() for j, c in enumerate(columns)},
    }


def _rows_from_json(saved: dict[str, Any], spec: SeriesSpec) -> pd.DataFrame:
    """Rows saved by :func:`_rows_to_json`; input columns it did not save are NaN."""
    times = restore_times(saved["time"], spec.tz)
    block = np.full((len(times), len(spec.input_columns)), np.nan)
    for j, column in enumerate(spec.input_columns):
        if column in saved["values"]:
            block[:, j] = np.asarray(saved["values"][column], dtype="float64")
    # one block, not a column inserted per series (quadratic with many series)
    frame = pd.DataFrame(block, columns=spec.input_columns)
    frame.insert(0, spec.time_col, times)
    return frame


def load_forecast_export(
    directory: str | os.PathLike,
) -> tuple[ForecastingTask, SeriesSpec, pd.DataFrame, dict[str, Any], dict[str, float]]:
    """Rebuild ``(task on CPU in eval mode, spec, history, forecaster settings, metrics)``
    from :func:`save_forecast_export` output. Saved future rows, if any, follow the observed
    history with NaN targets (as :func:`last_window` expects them)."""
    from ssm_ts.core.saved_options import option_mismatch
    from ssm_ts.errors import CheckpointError
    from ssm_ts.tasks.forecasting import ForecastingTask

    config, state_dict, extras = load_export(directory)
    if config.get("kind") != EXPORT_KIND:
        raise CheckpointError(
            f"{directory} holds no forecaster export (kind {config.get('kind')!r}); save a Forecaster there."
        )
    task = ForecastingTask(**config["task"])
    try:
        task.load_state_dict(state_dict)
    except RuntimeError as err:
        raise CheckpointError(
            f"the weights in {directory} do not fit the saved model settings: {option_mismatch(task, state_dict) or err}"
        ) from err
    task.eval()
    spec = SeriesSpec.from_dict(config["spec"])
    history = _rows_from_json(extras["history"], spec)
    if extras.get("future"):
        history = pd.concat([history, _rows_from_json(extras["future"], spec)], ignore_index=True)
    return task, spec, history, _saved_settings(config), extras.get("metrics", {})


def _saved_settings(config: dict[str, Any]) -> dict[str, Any]:
    """The saved forecaster settings, an ``experiment`` the user did not choose as a
    :class:`~ssm_ts.tracking.experiment_env.DefaultExperiment` again (``$MLFLOW_EXPERIMENT_NAME`` /
    ``_ID`` replace it when a refit starts). A save without ``experiment_chosen`` (older versions)
    holding the default name ``ssm-ts-forecast`` is read as the default."""
    settings = dict(config.get("forecaster", {}))
    name = settings.get("experiment")
    if isinstance(name, str) and not config.get("experiment_chosen", name != FORECAST_EXPERIMENT):
        settings["experiment"] = DefaultExperiment(name)
    return settings
