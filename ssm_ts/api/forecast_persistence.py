"""A fitted :class:`~ssm_ts.api.forecaster.Forecaster` as a folder (``save``/``load``), and one built
around a task the CLI trained."""

from __future__ import annotations

import inspect
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ssm_ts.api.conformal import ConformalScores, load_scores, save_scores
from ssm_ts.atomic import atomic_directory
from ssm_ts.export import EXPORT_FILES, check_export_target, export_folder
from ssm_ts.pipelines.forecasting import ForecastDataModule, series_notes
from ssm_ts.pipelines.forecasting.datamodule_features import FEATURES_FILE, save_features
from ssm_ts.pipelines.forecasting.series_features import SeriesFeatures
from ssm_ts.pipelines.forecasting.spans import n_observed_rows
from ssm_ts.tasks.conformal_storage import SCORES_FILE
from ssm_ts.tasks.forecasting import ForecastingTask, load_forecast_export, save_forecast_export

if TYPE_CHECKING:
    from ssm_ts.api.forecaster import Forecaster


def settings_of_task(task: ForecastingTask) -> dict[str, Any]:
    """``Forecaster`` settings read back from a task's hyperparameters, for an export written without
    them (by the CLI): the model, its options, windows, quantiles, loss and optimiser settings."""
    from ssm_ts.api.forecaster import Forecaster  # which imports this module

    keys = ("model", "lookback", "horizon", "quantiles", "loss", "model_options", "lr", "weight_decay",
            "channel_independent")  # fmt: skip
    accepted = inspect.signature(Forecaster.__init__).parameters
    return {k: task.hparams[k] for k in keys if k in task.hparams and k in accepted}


def save_forecaster(fc: Forecaster, directory: str | os.PathLike) -> Path:
    """:meth:`Forecaster.save <ssm_ts.api.forecaster.Forecaster.save>`: the export of the fitted ``fc``
    and its conformal scores, written as one atomic folder ``directory``."""
    task = fc._require_fitted()
    # the folder is replaced whole: never a folder of the user's other files (fc.save("data") deleted them)
    check_export_target(Path(directory).expanduser(), EXPORT_FILES | {SCORES_FILE, FEATURES_FILE})
    # one atomic folder: the export and its conformal scores appear together or not at all
    with atomic_directory(directory) as tmp:
        save_forecast_export(tmp, task, fc.spec_, fc.history_, settings=fc._json_settings(),
                             metrics=fc.metrics_, future=fc.future_)  # fmt: skip
        if fc.conformal_ is not None:
            save_scores(tmp, fc.conformal_, fc.spec_.targets)
        save_features(tmp, fc.series_features_)  # predict and backtest of the loaded model read them alike
    return Path(directory).expanduser()


def load_forecaster(cls: type[Forecaster], directory: str | os.PathLike) -> Forecaster:
    """:meth:`Forecaster.load <ssm_ts.api.forecaster.Forecaster.load>`: a ``cls`` from a folder written
    by :func:`save_forecaster` (or a downloaded MLflow model or an ``out_dir`` holding one:
    :func:`~ssm_ts.export.export_folder`), on the CPU."""
    directory = export_folder(directory)  # its calibration scores lie beside the export's config
    task, spec, history, settings, metrics = load_forecast_export(directory)
    # a CLI export holds only the data and trainer settings; the rest come from the model's own
    forecaster = cls(**{**settings_of_task(task), **settings})
    observed = n_observed_rows(history, spec.targets)
    forecaster.task_, forecaster.spec_, forecaster.metrics_ = task, spec, metrics
    forecaster.conformal_ = load_scores(directory, task.hparams.horizon, spec.targets)
    features = Path(directory) / FEATURES_FILE
    if features.is_file():
        forecaster.series_features_ = SeriesFeatures.from_dict(json.loads(features.read_text()))
    if spec.periods:  # saved as the times the Periods start
        history[spec.time_col] = history[spec.time_col].dt.to_period(spec.freq)
    forecaster.history_ = history.iloc[:observed].reset_index(drop=True)
    forecaster.future_ = history.iloc[observed:].reset_index(drop=True) if observed < len(history) else None
    return forecaster


def forecaster_around(
    cls: type[Forecaster],
    task: ForecastingTask,
    datamodule: ForecastDataModule,
    conformal: ConformalScores | None = None,
) -> Forecaster:
    """:meth:`Forecaster.around <ssm_ts.api.forecaster.Forecaster.around>`: a ``cls`` around ``task``
    (trained by the CLI) and the data ``datamodule`` read, with the scores ``conformal``."""
    forecaster = cls(**{**settings_of_task(task), "log_to_mlflow": False})
    forecaster.task_, forecaster.spec_ = task.cpu().eval(), datamodule.spec
    frame, history = datamodule.frame, datamodule.observed_frame()
    forecaster.history_ = history.reset_index(drop=True)
    future = series_notes(frame).future
    if future is None and datamodule.spec.future_covariates and len(frame) > len(history):
        # read with a checkpoint's spec (CLI predict), the future-covariate rows stay in the frame
        future = frame.iloc[len(history) :].reset_index(drop=True)
    forecaster.future_ = future
    forecaster.conformal_ = conformal
    # a CLI fit's per-series inputs (its long table's own columns, --data.static_path): kept as fit's are
    forecaster.series_features_ = getattr(datamodule, "series_features", None)
    return forecaster
