"""``predict(futr_df=...)``: the known-future covariates of the forecast steps given apart from the
history, as neuralforecast's ``predict(futr_df=...)`` takes them, instead of as rows appended to it.

``futr_df`` is a DataFrame or CSV in the layout the model was fitted on: wide, the time column and
the known-future covariate columns; long, the rows of the covariate series (``unique_id`` naming
them, values in ``y``). Its rows after the data's last observed time are the future rows: they
replace any the data ends with. Rows at or before that time are left out, so a frame that also
covers the history (a calendar table) may be given whole.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ssm_ts.errors import ConfigError, DataError
from ssm_ts.pipelines.csv_options import ReadOptions
from ssm_ts.pipelines.forecasting import load_like
from ssm_ts.pipelines.forecasting.feature_origin import own_covariate, user_covariates
from ssm_ts.pipelines.forecasting.frames import future_times
from ssm_ts.pipelines.forecasting.parquet_table import fitted_read_options
from ssm_ts.pipelines.forecasting.reader import TableSource, read_table, require_table_source
from ssm_ts.pipelines.forecasting.scaler import ScalerState
from ssm_ts.pipelines.forecasting.series_spec import SeriesSpec
from ssm_ts.pipelines.forecasting.spans import n_observed_rows
from ssm_ts.pipelines.forecasting.value_range import check_value_range

if TYPE_CHECKING:
    from ssm_ts.api.forecaster import Forecaster


def with_future_frame(fc: Forecaster, frame: pd.DataFrame, futr_df: TableSource, needed: int) -> pd.DataFrame:
    """``frame`` (a checked frame of ``fc.spec_``) up to its last observed row, then the rows of
    ``futr_df`` after it: times on the fitted grid, known-future covariates from ``futr_df``, the
    other columns empty. ``needed``: the future rows the forecast reads (the horizon, or
    ``ceil(n / horizon) * horizon`` for a rollout).

    Raises:
        ConfigError: the model has no known-future covariates.
        DataError: ``futr_df`` lacks a covariate, or its rows do not continue the data's times (named,
            with the fix).
    """
    require_table_source(futr_df, "futr_df")
    if not fc.spec_.future_covariates:
        raise ConfigError(
            "futr_df gives known-future covariates, and this model was fitted without any "
            "(fit(..., future_covariates=[...])): leave futr_df out."
        )
    scaler = fc.task_.scaler_state(fc.spec_.input_columns)
    try:
        future = fc._future_with_features(futr_df)  # per-series columns and statics as their series' rows
        return future_rows_appended(frame, future, fc.spec_, scaler, needed)
    except DataError as error:
        raise _with_saved_read_options(error, futr_df, fc.spec_) from error


def _with_saved_read_options(error: DataError, futr_df: TableSource, spec: SeriesSpec) -> DataError:
    """``error`` of a ``futr_df`` CSV read with the fit's saved read options, saying so with the
    DataFrame that reads a file written another way (``predict``'s ``read_options`` are the data's);
    of one read by detection (a fit without read options) whose error names ``read_options``, saying
    they go to ``pd.read_csv`` and the DataFrame to ``futr_df`` (given to ``predict`` they read the
    data, or are refused without it). ``error`` itself for a DataFrame, another error or a
    :class:`DataError` subclass."""
    if isinstance(futr_df, pd.DataFrame) or type(error) is not DataError:
        return error
    if not spec.read_options:
        if "read_options=" not in str(error):
            return error
        options = _named_options(str(error))
        if options is not None:  # the call itself, to paste
            keywords = "".join(f", {key}={value!r}" for key, value in options.items())
            give = f"futr_df=pd.read_csv({str(futr_df)!r}{keywords})"
        else:
            give = f"futr_df=pd.read_csv({str(futr_df)!r}, **options) with options the dict that reads it"
        return DataError(
            f"{error}\n(the futr_df file was read by detection, as the fit read its data; predict's read_options "
            f"read the data, not futr_df: read the file with those options as pd.read_csv keywords and give "
            f"the DataFrame, {give})"
        )
    return DataError(
        f"{error}\n(the futr_df file was read with read_options {spec.read_options}, the fit's, saved with "
        f"the model; a file written another way can be given as a DataFrame: "
        f"futr_df=pd.read_csv({str(futr_df)!r}, sep=None, engine='python'))"
    )


_OPTIONS = re.compile(r"read_options=(\{[^{}]*\})")  # a dict the reader's error names, no dict inside


def _named_options(message: str) -> dict[str, object] | None:
    """The read options the reader's ``message`` names (``read_options={'skiprows': 2}``), when it names
    one dict (however often); ``None`` when it names none that reads as a dict, several, or one the user
    chooses a value of (``read_options={'dayfirst': True} (or False``)."""
    found = []
    for match in _OPTIONS.finditer(message):
        if message.startswith(" (or ", match.end()):
            return None
        try:
            options = ast.literal_eval(match.group(1))
        except (ValueError, SyntaxError):
            continue
        if isinstance(options, dict) and options not in found:
            found.append(options)
    return found[0] if len(found) == 1 else None


def future_rows_appended(
    frame: pd.DataFrame,
    futr_df: TableSource,
    spec: SeriesSpec,
    scaler: ScalerState | None,
    needed: int,
    *,
    setting: str = "futr_df",
    steps_setting: str = "predict(n=...)",
    data_name: str = "the data",
    read_options: ReadOptions | None = None,
) -> pd.DataFrame:
    """:func:`with_future_frame` for any front end: ``frame`` (checked with ``spec``) up to its last
    observed row, then ``futr_df``'s rows after it, their values checked against ``scaler`` (the
    model's; ``None``: unchecked). Errors call the table ``setting`` (``futr_df``, or the CLI's
    ``--futr_path``), the option of a longer forecast ``steps_setting`` and the history ``data_name``;
    a CSV is read with ``read_options`` (``None``: the fit's, ``spec.read_options``)."""
    name = "the futr_df DataFrame" if isinstance(futr_df, pd.DataFrame) else str(futr_df)
    try:
        future, n_empty = _covariate_rows(futr_df, spec, name, setting, read_options)
    except DataError as error:  # a frame's errors call it "the DataFrame": name which one
        if not isinstance(futr_df, pd.DataFrame):
            raise
        raise DataError(str(error).replace("the DataFrame", name)) from error
    n_observed = n_observed_rows(frame, spec.targets)
    last = frame[spec.time_col].iloc[n_observed - 1]
    # the covariates as the user's table gives them: a series' own column once (load, not load[A])
    given = user_covariates(spec.future_covariates, spec.targets, spec.long_format)
    future = future[future[spec.time_col] > last].reset_index(drop=True)
    expected = future_times(last, spec.freq, max(len(future), 1))
    if not len(future) or not (pd.Index(future[spec.time_col]) == expected).all():
        found = (
            "no rows after it"
            if not len(future)
            else f"its rows after it start {future[spec.time_col].iloc[0]}"
        )
        raise DataError(
            f"{name}: the forecast steps start at {spec.time_col} {expected[0]}, the step after "
            f"{data_name}'s last observation ({last}); {setting} has {found}. Give the known-future "
            f"covariates {given} of the steps from {expected[0]} on, one row per step."
        )
    if len(future) < needed:
        # rows whose covariates are all empty end the read silently: the file seems to hold them
        unread = f", not counting {n_empty} with {given} empty" if n_empty else ""
        raise DataError(
            f"{name} has {len(future)} rows after {data_name}'s last observation ({last}){unread}; the forecast "
            f"reads the known-future covariates {given} of {needed} steps (the horizon, or "
            f"ceil(n / horizon) * horizon for {steps_setting}): give rows up to {spec.time_col} "
            f"{future_times(last, spec.freq, needed)[-1]}."
        )
    # one block: a column at a time took a second at 1,000 per-series columns
    block = np.full((len(future), len(spec.input_columns)), np.nan)
    position = {name: j for j, name in enumerate(spec.input_columns)}
    block[:, [position[c] for c in spec.future_covariates]] = future[spec.future_covariates].to_numpy(
        dtype="float64"
    )
    rows = pd.DataFrame(block, columns=spec.input_columns)
    rows.insert(0, spec.time_col, future[spec.time_col].to_numpy())
    combined = pd.concat([frame.iloc[:n_observed], rows], ignore_index=True)
    combined[spec.time_col] = combined[spec.time_col].astype(frame[spec.time_col].dtype)
    combined.attrs = frame.attrs  # the fill record of the history
    if scaler is not None:
        check_value_range(combined, spec, scaler, name, fitted=True)
    return combined


def _covariate_rows(
    futr_df: TableSource, spec: SeriesSpec, name: str, setting: str, read_options: ReadOptions | None
) -> tuple[pd.DataFrame, int]:
    """The time column and the known-future covariates of ``futr_df``, read as the model reads its
    data (times on the fitted grid and zone, CSVs with ``read_options`` or the fit's, the fit's fill
    policy), and how many of its rows hold an empty covariate (trailing ones are not read)."""
    if read_options is None and not isinstance(futr_df, pd.DataFrame):
        read_options = fitted_read_options(futr_df, spec.read_options)
    table = read_table(futr_df, read_options)
    columns = [str(c) for c in table.frame.columns]
    covariates = spec.future_covariates
    if spec.long_format:
        needed = [spec.id_col, spec.value_col]
        missing = [c for c in needed if c not in columns]
        ids = table.frame[spec.id_col].astype(str) if spec.id_col in columns else pd.Series([], dtype=str)
        present = set(ids.unique())  # once: a comparison of every row per covariate series took seconds
        missing_series = [c for c in covariates if c not in present]
        if missing or missing_series:
            # per-series inputs (promo[store_1]) are no series a user names: the store's rows hold promo
            owned = {c: own for c in covariates if (own := own_covariate(c, spec.targets, True))}
            owners = list(dict.fromkeys(t for _, t in owned.values()))
            shared = [c for c in covariates if c not in owned]
            holds = (
                [
                    f"the rows of its known-future covariate series {shared} ({spec.id_col}, the time column, their "
                    f"values in {spec.value_col!r})"
                ]
                if shared
                else []
            )
            holds += [f"the rows of the series {owners} with their per-series columns"] if owners else []
            raise DataError(
                f"{name} has {'no columns ' + str(missing) if missing else 'no rows of the series ' + str(missing_series)}; "
                f"the model was fitted on a long table, so {setting} holds {' beside '.join(holds)} for the "
                "forecast steps."
            )
        n_empty = int(table.frame[spec.value_col][ids.isin(covariates)].isna().sum())
    else:
        missing = [c for c in covariates if c not in columns]
        if missing:
            raise DataError(
                f"{name} has no column {missing}; columns are {columns}. {setting} holds the time column and "
                f"the known-future covariates {covariates} the model was fitted with, one row per forecast step."
            )
        n_empty = int(
            table.frame[[c for c in table.frame.columns if str(c) in covariates]].isna().all(axis=1).sum()
        )
    # read as the data is, the covariates in the targets' place: every check and the fill apply to
    # them; the model's targets, there or not, are left out
    as_targets = dataclasses.replace(spec, targets=list(covariates), past_covariates=[], future_covariates=[])
    return load_like(futr_df, as_targets, allow_future_rows=True, read_options=read_options), n_empty
