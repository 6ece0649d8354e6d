"""``--futr_path future.csv``: the known-future covariates of the forecast steps in a file of their own,
read, checked and named alike by ``ssm-ts forecast predict`` (for a checkpoint's data module:
:func:`~ssm_ts.cli.future_table.with_future_table`) and ``ssm-ts forecast tune`` (for the search's best
model: :func:`forecaster_future_frame`). The rows are joined to the history by ``Forecaster.predict``'s
code (:func:`~ssm_ts.api.forecast_future_frame.future_rows_appended`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from ssm_ts.api.forecast_future_frame import future_rows_appended
from ssm_ts.errors import ConfigError, DataFileNotFoundError
from ssm_ts.pipelines.csv_options import ReadOptions
from ssm_ts.pipelines.forecasting.covariate_spans import require_covered_future
from ssm_ts.pipelines.forecasting.reader import TableSource
from ssm_ts.pipelines.forecasting.scaler import ScalerState
from ssm_ts.pipelines.forecasting.series_spec import SeriesSpec

if TYPE_CHECKING:
    from ssm_ts.api.forecaster import Forecaster


def require_futr_path(futr_path: str, future_covariates: bool) -> None:
    """``--futr_path``'s checks before it is read: the model reads known-future covariates
    (``future_covariates``), and the file exists. ``ssm-ts forecast predict`` and ``tune`` alike.

    Raises:
        ConfigError: the model has no known-future covariates.
        DataFileNotFoundError: ``futr_path`` is not a file.
    """
    if not future_covariates:
        raise ConfigError(
            f"--futr_path {futr_path} gives known-future covariates, and this model was fitted without any "
            "(--data.future_covariates): leave --futr_path out."
        )
    if not Path(futr_path).is_file():  # the reader's own error would point at --data.path
        raise DataFileNotFoundError(
            f"--futr_path {futr_path}: no such file (a relative path is read from {Path.cwd()}); pass the "
            "CSV of the known-future covariates of the forecast steps."
        )


def future_table_appended(
    frame: pd.DataFrame,
    source: TableSource,
    spec: SeriesSpec,
    scaler: ScalerState | None,
    futr_path: str,
    needed: int,
    *,
    data_name: str,
    read_options: ReadOptions | None = None,
    reads: list[list[int]] | None = None,
    steps_setting: str = "--n",
) -> pd.DataFrame:
    """``frame`` (the history, checked with ``spec``) up to its last observation, then the ``needed``
    rows of ``--futr_path`` after it (``source``: the file, or its rows of a model's per-series inputs),
    checked against ``scaler``; every series' known-future covariates must cover them (``reads``: the
    channels each target reads). Errors name ``futr_path``, the history ``data_name`` and the option
    of a longer forecast ``steps_setting``."""
    combined = future_rows_appended(
        frame, source, spec, scaler, needed, setting="--futr_path", steps_setting=steps_setting,
        data_name=data_name, read_options=read_options,
    )  # fmt: skip
    # a futr file short of one series' rows: that series got no forecast, unsaid (as Forecaster.predict)
    require_covered_future(combined, spec, reads, futr_path, needed)
    return combined


def forecaster_future_frame(fc: Forecaster, futr_path: str, data_name: str) -> pd.DataFrame:
    """The fitted ``fc``'s history, then the ``horizon`` rows of ``--futr_path`` after its last
    observation, read with the fit's read options as
    :func:`~ssm_ts.cli.future_table.with_future_table` reads them for a checkpoint (the same checks and
    errors; the history called ``data_name``): the data ``fc.predict(frame)`` forecasts
    (``ssm-ts forecast tune --futr_path``)."""
    from ssm_ts.pipelines.forecasting.datamodule_features import fitted_future_table

    spec, hp = fc.spec_, fc._require_fitted().hparams
    require_futr_path(futr_path, bool(spec.future_covariates))
    features = fc.series_features_
    source = futr_path if features is None else fitted_future_table(futr_path, features, spec, None)
    return future_table_appended(
        fc.history_, source, spec, fc.task_.scaler_state(spec.input_columns), futr_path, hp.horizon,
        data_name=data_name, reads=hp.get("covariate_index") if hp.channel_independent else None,
        steps_setting="ssm-ts forecast predict --n",
    )  # fmt: skip
