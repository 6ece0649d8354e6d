"""The series of a long table given to a fitted model, and the warning for those it was not fitted on:
they get no forecast (the model scales each series by its own training rows), and neuralforecast
forecasts every id of its ``df``, so a user coming from it is told rather than left to find one missing.

``Forecaster.predict``/``backtest`` (:mod:`ssm_ts.api.forecast_subset`) and the command line's
``predict``/``validate``/``test`` of a checkpoint (:mod:`.datamodule_source`) warn alike.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ssm_ts.rank_zero_warnings import warn_on_rank_zero

from .parquet_table import fitted_read_options
from .reader import TableSource, read_table
from .series_spec import SeriesSpec
from .written_ids import with_written_ids


def given_series(
    data: TableSource, spec: SeriesSpec, read_options: dict[str, Any] | None
) -> tuple[str, list[str]] | None:
    """``(the table's name, the series ids it holds, as the file writes them)`` of ``data`` read for a
    model of ``spec`` fitted on a long table (a CSV with ``read_options``, or the fit's when ``None``);
    ``None`` when ``data`` has no id column (then reading it names the problem)."""
    if read_options is None and not isinstance(data, pd.DataFrame):
        read_options = fitted_read_options(data, spec.read_options)
    table = with_written_ids(read_table(data, read_options), spec.id_col)  # "007" stays text, not 7
    if spec.id_col not in table.frame.columns:
        return None
    return table.name, list(dict.fromkeys(str(i) for i in table.frame[spec.id_col].dropna().unique()))


def warn_unknown_series(name: str, given: list[str], spec: SeriesSpec) -> None:
    """Warn, naming the table ``name``, of the ``given`` series that are no target or covariate of ``spec``."""
    known = set(spec.input_columns)  # once, not a list built and scanned for each of thousands of ids
    unknown = [g for g in given if g not in known]
    if not unknown:
        return
    targets = spec.targets
    one = len(unknown) == 1
    shown = unknown[:10] + ([f"... ({len(unknown)} in all)"] if len(unknown) > 10 else [])
    warn_on_rank_zero(
        f"{name}: series {shown} {'is' if one else 'are'} not among those the model was fitted "
        f"to forecast ({len(targets)}: {targets[:10]}{' ...' if len(targets) > 10 else ''}), so "
        f"{'it gets' if one else 'they get'} no forecast (the model scales each series by "
        f"its own training rows). Refit with {'it' if one else 'them'} to forecast "
        f"{'it' if one else 'them'}, or leave {'its' if one else 'their'} rows out.",
        UserWarning,
        stacklevel=None,  # the user's line, however deep the call
    )
