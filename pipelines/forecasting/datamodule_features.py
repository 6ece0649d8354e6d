"""A long CSV's per-series inputs read by :class:`~.datamodule.ForecastDataModule` (``ssm-ts forecast``):
covariate columns beside ``y`` named in ``--data.past_covariates`` / ``--data.future_covariates``
(each series' own ``price``), and ``--data.static_path``, a CSV of one row of static features per
series, as neuralforecast's ``static_df``.

The expansion into covariate series (``price[store_1]``) is :class:`~.series_features.SeriesFeatures`',
the code ``Forecaster.fit(df, static_df=...)`` runs: both front ends read the same series. The table
stays a :class:`~.reader.Table` of the CSV, so errors reading it name the file, not "the DataFrame".
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ssm_ts.errors import ConfigError, DataError

from .frames import future_times
from .long_table import is_long
from .parquet_table import fitted_read_options
from .reader import Table, TableSource, read_table
from .series_features import SeriesFeatures, fit_features, read_static_df
from .series_spec import SeriesSpec
from .spans import n_observed_rows
from .written_ids import with_written_ids

# the option that gives the statics, as errors name it
STATIC_SETTING = "--data.static_path"

# the features beside an export (Forecaster.save's and the CLI's logged model): a long table's
# per-series covariate columns and static features, as JSON
FEATURES_FILE = "series_features.json"


def read_raw(source: TableSource, read_options: dict[str, Any] | None, id_col: str) -> Table:
    """``source`` read without interpreting any column, a long CSV's ids as the file writes them."""
    return with_written_ids(read_table(source, read_options), id_col)


def read_static_file(path: str, id_col: str) -> pd.DataFrame:
    """The CSV ``path`` of ``--data.static_path`` (one row per series: ``id_col`` and numeric features),
    read by detection, its ids as the file writes them (``007`` stays text)."""
    return read_raw(path, None, id_col).frame


def static_file_error(path: str, error: DataError, given_as: str | None = None) -> DataError:
    """``error`` (about ``static_df``, as the API calls it) naming the file (``given_as``: how the user
    gave it, by default ``--data.static_path <path>``; ``Forecaster.fit``'s ``static_df='<path>'``) and
    how its pandas fix is applied to that file."""
    given_as = given_as or f"{STATIC_SETTING} {path} (read as static_df)"
    return DataError(
        f"{given_as}: {error} To fix the file: "
        f"static_df = pd.read_csv({path!r}), that fix, then static_df.to_csv({path!r}, index=False)."
    )


def fit_table(
    source: TableSource,
    read_options: dict[str, Any] | None,
    static_path: str | None,
    time_col: str | None,
    target: str | list[str] | None,
    past: list[str],
    future: list[str],
    id_col: str,
    value_col: str,
) -> tuple[SeriesFeatures, Table, str | None, list[str], list[str]] | None:
    """A fit's data with its per-series inputs: ``(features, table, time_col, past, future)``, the
    table holding the covariate series' rows (:meth:`SeriesFeatures.expand`) and ``past``/``future``
    naming them; ``None`` when ``source`` has none (no ``static_path``, and no covariate named by a
    column of a long table), so it is read as ever.

    Raises:
        DataError: a bad static file (named, with the fix), statics for a wide table, or the
            per-series columns' own errors (:mod:`.series_features`).
    """
    if static_path is None and not past and not future:
        return None
    table = read_raw(source, read_options, id_col)
    statics = None
    if static_path is not None:
        if not is_long(table.frame, id_col, value_col, time_col):
            raise DataError(
                f"{STATIC_SETTING} {static_path} gives static features per series of a long table (columns "
                f"{id_col!r}, a time column, {value_col!r}); {table.name} is wide (columns "
                f"{list(table.frame.columns)[:10]}). Leave {STATIC_SETTING} out, or write the data long: "
                f"df.melt(id_vars=[{time_col or str(table.frame.columns[0])!r}], var_name={id_col!r}, "
                f"value_name={value_col!r})."
            )
        statics = read_static_file(static_path, id_col)
    try:
        found = fit_features(table.frame, statics, time_col, target, past, future, id_col, value_col)
    except DataError as error:
        if statics is not None and str(error).startswith("static_df"):
            raise static_file_error(static_path, error) from error
        raise DataError(str(error).replace("the DataFrame", table.name)) from error
    features, frame, time_col, past, future = found
    if features is None:
        return None
    expanded = dataclasses.replace(table, frame=frame, features=features.origin(table, time_col))
    return features, expanded, time_col, past, future


def fitted_table(
    source: TableSource, features: SeriesFeatures, spec: SeriesSpec, read_options: dict[str, Any] | None
) -> Table | pd.DataFrame:
    """New data for a model fitted with per-series inputs, read as its training data was: the long
    table with the rows of ``features``' covariate series (its per-series columns, the stored statics).
    A table holding those rows already (the MLflow model's input example) is read as it is."""
    if read_options is None and not isinstance(source, pd.DataFrame):
        read_options = fitted_read_options(source, spec.read_options)
    table = read_raw(source, read_options, spec.id_col)
    if spec.id_col not in table.frame.columns or features.holds_feature_rows(table.frame):
        return table  # read as ever: the reader names what is missing
    return features.expanded_table(table, spec.time_col)


def fitted_future_table(
    path: str | os.PathLike,
    features: SeriesFeatures,
    spec: SeriesSpec,
    read_options: dict[str, Any] | None,
    name: str | None = None,
    setting: str = "--futr_path",
) -> Table:
    """``--futr_path``'s CSV (or ``Forecaster.predict``'s ``futr_df`` path) for a model with per-series
    inputs: the rows of its covariate series for the forecast steps (each series' known-future columns,
    the stored statics), as ``Forecaster.predict`` reads a ``futr_df`` DataFrame
    (:meth:`SeriesFeatures.expand_future`). Read with ``read_options`` (``None``: the fit's); errors
    call the file ``name`` (default ``--futr_path <path>``) and the option ``setting``.

    Raises:
        DataError: the file has no series id column, or lacks a series' known-future column (named).
    """
    name = name or f"{setting} {os.fspath(path)}"
    if read_options is None:
        read_options = fitted_read_options(path, spec.read_options)
    table = read_raw(path, read_options, spec.id_col)
    require_future_ids(table.frame, features, spec, name, setting)
    return features.expanded_table(table, spec.time_col, future=True, where=name)


def require_future_ids(
    futr: pd.DataFrame, features: SeriesFeatures, spec: SeriesSpec, name: str, setting: str = "futr_df"
) -> None:
    """``futr`` (a future table named ``name``, given as ``setting``) of a model with per-series inputs
    has the series id column (or index level): without it the reader took it for a wide table and
    asked for rows of the covariate series the fit builds internally (``load[store_1]``).

    Raises:
        DataError: no id column, naming neuralforecast's futr_df columns.
    """
    if spec.id_col in futr.columns or spec.id_col in (futr.index.names or []):
        return
    columns = [spec.id_col, spec.time_col, *features.future]
    raise DataError(
        f"{name} has no column {spec.id_col!r} (columns: {list(futr.columns)[:10]}); this model reads "
        f"per-series inputs ({', '.join(features.features)}), so {setting} holds a row per series and "
        f"forecast step: the columns {columns}, as neuralforecast's futr_df."
    )


def check_static_path(path: str, features: SeriesFeatures, id_col: str) -> None:
    """``--data.static_path`` given for a checkpoint holds the statics it was fitted with: the model reads
    its own (kept in the checkpoint), so another file would be forecast with statics it was never
    fitted on, or silently not at all.

    Raises:
        ConfigError: the model has no statics, or the file's differ from the stored ones.
    """
    if not features.statics:
        raise ConfigError(
            f"{STATIC_SETTING} {path}: the checkpoint's model was fitted without static features; leave "
            f"{STATIC_SETTING} out."
        )
    given = read_static_file(path, id_col)
    try:  # checked as a fit checks it: the fitted series need a row each
        statics = read_static_df(given, id_col, pd.DataFrame({id_col: features.series}), features.series)
    except DataError as error:
        raise static_file_error(path, error) from error
    differ = [
        c for c in {*statics, *features.statics}
        if c not in statics or c not in features.statics
        or not np.allclose([statics[c][s] for s in features.series], [features.statics[c][s] for s in features.series])
    ]  # fmt: skip
    if differ:
        raise ConfigError(
            f"{STATIC_SETTING} {path} gives other static features than the model was fitted with (the "
            f"columns {sorted(differ)} differ; fitted: {sorted(features.statics)}). The checkpoint keeps "
            f"its statics and reads them itself: leave {STATIC_SETTING} out, or fit again with this file."
        )


def static_future_rows(
    frame: pd.DataFrame, spec: SeriesSpec, features: SeriesFeatures | None, steps: int
) -> pd.DataFrame | None:
    """``steps`` rows after ``frame`` (read with ``spec``) holding the stored statics, when they are the
    model's only known-future per-series inputs and ``frame`` ends with no future rows of the user's:
    what ``Forecaster.predict`` adds for such a model. ``None`` otherwise."""
    if features is None or not features.only_static_future:
        return None
    if n_observed_rows(frame, spec.targets) < len(frame):  # future rows of the user's: read those
        return None
    times = future_times(frame[spec.time_col].iloc[-1], spec.freq, steps)
    rows = features.future_rows(frame, spec, times)
    rows[spec.time_col] = rows[spec.time_col].astype(frame[spec.time_col].dtype)
    return rows


def save_features(directory: str | os.PathLike, features: SeriesFeatures | None) -> None:
    """Write ``features`` beside an export in ``directory`` (nothing for ``None``): a loaded model's
    predict and backtest expand new tables with them."""
    if features is not None:
        (Path(directory) / FEATURES_FILE).write_text(json.dumps(features.to_dict()))


def same_path(given: str, fitted: str | None) -> bool:
    """``given`` names the file ``fitted`` names: the same text, or the same file where both exist."""
    if fitted is None:
        return False
    if given == fitted:
        return True
    return os.path.exists(given) and os.path.exists(fitted) and os.path.samefile(given, fitted)
