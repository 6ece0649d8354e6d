"""Step numbers written as text in the time column (``"1990"``, ``"101"``): what ``pd.read_csv(path,
dtype=str)``, a JSON payload (MLflow's scoring server turns ``"ds": ["101", "102"]`` into text) or an
Excel export gives. They are read as the integers ``pd.read_csv`` reads from the same column, so the
same years or step numbers are integer steps whether they come as numbers or as text (darts and
neuralforecast index such a series by integers too). Four-digit years are also yearly dates to
``pd.to_datetime``: read at fit as steps, with a warning that gives the conversion to dates."""

from __future__ import annotations

import pandas as pd

from ssm_ts.rank_zero_warnings import warn_on_rank_zero

from .epoch_times import compact_dates
from .periods import is_period

_WHOLE_NUMBER = r"[+-]?\d{1,18}"  # at most 18 digits: every one fits int64


def text_steps(column: pd.Series) -> pd.Series | None:
    """``column``'s whole numbers written as text (``" 1990"``, ``"-3"``) as ``Int64`` integers, with
    ``column``'s index; empty cells and the few that are no whole number (``"n/a"``: at most 10%, named
    by the caller as no steps) ``<NA>``. ``None`` for any other column: numbers, dates, Periods, other
    text, and compact dates (8 digits, ``20200131``, which ``pd.to_datetime`` reads as dates)."""
    if (
        pd.api.types.is_numeric_dtype(column)
        or pd.api.types.is_bool_dtype(column)
        or pd.api.types.is_datetime64_any_dtype(column)
        or is_period(column)
    ):
        return None
    text = column.dropna().astype(str).str.strip()
    whole = text[text.str.fullmatch(_WHOLE_NUMBER)]
    if text.empty or len(whole) < 0.9 * len(text):
        return None
    if (whole.str.len() == 8).all() and compact_dates(whole).notna().all():
        return None
    steps = pd.Series(pd.NA, index=column.index, dtype="Int64")
    steps.loc[whole.index] = whole.astype("int64").to_numpy()
    return steps


def warn_year_text(column: pd.Series, steps: pd.Series, name: str, where: str) -> None:
    """Warn, when every step of ``column`` (text read as ``steps`` by :func:`text_steps`) is a year
    written with four digits (``"1990"``), that they are read as integer steps, with the conversion that
    reads them as yearly dates instead (``pd.to_datetime`` would). Other step text is no date: no warning."""
    text = column.dropna().astype(str).str.strip()
    if not text.str.fullmatch(r"[1-9]\d{3}").all():
        return
    warn_on_rank_zero(
        f"{where}: column {name!r} holds years written as text (e.g. {text.iloc[0]!r}), read as integer steps, as "
        f"pd.read_csv reads them and as integer years are (the forecast's times are integers after {steps.max()}); "
        f"to forecast yearly dates instead, convert them first: "
        f"df[{name!r}] = pd.to_datetime(df[{name!r}], format='%Y')",
        UserWarning,
        stacklevel=None,  # the user's line, however deep the call
    )
