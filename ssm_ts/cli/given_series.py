"""``ssm-ts forecast predict --data.path today.csv`` of a long table holding the rows of only some of the
series a channel-independent model was fitted on: those series are forecast, as ``Forecaster.predict``
and the MLflow model forecast them (and neuralforecast's ``predict(df=...)`` the ids of ``df``). The
command refused the file ("series ['b'] not found ... give rows of each").

The API's code does the work (:mod:`ssm_ts.api.forecast_subset`): which series are absent, the table
read for those given with stand-ins in the others' columns, the network run on the given ones alone; its warning of
series the model was not fitted on is the one the command gives. ``validate`` and ``test`` still need
every series and say why (:func:`refuse_some_series`).
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ssm_ts.errors import DataError

if TYPE_CHECKING:
    from ssm_ts.api.forecaster import Forecaster
    from ssm_ts.pipelines.forecasting import ForecastDataModule, SeriesSpec
    from ssm_ts.tasks.forecasting import ForecastingTask


def checkpoint_forecaster(task: ForecastingTask, spec: SeriesSpec, checkpoint: dict[str, Any]) -> Forecaster:
    """A Forecaster around ``task`` and the checkpoint's ``spec``, before Lightning restores the weights:
    enough for the API's subset code, which reads the model's settings and scaler (taken from
    ``checkpoint`` here; the restore writes the same values)."""
    from ssm_ts.api.forecast_persistence import settings_of_task
    from ssm_ts.api.forecaster import Forecaster

    scaler = {k: v for k, v in checkpoint.get("state_dict", {}).items() if k.startswith("scaler_")}
    task.load_state_dict(scaler, strict=False)  # the value-range check scales by the fitted scaler
    forecaster = Forecaster(**{**settings_of_task(task), "log_to_mlflow": False})
    forecaster.task_, forecaster.spec_ = task, spec
    return forecaster


def predict_module_of_given_series(
    task: ForecastingTask, datamodule: ForecastDataModule, checkpoint: dict[str, Any]
) -> tuple[ForecastDataModule, list[str]]:
    """``(data module, absent series)`` for ``predict``: when ``datamodule``'s file is a long table
    holding some of the fitted series of a channel-independent model, a module over those series
    with stand-ins for the ``absent`` ones (:func:`~ssm_ts.api.forecast_subset.read_given_series`),
    whose forecasts :func:`write_given_series_forecast` leaves out; else ``(datamodule, [])``, read as
    ever (a multivariate model still needs every series, and the reader's error says which is missing)."""
    from ssm_ts.api.forecast_subset import absent_series, read_given_series
    from ssm_ts.cli.future_table import WINDOW_SETTINGS
    from ssm_ts.pipelines.forecasting import ForecastDataModule

    spec = datamodule.fitted_spec
    if spec is None or not spec.long_format or not isinstance(datamodule.path, (str, os.PathLike)):
        return datamodule, []
    if datamodule.fitted_features is not None:  # each series reads its own inputs: every one is needed
        return datamodule, []
    forecaster = checkpoint_forecaster(task, spec, checkpoint)
    with warnings.catch_warnings(
        record=True
    ) as caught:  # of series not fitted: said once, below or by the module
        warnings.simplefilter("always")
        absent = absent_series(forecaster, datamodule.path, datamodule.read_options)
    if not absent:
        return datamodule, []
    for warning in caught:  # at the user's line, as recorded
        warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
    frame = read_given_series(forecaster, datamodule.path, absent, datamodule.read_options)
    module = ForecastDataModule.from_checked(
        frame, spec, **{key: getattr(datamodule, key) for key in WINDOW_SETTINGS}
    )
    # errors name the file; --futr_path reads its file as this one's, checked against the fitted scaler
    module.path, module.read_options = datamodule.path, datamodule.read_options
    module.fitted_scaler = datamodule.fitted_scaler
    return module, absent


def write_given_series_forecast(
    task: ForecastingTask,
    datamodule: ForecastDataModule,
    out_dir: str | os.PathLike,
    absent: list[str],
    n: int | None = None,
    level: float | list[float] | None = None,
    interval_method: Literal["residual", "cqr"] | None = None,
) -> list[Path]:
    """``forecast.csv`` and ``forecast.png`` of the series given (not the ``absent`` ones), as
    ``Forecaster.predict(today, n=..., level=...)`` of the same file gives them, the network run on the
    given series alone (the absent ones' stand-ins are never forecast): with ``level``, the intervals
    of the checkpoint's scores, or of a calibration on ``datamodule``'s validation split for a
    checkpoint without them (as :func:`write_forecast_with_intervals`)."""
    from ssm_ts.api.conformal_checks import check_levels
    from ssm_ts.api.forecast_intervals import scored_forecaster, write_forecast_files

    levels = None if level is None else check_levels(level)  # a bad level fails before a calibration
    forecaster = scored_forecaster(task, datamodule, calibrate=levels is not None)
    stand_ins = set(absent)  # not a scan of the absent names per fitted series (thousands of each)
    given = [t for t in forecaster.spec_.targets if t not in stand_ins]
    forecast = forecaster._predict(None, long=None, read_options=None, n=n, level=level,
                                   interval_method=interval_method, futr_df=None, series=given)  # fmt: skip
    return write_forecast_files(forecast, forecaster.plot(forecast, level=level, series=given), out_dir)


def refuse_some_series(datamodule: ForecastDataModule, command: str) -> None:
    """``validate``/``test``: a :class:`DataError` for a long table holding some of the fitted series
    only, saying why these need them all (``predict`` forecasts the series given)."""
    from ssm_ts.pipelines.forecasting.unknown_series import given_series

    spec = datamodule.fitted_spec
    if spec is None or not spec.long_format or not isinstance(datamodule.path, (str, os.PathLike)):
        return
    found = given_series(datamodule.path, spec, datamodule.read_options)
    if found is None:
        return
    name, given = found
    absent = [t for t in spec.targets if t not in given]
    if not absent or len(absent) == len(spec.targets):  # none, or none of them: the reader's error names them
        return
    raise DataError(
        f"{name} has no rows of the series {absent[:10]}{' ...' if len(absent) > 10 else ''} (its series: "
        f"{given[:10]}). ssm-ts forecast {command} scores the model on every series it was fitted on "
        f"({len(spec.targets)}): its losses are means over them, comparable with the fit's only so. "
        f"Give rows of each series, or forecast those given with "
        f"ssm-ts forecast predict (it forecasts the series a file holds)."
    )
