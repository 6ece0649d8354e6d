"""``Forecaster.fit``'s per-series inputs given as files: ``static_df`` as a CSV path, beside a long
DataFrame or a long CSV. A CSV's per-series columns and statics are read by the data module, as
``ssm-ts forecast fit`` reads them (:mod:`ssm_ts.pipelines.forecasting.datamodule_features`); a
DataFrame's by :func:`~ssm_ts.pipelines.forecasting.series_features.fit_features`. Errors name the
file as ``fit`` was given it (``static_df='stores.csv'``), not as the command's option.
:func:`fit_datamodule` is the data module a fit reads, also for ``tune_forecaster``'s checks and test."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pandas as pd

from ssm_ts.errors import ConfigError, DataError
from ssm_ts.pipelines.forecasting import ForecastDataModule
from ssm_ts.pipelines.forecasting.datamodule_features import (
    STATIC_SETTING,
    read_static_file,
    static_file_error,
)
from ssm_ts.pipelines.forecasting.reader import read_table
from ssm_ts.pipelines.forecasting.series import column_list
from ssm_ts.pipelines.forecasting.series_features import SeriesFeatures, fit_features
from ssm_ts.tracking.resume_settings import builtin_value

ID_COL, VALUE_COL = "unique_id", "y"  # the API's long layout (neuralforecast's)


def fit_static_path(data: object, static_df: object) -> str | None:
    """``static_df``'s path when it is a CSV path (``None`` for a DataFrame or none).

    Raises:
        ConfigError: a ``static_df`` DataFrame beside a CSV ``data``: the data module reads the CSV
            and takes its statics as a file (a checkpoint keeps settings, not frames).
    """
    if isinstance(static_df, (str, os.PathLike)):
        return os.fspath(static_df)
    if isinstance(static_df, pd.DataFrame) and not isinstance(data, pd.DataFrame):
        path = os.fspath(data) if isinstance(data, (str, os.PathLike)) else "data.csv"
        raise ConfigError(
            f"static_df is a DataFrame and the data the CSV {path}: give both as files, "
            f"static_df.to_csv('static.csv', index=False) then fit({path!r}, static_df='static.csv'), "
            f"or both as DataFrames, fit(pd.read_csv({path!r}), static_df=static_df)."
        )
    return None


def frame_features(
    data: pd.DataFrame,
    static_df: pd.DataFrame | str | os.PathLike | None,
    time_col: str | None,
    target: str | list[str] | None,
    past: list[str],
    future: list[str],
) -> tuple[SeriesFeatures | None, pd.DataFrame, str | None, list[str], list[str]]:
    """:func:`fit_features` of a long DataFrame, ``static_df`` read first when it is a CSV path (by
    detection, its ids as written: ``007`` stays text), its errors naming the file."""
    path = fit_static_path(data, static_df)
    statics = read_static_file(path, ID_COL) if path is not None else static_df
    try:
        return fit_features(data, statics, time_col, target, past, future, ID_COL, VALUE_COL)
    except DataError as error:
        if path is not None and str(error).startswith("static_df"):
            raise static_file_error(path, error, f"static_df={path!r}") from error
        raise


@contextmanager
def static_df_named(path: str | None) -> Iterator[None]:
    """Errors of the data module about ``static_df``'s file ``path`` named as ``fit`` was given it
    (``static_df='stores.csv'``), not as the command's ``--data.static_path stores.csv``."""
    try:
        yield
    except (ConfigError, DataError) as error:
        text = str(error)
        if path is None or STATIC_SETTING not in text:
            raise
        text = text.replace(f"{STATIC_SETTING} {path} (read as static_df)", f"static_df={path!r}")
        text = text.replace(f"{STATIC_SETTING} {path}", f"static_df={path!r}")
        raise type(error)(text.replace(STATIC_SETTING, "static_df")) from error


def fit_datamodule(
    data: str | os.PathLike | pd.DataFrame,
    static_df: pd.DataFrame | str | os.PathLike | None,
    stage: str | None,
    **settings: Any,
) -> tuple[ForecastDataModule, SeriesFeatures | None]:
    """The data module of a fit on ``data`` (``settings``: :class:`ForecastDataModule`'s, as
    ``Forecaster.fit`` passes its arguments), set up for ``stage`` (``None``: the data read only), and the
    per-series inputs it reads (``None``: none): a DataFrame's expanded here, a CSV's by the module.

    Raises:
        ConfigError, DataError: bad data or statics, named as ``fit`` was given them.
    """
    past, future = (
        column_list(settings.pop("past_covariates", None)),
        column_list(settings.pop("future_covariates", None)),
    )
    static_path = fit_static_path(data, static_df)
    features = None
    if isinstance(data, pd.DataFrame):
        time_col, target = settings.pop("time_col", None), settings.get("target")
        given = data
        features, data, time_col, past, future = frame_features(
            data, static_df, time_col, target, past, future
        )
        if features is not None:  # errors reading it name the user's columns and rows, not load[A]'s
            data = dataclasses.replace(
                read_table(data), features=features.origin(read_table(given), time_col)
            )
        module = ForecastDataModule.from_frame(
            data,
            **builtin_value(
                dict(settings, time_col=time_col, past_covariates=past, future_covariates=future)
            ),
        )
    else:  # a long CSV's per-series columns and a static_df CSV read as the command reads them
        module = ForecastDataModule(path=os.fspath(data), past_covariates=past, future_covariates=future,
                                    per_series_columns=True, static_path=static_path, **settings)  # fmt: skip
    with static_df_named(static_path):
        if stage is None:
            module.frame  # noqa: B018 (reading is the check)
        else:
            module.setup(stage)
    return module, features or module.series_features
