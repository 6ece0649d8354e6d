"""The series ids of a long table (``unique_id``) in the user's own dtype.

A long table is pivoted to one column per series, named by the id as text (``1`` -> ``"1"``), and
:class:`~.series_spec.SeriesSpec` lists the targets by those names. The outputs in long layout give
the ids back as the input had them, as neuralforecast does: integer ids (``1, 2``) come back as
integers, so a ``merge`` on ``unique_id`` with the user's own frame joins. The spec records the
dtype (``id_dtype``) for numeric ids only (integers, unsigned, floats, their nullable kinds); other
ids (text, categories, dates) come back as text, their names.
"""

from __future__ import annotations

from typing import Any

import pandas as pd


def numeric_id_dtype(ids: pd.Series) -> str | None:
    """The dtype to give ``ids`` (a long table's id column) back in: ``"int64"``, ``"Int64"``,
    ``"float64"``...; ``None`` for ids that are text (or anything not a number), given back as text."""
    dtype = ids.dtype
    if pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype):
        return None
    return str(dtype)


def restore_ids(names: Any, id_dtype: str | None) -> Any:
    """Series names (text, ``(n,)``) as ids of ``id_dtype`` (an array of it; ``names`` as they are
    when ``id_dtype`` is ``None``). ``str(1)`` -> ``1``, ``str(1.5)`` -> ``1.5``."""
    if id_dtype is None:
        return names
    return pd.Series(pd.to_numeric(pd.Series(names, dtype=object))).astype(id_dtype).to_numpy()


def shown_ids(names: list[Any], id_dtype: str | None) -> list[Any]:
    """Series names for an error message, as the user's ids: with numeric ids (``id_dtype``) a name
    ``"10"`` is shown as ``10``; other names (text that is no number, ids already numbers) as given."""
    if id_dtype is None:
        return list(names)
    shown = []
    for name in names:
        if isinstance(name, str):
            try:
                name = restore_ids([name], id_dtype)[0]
                name = name.item() if hasattr(name, "item") else name
            except (ValueError, TypeError):
                pass
        shown.append(name)
    return shown


def leave_out_code(names: list[Any], id_col: str, id_dtype: str | None) -> str:
    """The pandas line that drops series ``names`` from a long table: ``df = df[~df['unique_id'].isin([4])]``."""
    return f"df = df[~df[{id_col!r}].isin({shown_ids(names, id_dtype)!r})]"


def ids_as_names(frame: pd.DataFrame, id_col: str) -> pd.DataFrame:
    """``frame`` (long) with its ``id_col`` as the text the series are named by (a copy when they
    are not text already), for matching ids with the spec's target names."""
    ids = frame[id_col]
    if ids.dtype == object and all(isinstance(i, str) for i in pd.unique(ids)):
        return frame
    return frame.assign(**{id_col: ids.astype(str)})


def series_names(requested: list[Any], targets: list[str]) -> list[Any]:
    """Series the user named (``plot(series=[1])``) as the spec's names: a number (or other id) that
    is no name itself but whose text is, becomes that text; anything else is kept, for the caller's
    error."""
    known = set(targets)
    return [str(name) if not isinstance(name, str) and str(name) in known else name for name in requested]
