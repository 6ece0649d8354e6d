"""A forecast request of two tables, with neuralforecast's names: ``{"df": history, "futr_df": future}``,
the history and the known-future covariates of the forecast steps apart, as ``Forecaster.predict(df,
futr_df=...)`` takes them.

An MLflow pyfunc takes one ``model_input`` and scalar or 1-D ``params`` only (a ``ParamSpec`` holds no
table), so the two tables travel as one dict. In Python: ``model.predict({"df": history, "futr_df":
future})``. Served: ``{"inputs": {"df": [row, ...], "futr_df": [row, ...]}}`` (each part as row records
or as a dict of columns); MLflow's scoring server passes it on as a dict of NumPy object arrays, row
records as a 1-D array of row dicts and a dict of columns as a 0-d array holding it. A
``dataframe_split`` / ``dataframe_records`` / CSV body carries one table only: there the future rows
are appended to the history, targets empty. Either part may be left out, as neuralforecast's
``predict(df)`` without ``futr_df``: ``{"df": history}`` and ``{"df": history, "futr_df": None}`` (served
``null``) forecast as ``Forecaster.predict(history)``; ``{"futr_df": future}`` after the saved history.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ssm_ts.errors import DataError

# neuralforecast's names of predict's two tables
HISTORY_KEY, FUTURE_KEY = "df", "futr_df"


def split_request(model_input: Any, columns: list[str]) -> tuple[Any, Any] | None:
    """``(history, future)`` parts of a two-table request, each as sent: a dict with ``df`` and/or
    ``futr_df``, as neuralforecast's ``predict(df=..., futr_df=...)`` takes them. ``history`` is ``None``
    when left out (the forecast then starts after the history saved with the model), ``future`` when
    left out or ``None`` (served: ``null``): no known-future rows apart, as ``Forecaster.predict(df)``.
    ``None`` for any other request (a table, or a dict of ``columns``, the model's own column names,
    which is one table; a model with a column ``df`` or ``futr_df`` takes such a dict as its columns, unless
    that key holds a table: a DataFrame, row records or a dict of columns).

    Raises:
        DataError: a dict with ``df`` / ``futr_df`` beside keys that are neither.
    """
    if not isinstance(model_input, dict):
        return None
    keys = [key for key in (HISTORY_KEY, FUTURE_KEY) if key in model_input]
    if not keys or any(key in columns and not _is_table(model_input[key]) for key in keys):
        return None  # a model with a column of that name, sent its values: a dict of its columns
    others = sorted(str(k) for k in model_input if k not in (HISTORY_KEY, FUTURE_KEY))
    if others:
        raise DataError(
            f"the request has '{keys[-1]}' beside {others}: a two-table request holds only '{HISTORY_KEY}' "
            f"(the history) and '{FUTURE_KEY}' (the known-future covariates of the forecast steps), "
            f'served as {{"inputs": {{"{HISTORY_KEY}": [row, ...], "{FUTURE_KEY}": [row, ...]}}}}; a one-table '
            f"request as a dict holds the columns {columns}."
        )
    return _as_rows(model_input.get(HISTORY_KEY)), _as_rows(model_input.get(FUTURE_KEY))


def _as_rows(part: Any) -> Any:
    """A served part as :func:`~.request_frames.request_frame` reads it: the scoring server's 1-D
    object array of row dicts as their list (``pd.DataFrame`` would make one column of dicts)."""
    if isinstance(part, np.ndarray) and part.ndim == 1 and part.dtype == object:
        if len(part) and all(isinstance(row, dict) for row in part):
            return list(part)
    return part


def _is_table(part: Any) -> bool:
    """Whether a request's value is a table (a DataFrame, row records, a dict of columns; served, a 0-d
    array holding a dict), not a column's values."""
    part = _as_rows(part)
    if isinstance(part, np.ndarray) and part.ndim == 0:
        part = part.item()
    if isinstance(part, list):
        return bool(part) and all(isinstance(row, dict) for row in part)
    return isinstance(part, dict | pd.DataFrame)
