"""``Forecaster.fit``'s ``past_covariates``/``future_covariates`` name columns of its data. A darts user
passes the covariates themselves (``fit(series, past_covariates=TimeSeries)``): a DataFrame given
there was read as its column names (``['date', 'HUFL']``), and the error said the time column was
named as a covariate. It is refused here, with the join that makes it columns of the data."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ssm_ts.errors import ConfigError


def require_covariate_names(data: Any, time_col: str | None, **covariates: Any) -> None:
    """Each of ``covariates`` (``past_covariates=...``, ``future_covariates=...``) is column names, not
    a table of its own (a pandas DataFrame or Series).

    Raises:
        ConfigError: a DataFrame or Series given as covariates, naming its columns and the merge that
            adds them to ``data`` (on ``time_col``, else a column ``data`` shares with it).
    """
    for setting, given in covariates.items():
        if not isinstance(given, (pd.DataFrame, pd.Series)):
            continue
        table = given.to_frame() if isinstance(given, pd.Series) else given
        if any(name is not None for name in table.index.names):  # its times (and ids) as the index
            table = table.reset_index()
        columns = [str(c) for c in table.columns]
        shared = [c for c in columns if isinstance(data, pd.DataFrame) and c in data.columns]
        on = time_col if time_col in columns else (shared[0] if shared else None)
        if on is None and not isinstance(data, pd.DataFrame):  # a CSV, unread: on the covariates' times
            on = next((c for c in columns if pd.api.types.is_datetime64_any_dtype(table[c])), None)
        values = [c for c in columns if c not in (on, "unique_id")]
        join = f"on={on!r}" if on else "on=<the time column>, its times as a column"
        # a CSV's path has no .merge: read first, its times as times (a merge of text on times fails)
        dates = f", parse_dates=[{on!r}]" if on and pd.api.types.is_datetime64_any_dtype(table[on]) else ""
        table_of = "data" if isinstance(data, pd.DataFrame) else f"pd.read_csv({str(data)!r}{dates})"
        join = f"data = {table_of}.merge(covariates, {join})"
        later = (
            "; their rows after the data's end forecast it: predict(futr_df=covariates)"
            if "future" in setting
            else ""
        )
        raise ConfigError(
            f"{setting} names columns of the data (e.g. {setting}={values[:3]!r}), got a "
            f"{type(given).__name__} of the columns {columns[:10]}. Covariates given apart (as darts' "
            f"{setting}=TimeSeries) are joined to the data first, one row per time: {join}, then "
            f"fit(data, ..., {setting}={values[:10]!r}){later}."
        )
