"""A request's data as the DataFrame the forecast and audio pyfuncs read, or a DataError naming what to send.

MLflow's scoring server passes ``{"inputs": ...}`` on as it parsed it: ``{"inputs": {"seconds": 0.5}}``
as a dict of 0-d arrays, ``{"inputs": 3}`` or ``{"inputs": "co2.csv"}`` as a 0-d array and
``{"inputs": null}`` as ``np.array(None)``. ``pd.DataFrame`` refuses the first three with a ValueError,
which the server answers "Encountered an unexpected error", the reason only in its log. Row records,
``{"inputs": [{"seconds": 0.5}, ...]}``, come as row dicts of 0-d arrays, which it keeps as cells.
A ``text/csv`` body is read with ',' only: one written with ';' arrives as one column (:func:`check_separator`).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pandas as pd

from ssm_ts.errors import DataError
from ssm_ts.pipelines.forecasting.read_code import keywords_text
from ssm_ts.pipelines.forecasting.reader import joined_columns, separator_text


def request_frame(model_input: Any, expected: str) -> pd.DataFrame | None:
    """``model_input`` as a DataFrame; ``None`` for no data (``None``, a served ``{"inputs": null}``).

    A dict of single values (``{"seconds": 0.5}``) is one row; a dict of lists, a list of row dicts or
    an array is what ``pd.DataFrame`` makes of it. ``expected`` (e.g. ``"one row per clip with a
    'seconds' column"``) ends the DataError for a single value, text or a file path, and for columns
    of different lengths.
    """
    if isinstance(model_input, pd.DataFrame):
        return model_input
    if isinstance(model_input, np.ndarray) and model_input.ndim == 0:
        model_input = model_input.item()  # a served single value, null or text
    if model_input is None:
        return None
    if isinstance(model_input, (str, bytes, os.PathLike)):
        raise DataError(
            f"the request's data is text ({_shown(model_input)}), not a table: a served model reads no "
            f"files. Send {expected}."
        )
    if np.isscalar(model_input):
        raise DataError(
            f"the request's data is a single value ({_shown(model_input)}), not a table. Send {expected}."
        )
    if isinstance(model_input, dict):
        return _dict_frame(model_input, expected)
    if (
        isinstance(model_input, (list, tuple))
        and model_input
        and all(isinstance(r, dict) for r in model_input)
    ):
        # served {"inputs": [{...}, ...]}: row dicts of 0-d arrays, which pd.DataFrame keeps as cells
        return pd.DataFrame([{name: _single(v) for name, v in row.items()} for row in model_input])
    return pd.DataFrame(model_input)


def _single(value: Any) -> Any:
    """A served 0-d array as its value; anything else as it is."""
    return value.item() if isinstance(value, np.ndarray) and value.ndim == 0 else value


def _dict_frame(columns: dict, expected: str) -> pd.DataFrame:
    """A column dict as a frame: one row when every value is a single value (``{"seconds": 0.5}``)."""
    values = {name: _single(v) for name, v in columns.items()}
    if all(v is None or np.isscalar(v) for v in values.values()):
        return pd.DataFrame([values])
    try:
        return pd.DataFrame(values)
    except ValueError as err:  # "All arrays must be of the same length", "If using all scalar values..."
        lengths = {
            name: len(v) if hasattr(v, "__len__") and not isinstance(v, str) else 1
            for name, v in values.items()
        }
        raise DataError(
            f"the request's columns have different lengths ({lengths}); give every column one value per "
            f"row. Send {expected}."
        ) from err


def _shown(value: Any) -> str:
    """``value``'s repr, cut to 60 characters: the request's text may be a whole file."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_separator(
    frame: pd.DataFrame | None, columns: list[str], name: str, fitted_keywords: dict[str, Any] | None = None
) -> None:
    """Refuse a table of one column whose name is ``columns`` joined by another separator (``'date;OT'``,
    :func:`~ssm_ts.pipelines.forecasting.reader.joined_columns`): a CSV written with ``;`` read with ``,``,
    pandas' default and the only separator MLflow's scoring server reads a ``text/csv`` body with. Its
    error said "columns are ['date;OT']", nothing of the separator. ``columns``: the model's column
    names; ``name``: the table as the error names it (``"the request's table"``); ``fitted_keywords``: the
    ``pd.read_csv`` keywords that read the fit's CSV (``{"sep": ";", "decimal": ","}``, a spec's
    ``csv_keywords``), shown when it has this separator; ``None`` where not known.

    Raises:
        DataError: naming the separator, the served fix (a ',' CSV or JSON) and the Python read.
    """
    if frame is None or frame.shape[1] != 1 or (joined := joined_columns(frame.columns[0], columns)) is None:
        return
    sep, parts = joined
    fitted = (
        fitted_keywords or {}
    )  # the separator first, as the reader lists them; a saved model's are sorted
    keywords = keywords_text({"sep": sep, **fitted} if fitted.get("sep") == sep else {"sep": sep})
    raise DataError(
        f"{name} has {separator_text(frame.columns[0], sep, parts)}. Served, send a CSV with ',' "
        "between fields (MLflow's scoring server reads a text/csv body with ',' only) or JSON "
        '({"dataframe_split": {"columns": [...], "data": [[...], ...]}}); in Python, read the file '
        f"so: pd.read_csv(path{keywords})."
    )
